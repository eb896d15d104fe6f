import { commandSpec, defineCommand } from '../framework/command.js';

export const tuiSpec = commandSpec({
  name: 'tui',
  summary: 'Interactive dashboard of deployments: status, health, issues, logs, destroy',
  description:
    'A full-screen terminal dashboard over the same data as `status`: every deployment (registry merged with tags), a detail view with boot steps, issues, events and the log tail when the watcher is enabled, destroy with confirmation, and `n` for a wizard that creates a project and deploys it while a monitor shows each real stage. Refreshes automatically; press ? inside for every key. Needs an interactive terminal: for scripts use `status --json`. Respects NO_COLOR.',
  options: {
    interval: {
      type: 'number',
      description: 'Seconds between automatic refreshes (0 turns it off; r always refreshes)',
      placeholder: 'SECONDS',
      default: 5,
    },
    'no-health': { type: 'boolean', description: 'Skip the HTTP health probes on each refresh' },
  },
  examples: [
    { command: 'linode-build tui', description: 'Open the dashboard' },
    { command: 'linode-build tui --interval 15', description: 'Refresh every 15 seconds' },
    { command: 'NO_COLOR=1 linode-build tui --no-health', description: 'No colour, no health probes' },
  ],
});

export const tuiCommand = defineCommand(tuiSpec, async (args, context) =>
  (await import('../../tui/tui-command.js')).tui(args, context),
);
