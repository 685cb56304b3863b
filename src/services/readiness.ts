// Readiness checks, polled every 100 ms until one passes. None needs a thread: TCP and HTTP go
// through node:net and node:http to numeric addresses (no dns.lookup, which runs on libuv's
// thread pool), the notification fd is a pipe read through libuv's epoll, and an exec check is a
// process procinit spawns with posix_spawn and reaps like any other (never child_process).
import { closeSync, openSync } from 'node:fs';
import type { Bytes, ExitStatus, Native } from '../../native/api.js';
import type { ReadyCheck } from './spec.js';

export const POLL_MS = 100;
/** One connection or request may take this long before the attempt counts as failed. */
const ATTEMPT_MS = 1_000;
/** An exec check running longer is killed and counts as failed. */
const EXEC_ATTEMPT_MS = 10_000;

export interface CheckContext {
  native: Native;
  /** The service's environment and working directory, which an exec check runs with. */
  env: Bytes[];
  cwd: string | null;
  /** Hands a spawned pid to procinit's reaper: onExit runs when it is reaped. */
  ownPid(pid: number, onExit: (status: ExitStatus) => void): void;
}

export interface Readiness {
  /** What the service's spawn must pass on (the notification pipe's write end). */
  readonly descriptors: Array<{ from: number; to: number }>;
  /** After the spawn: closes procinit's copy of what was passed on, and starts polling. */
  begin(onReady: () => void): void;
  /** Stops for good; kills a running exec check. Safe to call twice. */
  cancel(): void;
  /** The last failed attempt, for the time-out message. */
  readonly lastFailure: string | null;
}

type Attempt = (done: (ok: boolean, why?: string) => void) => () => void;

/** Polls `attempt` every POLL_MS after the previous one ends, until one passes or cancel. */
function poller(attempt: Attempt, descriptors: Readiness['descriptors'] = [], onBegin = () => {}): Readiness {
  let timer: NodeJS.Timeout | null = null;
  let abort: (() => void) | null = null;
  let cancelled = false;
  let lastFailure: string | null = null;
  const state = {
    descriptors,
    get lastFailure() { return lastFailure; },
    begin(onReady: () => void) {
      onBegin();
      const next = () => {
        timer = null;
        if (cancelled) return;
        abort = attempt((ok, why) => {
          abort = null;
          if (cancelled) return;
          if (ok) {
            cancelled = true;
            onReady();
          } else {
            lastFailure = why ?? null;
            timer = setTimeout(next, POLL_MS);
          }
        });
      };
      next();
    },
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
      abort?.();
      abort = null;
    },
  };
  return state;
}

/** Any of the hosts accepting (localhost is 127.0.0.1 and ::1) makes the attempt pass. */
function anyHost(hosts: string[], tryHost: (host: string, done: (ok: boolean, why?: string) => void) => () => void): Attempt {
  return (done) => {
    let pending = hosts.length;
    let finished = false;
    const aborts = hosts.map((host) => tryHost(host, (ok, why) => {
      if (finished) return;
      if (ok || --pending === 0) {
        finished = true;
        for (const abort of aborts) abort();
        done(ok, why);
      }
    }));
    return () => { finished = true; for (const abort of aborts) abort(); };
  };
}

function tcpAttempt(port: number): (host: string, done: (ok: boolean, why?: string) => void) => () => void {
  const net = require('node:net') as typeof import('node:net');
  return (host, done) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(ATTEMPT_MS, () => { socket.destroy(); done(false, `no answer from ${host}:${port}`); });
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', (error: NodeJS.ErrnoException) => done(false, `${host}:${port} ${error.code ?? error.message}`));
    return () => socket.destroy();
  };
}

function httpAttempt(port: number, path: string, hostHeader: string): (host: string, done: (ok: boolean, why?: string) => void) => () => void {
  const http = require('node:http') as typeof import('node:http');
  return (host, done) => {
    const request = http.request({ host, port, path, method: 'GET', agent: false, timeout: ATTEMPT_MS,
      headers: { host: hostHeader, 'user-agent': 'procinit readiness check' } }, (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      request.destroy();
      // Kubernetes' httpGet: any 2xx or 3xx.
      done(status >= 200 && status < 400, `HTTP ${status}`);
    });
    request.once('timeout', () => { request.destroy(); done(false, `no answer from ${host}:${port}`); });
    request.once('error', (error: NodeJS.ErrnoException) => done(false, `${host}:${port} ${error.code ?? error.message}`));
    request.end();
    return () => request.destroy();
  };
}

function execAttempt(command: string[], ctx: CheckContext): Attempt {
  return (done) => {
    const devNull = openSync('/dev/null', 'r+');
    const spawned = ctx.native.spawn({
      file: command[0]!, argv: command, env: ctx.env, takeForeground: false,
      ...(ctx.cwd !== null ? { cwd: ctx.cwd } : {}),
      descriptors: [{ from: devNull, to: 0 }, { from: devNull, to: 1 }, { from: devNull, to: 2 }],
    });
    closeSync(devNull);
    if (!spawned.ok) {
      done(false, `cannot run ${command[0]}: ${spawned.code}`);
      return () => {};
    }
    const { pid } = spawned;
    let running = true;
    const kill = () => { if (running) { ctx.native.kill(-pid, 9); ctx.native.kill(pid, 9); } };
    const timer = setTimeout(kill, EXEC_ATTEMPT_MS);
    ctx.ownPid(pid, (status) => {
      running = false;
      clearTimeout(timer);
      const ok = 'exited' in status && status.exited === 0;
      done(ok, 'exited' in status ? `exited ${status.exited}` : `killed by signal ${status.signaled}`);
    });
    return () => { clearTimeout(timer); kill(); };
  };
}

/** s6's notification-fd: the service writes a newline to fd N when it is ready. */
function notificationFd(fd: number, native: Native): Readiness | { error: string } {
  const pipe = native.pipe();
  if (!pipe.ok) return { error: `cannot make a pipe for the notification fd: ${pipe.code}` };
  const net = require('node:net') as typeof import('node:net');
  let socket: import('node:net').Socket | null = null;
  let writeClosed = false;
  /** Until begin, procinit owns the read end; then the socket does, and closes it when destroyed. */
  let readOwned = true;
  const closeWrite = () => { if (!writeClosed) { writeClosed = true; closeSync(pipe.write); } };
  let lastFailure: string | null = 'no newline on the notification fd yet';
  return {
    descriptors: [{ from: pipe.write, to: fd }],
    get lastFailure() { return lastFailure; },
    begin(onReady) {
      // The service holds the write end now: EOF then means it closed it, or ended.
      closeWrite();
      readOwned = false;
      socket = new net.Socket({ fd: pipe.read, readable: true, writable: false });
      socket.on('data', (chunk: Buffer) => {
        if (!chunk.includes(10)) return;
        socket?.destroy();
        socket = null;
        onReady();
      });
      socket.on('end', () => { lastFailure = 'the service closed the notification fd without writing a newline'; });
      socket.on('error', () => {});
    },
    cancel() {
      closeWrite();
      socket?.destroy();
      socket = null;
      if (readOwned) {
        readOwned = false;
        closeSync(pipe.read);
      }
    },
  };
}

export function prepareReadiness(check: ReadyCheck, ctx: CheckContext): Readiness | { error: string } {
  switch (check.kind) {
    case 'tcp': return poller(anyHost(check.hosts, tcpAttempt(check.port)));
    case 'http': return poller(anyHost(check.hosts, httpAttempt(check.port, check.path, check.hostHeader)));
    case 'exec': return poller(execAttempt(check.command, ctx));
    case 'fd': return notificationFd(check.fd, ctx.native);
  }
}
