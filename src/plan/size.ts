/**
 * The user-data byte budget. Linode rejects user-data over 65,535 bytes (before base64), so a
 * plan over the limit is an error that names the parts to shrink.
 */
import type { UserDataEncoding } from '../cloudinit/payload.js';
import { CliError } from '../errors.js';
import type { SizeReport } from './types.js';

export const USER_DATA_LIMIT = 65_535;
/**
 * Gzip lets a document far larger than the limit through (10 MB of one repeated character
 * packs into 10 KB). cloud-init parses it with PyYAML on a booting machine and keeps copies
 * under /var/lib/cloud, so a document this big is a mistake (a file or value pasted by
 * accident), not a workload: it is refused. The largest bundled template is ~65 KB.
 */
export const DOCUMENT_LIMIT = 1_048_576;

/** 12,345 (toLocaleString would load ICU data, which is measurable at start-up). */
export function groupDigits(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export interface UserDataBytes {
  /** The #cloud-config text cloud-init reads. */
  readonly document: string;
  /** What is sent (the document, or its gzip). */
  readonly payload: Buffer;
  readonly encoding: UserDataEncoding;
}

export function sizeReport(userData: UserDataBytes, partBytes: ReadonlyMap<string, number>): SizeReport {
  const total = userData.payload.length;
  const document = Buffer.byteLength(userData.document, 'utf8');
  const parts = [...partBytes.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  const biggest = () =>
    parts
      .slice(0, 3)
      .map((part) => `${part.name} (${groupDigits(part.bytes)} bytes)`)
      .join(', ');
  if (document > DOCUMENT_LIMIT) {
    throw new CliError(
      `The user-data document is ${groupDigits(document)} bytes, over linode-build's limit of ${groupDigits(DOCUMENT_LIMIT)} (even gzipped, cloud-init would have to parse all of it at boot)`,
      `Biggest parts: ${biggest()}. Ship large files and values in the image or fetch them at boot.`,
    );
  }
  if (total > USER_DATA_LIMIT) {
    const what =
      userData.encoding === 'gzip'
        ? `The user-data is ${groupDigits(total)} bytes gzipped (${groupDigits(document)} as text)`
        : `The user-data is ${groupDigits(total)} bytes`;
    throw new CliError(
      `${what}, over Linode's limit of 65,535 by ${groupDigits(total - USER_DATA_LIMIT)}`,
      `Biggest parts: ${biggest()}. Shrink setup.files (ship large files in the image) or drop a capability.`,
    );
  }
  return { total, limit: USER_DATA_LIMIT, encoding: userData.encoding, document, parts };
}
