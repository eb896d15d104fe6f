/**
 * `.env` files are parsed with dotenv (quotes, `#` comments, multi-line double-quoted values).
 * The values are data: they are never sourced by a shell and never expanded themselves.
 */
import { parse } from 'dotenv';

export function parseDotenv(text: string): Record<string, string> {
  return parse(text);
}
