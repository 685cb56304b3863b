// Issue 2, the child's inherited state: no blocked and no ignored signal (Node ignores SIGPIPE
// and SIGXFSZ, and exec keeps ignored dispositions), exactly the descriptors the init inherited
// (none of Node's epoll, eventfd or pipes), and a process group of its own. One body over
// procinit and tini, as PID 1 and as subreaper.
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tempDir } from '../helpers/procs.js';
import { CASES, canRun, launch } from '../helpers/inits.js';

const REPORT_FDS = join(FIXTURES, 'report-fds.py');

/**
 * The descriptors this test process holds without close-on-exec (a test runner may inherit some
 * from whatever started it): every process it spawns inherits them, the init included, and the
 * init passes on what it inherited. Node's own descriptors are all close-on-exec.
 */
function leakedByThisProcess(replaced: number[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (replaced.includes(fd)) continue;
    try {
      const flags = /^flags:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      if (flags !== undefined && (parseInt(flags, 8) & 0o2000000) === 0) out[fd] = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode))('the child starts with no signal blocked or ignored, leading its own group', async () => {
    const dir = tempDir();
    const out = join(dir, 'status');
    const fd = openSync(out, 'w');
    // cat reports its own state as exec left it: it changes no signal disposition itself.
    const run = launch(init, mode, [], ['cat', '/proc/self/status', '/proc/self/stat'],
      { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const text = readFileSync(out, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)$`, 'm').exec(text)?.[1];
    expect({ SigBlk: field('SigBlk'), SigIgn: field('SigIgn') })
      .toEqual({ SigBlk: '0000000000000000', SigIgn: '0000000000000000' });
    const stat = text.slice(text.lastIndexOf('\n', text.indexOf(') ')) + 1);
    const pid = Number(stat.split(' ')[0]);
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(pid).toBeGreaterThan(0);
    expect(pgrp).toBe(pid);
  });

  it.skipIf(!canRun(init, mode, 'python3'))('the child has exactly the descriptors the init inherited (0, 1, 2 and 5)', async () => {
    const dir = tempDir();
    const report = join(dir, 'report.json');
    const [stdout, stderr, extra] = ['stdout', 'stderr', 'extra'].map((name) => join(dir, name));
    const fds = [openSync(stdout, 'w'), openSync(stderr, 'w'), openSync(extra, 'w')];
    // 3 and 4 stay closed: a descriptor of Node's own would most likely take one of them.
    const run = launch(init, mode, [], ['python3', REPORT_FDS, report],
      { stdio: ['ignore', fds[0], fds[1], 'ignore', 'ignore', fds[2]] });
    fds.forEach((fd) => closeSync(fd));
    const result = await run.done;
    expect(result.code).toBe(0);
    const seen = JSON.parse(readFileSync(report, 'utf8'));
    expect(seen.fds).toEqual({
      ...leakedByThisProcess([0, 1, 2, 5]),
      0: '/dev/null', 1: realpathSync(stdout), 2: realpathSync(stderr), 5: realpathSync(extra),
    });
    const targets = Object.values(seen.fds as Record<string, string>);
    expect(targets.filter((t) => /eventpoll|eventfd|signalfd|timerfd/.test(t))).toEqual([]);
    expect(seen.pgid).toBe(seen.pid);
    // The init says nothing on either stream.
    expect(readFileSync(stdout, 'utf8')).toBe('');
    expect(readFileSync(stderr, 'utf8')).toBe('');
  });
});
