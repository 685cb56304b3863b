// Issue 14, `procinit status`: each service's state, pid, uptime, restarts and last exit, read
// from the status file procinit keeps current; exit 0 only while every critical service (and the
// main command) is up and ready, so it serves as a Docker HEALTHCHECK.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { PROCINIT, requireTools, run, tempDir, waitFor } from '../helpers/procs.js';
import { type ServicesRun, freePort, listen, runServices, stampOf, STAMP } from '../helpers/services.js';

beforeAll(() => { requireTools('unshare', 'python3'); });

const status = (r: ServicesRun, ...args: string[]) => run([PROCINIT, 'status', ...args], { env: r.env });

it('is unhealthy until every critical service is ready, healthy while a non-critical one crash-loops, unhealthy when a critical one is down', async () => {
  const dir = tempDir();
  const port = await freePort();
  const r = runServices('pid1', dir, {
    services: {
      api: { command: listen('tcp', port, 1, join(dir, 'api.ready')), ready: { tcp: port }, critical: true },
      flaky: { command: ['sh', '-c', 'sleep 0.2; exit 3'], critical: false },
    },
  }, [], [STAMP, dir, 'main']);
  await waitFor(() => existsSync(r.statusFile), 'the status file');
  // The file lists every service as STOPPED the moment procinit starts them; a loaded machine can
  // hold procinit between that first write and the next (as the e2e test found).
  const starting = await waitFor(async () => {
    const now = await status(r);
    return /^api\s+STARTING/m.test(now.stdout) ? now : undefined;
  }, 'a status with api starting');
  expect(starting.code).toBe(1);
  expect(starting.stdout).toMatch(/^api\s+STARTING\s+\d+\s/m);
  expect(starting.stdout).toMatch(/^main: .*stamp\.sh\s+WAITING/m);
  expect(starting.stdout).toMatch(/unhealthy: not every critical service is up and ready: api is STARTING, the main command is WAITING/);

  await waitFor(() => stampOf(dir, 'main'), 'the main command');
  await waitFor(async () => (await status(r)).stdout.match(/^flaky\s+\S+.*\s[1-9]\d*\s+exit 3, \d+s ago\s+no$/m), 'flaky to have restarted');
  const healthy = await status(r);
  expect(healthy.code, healthy.stdout).toBe(0);
  expect(healthy.stdout).toMatch(/^SERVICE\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+LAST EXIT\s+CRITICAL$/m);
  expect(healthy.stdout).toMatch(/^api\s+RUNNING\s+\d+\s+\d+s\s+0\s+-\s+yes$/m);
  expect(healthy.stdout).toMatch(/healthy: every critical service is up and ready/);
  const json = JSON.parse((await status(r, '--json')).stdout);
  expect(json).toMatchObject({ healthy: true, unhealthyBecause: null, main: { state: 'RUNNING' } });
  expect(json.services.map((s: { name: string }) => s.name)).toEqual(['api', 'flaky']);

  // api dies: restarted, it is not ready for a second (its listener waits), and the check says so.
  const apiPid = json.services[0].pid as number;
  const inside = ['nsenter', '-t', String(await r.initPid()), '-p', '-m', 'kill', '-KILL', String(apiPid)];
  expect((await run(inside)).code).toBe(0);
  await waitFor(async () => (await status(r)).code === 1, 'the health check to fail while api restarts');
  await waitFor(async () => (await status(r)).code === 0, 'api to be ready again');
  expect((await status(r, '--json')).stdout).toContain('"restarts":1');

  process.kill(await r.initPid(), 'SIGTERM');
  await r.done;
  // procinit removes its status file as it exits: the check fails, it never reads a stale "healthy".
  const after = await status(r);
  expect(after.code).toBe(1);
  expect(after.stderr).toMatch(/^procinit status: cannot read .*status\.json \(ENOENT\): is procinit running with --config\?\n$/);
}, 60_000);

it('usage: an unknown option is exit 2 with the usage line', async () => {
  const result = await run([PROCINIT, 'status', '--jsn']);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe('procinit status: "--jsn" is not an option of procinit status; usage: procinit status [--json] [--file PATH]\n');
});

it('serves per-service series with --metrics: up, ready, restarts by reason, last exit code, back-off, state', async () => {
  const dir = tempDir();
  const port = await freePort();
  const r = runServices('pid1', dir, {
    services: { steady: { command: [STAMP, dir, 'steady'] }, crashy: { command: ['sh', '-c', 'exit 3'], critical: false } },
  }, ['--metrics', `127.0.0.1:${port}`], [STAMP, dir, 'main']);
  const sample = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  let text = '';
  await waitFor(async () => {
    text = await fetch(`http://127.0.0.1:${port}/metrics`).then((res) => res.text(), () => '');
    return (sample(text, 'procinit_service_restarts_total{service="crashy",reason="failed"}') ?? 0) >= 3;
  }, 'three restarts of crashy in the metrics', 10_000, 250);
  expect(sample(text, 'procinit_service_up{service="steady"}')).toBe(1);
  expect(sample(text, 'procinit_service_ready{service="steady"}')).toBe(1);
  expect(sample(text, 'procinit_service_state{service="steady",state="RUNNING"}')).toBe(1);
  expect(sample(text, 'procinit_service_state{service="steady",state="BACKOFF"}')).toBe(0);
  expect(sample(text, 'procinit_service_restarts_total{service="steady",reason="failed"}')).toBe(0);
  expect(sample(text, 'procinit_service_last_exit_code{service="crashy"}')).toBe(3);
  expect(sample(text, 'procinit_service_backoff_seconds{service="crashy"}')).toBeGreaterThanOrEqual(0.4);
  expect(sample(text, 'procinit_service_restarts_total{service="crashy",reason="signaled"}')).toBe(0);
  process.kill(await r.initPid(), 'SIGTERM');
  expect((await r.done).code).toBe(0);
});

it('without a command there is no main child: procinit_child_up is 0', async () => {
  const dir = tempDir();
  const port = await freePort();
  const r = runServices('pid1', dir, { services: { steady: { command: [STAMP, dir, 'steady'] } } }, ['--metrics', `127.0.0.1:${port}`]);
  const text = await waitFor(async () => {
    const body = await fetch(`http://127.0.0.1:${port}/metrics`).then((res) => res.text(), () => '');
    return body.includes('procinit_service_up{service="steady"} 1') ? body : undefined;
  }, 'the service in the metrics', 10_000, 250);
  expect(text).toMatch(/^procinit_child_up 0$/m);
  process.kill(await r.initPid(), 'SIGTERM');
  expect((await r.done).code).toBe(0);
});
