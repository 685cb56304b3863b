// Issue 12, item 1: the init that outlives everything must not pin the directory (or the mount)
// it was started in, and the child keeps the caller's working directory. dumb-init moves itself
// to `/` after starting the child and is the reference; tini stays where it was started, which
// shows what the test catches: the mount cannot be unmounted while tini runs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readlinkSync, rmdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { descendantsOf, isCI, tempDir, waitFor } from '../helpers/procs.js';
import { CASES_WITH_DUMB_INIT, canRun, launch, recorder, signal } from '../helpers/inits.js';

/** Starts the init in `dir`, inside the namespace, so nothing but the init and its child is there. */
const startIn = (dir: string) => ['sh', '-c', 'cd "$0" && exec "$@"', dir];

const cwdOf = (pid: number) => {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
};

/** Mounting needs root; under CI that is a failure to set up, elsewhere a printed skip. */
function canMount(): boolean {
  if (process.getuid?.() === 0) return true;
  if (isCI) throw new Error('CI=true and not root: cannot mount a tmpfs to unmount');
  console.warn('skipping: mounting a tmpfs needs root');
  return false;
}

describe.each(CASES_WITH_DUMB_INIT)('%s', (_name, init, mode) => {
  const leaves = init.name !== 'tini';

  it.skipIf(!canRun(init, mode, 'python3'))(
    `the child keeps the caller's directory; the init ${leaves ? 'moves to /' : 'stays (tini)'}`, async () => {
      const dir = tempDir('procinit-cwd-');
      const rec = recorder(join(tempDir(), 'signals'));
      const run = launch(init, mode, [], rec.argv, { prefix: startIn(dir) });
      await rec.ready();
      const initPid = await run.initPid();
      const child = descendantsOf(initPid).find((p) => p.comm.startsWith('python'));
      expect(child, 'the recorder under the init').toBeDefined();
      expect(cwdOf(child!.pid)).toBe(dir);
      // The move happens just after the spawn: wait for it rather than race it.
      if (leaves) await waitFor(() => cwdOf(initPid) === '/', `the init to leave ${dir}`);
      expect(cwdOf(initPid)).toBe(leaves ? '/' : dir);
      signal(initPid, 'SIGTERM');
      expect((await run.done).code).toBe(0);
      expect(rec.signals()).toEqual([15]);
    });

  it.skipIf(!canRun(init, mode, 'python3', 'mount', 'umount', 'nsenter') || !canMount())(
    `the mount it was started in ${leaves ? 'can' : 'cannot (tini)'} be unmounted while it runs`, async () => {
      const dir = tempDir('procinit-mount-');
      expect(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', dir]).status).toBe(0);
      try {
        const rec = recorder(join(tempDir(), 'signals'));
        // The child leaves the mount itself, so only the init could still hold it.
        const run = launch(init, mode, [], ['sh', '-c', 'cd / && exec "$@"', 'sh', ...rec.argv], { prefix: startIn(dir) });
        await rec.ready();
        const initPid = await run.initPid();
        if (leaves) await waitFor(() => cwdOf(initPid) === '/', `the init to leave ${dir}`);
        // As PID 1 the init has its own mount namespace (unshare --mount-proc): unmount it there.
        const inItsNamespace = mode === 'pid1' ? ['nsenter', '--target', String(initPid), '--mount'] : [];
        const umount = spawnSync(inItsNamespace[0] ?? 'umount',
          [...inItsNamespace.slice(1), ...(inItsNamespace.length ? ['umount'] : []), dir], { encoding: 'utf8' });
        if (leaves) {
          expect(umount.status, umount.stderr).toBe(0);
        } else {
          expect(umount.status).not.toBe(0);
          expect(umount.stderr).toMatch(/busy/i);
        }
        signal(initPid, 'SIGTERM');
        expect((await run.done).code).toBe(0);
        expect(rec.signals()).toEqual([15]);
      } finally {
        // The host's copy of the mount (and, for tini, the one that stayed busy) goes now.
        spawnSync('umount', [dir]);
      }
      rmdirSync(dir);
    });
});
