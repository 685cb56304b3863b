// Issue 2, reaping: hundreds of orphans are adopted by the init (not by the host's PID 1, nor by
// the test runner) and every one is reaped, none left as a zombie. One body over procinit and
// tini, as PID 1 and as subreaper (tini with -s there; procinit subreaps by itself).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listProcesses, tempDir, waitFor } from '../helpers/procs.js';
import { CASES, canRun, launch } from '../helpers/inits.js';

const ORPHANS = 300;

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** The processes running exactly `sleep <seconds>`, with their parents and states. */
function sleepers(seconds: string) {
  return listProcesses().filter((p) => p.comm === 'sleep' && cmdline(p.pid) === `sleep ${seconds}`);
}

describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode))(`adopts ${ORPHANS} orphans and reaps every one`, async () => {
    const dir = tempDir();
    // A duration no other test uses, to find exactly these orphans in the host's /proc.
    const seconds = String(100_000 + Math.floor(Math.random() * 800_000));
    const run = launch(init, mode, [], ['sh', '-c',
      `for i in $(seq ${ORPHANS}); do (sleep ${seconds} &); done; echo > ${dir}/spawned; exec sleep 3600`]);
    await waitFor(() => existsSync(join(dir, 'spawned')), 'the orphans to be spawned', 30_000);
    const initPid = await run.initPid();

    // Each subshell has exited by now (the loop waits for it), so its sleep is an orphan; it may
    // still be between fork and exec, so wait until all of them run sleep.
    const orphans = await waitFor(() => {
      const found = sleepers(seconds);
      return found.length === ORPHANS ? found : undefined;
    }, `${ORPHANS} orphans running sleep ${seconds}`, 20_000);
    const parents = new Set(orphans.map((p) => p.ppid));
    expect([...parents]).toEqual([initPid]);

    for (const p of orphans) process.kill(p.pid, 'SIGKILL');
    // A zombie keeps its /proc entry (with an empty cmdline) until its parent reaps it: gone
    // means reaped by the init.
    const pids = new Set(orphans.map((p) => p.pid));
    await waitFor(() => !listProcesses().some((p) => pids.has(p.pid) && p.ppid === initPid),
      'every orphan to be reaped', 20_000);
    expect(listProcesses().filter((p) => p.ppid === initPid && p.state === 'Z')).toEqual([]);
    expect(listProcesses().filter((p) => p.ppid === initPid).map((p) => p.comm)).toEqual(['sleep']);

    process.kill(initPid, 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143);
    expect(result.stdout).toBe('');
  });

  it.skipIf(!canRun(init, mode))(`reaps ${ORPHANS} orphans that end on their own, leaving no zombie`, async () => {
    const dir = tempDir();
    // Short-lived orphans: their SIGCHLDs overlap and coalesce, each must still be collected.
    const seconds = `0.2${Math.floor(Math.random() * 1e6)}`;
    const run = launch(init, mode, [], ['sh', '-c',
      `for i in $(seq ${ORPHANS}); do (sleep ${seconds} &); done; echo > ${dir}/spawned; exec sleep 3600`]);
    await waitFor(() => existsSync(join(dir, 'spawned')), 'the orphans to be spawned', 30_000);
    const initPid = await run.initPid();
    // Every subshell has exited: the orphans still running belong to the init.
    expect(sleepers(seconds).filter((p) => p.ppid !== initPid)).toEqual([]);
    const left = () => listProcesses().filter((p) => p.ppid === initPid);
    // Once the last orphan is done, only the main child (now `sleep 3600`) is left, not a zombie.
    await waitFor(() => {
      const children = left();
      return children.length === 1 && children[0]!.state !== 'Z' && cmdline(children[0]!.pid) === 'sleep 3600';
    }, 'every orphan to end and be reaped', 20_000);

    process.kill(initPid, 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143);
  });
});
