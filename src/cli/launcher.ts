/**
 * Built to dist/launcher.cjs. bin/linode-build.js calls it for a command that has its own
 * bundle (dist/entries.json): the bundle runs through the V8 code cache and the ES module
 * CLI is never loaded, which is most of a short command's start-up on Node 20.
 */
import { loadBundle } from './framework/handler-bundle.js';

interface EntryBundle {
  main(argv: readonly string[]): Promise<number>;
}

export function runEntry(name: string, bundle: string, argv: readonly string[]): void {
  const entry = loadBundle(name, bundle) as EntryBundle;
  void entry.main(argv).then((code) => {
    process.exitCode = code;
  });
}
