// Issue 15, item 3: `--stop-delay`. On Kubernetes a pod leaves its Service's endpoints only after
// SIGTERM is sent, so an app that stops at once drops the requests still routed to it; the usual
// preStop `sleep` needs a shell a distroless image lacks. procinit holds the first stop signal for
// the delay while everything keeps running, then forwards it; a second stop signal forwards at once.
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FIXTURES, MODES, PROCINIT, type Mode, findInitPid, inMode, readIfExists, requireTools, start, tempDir, waitFor,
} from '../helpers/procs.js';

const ready = requireTools('unshare', 'tini');
const SERVER = join(FIXTURES, 'http-server.js');

/** One GET; its status, or the error code (ECONNREFUSED once the server is gone). */
function request(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function startServer(mode: Mode, init: string[], env: NodeJS.ProcessEnv = process.env) {
  const dir = tempDir();
  const run = start(inMode(mode, [...init, 'node', SERVER, dir]), { env });
  const port = Number(await waitFor(() => readIfExists(join(dir, 'port')), 'the server to listen'));
  const pid = mode === 'pid1' ? await findInitPid(run.proc.pid!) : run.proc.pid!;
  return { dir, run, port, pid, termAt: () => Number(readIfExists(join(dir, 'term'))) || null };
}

const records = (stderr: string) => stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

describe.skipIf(!ready).each(MODES)('as %s', (mode) => {
  it('--stop-delay 2s: the server answers every request made during the delay, then gets SIGTERM and stops', async () => {
    const s = await startServer(mode, [PROCINIT, '-v', '--stop-delay', '2s', '--']);
    const sentAt = Date.now();
    process.kill(s.pid, 'SIGTERM');
    const answers: Array<number | string> = [];
    while (Date.now() - sentAt < 1_700) {
      answers.push(await request(s.port));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answers.length, String(answers)).toBeGreaterThanOrEqual(3);
    expect(answers.every((a) => a === 200), String(answers)).toBe(true);
    const result = await s.run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(s.termAt()! - sentAt, result.stderr).toBeGreaterThanOrEqual(2_000);
    expect(result.ms).toBeLessThan(15_000);
    const delay = records(result.stderr).filter((r) => r.event === 'stop-delay');
    expect(delay.map((r) => r.phase)).toEqual(['start', 'end']);
    expect(delay[0]).toMatchObject({ signal: 'SIGTERM', delayMs: 2_000, msg: 'holding SIGTERM for the 2 s stop delay; everything keeps running' });
    expect(records(result.stderr).find((r) => r.event === 'exit')).toMatchObject({ code: 0, stopSignal: 'SIGTERM', stopDelayMs: 2_000 });
  });

  it('PROCINIT_STOP_DELAY=5s: a second SIGTERM cuts the delay short and reaches the server at once', async () => {
    const s = await startServer(mode, [PROCINIT, '-v', '--'], { ...process.env, PROCINIT_STOP_DELAY: '5s' });
    process.kill(s.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(await request(s.port)).toBe(200);
    expect(s.termAt()).toBeNull();
    const secondAt = Date.now();
    process.kill(s.pid, 'SIGTERM');
    const result = await s.run.done;
    expect(result.code).toBe(0);
    // Well before the 5 s delay would have ended.
    expect(s.termAt()! - secondAt).toBeLessThan(2_000);
    expect(records(result.stderr).filter((r) => r.event === 'stop-delay').map((r) => r.phase)).toEqual(['start', 'cut-short']);
  });

  it('without a delay (tini, or procinit without --stop-delay) the server is gone at once: requests right after fail', async () => {
    for (const init of [[PROCINIT, '--'], mode === 'pid1' ? ['tini', '--'] : ['tini', '-s', '--']]) {
      const s = await startServer(mode, init);
      const sentAt = Date.now();
      process.kill(s.pid, 'SIGTERM');
      await waitFor(() => s.termAt(), 'the server to get SIGTERM');
      expect(s.termAt()! - sentAt).toBeLessThan(1_000);
      expect((await s.run.done).code).toBe(0);
      expect(await request(s.port)).toBe('ECONNREFUSED');
    }
  });
});

describe.skipIf(!ready)('bad settings', () => {
  it.each([
    [['--stop-delay', '30s', '--stop-deadline', '10s'], 'the stop delay (30s) does not fit in the stop deadline (10s)'],
    [['--stop-deadline', '0'], 'a stop deadline of 0 would SIGKILL everything'],
    [['--stop-delay', 'soon'], '--stop-delay "soon" is not a duration'],
  ])('%j: exit 2 and one line, nothing started', async (options, message) => {
    const dir = tempDir();
    const result = await start([PROCINIT, ...options, '--', 'sh', '-c', `touch ${dir}/ran`]).done;
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('PROCINIT_STOP_DELAY and PROCINIT_STOP_DEADLINE are checked together on the bare `-- command` path too', async () => {
    const result = await start([PROCINIT, '--', 'true'], { env: { ...process.env, PROCINIT_STOP_DELAY: '9s', PROCINIT_STOP_DEADLINE: '10s' } }).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not fit');
  });
});
