/**
 * Takes a generated user-data document apart for the conformance checks: the write_files
 * entries (gz+b64 decoded), which of them are shell scripts, and which are systemd units.
 */
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

export interface UserDataFile {
  readonly path: string;
  readonly content: string;
  readonly permissions: string;
}

export interface CloudConfig {
  readonly write_files: { path: string; content: string; permissions: string; encoding?: string }[];
  readonly runcmd: string[][];
  readonly bootcmd?: string[][];
  readonly apt?: { sources: Record<string, Record<string, string>> };
}

export function parseUserData(text: string): { config: CloudConfig; files: UserDataFile[] } {
  if (!text.startsWith('#cloud-config\n')) throw new Error('user-data must start with #cloud-config');
  const config = parse(text, { version: '1.1' }) as CloudConfig;
  const files = config.write_files.map((entry) => ({
    path: entry.path,
    permissions: entry.permissions,
    content:
      entry.encoding === 'gz+b64'
        ? gunzipSync(Buffer.from(entry.content, 'base64')).toString('utf8')
        : entry.content,
  }));
  return { config, files };
}

/** `sh`/`bash` scripts by shebang, plus bash data files we source (app.conf, step env files). */
export function shellKind(file: UserDataFile): 'shebang' | 'bash-data' | undefined {
  if (/^#!\s*(\/bin\/(ba)?sh|\/usr\/bin\/env (ba)?sh)\b/.test(file.content)) return 'shebang';
  if (file.content.startsWith('# shellcheck shell=bash')) return 'bash-data';
  if (file.path.endsWith('/app.conf') || /\/steps\/[^/]+\.env$/.test(file.path)) return 'bash-data';
  return undefined;
}

export function isUnit(file: UserDataFile): boolean {
  return /^\/etc\/systemd\/system\/[^/]+\.(service|timer|socket|path)$/.test(file.path);
}
