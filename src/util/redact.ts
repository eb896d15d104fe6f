/**
 * Replacing secret values in what is printed or written. Pure and dependency-free: the CLI's
 * Output loads it on every run.
 */

export const REDACTED = '[redacted]';

/** Shorter values would redact ordinary words; they are not plausible secrets anyway. */
export const MIN_SECRET_LENGTH = 4;

/** `text` with every occurrence of every secret (of MIN_SECRET_LENGTH or more) replaced. */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && result.includes(secret))
      result = result.split(secret).join(REDACTED);
  }
  return result;
}

/**
 * A copy of a JSON-able value with every string (values and keys) scrubbed, for use before
 * JSON.stringify: serialising first escapes `"` and `\`, and a secret containing either would
 * no longer be found in the text.
 */
export function scrubJsonValue(value: unknown, secrets: Iterable<string>): unknown {
  const list = [...secrets];
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return scrubSecrets(node, list);
    if (node === null || typeof node !== 'object') return node;
    const withJson = node as { toJSON?: () => unknown };
    if (typeof withJson.toJSON === 'function') return walk(withJson.toJSON());
    if (Array.isArray(node)) return node.map(walk);
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => [scrubSecrets(key, list), walk(child)]),
    );
  };
  return walk(value);
}
