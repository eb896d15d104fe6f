/**
 * python-3.10, python-3.11 and python-3.12 from one function. Ubuntu's archive has one
 * Python 3 per release (22.04: 3.10, 24.04: 3.12, 26.04: 3.14, not offered here); other
 * versions come from the deadsnakes PPA (which builds for Ubuntu 26.04 since May 2026), whose apt source (signed-by, key pinned by fingerprint) cloud-init writes before any
 * package is installed, so the PPA is there when the packages are.
 */
import { defineCapability } from '../../src/capability/define.js';
import type { AptSource, CapabilityDefinition, Fragments } from '../../src/capability/types.js';
import {
  DEBIAN_12,
  nativeVersions,
  SUPPORTED_UBUNTU_IMAGES,
  UBUNTU_22_04,
  UBUNTU_24_04,
  UBUNTU_KEYSERVER,
} from '../_lib/ubuntu.js';
import setupVenvScript from './setup-venv.sh?raw';

export const PYTHON_VERSIONS = ['3.10', '3.11', '3.12'] as const;
export type PythonVersion = (typeof PYTHON_VERSIONS)[number];

/** The version each supported image's own archive provides (none of ours on Ubuntu 26.04). */
const NATIVE_VERSION: Readonly<Record<string, PythonVersion>> = {
  [UBUNTU_22_04]: '3.10',
  [UBUNTU_24_04]: '3.12',
  [DEBIAN_12]: '3.11',
};
const NATIVE = nativeVersions(NATIVE_VERSION);

/** ppa:deadsnakes/ppa; Launchpad PPA signing key, pinned by full fingerprint. */
export const deadsnakesSource: AptSource = {
  name: 'deadsnakes',
  source: 'deb [signed-by=$KEY_FILE] https://ppa.launchpadcontent.net/deadsnakes/ppa/ubuntu $RELEASE main',
  keyid: 'F23C5A6CF475977595C89F51BA6932366A755776',
  keyserver: UBUNTU_KEYSERVER,
};

export interface PythonConfig {
  readonly venv_path?: string;
}

function pythonCapability(version: PythonVersion): CapabilityDefinition {
  const name = `python-${version}`;
  const native = NATIVE.imagesShipping(version);
  return defineCapability<PythonConfig>({
    name,
    kind: 'feature',
    summary: `Python ${version} with venv and pip${native.length > 0 ? ` (native on ${native.join(', ')})` : ''}.`,
    description: [
      `Installs \`python${version}\`, \`python${version}-venv\` and \`python${version}-dev\`.`,
      native.length > 0
        ? `On ${native.join(', ')} they come from the image's own archive; on the other Ubuntu images from the deadsnakes PPA (Ubuntu only).`
        : 'They come from the deadsnakes PPA on every supported image (Ubuntu only).',
      'The PPA is declared as an apt source with `signed-by` and its key pinned by fingerprint,',
      'so it is in place **before** the packages are installed.',
      '',
      'A boot step checks the interpreter version and that a fresh virtual environment has a',
      "working pip; with `venv_path` it also creates the app's venv there.",
    ].join('\n'),
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        venv_path: {
          type: 'string',
          pattern: '^/[A-Za-z0-9._/-]+$',
          description:
            'Create a virtual environment at this absolute path (e.g. `/opt/app/venv`). Default: none.',
        },
      },
    },
    example: [
      'capabilities:',
      '  runtime: native',
      '  features:',
      `    - name: ${name}`,
      '      config:',
      '        venv_path: /opt/app/venv',
    ].join('\n'),
    // The deadsnakes PPA is built for Ubuntu: on Debian only the archive's own version works.
    images: NATIVE.isNative(DEBIAN_12, version)
      ? [...SUPPORTED_UBUNTU_IMAGES, DEBIAN_12]
      : SUPPORTED_UBUNTU_IMAGES,
    fragments: (config, context): Fragments => ({
      packages: [`python${version}`, `python${version}-venv`, `python${version}-dev`],
      aptSources: NATIVE.isNative(context.image, version) ? [] : [deadsnakesSource],
      steps: [
        {
          name: 'setup-venv',
          description: `Check Python ${version} venv and pip${config.venv_path ? `, create ${config.venv_path}` : ''}`,
          script: setupVenvScript,
          env: { PYTHON_VERSION: version, VENV_PATH: config.venv_path ?? '' },
        },
      ],
      probes: [{ name: `python${version}`, argv: [`python${version}`, '--version'] }],
    }),
  });
}

export const pythonCapabilities: readonly CapabilityDefinition[] = PYTHON_VERSIONS.map(pythonCapability);
