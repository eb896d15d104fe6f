import { UsageError } from '../errors.js';

/** `90m`, `8h`, `2d`, `1h30m` → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+)\s*([smhd])/g)];
  const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed.replace(/\s+/g, '')) {
    throw new UsageError(
      `${flag} must be a duration like 30m, 8h or 2d; got '${text}'.`,
      `For example: ${flag} 8h`,
    );
  }
  return parts.reduce((total, part) => total + Number(part[1]) * units[part[2]!]!, 0);
}
