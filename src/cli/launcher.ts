/**
 * Built to dist/launcher.cjs; bin/linode-build.js calls it first. A command that has its own
 * bundle (dist/entries.json) runs from it through the V8 code cache and the ES module CLI is
 * never loaded, which is most of a short command's start-up on Node 20. The command is chosen
 * by the CLI's own dispatch rule (dispatch.ts); '' in entries.json is argv naming no command
 * (help, --version).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findCommand } from './framework/dispatch.js';
import { loadBundle } from './framework/handler-bundle.js';

interface EntryBundle {
  main(argv: readonly string[]): Promise<number>;
}

/** The entries.json key for argv, if that command has an entry bundle. */
export function entryFor(
  argv: readonly string[],
  entries: Readonly<Record<string, string>>,
): string | undefined {
  const found = findCommand(
    Object.keys(entries).map((name) => ({ name })),
    argv,
  );
  if ('command' in found) return found.command.name;
  // No command word at all: the bare CLI. A first word that is not a command is the full
  // CLI's to explain (did you mean…).
  return found.prefix === '' && Object.hasOwn(entries, '') ? '' : undefined;
}

/** Runs argv from its entry bundle under dist/; false when it has none (or bundles are off). */
export function runEntryIfAny(dist: string, argv: readonly string[]): boolean {
  if (process.env.LINODE_BUILD_NO_HANDLER_BUNDLES === '1') return false;
  let entries: Record<string, string>;
  try {
    entries = JSON.parse(readFileSync(path.join(dist, 'entries.json'), 'utf8'));
  } catch {
    return false;
  }
  const command = entryFor(argv, entries);
  if (command === undefined) return false;
  const entry = loadBundle(command, path.join(dist, entries[command] as string)) as EntryBundle;
  void entry.main(argv).then((code) => {
    process.exitCode = code;
  });
  return true;
}
