// Issue 7: the Prometheus endpoint after known events, and no socket at all without the option.
import { readdirSync, readlinkSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODES, PROCINIT, type Mode, findInitPid, inMode, requireTools, start, tempDir, waitFor } from '../helpers/procs.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Sockets procinit opened itself: fds 0-2 are the test runner's pipes (socketpairs in Node). */
function sockets(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => Number(fd) > 2).map((fd) => {
    try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; }
  }).filter((target) => target.startsWith('socket:'));
}

/**
 * A child that ignores SIGUSR1, leaves 100 orphans behind, then waits to be stopped. It waits on one
 * long sleep: a loop of short ones left a zombie of its own for an instant, seen by a scrape in CI.
 */
function orphanMaker(dir: string): string[] {
  return ['sh', '-c', `trap '' USR1; trap 'exit 0' TERM; for i in $(seq 100); do (true &); done; `
    + `echo > ${dir}/ready; sleep 600 & wait`];
}

async function procinitPid(mode: Mode, launcherPid: number) {
  return mode === 'pid1' ? findInitPid(launcherPid, 'procinit') : launcherPid;
}

describe.each(MODES)('as %s', (mode) => {
  it('serves the counters after a signal and 100 orphans', async () => {
    requireTools('unshare');
    const dir = tempDir();
    const port = await freePort();
    const run = start(inMode(mode, [PROCINIT, '--metrics', `127.0.0.1:${port}`, '--', ...orphanMaker(dir)]));
    await waitFor(() => existsSync(join(dir, 'ready')), 'the child');
    const pid = await procinitPid(mode, run.proc.pid!);
    for (let i = 0; i < 3; i++) process.kill(pid, 'SIGUSR1');
    let text = '';
    await waitFor(async () => {
      text = await scrape(port);
      return sample(text, 'procinit_reaped_total{role="orphan"}') === 100
        && sample(text, 'procinit_signals_forwarded_total{signal="SIGUSR1"}')! >= 1;
    }, '100 orphans and the signals in the metrics', 10_000, 250).catch(async (e) => { throw new Error(`${e}\n${text}`); });
    expect(sample(text, 'procinit_reaped_total{role="orphan"}')).toBe(100);
    // Standard signals coalesce while pending, so 3 sent may arrive as fewer; never more.
    expect(sample(text, 'procinit_signals_forwarded_total{signal="SIGUSR1"}')).toBeLessThanOrEqual(3);
    expect(sample(text, 'procinit_child_up')).toBe(1);
    expect(sample(text, 'procinit_reaped_total{role="main"}')).toBe(0);
    // Gone: it was always 0; restarts are per service now (procinit_service_restarts_total).
    expect(sample(text, 'procinit_child_restarts_total')).toBeUndefined();
    expect(sample(text, 'procinit_zombies')).toBe(0);
    // procinit, the shell, and its sleep.
    expect(sample(text, 'procinit_processes')).toBe(3);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    process.kill(pid, 'SIGTERM');
    expect((await run.done).code).toBe(0);
  });
});

it('opens no socket without --metrics', async () => {
  const dir = tempDir();
  const run = start([PROCINIT, '-vvv', '--', 'sh', '-c', `echo > ${dir}/ready; sleep 30`]);
  await waitFor(() => existsSync(join(dir, 'ready')), 'the child');
  expect(sockets(run.proc.pid!)).toEqual([]);
  process.kill(run.proc.pid!, 'SIGTERM');
  await run.done;
});

it('has a socket with --metrics (so the check above can fail)', async () => {
  const dir = tempDir();
  const port = await freePort();
  const run = start([PROCINIT, '--metrics', `127.0.0.1:${port}`, '--', 'sh', '-c', `echo > ${dir}/ready; sleep 30`]);
  await waitFor(() => existsSync(join(dir, 'ready')), 'the child');
  expect(sockets(run.proc.pid!).length).toBeGreaterThan(0);
  process.kill(run.proc.pid!, 'SIGTERM');
  await run.done;
});

it('refuses a port it cannot listen on before starting the child', async () => {
  const dir = tempDir();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as { port: number };
  const result = await start([PROCINIT, '--metrics', `127.0.0.1:${port}`, '--', 'touch', join(dir, 'started')]).done;
  blocker.close();
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^procinit: cannot serve metrics on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(existsSync(join(dir, 'started'))).toBe(false);
});
