/**
 * Crash-safe file replacement, and the one writer for files that hold secrets. A reader sees
 * either the old content or the new content, never a truncated mix: write a temp file in the
 * same directory (same filesystem, so rename is atomic), fsync it, rename it over the target,
 * then fsync the directory so the rename itself survives a power loss. The original wrote
 * files in place (truncate + write), which is how entries were lost.
 *
 * The temp file is created exclusively (O_EXCL | O_NOFOLLOW) with its final mode, so it never
 * exists with wider access, and the rename replaces whatever was at the target: an existing
 * 0666 file is not reused (its mode would survive an in-place write) and a symlink is not
 * followed. A symlinked target is refused outright with a clear error instead of being
 * silently replaced.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';

export interface AtomicWriteOptions {
  /** File mode applied at creation (never chmod-ed afterwards, so no window with wider access). */
  readonly mode?: number;
  /** Mode for directories this call creates. */
  readonly directoryMode?: number;
  /** Never replace: fail with a clear error when the target exists (link(2) instead of rename). */
  readonly createOnly?: boolean;
}

/** Private by default: state files may name hosts and ports, secret files hold secrets. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIRECTORY_MODE = 0o700;

export async function ensurePrivateDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
}

/** Create only, never through a symlink: fail rather than follow a planted file at the temp name. */
const EXCLUSIVE_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Refuses a target that is a symlink or not a regular file (a missing target is fine). */
export async function assertWritableTarget(target: string): Promise<void> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(target);
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return;
    throw error;
  }
  if (stats.isSymbolicLink()) {
    throw new CliError(
      `Refusing to write ${target}: it is a symbolic link, and linode-build never writes through one.`,
      'Remove the link (or choose another path) and run the command again.',
    );
  }
  if (!stats.isFile()) {
    throw new CliError(
      `Refusing to write ${target}: it exists and is not a regular file.`,
      'Move it away (or choose another path) and run the command again.',
    );
  }
}

export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const directory = path.dirname(target);
  await mkdir(directory, { recursive: true, mode: options.directoryMode ?? PRIVATE_DIRECTORY_MODE });
  await assertWritableTarget(target);
  const temporary = path.join(
    directory,
    `${temporaryPrefix(target)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await open(temporary, EXCLUSIVE_CREATE, options.mode ?? PRIVATE_FILE_MODE);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.createOnly) {
      // link(2) fails with EEXIST instead of replacing; the complete file appears at once.
      await link(temporary, target).catch((error: unknown) => {
        if (!isErrnoCode(error, 'EEXIST')) throw error;
        throw new CliError(
          `Refusing to write ${target}: it already exists.`,
          'Move it away (or choose another directory) and run the command again.',
        );
      });
      await unlink(temporary);
    } else {
      await rename(temporary, target);
    }
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

function temporaryPrefix(target: string): string {
  return `.${path.basename(target)}.`;
}

/**
 * Deletes temp files left by writers of `target` that were killed mid-write. Only safe while
 * holding the lock every writer of `target` takes (no live writer can own one of them).
 */
export async function removeStaleTemporaries(target: string): Promise<void> {
  const directory = path.dirname(target);
  const prefix = temporaryPrefix(target);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.endsWith('.tmp'))
      .map((name) => unlink(path.join(directory, name)).catch(() => undefined)),
  );
}

/** Makes a completed rename durable. Some platforms cannot open directories; that is not fatal. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Windows and some network filesystems refuse fsync on a directory; the rename still happened.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Reads a file as UTF-8, or undefined when it does not exist (any other error propagates). */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

export function isErrnoCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}

/**
 * JSON.parse for a state file we never replace when it is unreadable: the error names the
 * file (`what` says what it is), says it was left untouched, and gives `hint`.
 */
export function parseStateJson(text: string, file: string, what: string, hint: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `The ${what} ${file} is not valid JSON (${(error as Error).message}); it was left untouched.`,
      hint,
    );
  }
}
