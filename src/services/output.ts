// procinit's own stdout and stderr, written for --log-prefix without ever blocking PID 1: each
// kind of descriptor has its own way of not blocking, and what cannot go out yet waits in a
// bounded backlog that is retried on a short timer (only while there is one).
import { constants, fstatSync, openSync, writeSync } from 'node:fs';
import type { Native } from '../../native/api.js';

const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;
const RETRY_MS = 10;

/** How an output is written: each kind's way of never blocking, where it has one. */
type Writer = (data: Buffer) => number;
const AGAIN = 0;
const BROKEN = -1;

/**
 * A pipe (Docker's and containerd's stdio are FIFOs) gets a description of its own: opening
 * /proc/self/fd/N of a pipe opens the pipe anew, so O_NONBLOCK on it leaves the description the
 * services and the main child share blocking, as programs expect. A socket (journald, a parent
 * Node's stdio) takes send(MSG_DONTWAIT), which needs no flag at all. A file or a terminal is
 * written as it is: they do not stall for long.
 */
function writerFor(target: number, native: Native): Writer {
  const plain = (fd: number): Writer => (data) => {
    try {
      return writeSync(fd, data);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EAGAIN' ? AGAIN : BROKEN;
    }
  };
  try {
    const stat = fstatSync(target);
    if (stat.isFIFO()) return plain(openSync(`/proc/self/fd/${target}`, constants.O_WRONLY | constants.O_NONBLOCK));
    if (stat.isSocket()) return (data) => native.sendNoWait(target, data);
  } catch {
    // no /proc, or an odd descriptor: written as it is
  }
  return plain(target);
}

/** One of procinit's own outputs (fd 1 or 2), written without ever blocking procinit. */
export class Output {
  private readonly writer: Writer;
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private broken = false;
  private readonly drained = new Set<() => void>();

  constructor(target: number, native: Native) {
    this.writer = writerFor(target, native);
  }

  get congested(): boolean {
    return this.backlogBytes > HIGH_WATER;
  }

  onDrained(listener: () => void): void {
    this.drained.add(listener);
  }

  write(data: Buffer): void {
    if (this.broken || data.length === 0) return;
    if (this.backlog.length > 0) {
      this.queue(data);
      return;
    }
    const written = this.tryWrite(data);
    if (written < data.length) this.queue(data.subarray(written));
  }

  private queue(data: Buffer): void {
    this.backlog.push(data);
    this.backlogBytes += data.length;
    this.timer ??= setTimeout(() => this.retry(), RETRY_MS);
  }

  /** Bytes written; 0 when the pipe is full. A broken output (EPIPE) discards from then on. */
  private tryWrite(data: Buffer): number {
    const written = this.writer(data);
    if (written !== BROKEN) return written;
    this.broken = true;
    this.backlog = [];
    this.backlogBytes = 0;
    return data.length;
  }

  /** Writes from the backlog until the pipe is full again; returns whether all of it went. */
  private writeBacklog(): boolean {
    while (this.backlog.length > 0) {
      const head = this.backlog[0]!;
      const written = this.tryWrite(head);
      if (this.broken) return true;
      this.backlogBytes -= written;
      if (written < head.length) {
        this.backlog[0] = head.subarray(written);
        return false;
      }
      this.backlog.shift();
    }
    return true;
  }

  private retry(): void {
    this.timer = null;
    const empty = this.writeBacklog();
    if (!empty) this.timer = setTimeout(() => this.retry(), RETRY_MS);
    if (this.backlogBytes < LOW_WATER) for (const listener of this.drained) listener();
  }

  /** At exit: everything left, waiting for the reader up to the deadline (Date.now() ms). */
  flushSync(deadline: number): number {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (!this.writeBacklog() && Date.now() < deadline) Atomics.wait(pause, 0, 0, 5);
    return this.backlogBytes;
  }
}
