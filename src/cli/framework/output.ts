/**
 * Everything a command prints goes through Output, so colour, JSON mode and the
 * "never print a secret" rule are handled in one place.
 */
import type { Writable } from 'node:stream';
import { colorEnabled } from '../../util/color.js';
import { MIN_SECRET_LENGTH, scrubJsonValue, scrubSecrets } from '../../util/redact.js';
import { type Column, renderTable } from '../../util/table.js';

export interface OutputOptions {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';
const codes: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

export class Output {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly color: boolean;
  private readonly redactions = new Set<string>();

  constructor(options: OutputOptions) {
    this.stdout = options.stdout;
    this.stderr = options.stderr;
    this.color = colorEnabled(options.stdout, options.env);
  }

  /**
   * Registers a secret value: any later output containing it has it replaced by `[redacted]`.
   * A last line of defence; commands should print names, never values.
   */
  redact(secret: string): void {
    if (secret.length >= MIN_SECRET_LENGTH) this.redactions.add(secret);
  }

  private scrub(text: string): string {
    return scrubSecrets(text, this.redactions);
  }

  style(style: Style, text: string): string {
    if (!this.color) return text;
    const [open, close] = codes[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** A line on stdout. */
  line(text = ''): void {
    this.stdout.write(`${this.scrub(text)}\n`);
  }

  /** A line on stderr (progress, warnings). */
  info(text: string): void {
    this.stderr.write(`${this.scrub(text)}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.style('yellow', 'Warning:')} ${this.scrub(text)}\n`);
  }

  /** The two-line error format: what went wrong, then what to do. */
  error(message: string, hint?: string): void {
    this.stderr.write(`${this.style('red', 'Error:')} ${this.scrub(errorSentence(message))}\n`);
    if (hint) this.stderr.write(`${this.style('dim', 'Hint:')} ${this.scrub(hint)}\n`);
  }

  /**
   * Machine output: one JSON document on stdout. Values are scrubbed before serialising (a
   * secret with `"` or `\` is escaped by JSON.stringify and would slip past a text search),
   * and the text once more after.
   */
  json(value: unknown): void {
    this.stdout.write(`${this.scrub(JSON.stringify(scrubJsonValue(value, this.redactions), null, 2))}\n`);
  }

  /** An aligned table without trailing spaces. */
  table<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): void {
    for (const line of renderTable(rows, columns)) this.line(line);
  }
}

/**
 * Progress for long operations: each step printed with the elapsed time, to stderr so that
 * `--json` output on stdout stays clean.
 */
export class Progress {
  private readonly started: number;
  constructor(
    private readonly out: Output,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  elapsed(): string {
    return formatDuration(this.now() - this.started);
  }

  step(text: string): void {
    this.out.info(`${this.out.style('dim', `[${this.elapsed()}]`)} ${text}`);
  }
}

export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return minutes > 0 ? `${minutes}m${String(rest).padStart(2, '0')}s` : `${rest}s`;
}

/** Names that keep their capital letter at the start of an error. */
const properNames = new Set(['Linode', 'Docker', 'BuildWatch', 'Node', 'Ubuntu', 'NVIDIA', 'Ink', 'Ajv']);

/**
 * Every error reads the same after "Error: ": starting in lower case, as most are written
 * ("unknown option …", "no Linode API token …"). A capitalised first word that is not a name
 * ("Missing required …", "Deployment abcd1234 …") is lowered, so no message has to remember.
 */
export function errorSentence(message: string): string {
  const first = /^([A-Z])([a-z']+)\b/.exec(message);
  if (!first || properNames.has(`${first[1]}${first[2]}`)) return message;
  return `${first[1]!.toLowerCase()}${message.slice(1)}`;
}
