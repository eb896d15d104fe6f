/**
 * nodejs-22 and nodejs-24, the maintained Node.js lines, from NodeSource's signed apt repository
 * (never `curl | bash`). nodejs-20 (end of life) is still offered, with a warning, and so is
 * `nodejs-18`, which resolves to nodejs-20. NodeSource's `nodistro` repository serves any
 * Debian-based image, Ubuntu 26.04 included, so the capability has no image restriction.
 */
import { defineCapability } from '../../src/capability/define.js';
import type { AptSource, CapabilityDefinition } from '../../src/capability/types.js';
import { UBUNTU_KEYSERVER } from '../_lib/ubuntu.js';
import verifyScript from './verify.sh?raw';

export const NODE_MAJORS = [20, 22, 24] as const;
/** End of life: still offered, with a warning. */
const DEPRECATED_MAJORS: Readonly<Partial<Record<NodeMajor, string>>> = {
  20: 'Node.js 20 reached end of life on 2026-04-30',
};
export type NodeMajor = (typeof NODE_MAJORS)[number];

/** Key "NodeSource <gpg@nodesource.com>" for the `nodistro` repositories, pinned by full fingerprint. */
const NODESOURCE_KEY_FINGERPRINT = '6F71F525282841EEDAF851B42F59B5F99B1BE0B4';

export function nodesourceSource(major: NodeMajor): AptSource {
  return {
    name: 'nodesource',
    source: `deb [signed-by=$KEY_FILE] https://deb.nodesource.com/node_${major}.x nodistro main`,
    keyid: NODESOURCE_KEY_FINGERPRINT,
    keyserver: UBUNTU_KEYSERVER,
  };
}

/** Ubuntu also ships a `nodejs`; prefer NodeSource's whatever the version numbers say. */
const PIN_NODESOURCE = 'Package: nodejs\nPin: origin deb.nodesource.com\nPin-Priority: 600\n';

function nodejsCapability(major: NodeMajor): CapabilityDefinition {
  const name = `nodejs-${major}`;
  return defineCapability<Record<string, never>>({
    name,
    kind: 'feature',
    summary: `Node.js ${major} and npm from NodeSource's signed apt repository.`,
    description: [
      `Installs \`nodejs\` ${major}.x (with npm) from \`deb.nodesource.com/node_${major}.x\`, declared as an apt`,
      'source with `signed-by` and the NodeSource key pinned by fingerprint; nothing is piped',
      "from the network into a shell. An apt pin prefers NodeSource's package over Ubuntu's",
      `\`nodejs\`, and a boot step checks that \`node --version\` is ${major}.x.`,
      ...(major === 20
        ? ['', '`nodejs-18` (end of life) is accepted as an alias of this capability, with a warning.']
        : []),
      '',
      'Only one Node.js version per deployment: the versions conflict with each other.',
    ].join('\n'),
    configSchema: { type: 'object', additionalProperties: false, properties: {} },
    example: ['capabilities:', '  runtime: native', '  features:', `    - ${name}`].join('\n'),
    conflicts: NODE_MAJORS.filter((other) => other !== major).map((other) => `nodejs-${other}`),
    ...(major === 20 ? { aliases: ['nodejs-18'] } : {}),
    ...(DEPRECATED_MAJORS[major] !== undefined
      ? { deprecated: { reason: DEPRECATED_MAJORS[major], use: 'nodejs-22 or nodejs-24' } }
      : {}),
    fragments: () => ({
      packages: ['nodejs'],
      aptSources: [nodesourceSource(major)],
      writeFiles: [
        {
          path: '/etc/apt/preferences.d/nodesource',
          content: PIN_NODESOURCE,
          permissions: '0644',
          owner: 'root:root',
        },
      ],
      steps: [
        {
          name: 'verify',
          description: `Check Node.js ${major} and npm`,
          script: verifyScript,
          env: { NODE_MAJOR: String(major) },
        },
      ],
      probes: [{ name: 'node', argv: ['node', '--version'] }],
    }),
  });
}

export const nodejsCapabilities: readonly CapabilityDefinition[] = NODE_MAJORS.map(nodejsCapability);
