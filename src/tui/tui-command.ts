import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { CliError, UsageError } from '../errors.js';

const MAX_INTERVAL_SECONDS = 3600;

export async function tui(
  args: CommandArgs<{ readonly interval: number; readonly 'no-health': boolean }>,
  context: CommandContext,
): Promise<number> {
  const interval = args.options.interval;
  // Below a second the dashboard would mostly be spending the API rate limit.
  if (!Number.isFinite(interval) || (interval !== 0 && (interval < 1 || interval > MAX_INTERVAL_SECONDS))) {
    throw new UsageError(
      `--interval must be 0 (off) or between 1 and ${MAX_INTERVAL_SECONDS} seconds (got ${interval}).`,
      'For example: linode-build tui --interval 10',
    );
  }
  if (!context.interactive) {
    throw new CliError(
      'The dashboard needs an interactive terminal (stdin and stdout must both be a TTY).',
      'For scripts and pipes use `linode-build status --json`.',
    );
  }
  // With CI (or CONTINUOUS_INTEGRATION) set, Ink draws nothing until exit: its CI mode prints
  // only the final frame. The dashboard runs only on an interactive terminal (checked above),
  // where that mode leaves a blank screen, so it is turned off before Ink is loaded (Ink reads
  // the variables once, at import).
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  // Ink and React load here and only here: no other command pays for them. The Linode client
  // loads behind the first frame (lazySource), so the screen appears before it is ready.
  const [{ runTui }, { lazySource }, { lazyWizard }] = await Promise.all([
    import('./run.js'),
    import('./lazy-source.js'),
    import('./wizard/lazy.js'),
  ]);
  const source = lazySource(async () => {
    const [{ createLiveSource }, { createTuiWatcher }] = await Promise.all([
      import('./live-source.js'),
      import('./watcher-source.js'),
    ]);
    return createLiveSource({
      env: context.env,
      cwd: context.cwd,
      checkHealth: !args.options['no-health'],
      watcher: createTuiWatcher(context.env),
    });
  });
  const wizard = lazyWizard(async () =>
    (await import('./wizard/live-backend.js')).createWizardBackend({
      env: context.env,
      cwd: context.cwd,
    }),
  );
  const code = await runTui({ source, wizard, intervalMs: Math.round(interval * 1000), env: context.env });
  // Quitting means quitting: a refresh or destroy still in flight (destroy is safe to re-run)
  // must not hold the shell hostage. The timer is unref'd, so a clean exit happens sooner.
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}
