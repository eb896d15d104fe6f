/**
 * Public SSH keys for authorized_keys: the files given with --ssh-key, else every ~/.ssh/*.pub.
 * A private key given by mistake is refused without echoing its content.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';
import { homeDirectory } from '../paths.js';

const publicKeyLine =
  /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;

export function parsePublicKeys(text: string, file: string): string[] {
  if (text.includes('PRIVATE KEY')) {
    throw new CliError(
      `${file} is a private key; only public keys may be sent.`,
      `Pass the public half instead (usually ${file}.pub).`,
    );
  }
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const bad = keys.findIndex((key) => !publicKeyLine.test(key));
  if (bad >= 0 || keys.length === 0) {
    throw new CliError(
      `${file} does not hold an OpenSSH public key${bad >= 0 ? ` (line ${bad + 1})` : ''}.`,
      'Give a file like ~/.ssh/id_ed25519.pub (create one with ssh-keygen -t ed25519).',
    );
  }
  return keys;
}

export async function collectSshKeys(explicit: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  const files: string[] = [];
  if (explicit.length > 0) {
    files.push(...explicit.map((file) => path.resolve(cwd, file)));
  } else {
    const directory = path.join(homeDirectory(env), '.ssh');
    const names = await readdir(directory).catch(() => [] as string[]);
    files.push(
      ...names
        .filter((name) => name.endsWith('.pub'))
        .sort()
        .map((name) => path.join(directory, name)),
    );
  }
  const keys: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new CliError(`cannot read SSH key file ${file}.`, 'Check the path given with --ssh-key.');
    }
    try {
      keys.push(...parsePublicKeys(text, file));
    } catch (error) {
      // A malformed file found by scanning ~/.ssh is skipped; one named explicitly is an error.
      if (explicit.length > 0) throw error;
    }
  }
  return { keys: [...new Set(keys)], files };
}
