/**
 * Xid errors: the NVIDIA driver reports GPU faults as kernel log lines such as
 *   NVRM: Xid (PCI:0000:3b:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.
 * read here from /dev/kmsg (records `prio,seq,usec,flags;message`) or from a plain log file
 * (`… kernel: [ 12.3] NVRM: Xid …`), whichever --kernel-log names.
 */
import fs from 'node:fs';

export interface XidEvent {
  /** PCI address as the kernel printed it, e.g. "0000:3b:00". */
  pci: string;
  xid: number;
  detail: string;
}

const XID_LINE = /NVRM: Xid \((?:PCI:)?([0-9a-fA-F:.]+)\): (\d{1,4}),?\s*(.*)$/;

export function parseXidLine(line: string): XidEvent | undefined {
  const match = XID_LINE.exec(line);
  if (!match) return undefined;
  return { pci: match[1] ?? '', xid: Number(match[2]), detail: (match[3] ?? '').trim().slice(0, 300) };
}

/**
 * What the common Xids usually mean (after NVIDIA's Xid catalogue), to say in the issue what
 * to look at. Anything else: "see NVIDIA's Xid catalogue".
 */
const XID_MEANINGS: Record<number, string> = {
  13: 'graphics engine exception: usually the application (illegal memory access, bad kernel)',
  31: 'GPU memory page fault: usually the application (illegal address)',
  43: 'GPU stopped processing: the application hit a software fault; the GPU is usually fine',
  45: 'preemptive cleanup after earlier errors (a process was killed or ended)',
  48: 'double-bit ECC error: uncorrectable memory error; the GPU needs a reset',
  61: 'internal micro-controller breakpoint/warning: driver or firmware issue',
  62: 'internal micro-controller halt: driver or firmware issue; the GPU may need a reset',
  63: 'ECC page retirement or row remapping recorded: memory is degrading',
  64: 'ECC page retirement or row remapping failed: memory fault',
  74: 'NVLink error',
  79: 'GPU has fallen off the bus: hardware, power or PCIe fault; the instance needs attention',
  92: 'high single-bit ECC error rate',
  94: 'contained ECC error: the affected application must restart',
  95: 'uncontained ECC error: every application on the GPU is affected; reset the GPU',
  119: 'GSP RPC timeout: the GPU firmware stopped answering; the GPU needs a reset',
  120: 'GSP error: firmware fault; the GPU may need a reset',
};

export function xidMeaning(xid: number): string {
  return XID_MEANINGS[xid] ?? "see NVIDIA's Xid catalogue";
}

const CHUNK = 64 * 1024;
/** Per read, at most this much (a burst beyond it is read next time). */
const MAX_BYTES_PER_READ = 1024 * 1024;

/**
 * Follows a kernel log without blocking: /dev/kmsg opened non-blocking (each read returns one
 * record; EAGAIN when there is no new one), or a regular file read from where the last read
 * stopped (from the start again if it shrank: rotated).
 */
/** Where a previous run stopped reading (kept in state.json), so a restart does not re-raise old Xids. */
export interface KernelLogCursor {
  /** The last /dev/kmsg record's sequence number. */
  seq?: number;
  /** Bytes read of a plain file. */
  position?: number;
}

const KMSG_PREFIX = /^\d+,(\d+),/;

export class KernelLogTail {
  private fd: number | undefined;
  private position = 0;
  private partial = '';
  private device = false;
  /** Records up to this sequence number were read by a previous run (same boot). */
  private readonly seenSeq: number;
  private lastSeq: number | undefined;
  error: string | undefined;

  constructor(
    private readonly file: string,
    restored: KernelLogCursor = {},
  ) {
    this.seenSeq = restored.seq ?? -1;
    this.lastSeq = restored.seq;
    this.position = restored.position ?? 0;
  }

  cursor(): KernelLogCursor {
    const cursor: KernelLogCursor = this.device ? {} : { position: this.position };
    if (this.lastSeq !== undefined) cursor.seq = this.lastSeq;
    return cursor;
  }

  private open(): boolean {
    if (this.fd !== undefined) return true;
    try {
      this.fd = fs.openSync(this.file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      this.device = fs.fstatSync(this.fd).isCharacterDevice();
      this.error = undefined;
      return true;
    } catch (error) {
      this.error = `${this.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`;
      return false;
    }
  }

  /** New complete lines since the last call. */
  read(): string[] {
    if (!this.open() || this.fd === undefined) return [];
    const fd = this.fd;
    const buffer = Buffer.allocUnsafe(CHUNK);
    let text = '';
    let total = 0;
    if (!this.device) {
      try {
        if (fs.fstatSync(fd).size < this.position) {
          this.position = 0;
          this.partial = '';
        }
      } catch {
        // Read anyway: the read reports what is wrong.
      }
    }
    while (total < MAX_BYTES_PER_READ) {
      let count: number;
      try {
        count = fs.readSync(fd, buffer, 0, CHUNK, this.device ? null : this.position);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // EPIPE: kmsg records were overwritten before we read them; the next read continues.
        if (code === 'EPIPE') continue;
        if (code !== 'EAGAIN') this.error = `${this.file}: ${code ?? 'read error'}`;
        break;
      }
      if (count === 0) break;
      total += count;
      if (!this.device) this.position += count;
      text += buffer.toString('utf8', 0, count);
      // One kmsg record per read; a record always ends with a newline.
    }
    if (text === '') return [];
    const lines = (this.partial + text).split('\n');
    this.partial = (lines.pop() ?? '').slice(-CHUNK);
    // Records a previous run of this boot already read (/dev/kmsg replays its whole buffer).
    return lines.filter((line) => {
      const seq = Number(KMSG_PREFIX.exec(line)?.[1] ?? Number.NaN);
      if (Number.isNaN(seq)) return true;
      this.lastSeq = seq;
      return seq > this.seenSeq;
    });
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
