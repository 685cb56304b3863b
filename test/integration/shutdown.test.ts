// Issue 3: the whole tree is drained when the main child ends, as PID 1 and as a subreaper.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIXTURES, MODES, PROCINIT, type Mode, findInitPid, inMode, listProcesses, readIfExists, requireTools,
  start, tempDir, waitFor,
} from '../helpers/procs.js';

const TREE = join(FIXTURES, 'tree.sh');
const RECORDER = join(FIXTURES, 'record-signals.py');

/** A process outside procinit's tree: no subreaper run may touch it. */
let bystander: ChildProcess;
const bystanderAlive = () => {
  const self = listProcesses().find((p) => p.pid === bystander.pid);
  return self !== undefined && self.state !== 'Z';
};

beforeAll(() => {
  requireTools('unshare', 'python3', 'setsid');
  bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
});
afterAll(() => { bystander.kill('SIGKILL'); });

function startProcinit(mode: Mode, options: string[], command: string[], stdio?: Array<'ignore' | 'pipe'>) {
  return start(inMode(mode, [PROCINIT, ...options, '--', ...command]), stdio ? { stdio } : {});
}

/** The pid to signal as a runtime would: procinit itself (PID 1 of the namespace, seen from outside). */
async function initPid(mode: Mode, launcherPid: number): Promise<number> {
  return mode === 'pid1' ? findInitPid(launcherPid, 'procinit') : launcherPid;
}

describe.each(MODES)('as %s', (mode) => {
  it('lets a daemonized grandchild finish its cleanup after a SIGTERM to procinit', async () => {
    const dir = tempDir();
    const run = startProcinit(mode, [], [TREE, dir, 'cleanup', 'wait']);
    await waitFor(() => existsSync(join(dir, 'ready')), 'the tree to start');
    const pid = await initPid(mode, run.proc.pid!);
    const signalledAt = performance.now();
    process.kill(pid, 'SIGTERM');
    const result = await run.done;
    const stopMs = performance.now() - signalledAt;
    expect(result.code).toBe(0);
    expect(readIfExists(join(dir, 'cleaned'))).toBe('done\n');
    // The drain ends when the last process is gone, not when the 5 s grace runs out.
    expect(stopMs).toBeLessThan(2500);
    if (mode === 'subreaper') expect(bystanderAlive()).toBe(true);
  });

  it('lets the grandchild finish when the main child exits on its own, with the main child\'s code', async () => {
    const dir = tempDir();
    const result = await startProcinit(mode, [], [TREE, dir, 'cleanup', 'exit']).done;
    const exitedAt = Number(readFileSync(join(dir, 'main-exit'), 'utf8')) / 1e6;
    expect(result.code).toBe(7);
    expect(readIfExists(join(dir, 'cleaned'))).toBe('done\n');
    expect(Date.now() - exitedAt).toBeLessThan(2500);
    if (mode === 'subreaper') expect(bystanderAlive()).toBe(true);
  });

  it('SIGKILLs a grandchild that ignores SIGTERM when the grace runs out, not before', async () => {
    const dir = tempDir();
    const run = startProcinit(mode, ['--grace', '1s', '-v'], [TREE, dir, 'stubborn', 'exit']);
    const grandchild = await waitFor(() => Number(readIfExists(join(dir, 'grandchild'))) || undefined, 'the grandchild');
    const result = await run.done;
    const elapsed = Date.now() - Number(readFileSync(join(dir, 'main-exit'), 'utf8')) / 1e6;
    expect(result.code).toBe(7);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2500);
    const records = result.stderr.trim().split('\n').map((line) => JSON.parse(line));
    const kill = records.find((r) => r.event === 'drain' && r.phase === 'kill');
    expect(kill.killed.map((p: { name: string }) => p.name)).toContain('sh');
    if (mode === 'subreaper') {
      expect(listProcesses().find((p) => p.pid === grandchild)).toBeUndefined();
      expect(bystanderAlive()).toBe(true);
    }
  });

  it('with --grace 0 exits at once, as tini does', async () => {
    const dir = tempDir();
    // The grandchild outlives procinit here and would hold its stdout/stderr pipes open.
    const result = await startProcinit(mode, ['--grace', '0'], [TREE, dir, 'stubborn', 'exit'], ['ignore', 'ignore', 'ignore']).done;
    const elapsed = Date.now() - Number(readFileSync(join(dir, 'main-exit'), 'utf8')) / 1e6;
    expect(result.code).toBe(7);
    expect(elapsed).toBeLessThan(900);
    if (mode === 'subreaper') {
      // Not drained: the stubborn grandchild lives on (re-parented above procinit); end it here.
      const grandchild = Number(readFileSync(join(dir, 'grandchild'), 'utf8'));
      expect(listProcesses().find((p) => p.pid === grandchild)).toBeDefined();
      process.kill(-grandchild, 'SIGKILL');
      expect(bystanderAlive()).toBe(true);
    }
  });

  it('--rewrite TERM:QUIT: the child sees SIGQUIT only', async () => {
    const dir = tempDir();
    const record = join(dir, 'signals');
    const run = startProcinit(mode, ['--rewrite', 'TERM:QUIT'], ['python3', RECORDER, record, '--exit-on=3']);
    await waitFor(() => existsSync(`${record}.ready`), 'the recorder');
    process.kill(await initPid(mode, run.proc.pid!), 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(readFileSync(record, 'utf8')).toBe('3\n');
  });

  it('--rewrite to 0 drops the signal', async () => {
    const dir = tempDir();
    const record = join(dir, 'signals');
    const run = startProcinit(mode, ['--rewrite', 'USR1:0'], ['python3', RECORDER, record]);
    await waitFor(() => existsSync(`${record}.ready`), 'the recorder');
    const pid = await initPid(mode, run.proc.pid!);
    process.kill(pid, 'SIGUSR1');
    process.kill(pid, 'SIGUSR2');
    await waitFor(() => readIfExists(record).includes('12\n'), 'SIGUSR2 to arrive');
    process.kill(pid, 'SIGTERM');
    await run.done;
    expect(readFileSync(record, 'utf8')).toBe('12\n15\n');
  });

  it('--stop-timeout 1s: a child that ignores SIGTERM is killed about 1 s after the signal', async () => {
    const dir = tempDir();
    const run = startProcinit(mode, ['--stop-timeout', '1s'],
      ['sh', '-c', `trap '' TERM; echo > ${dir}/ready; while :; do sleep 0.05; done`]);
    await waitFor(() => existsSync(join(dir, 'ready')), 'the child');
    const pid = await initPid(mode, run.proc.pid!);
    const signalledAt = performance.now();
    process.kill(pid, 'SIGTERM');
    const result = await run.done;
    const stopMs = performance.now() - signalledAt;
    expect(result.code).toBe(137);
    expect(stopMs).toBeGreaterThanOrEqual(1000);
    expect(stopMs).toBeLessThan(2500);
    if (mode === 'subreaper') expect(bystanderAlive()).toBe(true);
  });
});
