// Issue 11, item 3: every step of shutdown ends on time whatever fails inside it. When the main
// child ends and /proc cannot be read (not mounted, or no descriptor left to open it with), PID 1
// still signals what is left (kill(-1) needs no list) and does not wait out the grace period, and
// a subreaper, which cannot know what is left, waits the grace period and no longer. tini, which
// drains nothing, exits at once either way.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCINIT_INIT, TINI_INIT, findInitPid, requireTools, start, tempDir, waitFor } from '../helpers/procs.js';

const ready = requireTools('unshare', 'tini', 'umount');

/** A child that leaves a helper behind (it notes a SIGTERM), and exits 3 once the helper runs. */
function leavesHelper(dir: string): string[] {
  const helper = `trap 'echo term > ${dir}/helper; exit 0' TERM; echo > ${dir}/ready; while :; do sleep 0.05; done`;
  return ['sh', '-c', `sh -c "${helper}" & while [ ! -e ${dir}/ready ]; do sleep 0.01; done; exit 3`];
}

const withoutProc = (argv: string[]) => ['unshare', '--mount', '--pid', '--fork', 'sh', '-c', 'umount -l /proc && exec "$@"', 'sh', ...argv];

describe.skipIf(!ready)('the drain when /proc cannot be read', () => {
  it.each([PROCINIT_INIT, TINI_INIT])('%s as PID 1 with no /proc: the child\'s code, at once', async (init) => {
    const dir = tempDir();
    const options = init === PROCINIT_INIT ? ['--grace', '60s'] : [];
    const argv = init.argv('pid1');
    const result = await start(withoutProc([...argv.slice(0, -1), ...options, '--', ...leavesHelper(dir)])).done;
    expect(result.code).toBe(3);
    // Well within the 60 s grace: procinit signalled the helper instead of waiting for it.
    expect(result.ms).toBeLessThan(30_000);
    // procinit's helper got SIGTERM and finished; under tini the kernel SIGKILLs it with PID 1.
    expect(existsSync(join(dir, 'helper'))).toBe(init === PROCINIT_INIT);
  }, 60_000);

  it('as PID 1 with its descriptors used up by idle metrics connections: the helper gets SIGTERM', async () => {
    const dir = tempDir();
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const child = ['sh', '-c', `${leavesHelper(dir).at(-1)!.replace('exit 3', `while [ ! -e ${dir}/go ]; do sleep 0.01; done; exit 3`)}`];
    // procinit holds about 24 descriptors, and accepts up to 16 metrics clients: 34 is fewer.
    const run = start(['unshare', '--pid', '--fork', '--mount-proc', 'sh', '-c', 'ulimit -n 34 && exec "$@"', 'sh',
      ...PROCINIT_INIT.argv('pid1').slice(0, -1), '--metrics', `127.0.0.1:${port}`, '--grace', '60s', '--', ...child]);
    await waitFor(() => existsSync(join(dir, 'ready')), 'the helper');
    const clients = await Promise.all(Array.from({ length: 30 }, () => new Promise<Socket | null>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', () => resolve(null));
    })));
    // The set-up holds only if procinit has no descriptor left: all 34 taken.
    const pid = await findInitPid(run.proc.pid!, 'procinit');
    await waitFor(() => readdirSync(`/proc/${pid}/fd`).length >= 34 || undefined, 'procinit to run out of descriptors');
    writeFileSync(join(dir, 'go'), '');
    const result = await run.done;
    clients.forEach((c) => c?.destroy());
    expect(result.code).toBe(3);
    expect(result.ms).toBeLessThan(30_000);
    expect(readFileSync(join(dir, 'helper'), 'utf8')).toBe('term\n');
  }, 60_000);

  it('as a subreaper with no /proc: it waits the grace period, and no longer', async () => {
    const dir = tempDir();
    const run = start(withoutProc(['sh', '-c', '"$@" & wait $!', 'sh', ...PROCINIT_INIT.argv('subreaper').slice(0, -1),
      '--grace', '2s', '--', ...leavesHelper(dir)]));
    await waitFor(() => existsSync(join(dir, 'ready')), 'the helper');
    const result = await run.done;
    expect(result.code).toBe(3);
    expect(result.ms).toBeLessThan(20_000);
  }, 60_000);
});
