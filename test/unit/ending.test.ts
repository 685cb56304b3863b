// The termination message and the exit record's fields, from the facts of an ending; and writing
// the message to real files: Kubernetes' (written only when there), one named (created), a FIFO
// with no reader (never waited for), a directory, a read-only file.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Ending, TERMINATION_MESSAGE_BYTES, cutToBytes, endingFields, terminationMessage } from '../../src/core/ending.js';
import type { StopStory } from '../../src/shutdown/stopping.js';
import { writeTerminationMessage } from '../../src/observability/termination-log.js';
import { tempDir } from '../helpers/procs.js';

const rt = { min: 34, max: 64 };
const MiB = 1024 * 1024;
const app = ['node', 'server.js'];
const stop = (over: Partial<StopStory> = {}): StopStory => ({
  signal: 'SIGTERM', forwardedAs: 'SIGTERM', afterMainEnded: false, delayMs: 0, delayCutShort: false, killedBy: null, killAfterMs: null, deadlineMs: null, ...over,
});
const ending = (over: Partial<Ending>): Ending => {
  const main = over.main === undefined ? { command: app, status: { exited: 0 }, oom: null } : over.main;
  const status = 'status' in over ? over.status! : over.service?.status ?? main?.status ?? null;
  return { code: 0, main, stop: null, drain: null, ...over, status };
};

describe('terminationMessage', () => {
  it.each<[string, Partial<Ending>, string]>([
    ['an exit on its own', { code: 3, main: { command: app, status: { exited: 3 }, oom: null } },
      'Exit code 3: node server.js exited with code 3.'],
    ['a crash', { code: 139, main: { command: app, status: { signaled: 11 }, oom: null } },
      'Exit code 139 (128+SIGSEGV): node server.js died of SIGSEGV.'],
    ['the OOM killer', { code: 137, main: { command: app, status: { signaled: 9 }, oom: { kills: 1, limitBytes: 128 * MiB, peakBytes: 127.94 * MiB } } },
      "Exit code 137 (128+SIGKILL): node server.js was killed by the kernel's OOM killer at the container's 128 MiB limit, peak 127.9 MiB: raise --memory / resources.limits.memory, or lower the app's heap."],
    ['a stop', { code: 143, main: { command: app, status: { signaled: 15 }, oom: null }, stop: stop() },
      'Exit code 143 (128+SIGTERM): procinit received SIGTERM and forwarded it; node server.js died of SIGTERM.'],
    ['a stop with -e 143', { code: 0, remappedFrom: 143, main: { command: app, status: { signaled: 15 }, oom: null }, stop: stop() },
      "Exit code 0 (the app's 143, reported as 0 by -e): procinit received SIGTERM and forwarded it; node server.js died of SIGTERM."],
    ['a delayed stop', { code: 0, stop: stop({ delayMs: 5_000 }) },
      'Exit code 0: procinit received SIGTERM, held it 5 s (--stop-delay) and forwarded it; node server.js exited with code 0.'],
    ['a delay cut short', { code: 0, stop: stop({ delayMs: 5_000, delayCutShort: true, forwardedAs: 'SIGINT' }) },
      'Exit code 0: procinit received SIGTERM, held it (--stop-delay) until a second stop signal came, and forwarded that as SIGINT; node server.js exited with code 0.'],
    ['a rewrite', { code: 0, stop: stop({ forwardedAs: 'SIGQUIT' }) },
      'Exit code 0: procinit received SIGTERM and forwarded it as SIGQUIT; node server.js exited with code 0.'],
    ['--stop-timeout', { code: 137, main: { command: app, status: { signaled: 9 }, oom: null }, stop: stop({ killedBy: 'stop-timeout', killAfterMs: 10_000 }) },
      'Exit code 137 (128+SIGKILL): procinit received SIGTERM and forwarded it; node server.js still ran 10 s later, and procinit SIGKILLed it (--stop-timeout).'],
    ['--stop-deadline', { code: 137, main: { command: app, status: { signaled: 9 }, oom: null }, stop: stop({ killedBy: 'stop-deadline', killAfterMs: 28_500, deadlineMs: 30_000 }) },
      'Exit code 137 (128+SIGKILL): procinit received SIGTERM and forwarded it; node server.js still ran 28.5 s later, and procinit SIGKILLed it (to finish within the 30s --stop-deadline).'],
    ['never reaped', { code: 137, status: null, main: { command: app, status: null, oom: null }, stop: stop({ killedBy: 'stop-deadline', killAfterMs: 8_500, deadlineMs: 10_000 }) },
      "Exit code 137 (128+SIGKILL): procinit received SIGTERM and forwarded it; node server.js did not die of procinit's SIGKILL in time (uninterruptible sleep?), and procinit exited at its --stop-deadline without it."],
    ['a drain', { code: 0, stop: stop(), drain: { left: 3, exited: 3, killed: 1, graceMs: 5_000, cut: false } },
      'Exit code 0: procinit received SIGTERM and forwarded it; node server.js exited with code 0. 3 processes were left after it, and got SIGTERM; 1 still ran and was SIGKILLed after the 5s grace.'],
    ['a drain cut by the deadline', { code: 0, drain: { left: 1, exited: 1, killed: 1, graceMs: 5_000, cut: true } },
      'Exit code 0: node server.js exited with code 0. 1 process was left after it, and got SIGTERM; 1 still ran and was SIGKILLed when the --stop-deadline cut the grace short.'],
    ['a stop during the drain', { code: 7, main: { command: app, status: { exited: 7 }, oom: null }, stop: stop({ forwardedAs: null, afterMainEnded: true }),
      drain: { left: 1, exited: 1, killed: 1, graceMs: 60_000, cut: true } },
      'Exit code 7: node server.js exited with code 7; procinit received SIGTERM after that, while it drained what was left. 1 process was left after it, and got SIGTERM; 1 still ran and was SIGKILLed when the --stop-deadline cut the grace short.'],
    ['a dropped stop signal', { code: 137, main: { command: app, status: { signaled: 9 }, oom: null }, stop: stop({ forwardedAs: null, killedBy: 'stop-deadline', killAfterMs: 8_500, deadlineMs: 10_000 }) },
      'Exit code 137 (128+SIGKILL): procinit received SIGTERM and forwarded nothing (a --rewrite drops it); node server.js still ran 8.5 s later, and procinit SIGKILLed it (to finish within the 10s --stop-deadline).'],
    ['services only, stopped', { code: 143, main: null, status: { signaled: 15 }, stop: stop({ forwardedAs: null, delayMs: 2_000 }) },
      'Exit code 143 (128+SIGTERM): procinit received SIGTERM, held it 2 s (--stop-delay) and stopped the services.'],
    ['services only, a drain after them', { code: 0, main: null, status: { exited: 0 }, stop: stop({ forwardedAs: null }), drain: { left: 1, exited: 1, killed: 0, graceMs: 5_000, cut: false } },
      'Exit code 0: procinit received SIGTERM and stopped the services. 1 process was left after the services, and got SIGTERM; all had ended within the 5s grace.'],
    ['a clean drain', { code: 0, drain: { left: 2, exited: 2, killed: 0, graceMs: 5_000, cut: false } },
      'Exit code 0: node server.js exited with code 0. 2 processes were left after it, and got SIGTERM; all had ended within the 5s grace.'],
    ['a service that gave up (issue 14)', { code: 1, main: null, service: { name: 'worker', runs: 5, command: ['node', 'worker.js'], status: { exited: 1 }, oom: null } },
      'Exit code 1: service worker gave up after 5 runs: it exited with code 1.'],
    ['a service that gave up, with the hint', { code: 1, main: null, service: { name: 'worker', runs: 5, command: ['node', 'worker.js'], status: { exited: 0 }, oom: null,
      hint: 'exited 0 five times within 10 s: does it daemonize? run it in the foreground' } },
      'Exit code 1: service worker gave up after 5 runs: exited 0 five times within 10 s: does it daemonize? run it in the foreground.'],
    ['a service the OOM killer took, and the main stopped for it', { code: 137, main: { command: app, status: { signaled: 15 }, oom: null },
      service: { name: 'worker', runs: 1, command: ['node', 'worker.js'], status: { signaled: 9 }, oom: { kills: 1, limitBytes: 256 * MiB, peakBytes: 255 * MiB }, hint: 'killed by SIGKILL' } },
      "Exit code 137 (128+SIGKILL): service worker gave up after 1 run: it was killed by the kernel's OOM killer at the container's 256 MiB limit, peak 255 MiB: raise --memory / resources.limits.memory, or lower the app's heap; node server.js died of SIGTERM."],
  ])('%s', (_name, over, expected) => {
    expect(terminationMessage(ending(over), rt)).toBe(expected);
  });

  it('is at most 4 KiB, cut at a character boundary', () => {
    const long = ending({ code: 1, main: { command: ['x'], status: { exited: 1 }, oom: null }, status: { exited: 1 },
      service: { name: 'ü'.repeat(5_000), runs: 2, command: ['x'], status: { exited: 1 }, oom: null } });
    const text = terminationMessage(long, rt);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_BYTES);
    expect(text).not.toContain('\uFFFD');
    expect(cutToBytes('aü', 2)).toBe('a');
  });

  it('cuts a long command line', () => {
    const text = terminationMessage(ending({ main: { command: ['node', 'x'.repeat(200)], status: { exited: 0 }, oom: null } }), rt);
    expect(text).toMatch(/^Exit code 0: node x{54}… exited with code 0\.$/);
  });
});

describe('endingFields', () => {
  it('says oom-killed, with the limit and the peak', () => {
    expect(endingFields(ending({ code: 137, main: { command: app, status: { signaled: 9 }, oom: { kills: 1, limitBytes: 1, peakBytes: 2 } } })))
      .toEqual({ code: 137, reason: 'oom-killed', status: { signaled: 9 }, memoryLimitBytes: 1, memoryPeakBytes: 2, oomKills: 1 });
  });
  it('names the stop and what procinit killed', () => {
    expect(endingFields(ending({ code: 137, main: { command: app, status: { signaled: 9 }, oom: null }, stop: stop({ delayMs: 5_000, killedBy: 'stop-timeout' }) })))
      .toEqual({ code: 137, reason: 'signaled', status: { signaled: 9 }, stopSignal: 'SIGTERM', stopDelayMs: 5_000, killedBy: 'stop-timeout' });
  });
});

describe('writeTerminationMessage', () => {
  it('writes Kubernetes\' file when it is there, replacing what it held, and nothing when it is not', () => {
    const dir = tempDir();
    const path = join(dir, 'termination-log');
    expect(writeTerminationMessage({ path, create: false }, 'hello')).toEqual({ skipped: 'absent' });
    expect(existsSync(path)).toBe(false);
    writeFileSync(path, 'x'.repeat(10_000));
    expect(writeTerminationMessage({ path, create: false }, 'Exit code 0: done.')).toEqual({ written: 19 });
    expect(readFileSync(path, 'utf8')).toBe('Exit code 0: done.\n');
  });

  it('creates a file it was told of, and keeps it under 4 KiB', () => {
    const path = join(tempDir(), 'message');
    expect(writeTerminationMessage({ path, create: true }, 'y'.repeat(9_000))).toEqual({ written: TERMINATION_MESSAGE_BYTES });
    expect(statSync(path).size).toBe(TERMINATION_MESSAGE_BYTES);
  });

  it('never waits for a FIFO with no reader, and never throws', () => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const began = performance.now();
    expect(writeTerminationMessage({ path: fifo, create: false }, 'x')).toEqual({ failed: 'ENXIO' });
    expect(performance.now() - began).toBeLessThan(1_000);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect(writeTerminationMessage({ path: sub, create: true }, 'x')).toEqual({ failed: 'EISDIR' });
    expect(writeTerminationMessage({ path: join(dir, 'none', 'x'), create: true }, 'x')).toEqual({ failed: 'ENOENT' });
  });

  it('reports a file it may not write', () => {
    const path = join(tempDir(), 'ro');
    writeFileSync(path, '');
    chmodSync(path, 0o444);
    // Root ignores file modes; /dev/full refuses every write, as a full disk does.
    const target = process.getuid?.() === 0 ? '/dev/full' : path;
    expect(writeTerminationMessage({ path: target, create: false }, 'x')).toHaveProperty('failed');
  });
});
