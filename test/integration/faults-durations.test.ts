// Issue 11, item 4: a duration longer than Node's timers can wait (2^31-1 ms, 24.8 days) was taken
// as 1 ms: `--stop-timeout 597h` SIGKILLed the app 1 ms after SIGTERM. Such a duration is refused
// at start, with one line and exit 2, and the longest one allowed really waits.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCINIT, start, tempDir, waitFor } from '../helpers/procs.js';

describe('durations past what a timer can wait', () => {
  it.each([
    [['--stop-timeout', '597h'], {}],
    [['--grace', '597h'], {}],
    [[], { PROCINIT_STOP_TIMEOUT: '597h' }],
    [[], { PROCINIT_GRACE: '9'.repeat(400) }],
    [['--stop-delay', '597h'], {}],
    [[], { PROCINIT_STOP_DEADLINE: '597h' }],
  ])('%j %j: exit 2, one line, the child never started', async (options, env) => {
    const marker = join(tempDir(), 'started');
    const result = await start([PROCINIT, ...options, '--', 'touch', marker], { env: { ...process.env, ...env } }).done;
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/longer than procinit can wait; use at most 596h/);
    expect(existsSync(marker)).toBe(false);
  });

  it('--stop-timeout 596h waits: a child that takes a second over SIGTERM exits 0, not 137', async () => {
    const dir = tempDir();
    const run = start([PROCINIT, '--stop-timeout', '596h', '--', 'sh', '-c',
      `trap 'sleep 1; exit 0' TERM; echo > ${dir}/ready; while :; do sleep 0.05; done`]);
    await waitFor(() => existsSync(join(dir, 'ready')), 'the child');
    process.kill(run.proc.pid!, 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/TimeoutOverflowWarning/);
  });
});
