/**
 * Reads an env file the way `docker run --env-file` does (docker/cli opts/file.go): split into
 * lines as Go's bufio.ScanLines does (a trailing `\r` is dropped), trim leading whitespace,
 * skip blank and `#` lines, split at the first `=`, no quote or escape processing.
 */
export function parseDockerEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '').replace(/^\s+/u, '');
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`docker would reject or look up the line ${JSON.stringify(line)}`);
    values.set(line.slice(0, at), line.slice(at + 1));
  }
  return values;
}
