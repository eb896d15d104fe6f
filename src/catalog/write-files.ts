/**
 * Writes a set of new files all-or-nothing: `init` and `templates scaffold` must leave the
 * disk as it was when anything fails.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';

export interface WriteOptions {
  /** Files that may already exist and are replaced (e.g. a merged .gitignore). */
  readonly replace?: ReadonlySet<string>;
  /** Mode per relative path (default 0644 via umask). */
  readonly modes?: ReadonlyMap<string, number>;
}

/** True when `directory` is missing or has no entries. */
export function isEmptyDirectory(directory: string): boolean {
  try {
    return readdirSync(directory).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function writeAll(
  root: string,
  files: ReadonlyMap<string, string>,
  options: WriteOptions,
  flag: string,
): void {
  for (const [relative, content] of files) {
    const destination = path.join(root, relative);
    mkdirSync(path.dirname(destination), { recursive: true });
    const mode = options.modes?.get(relative);
    writeFileSync(destination, content, { flag, ...(mode === undefined ? {} : { mode }) });
  }
}

/**
 * Creates `target` with `files` when it does not exist (staged in a sibling directory, then
 * renamed), or adds `files` to an existing directory, refusing to overwrite anything not in
 * `replace`, and undoing every write if one fails.
 */
export function writeFilesAtomically(
  target: string,
  files: ReadonlyMap<string, string>,
  options: WriteOptions = {},
): void {
  const absolute = path.resolve(target);
  if (!existsSync(absolute)) {
    const staging = `${absolute}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    try {
      mkdirSync(path.dirname(absolute), { recursive: true });
      writeAll(staging, files, options, 'wx');
      renameSync(staging, absolute);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    return;
  }

  const clashes = [...files.keys()].filter(
    (relative) => !options.replace?.has(relative) && existsSync(path.join(absolute, relative)),
  );
  if (clashes.length > 0) {
    throw new CliError(
      `${clashes.join(', ')} already exist${clashes.length === 1 ? 's' : ''} in ${absolute}.`,
      'Use an empty directory (--directory DIR), or move those files away first.',
    );
  }
  const originals = new Map<string, string>();
  const created: string[] = [];
  try {
    for (const [relative, content] of files) {
      const destination = path.join(absolute, relative);
      if (existsSync(destination)) {
        originals.set(destination, readFileSync(destination, 'utf8'));
        const temporary = `${destination}.partial-${process.pid}`;
        writeFileSync(temporary, content);
        renameSync(temporary, destination);
      } else {
        writeAll(absolute, new Map([[relative, content]]), options, 'wx');
        created.push(destination);
      }
    }
  } catch (error) {
    for (const file of created) rmSync(file, { force: true });
    for (const [file, content] of originals) writeFileSync(file, content);
    throw error;
  }
}
