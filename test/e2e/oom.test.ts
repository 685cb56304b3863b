// Issue 15, item 1, in real containers: an app that allocates past the container's memory limit
// (linux.resources.memory.limit: `docker run --memory 128m`) is killed by the kernel's OOM killer,
// and procinit says so: the reap and exit records, a warning with the fix, the metrics, and the
// termination message at /dev/termination-log, mounted from a file as the kubelet mounts it. And
// the other side: a SIGKILL that is not the OOM killer's, and a container with no cgroup file
// system, where procinit must claim nothing. This machine and CI run cgroup v1; v2's files are
// read from a fixture tree in test/unit/memory-cgroup.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { PROCINIT, SHARED, cleanUpContainers, runcReady, startContainer, type Container } from './runc.js';

const ready = runcReady();
cleanUpContainers();

const MiB = 1024 * 1024;
const LIMIT = 128 * MiB;
const PORT = 9465;
/** Allocates (and touches) 8 MiB a millisecond until the kernel stops it. */
const HOG = 'const a = []; setInterval(() => { for (let i = 0; i < 8; i++) a.push(Buffer.alloc(1 << 20, 1)); }, 1)';

type Run = Pick<Container, 'output'>;
const records = (c: Run) => c.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

/** A host file mounted at the container's /dev/termination-log, as the kubelet does. */
function terminationLog(): { host: string; mount: { source: string; destination: string; readonly: false } } {
  const host = join(tmpdir(), `procinit-termination-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(host, '');
  return { host, mount: { source: host, destination: '/dev/termination-log', readonly: false } };
}

function scrape(c: Container): string {
  const r = c.exec(['python3', '-c',
    `import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:${PORT}/metrics', timeout=5).read().decode())`]);
  if (r.code !== 0) throw new Error(`scrape failed: ${r.stderr}`);
  return r.stdout;
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.skipIf(!ready)('an app that allocates past a 128 MiB memory limit', () => {
  test('procinit names the OOM killer: the reap and exit records, a warning with the fix, the termination message', async () => {
    const log = terminationLog();
    const c = startContainer({ args: [PROCINIT, '-v', '--', 'node', '-e', HOG], memoryLimit: LIMIT, mounts: [log.mount] });
    expect(await c.exitCodeWithin(30_000), c.output()).toBe(137);
    const all = records(c);
    const reap = all.find((r) => r.event === 'reap' && r.role === 'main');
    expect(reap, c.output()).toMatchObject({ level: 40, signal: 'SIGKILL', reason: 'oom-killed', memoryLimitBytes: LIMIT, oomKills: 1 });
    // The peak is the cgroup's: the app, procinit and the page cache, up against the limit.
    expect(reap.memoryPeakBytes).toBeGreaterThan(LIMIT - 16 * MiB);
    expect(reap.memoryPeakBytes).toBeLessThanOrEqual(LIMIT);
    expect(reap.msg).toMatch(/^the main child was killed by the kernel's OOM killer at the container's 128 MiB limit, peak 1\d\d(\.\d)? MiB: raise --memory \/ resources\.limits\.memory, or lower the app's heap$/);
    const exit = all.find((r) => r.event === 'exit');
    expect(exit).toMatchObject({ code: 137, reason: 'oom-killed', memoryLimitBytes: LIMIT });
    const message = readFileSync(log.host, 'utf8');
    expect(message).toMatch(/^Exit code 137 \(128\+SIGKILL\): node -e const a = .*… was killed by the kernel's OOM killer at the container's 128 MiB limit, peak 1\d\d(\.\d)? MiB: raise --memory \/ resources\.limits\.memory, or lower the app's heap\.\n$/);
    expect(exit.msg).toBe(message.trimEnd());
  });

  test('the same under tini: exit 137 and not a word of why', async () => {
    const c = startContainer({ args: ['tini', '--', 'node', '-e', HOG], memoryLimit: LIMIT });
    expect(await c.exitCodeWithin(30_000)).toBe(137);
    expect(c.output()).toBe('--- stdout\n--- stderr\n');
  });

  test('a worker OOM-killed as an orphan: a warning naming it, and the metrics count it', async () => {
    // The app leaves the worker to procinit (the subshell exits), waits, and runs on.
    const app = `(node -e '${HOG}' &); echo > ${SHARED}/started; trap 'exit 0' TERM; while :; do sleep 0.1; done`;
    const c = startContainer({ args: [PROCINIT, '--metrics', `127.0.0.1:${PORT}`, '--', 'sh', '-c', app], memoryLimit: LIMIT });
    await c.waitForFile('started');
    const warning = await waitFor(() => records(c).find((r) => r.reason === 'oom-killed'), 'the OOM warning', 30_000)
      .catch((e: Error) => { throw new Error(`${e.message}\n${c.output()}`); });
    expect(warning).toMatchObject({ level: 40, event: 'reap', role: 'orphan', signal: 'SIGKILL', memoryLimitBytes: LIMIT });
    // At the default verbosity procinit does not read an orphan's name before reaping it: the pid.
    const said = /^an orphan \(pid (\d+)\) was killed by the kernel's OOM killer at the container's 128 MiB limit, peak ([\d.]+) MiB: raise --memory \/ resources\.limits\.memory, or lower the app's heap$/
      .exec(warning.msg);
    expect(said, warning.msg).not.toBeNull();
    expect(Number(said![1])).toBe(warning.pid);
    expect(Math.abs(Number(said![2]) - warning.memoryPeakBytes / MiB)).toBeLessThanOrEqual(0.06);
    const text = await waitFor(() => { try { return scrape(c); } catch { return undefined; } }, 'the metrics');
    expect(sample(text, 'procinit_oom_kills_total')).toBe(1);
    expect(sample(text, 'procinit_memory_limit_bytes')).toBe(LIMIT);
    expect(sample(text, 'procinit_memory_peak_bytes')).toBeGreaterThan(LIMIT - 16 * MiB);
    const usage = sample(text, 'procinit_memory_usage_bytes')!;
    expect(usage).toBeGreaterThan(1 * MiB);
    expect(usage).toBeLessThan(LIMIT - 16 * MiB);
    // The app itself was not touched, and stops as asked; nothing claims an OOM for it.
    c.kill('TERM');
    expect(await c.exitCodeWithin(15_000), c.output()).toBe(0);
    expect(records(c).filter((r) => r.reason === 'oom-killed')).toHaveLength(1);
  });

  test('a service (--config) the OOM killer takes: its warning, and the give-up in the termination message', async () => {
    const log = terminationLog();
    const config = { services: { hog: { command: ['node', '-e', HOG], critical: true, maxRetries: 1 } } };
    const c = startContainer({
      args: [PROCINIT, '--config', `${SHARED}/procinit.json`, '--', 'sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.1; done"],
      memoryLimit: LIMIT, mounts: [log.mount],
    });
    writeFileSync(join(c.shared, 'procinit.json'), JSON.stringify(config));
    expect(await c.exitCodeWithin(30_000), c.output()).toBe(137);
    const warning = records(c).find((r) => r.reason === 'oom-killed');
    expect(warning, c.output()).toMatchObject({ level: 40, event: 'service-exit', service: 'hog', signal: 'SIGKILL', memoryLimitBytes: LIMIT });
    expect(warning.msg).toMatch(/^hog was killed by the kernel's OOM killer at the container's 128 MiB limit, peak 1\d\d(\.\d)? MiB: raise --memory/);
    expect(records(c).find((r) => r.event === 'service-give-up')?.msg).toMatch(/^hog gave up: killed by the kernel's OOM killer at the container's 128 MiB limit/);
    expect(readFileSync(log.host, 'utf8')).toMatch(/^Exit code 137 \(128\+SIGKILL\): service hog gave up after 1 run: it was killed by the kernel's OOM killer at the container's 128 MiB limit, peak 1\d\d(\.\d)? MiB: raise --memory \/ resources\.limits\.memory, or lower the app's heap; sh -c .* exited with code 0\.\n$/);
  });

  test('a SIGKILL that is not the OOM killer\'s is called a SIGKILL', async () => {
    const log = terminationLog();
    const c = startContainer({ args: [PROCINIT, '-v', '--', 'sh', '-c', 'kill -KILL $$'], memoryLimit: LIMIT, mounts: [log.mount] });
    expect(await c.exitCodeWithin(15_000)).toBe(137);
    const all = records(c);
    expect(all.filter((r) => r.level >= 40), c.output()).toEqual([]);
    expect(all.find((r) => r.event === 'exit')).toMatchObject({ code: 137, reason: 'signaled' });
    expect(readFileSync(log.host, 'utf8')).toBe('Exit code 137 (128+SIGKILL): sh -c kill -KILL $$ died of SIGKILL.\n');
  });

  test('PROCINIT_TERMINATION_LOG=0: Kubernetes\' file is left as it was', async () => {
    const log = terminationLog();
    writeFileSync(log.host, 'before\n');
    const c = startContainer({ args: [PROCINIT, '--', 'sh', '-c', 'exit 4'], env: ['PROCINIT_TERMINATION_LOG=0'], mounts: [log.mount] });
    expect(await c.exitCodeWithin(15_000)).toBe(4);
    expect(readFileSync(log.host, 'utf8')).toBe('before\n');
    expect(c.output()).toBe('--- stdout\n--- stderr\n');
  });

  test('with no cgroup file system in the container, procinit says nothing of memory', async () => {
    const log = terminationLog();
    const c = startContainer({
      args: [PROCINIT, '-v', '--metrics', `127.0.0.1:${PORT}`, '--', 'sh', '-c', `echo > ${SHARED}/up; while [ ! -e ${SHARED}/go ]; do sleep 0.05; done; exec node -e '${HOG}'`],
      memoryLimit: LIMIT, withoutCgroupMount: true, mounts: [log.mount],
    });
    await c.waitForFile('up');
    expect(c.exec(['ls', '/sys/fs/cgroup']).stdout).toBe('');
    const text = await waitFor(() => { try { return scrape(c); } catch { return undefined; } }, 'the metrics');
    expect(text).toMatch(/^procinit_processes /m);
    expect(text).not.toMatch(/procinit_memory|procinit_oom/);
    writeFileSync(join(c.shared, 'go'), '');
    expect(await c.exitCodeWithin(30_000), c.output()).toBe(137);
    const all = records(c);
    expect(all.filter((r) => r.level >= 40 || r.reason === 'oom-killed'), c.output()).toEqual([]);
    expect(all.find((r) => r.event === 'reap' && r.role === 'main')).toMatchObject({ signal: 'SIGKILL' });
    expect(readFileSync(log.host, 'utf8')).toMatch(/^Exit code 137 \(128\+SIGKILL\): sh -c .* died of SIGKILL\.\n$/);
  });
});
