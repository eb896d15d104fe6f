/**
 * Renders the single `#cloud-config` document. Key order and list order are fixed by the
 * caller's order, so the same input gives the same bytes. When the document itself is not
 * gzipped (see payload.ts), large files are stored as `gz+b64` one by one (gzip output from
 * zlib with no timestamp is deterministic).
 */
import type { AptSource } from '../capability/types.js';
import { type YamlValue, yamlDocument } from '../quote/index.js';
import { gzipBase64 } from './payload.js';
import type { CloudFile } from './types.js';

/**
 * Files above this size are compressed when that makes them smaller. The boot runner's helpers
 * are 0.5-1 KiB each: at 1 KiB the largest bundled template no longer fit as plain text.
 */
export const COMPRESS_THRESHOLD = 512;

export interface CloudConfigSpec {
  readonly files: readonly CloudFile[];
  readonly aptSources: readonly { readonly part: string; readonly source: AptSource }[];
  readonly bootcmd: readonly { readonly part: string; readonly argv: readonly string[] }[];
  readonly runcmd: readonly (readonly string[])[];
  /**
   * Compress files above COMPRESS_THRESHOLD one by one. Off when the whole document is
   * gzipped: text compresses better once, together, and the document stays readable.
   */
  readonly compressFiles: boolean;
}

export interface RenderedCloudConfig {
  readonly text: string;
  /** Bytes attributable to each part; whatever is left is YAML structure (part `document`). */
  readonly partBytes: ReadonlyMap<string, number>;
}

type WriteFileEntry = Record<string, string | boolean>;

export function writeFileEntry(file: CloudFile, compressLarge = true): WriteFileEntry {
  const entry: WriteFileEntry = { path: file.path, owner: file.owner, permissions: file.permissions };
  if (file.encoding === 'gz+b64') {
    entry.encoding = 'gz+b64';
    entry.content = file.content;
  } else {
    const raw = compressLarge ? Buffer.from(file.content, 'utf8') : undefined;
    const packed = raw && raw.length > COMPRESS_THRESHOLD ? gzipBase64(raw) : undefined;
    if (raw && packed !== undefined && packed.length < raw.length) {
      entry.encoding = 'gz+b64';
      entry.content = packed;
    } else {
      entry.content = file.content;
    }
  }
  if (file.defer) entry.defer = true;
  return entry;
}

function aptSourceEntry(source: AptSource): Record<string, string> {
  const entry: Record<string, string> = { source: source.source };
  if (source.key !== undefined) entry.key = source.key;
  if (source.keyid !== undefined) entry.keyid = source.keyid;
  if (source.keyserver !== undefined) entry.keyserver = source.keyserver;
  return entry;
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Bytes of each write_files entry, read off the rendered document (serialising each entry
 * again would double the work). Entries start with `  - path: ` at the list's indentation;
 * everything inside an entry, block scalars included, is indented deeper.
 */
function entryBytes(text: string, count: number): number[] {
  const start = text.indexOf('\nwrite_files:\n');
  const end = text.indexOf('\nruncmd:', start);
  const section = text.slice(start + '\nwrite_files:\n'.length, end + 1);
  const entries = section.split(/^(?= {2}- path: )/m).filter((entry) => entry !== '');
  if (entries.length !== count)
    throw new Error(`expected ${count} write_files entries, found ${entries.length}`);
  return entries.map(byteLength);
}

export function renderCloudConfig(spec: CloudConfigSpec): RenderedCloudConfig {
  const partBytes = new Map<string, number>();
  const add = (part: string, bytes: number) => partBytes.set(part, (partBytes.get(part) ?? 0) + bytes);

  const document: Record<string, YamlValue> = {};
  if (spec.bootcmd.length > 0) {
    document.bootcmd = spec.bootcmd.map((item) => [...item.argv]);
    for (const item of spec.bootcmd) add(item.part, byteLength(yamlDocument([[...item.argv]])));
  }
  if (spec.aptSources.length > 0) {
    const sources: Record<string, Record<string, string>> = {};
    for (const { part, source } of spec.aptSources) {
      if (Object.hasOwn(sources, source.name)) throw new Error(`duplicate apt source name ${source.name}`);
      const entry = aptSourceEntry(source);
      sources[source.name] = entry;
      add(part, byteLength(yamlDocument({ [source.name]: entry })));
    }
    document.apt = { sources };
  }
  document.write_files = spec.files.map((file) => writeFileEntry(file, spec.compressFiles));
  document.runcmd = spec.runcmd.map((argv) => [...argv]);

  const text = `#cloud-config\n${yamlDocument(document)}`;
  entryBytes(text, spec.files.length).forEach((bytes, i) => {
    add(spec.files[i]!.part, bytes);
  });
  const attributed = [...partBytes.values()].reduce((sum, bytes) => sum + bytes, 0);
  add('document', Math.max(0, byteLength(text) - attributed));
  return { text, partBytes };
}
