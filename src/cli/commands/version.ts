import { commandSpec, defineCommand } from '../framework/command.js';

export const versionSpec = commandSpec({
  name: 'version',
  summary: 'Print the version of linode-build and of Node.js',
  options: {
    json: { type: 'boolean', description: 'Print JSON' },
  },
  examples: [{ command: 'linode-build version --json', description: 'Versions as JSON' }],
});

export const versionCommand = defineCommand(versionSpec, async (args, { out }) => {
  const { VERSION } = await import('../../version.js');
  if (args.options.json) out.json({ version: VERSION, node: process.versions.node });
  else out.line(`linode-build ${VERSION} (Node.js ${process.versions.node})`);
});
