// The user-data of every bundled template, as `plan --template NAME --out DIR` writes it (the
// document and the exact payload), with its write_files decoded: what plan-size and boot-path
// analyse.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parse } from 'yaml';
import { bin, root } from './fake-api.mjs';

export const USER_DATA_LIMIT = 65_535;

export function bundledTemplates() {
  return readdirSync(path.join(root, 'templates'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

function decode(file) {
  const content = String(file.content ?? '');
  if (file.encoding === 'gz+b64' || file.encoding === 'gzip+base64')
    return zlib.gunzipSync(Buffer.from(content, 'base64')).toString('utf8');
  if (file.encoding === 'b64' || file.encoding === 'base64')
    return Buffer.from(content, 'base64').toString('utf8');
  return content;
}

/**
 * { name, bytes, documentBytes, encoding, document, files: Map(path -> text) } for one bundled
 * template. `bytes` are the bytes sent (user-data.yaml.gz when gzipped): what the limit counts.
 */
export function planUserData(name) {
  const out = mkdtempSync(path.join(os.tmpdir(), `lb-bench-plan-${name}-`));
  const result = spawnSync(process.execPath, [bin, 'plan', '--template', name, '--out', out], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`plan --template ${name} failed: ${result.stderr}`);
  const text = readFileSync(path.join(out, 'user-data.yaml'));
  const gzipped = existsSync(path.join(out, 'user-data.yaml.gz'));
  const sent = gzipped ? readFileSync(path.join(out, 'user-data.yaml.gz')) : text;
  if (gzipped && !zlib.gunzipSync(sent).equals(text))
    throw new Error(`${name}: user-data.yaml.gz does not unpack to user-data.yaml`);
  const document = parse(text.toString('utf8'));
  const files = new Map((document.write_files ?? []).map((file) => [file.path, decode(file)]));
  return {
    name,
    bytes: sent.length,
    documentBytes: text.length,
    encoding: gzipped ? 'gzip' : 'plain',
    document,
    files,
  };
}

export function allUserData() {
  return bundledTemplates().map(planUserData);
}
