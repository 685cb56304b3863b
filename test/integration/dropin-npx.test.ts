// Issue 12, item 6: `npx procinit -- app` is not an init. npx runs procinit under `npm exec` and
// `sh -c`, so the SIGTERM a runtime sends goes to npm: npm and sh die of it, procinit and the app
// never see it. As PID 1 the kernel then SIGKILLs the app; as a subreaper procinit and the app
// run on, re-parented. The installed binary (node_modules/.bin/procinit), as the README now shows,
// is the process that gets the signal.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MODES, type Mode, ROOT, inMode, listProcesses, readIfExists, requireTools, start, tempDir, waitFor,
} from '../helpers/procs.js';
import { killAtEnd, procStatus, recorder, signal } from '../helpers/inits.js';

/** A project with procinit installed the way npm links a dependency's bin. */
function projectWithProcinit(): string {
  const dir = tempDir('procinit-npx-');
  writeFileSync(join(dir, 'package.json'), '{"name":"app","version":"1.0.0","private":true}\n');
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'procinit'));
  symlinkSync('../procinit/bin/procinit', join(dir, 'node_modules', '.bin', 'procinit'));
  return dir;
}

/** Runs `launcher... -- recorder` in the project, as PID 1 of a namespace or not. */
async function startIn(project: string, mode: Mode, launcher: string[]) {
  const rec = recorder(join(tempDir(), 'signals'));
  const run = start(inMode(mode, ['sh', '-c', 'cd "$0" && exec "$@"', project, ...launcher, '--', ...rec.argv]));
  // Survivors keep the output pipes open: watch for the exit, not for `done`.
  const exited = new Promise<number>((resolve) => run.proc.once('exit', (code, sig) =>
    resolve(code ?? 128 + (sig ? constants.signals[sig] : 0))));
  await rec.ready();
  const launcherPid = run.proc.pid!;
  // What the runtime signals: PID 1 of the namespace (unshare's child), or the process itself.
  const target = mode === 'pid1'
    ? await waitFor(() => listProcesses().find((p) => p.ppid === launcherPid)?.pid, 'PID 1 of the namespace')
    : launcherPid;
  return { rec, run, exited, target };
}

const canRun = (mode: Mode) => requireTools('npx', 'python3', ...(mode === 'pid1' ? ['unshare'] : []));

describe.each(MODES)('as %s', (mode) => {
  it.skipIf(!canRun(mode))('npx procinit: SIGTERM to npx never reaches the app', async () => {
    const project = projectWithProcinit();
    const { rec, exited, target } = await startIn(project, mode, ['npx', 'procinit']);
    const recorderPid = listProcesses().find((p) => p.comm.startsWith('python')
      && readIfExists(`/proc/${p.pid}/cmdline`).includes(rec.file))?.pid;
    expect(recorderPid, 'the app under npx').toBeDefined();
    if (recorderPid) killAtEnd(recorderPid);
    const procinitPid = recorderPid ? Number(procStatus(recorderPid)?.PPid) : undefined;
    if (procinitPid) killAtEnd(procinitPid);
    signal(target, 'SIGTERM');
    await exited;
    if (mode === 'pid1') {
      // npm, PID 1, ended: the kernel SIGKILLed the rest of the namespace.
      await waitFor(() => !procStatus(recorderPid!) || undefined, 'the app to be killed with the namespace');
    } else {
      // procinit and the app run on, re-parented, and the app never heard of the SIGTERM.
      expect(procStatus(recorderPid!), 'the app survives npx').toBeDefined();
      expect(procStatus(procinitPid!)?.Name).toBe('procinit');
      expect(Number(procStatus(procinitPid!)?.PPid)).not.toBe(target);
    }
    expect(rec.signals()).toEqual([]);
  });

  it.skipIf(!canRun(mode))('node_modules/.bin/procinit: the SIGTERM reaches the app, nothing survives', async () => {
    const project = projectWithProcinit();
    const { rec, run, target } = await startIn(project, mode, ['./node_modules/.bin/procinit']);
    signal(target, 'SIGTERM');
    expect((await run.done).code).toBe(0);
    expect(rec.signals()).toEqual([15]);
  });
});
