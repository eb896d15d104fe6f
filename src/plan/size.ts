/**
 * The user-data byte budget. Linode rejects user-data over 65,535 bytes (before base64), so a
 * plan over the limit is an error that names the parts to shrink.
 */
import { CliError } from '../errors.js';
import type { SizeReport } from './types.js';

export const USER_DATA_LIMIT = 65_535;

/** 12,345 (toLocaleString would load ICU data, which is measurable at start-up). */
export function groupDigits(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function sizeReport(userData: string, partBytes: ReadonlyMap<string, number>): SizeReport {
  const total = Buffer.byteLength(userData, 'utf8');
  const parts = [...partBytes.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  if (total > USER_DATA_LIMIT) {
    const biggest = parts
      .slice(0, 3)
      .map((part) => `${part.name} (${groupDigits(part.bytes)} bytes)`)
      .join(', ');
    throw new CliError(
      `The user-data is ${groupDigits(total)} bytes, over Linode's limit of 65,535 by ${groupDigits(total - USER_DATA_LIMIT)}`,
      `Biggest parts: ${biggest}. Shrink setup.files (ship large files in the image) or drop a capability.`,
    );
  }
  return { total, limit: USER_DATA_LIMIT, parts };
}
