// Limits a container runs under: a read-only root file system, and a memory limit that the app's
// workers overrun, so the kernel's OOM killer must take something: a worker, never PID 1.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Container, cleanUpContainers } from './container.js';
import { FIXTURES, docker, engineReady, recordStop, suite } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

describe.skipIf(!ready).concurrent('--read-only', () => {
  test.each([
    ['procinit', { command: ['procinit', '--', 'node', `${FIXTURES}/no-handler.js`] }],
    ['tini', { init: true, command: ['node', `${FIXTURES}/no-handler.js`] }],
  ])('with %s, the app runs and docker stop ends it at once, with nothing written or warned', async (init, run) => {
    const c = await Container.start(docker, { ...run, options: ['--read-only'] });
    await c.waitForFile('ready');
    expect((await c.exec(['sh', '-c', 'touch /probe 2>&1; echo $?'])).stdout).toMatch(/Read-only file system\n1\n$/);
    const { ms, exit } = await c.stop();
    recordStop({ scenario: 'a Node app with no SIGTERM handler, `--read-only`', init, timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(143);
    expect(ms).toBeLessThan(5_000);
    expect(await c.logs()).toBe('');
  });
});

// Nine workers of 20 MiB each under a 160 MiB limit: the OOM killer must take some. Each worker
// is smaller than a Node process, so an init whose own Node is the biggest process is the
// kernel's first choice unless it makes itself a worse one (issue 11, item 5).
const WORKERS = ['sh', `${FIXTURES}/workers.sh`, '9', '20', '/shared/report'];
const MEMORY = ['--memory', '160m', '--memory-swap', '160m'];

async function runWorkers(run: { init?: boolean; command: string[] }) {
  const c = await Container.start(docker, { ...run, options: MEMORY });
  const exit = await c.exited(60_000);
  return { c, exit, report: c.sharedFile('report'), oomKilled: await c.inspect('{{.State.OOMKilled}}') };
}

describe.skipIf(!ready).concurrent('--memory 160m: an app whose workers overrun the limit', () => {
  test.each([
    ['tini (--init)', { init: true, command: WORKERS }],
    ['no init (the app, sh, as PID 1)', { command: WORKERS }],
  ])('with %s, the kernel kills workers; the app finishes and exits 0', async (_name, run) => {
    const { c, exit, report } = await runWorkers(run);
    expect(exit, await c.describe()).toBe(0);
    const [ok, , killed] = (report ?? '').split(' ').map(Number);
    expect(killed, `report: ${report}`).toBeGreaterThanOrEqual(1);
    expect(ok! + killed!).toBe(9);
  });
});

// The same under procinit. Its own Node was the biggest process in the container (~40 MiB resident,
// most of it the node binary's code) and the OOM killer took PID 1: the container died with 137.
// procinit now starts its child 100 above its own oom_score_adj and drops its binary's clean
// pages once started (src/core/oom.ts).
describe.skipIf(!ready)('--memory 160m under procinit', () => {
  test('the kernel kills workers, not procinit; the app finishes and exits 0', async () => {
    const { c, exit, report } = await runWorkers({ command: ['procinit', '--', ...WORKERS] });
    expect(exit, await c.describe()).toBe(0);
    const [ok, , killed] = (report ?? '').split(' ').map(Number);
    expect(killed, `report: ${report}`).toBeGreaterThanOrEqual(1);
    expect(ok! + killed!).toBe(9);
  });
});

// Issue 15: an app that allocates past --memory 128m dies of the OOM killer. Docker's exit code says
// 137 either way; procinit says why, in its log and in the termination message Kubernetes shows
// (here a file mounted at /dev/termination-log, as the kubelet mounts one).
const HOG = 'const a = []; setInterval(() => { for (let i = 0; i < 8; i++) a.push(Buffer.alloc(1 << 20, 1)); }, 1)';

async function runHog(run: { init?: boolean; command: string[] }) {
  const dir = mkdtempSync(join(suite.work, 'termination-'));
  const file = join(dir, 'termination-log');
  writeFileSync(file, '');
  chmodSync(file, 0o666);
  const c = await Container.start(docker, { ...run, options: ['--memory', '128m', '--memory-swap', '128m', '-v', `${file}:/dev/termination-log`] });
  const exit = await c.exited(60_000);
  return { c, exit, message: readFileSync(file, 'utf8'), logs: await c.logs(), oomKilled: await c.inspect('{{.State.OOMKilled}}') };
}

describe.skipIf(!ready).concurrent('--memory 128m, an app that allocates past it', () => {
  test('under procinit: 137, the warning names the OOM killer, the limit and the fix, and so does the termination message', async () => {
    const { c, exit, message, logs, oomKilled } = await runHog({ command: ['procinit', '--', 'node', '-e', HOG] });
    expect(exit, await c.describe()).toBe(137);
    expect(oomKilled).toBe('true');
    const warning = logs.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((r) => r.reason === 'oom-killed');
    expect(warning, logs).toMatchObject({ level: 40, event: 'reap', role: 'main', memoryLimitBytes: 128 * 1024 * 1024 });
    expect(warning.msg).toMatch(/^the main child was killed by the kernel's OOM killer at the container's 128 MiB limit, peak 1\d\d(\.\d)? MiB: raise --memory \/ resources\.limits\.memory, or lower the app's heap$/);
    expect(message).toMatch(/^Exit code 137 \(128\+SIGKILL\): node -e .* was killed by the kernel's OOM killer at the container's 128 MiB limit, peak 1\d\d(\.\d)? MiB: raise --memory \/ resources\.limits\.memory, or lower the app's heap\.\n$/);
  });

  test('under tini (--init): 137 too, and not a word of why', async () => {
    const { c, exit, message, logs, oomKilled } = await runHog({ init: true, command: ['node', '-e', HOG] });
    expect(exit, await c.describe()).toBe(137);
    expect(oomKilled).toBe('true');
    expect(logs).toBe('');
    expect(message).toBe('');
  });
});
