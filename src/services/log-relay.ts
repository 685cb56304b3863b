// --log-prefix: each service's stdout and stderr come through pipes, and procinit writes every
// line to its own stdout or stderr (kept apart) as `name | line`. Never blocking: a reader that
// stalls (a full pipe to Docker's log driver) fills a bounded backlog, then pauses the services'
// pipes, so they block on their own writes as they would without procinit; PID 1 keeps reaping.
// Never losing a line: at exit, whatever the pipes still hold is read and written out.
import { type Socket } from 'node:net';
import { closeSync, readSync } from 'node:fs';
import type { Native } from '../../native/api.js';
import { Output } from './output.js';

/** A line longer than this is written in pieces rather than held without end. */
const MAX_LINE = 64 << 10;
const NEWLINE = 10;

/** One service's stdout or stderr: a pipe's read end, cut into prefixed lines. */
class Source {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private closed = false;
  readonly socket: Socket;

  constructor(private readonly fd: number, private readonly prefix: Buffer, private readonly output: Output,
    onClose: (source: Source) => void) {
    const net = require('node:net') as typeof import('node:net');
    this.socket = new net.Socket({ fd, readable: true, writable: false });
    this.socket.on('data', (chunk: Buffer) => this.take(chunk));
    this.socket.on('end', () => this.endPartial());
    this.socket.on('error', () => {});
    this.socket.on('close', () => { this.closed = true; onClose(this); });
  }

  take(chunk: Buffer): void {
    const pieces: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      pieces.push(this.prefix, ...this.partial, chunk.subarray(start, nl + 1));
      this.partial = [];
      this.partialBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.partial.push(chunk.subarray(start));
      this.partialBytes += chunk.length - start;
      if (this.partialBytes >= MAX_LINE) this.endPartial(pieces);
    }
    if (pieces.length > 0) this.output.write(Buffer.concat(pieces));
    if (this.output.congested) this.socket.pause();
  }

  /** A last line without its newline (the service ended mid-line) still gets one. */
  endPartial(into?: Buffer[]): void {
    if (this.partialBytes === 0) return;
    const line = [this.prefix, ...this.partial, Buffer.from('\n')];
    this.partial = [];
    this.partialBytes = 0;
    if (into) into.push(...line);
    else this.output.write(Buffer.concat(line));
  }

  /** At exit: what the stream buffered, then what the pipe still holds, without waiting. */
  drainSync(): void {
    if (this.closed) return;
    this.socket.pause();
    // read() emits 'data' too: without this, a buffered chunk would be written twice.
    this.socket.removeAllListeners('data');
    for (let chunk = this.socket.read() as Buffer | null; chunk !== null; chunk = this.socket.read() as Buffer | null) this.take(chunk);
    const buffer = Buffer.alloc(64 << 10);
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, buffer);
      } catch {
        break; // EAGAIN: the pipe is empty for now
      }
      if (n === 0) break;
      this.take(Buffer.from(buffer.subarray(0, n)));
    }
    this.endPartial();
  }
}

export interface RelayEnds {
  /** The write ends, for the service's fd 1 and 2; close them once it is spawned. */
  descriptors: Array<{ from: number; to: number }>;
  closeWriteEnds(): void;
}

export class LogRelay {
  private readonly outputs: [Output, Output];
  private readonly sources = new Set<Source>();

  constructor(private readonly native: Native) {
    this.outputs = [new Output(1, native), new Output(2, native)];
    for (const output of this.outputs) {
      output.onDrained(() => {
        for (const source of this.sources) if (source.socket.isPaused()) source.socket.resume();
      });
    }
  }

  /** Two pipes for one run of a service; null when the pipes cannot be made (then it inherits). */
  attach(name: string): RelayEnds | null {
    const out = this.native.pipe();
    const err = out.ok ? this.native.pipe() : out;
    if (!out.ok || !err.ok) {
      if (out.ok) { closeSync(out.read); closeSync(out.write); }
      return null;
    }
    const prefix = Buffer.from(`${name} | `);
    const forget = (source: Source) => this.sources.delete(source);
    this.sources.add(new Source(out.read, prefix, this.outputs[0], forget));
    this.sources.add(new Source(err.read, prefix, this.outputs[1], forget));
    return {
      descriptors: [{ from: out.write, to: 1 }, { from: err.write, to: 2 }],
      closeWriteEnds: () => { closeSync(out.write); closeSync(err.write); },
    };
  }

  /** Called as procinit exits: every line read so far, and every line still in the pipes, goes out. */
  flushSync(timeoutMs = 5_000): void {
    for (const source of this.sources) source.drainSync();
    const deadline = Date.now() + timeoutMs;
    for (const output of this.outputs) output.flushSync(deadline);
  }
}
