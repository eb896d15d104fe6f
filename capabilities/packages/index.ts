import { defineCapability } from '../../src/capability/define.js';

export interface PackagesConfig {
  readonly packages: readonly string[];
}

/** A Debian package name, optionally `:arch` and `=version`; nothing a shell or apt could misread. */
export const DEBIAN_PACKAGE_PATTERN = '^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+:~_-]+)?$';

export default defineCapability<PackagesConfig>({
  name: 'packages',
  kind: 'feature',
  summary: 'Extra apt packages from `capabilities.packages`, installed in their own step, last.',
  description: [
    'The list under `capabilities.packages` (not a feature entry) becomes this capability. Its',
    'packages have a step of their own, after every other capability, with the same lock wait',
    "and retries. They are installed in the boot's one apt transaction together with the other",
    "capabilities' packages when that succeeds; when it fails, every step installs its own. A",
    "misspelt or unavailable package therefore fails only this step, with apt's message recorded",
    'in the boot status; it can never silently drop Docker or the driver the way one shared',
    '`apt-get install … || true` line did in the original tool.',
    '',
    'Names are checked when the template is validated (Debian package name, optional `:arch`',
    'and `=version`).',
  ].join('\n'),
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      packages: {
        type: 'array',
        items: { type: 'string', pattern: DEBIAN_PACKAGE_PATTERN },
        default: [],
        description: 'Debian package names (from `capabilities.packages`).',
      },
    },
  },
  example: ['capabilities:', '  runtime: docker', '  packages:', '    - htop', '    - nvtop'].join('\n'),
  fragments: (config) => ({ packages: [...config.packages] }),
});
