// `docker run` and `docker stop` in real containers: the exit code is the app's, a stop is heard,
// and a daemonized helper gets to finish its cleanup. Each failure procinit fixes is shown too,
// with the app (or `sh -c`) as the container's PID 1.
import { describe, expect, test } from 'vitest';
import { requireTools } from '../helpers/procs.js';
import { FIXTURES, PROCINIT, RECORD_SIGNALS, SHARED, cleanUpContainers, runcReady, startContainer } from './runc.js';

const ready = runcReady();
/** tini, the reference init, where installed (.ci/run installs it; CI fails without it). */
const hasTini = ready && requireTools('tini');
cleanUpContainers();

/** A Node app with no SIGTERM handler, as most are: it relies on the default action. */
const NODE_APP = ['node', '-e', `require('fs').writeFileSync('${SHARED}/ready', String(process.pid)); setInterval(() => {}, 1000)`];

describe.skipIf(!ready)('docker run: the exit code is the app\'s', () => {
  test.each([
    ['exits 0', 'exit 0', 0],
    ['exits 3', 'exit 3', 3],
    ['dies of SIGTERM', 'kill -TERM $$', 143],
  ])('app %s -> container exits %i', async (_what, script, code) => {
    const c = startContainer({ args: [PROCINIT, '--', 'sh', '-c', script] });
    expect(await c.exitCodeWithin(15_000), c.output()).toBe(code);
  });

  test('without an init, an app that re-raises SIGTERM as PID 1 does not die of it', async () => {
    // The usual "clean up, then die of the signal" pattern: as PID 1 the re-raised SIGTERM has
    // no handler, so the kernel drops it and the app runs on.
    const c = startContainer({ args: ['sh', '-c', 'kill -TERM $$; echo survived; exit 5'] });
    expect(await c.exitCodeWithin(15_000), c.output()).toBe(5);
    expect(c.output()).toContain('survived');
  });
});

describe.skipIf(!ready)('docker stop (runc kill TERM)', () => {
  test('with procinit, a Node app without a SIGTERM handler stops at once (143)', async () => {
    const c = startContainer({ args: [PROCINIT, '--', ...NODE_APP] });
    await c.waitForFile('ready', 15_000);
    const sent = performance.now();
    c.kill('TERM');
    expect(await c.exitCodeWithin(10_000), c.output()).toBe(143);
    expect(performance.now() - sent).toBeLessThan(5_000);
  });

  test('without an init, the same app as PID 1 does not hear SIGTERM; only SIGKILL ends it', async () => {
    const c = startContainer({ args: NODE_APP });
    await c.waitForFile('ready', 15_000);
    c.kill('TERM');
    // The point is time passing: docker would wait its 10 s and then SIGKILL.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(c.hasExited).toBe(false);
    expect(c.state()?.status).toBe('running');
    c.kill('KILL');
    expect(await c.exitCodeWithin(10_000), c.output()).toBe(137);
  });

  test('without an init, `sh -c` as PID 1 neither hears SIGTERM nor passes it on', async () => {
    // Shell form (`CMD node app.js && ...`) makes /bin/sh PID 1; with two commands it cannot exec.
    const c = startContainer({ args: ['sh', '-c', `python3 ${RECORD_SIGNALS} ${SHARED}/signals; echo after`] });
    await c.waitForFile('signals.ready', 15_000);
    c.kill('TERM');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(c.hasExited).toBe(false);
    expect(c.sharedFile('signals')).toBeNull();
    c.kill('KILL');
    expect(await c.exitCodeWithin(10_000)).toBe(137);
  });

  test('with procinit, a daemonized helper finishes its 200 ms cleanup before the container ends [drain]', async () => {
    const c = startContainer({ args: [PROCINIT, '--', 'python3', `${FIXTURES}/daemon-with-cleanup.py`, SHARED] });
    await c.waitForFile('ready', 15_000);
    const sent = performance.now();
    c.kill('TERM');
    expect(await c.exitCodeWithin(10_000), c.output()).toBe(0);
    const took = performance.now() - sent;
    expect(c.sharedFile('cleanup-done'), c.output()).toBe('flushed');
    // It waits for the helper, not for the whole grace period (5 s by default).
    expect(took).toBeGreaterThanOrEqual(200);
    expect(took).toBeLessThan(4_000);
  });

  test.each([
    ['procinit --grace 0', [PROCINIT, '--grace', '0', '--']],
    ...(hasTini ? [['tini', ['tini', '--']] as [string, string[]]] : []),
  ])('with %s (no drain), the helper is SIGKILLed with the container: its cleanup is lost', async (_name, init) => {
    const c = startContainer({ args: [...init, 'python3', `${FIXTURES}/daemon-with-cleanup.py`, SHARED] });
    await c.waitForFile('ready', 15_000);
    c.kill('TERM');
    expect(await c.exitCodeWithin(10_000), c.output()).toBe(0);
    expect(c.sharedFile('cleanup-done')).toBeNull();
  });

  test('without an init, the helper is SIGKILLed when the app (PID 1) exits: its cleanup never runs', async () => {
    const c = startContainer({ args: ['python3', `${FIXTURES}/daemon-with-cleanup.py`, SHARED] });
    await c.waitForFile('ready', 15_000);
    c.kill('TERM');
    expect(await c.exitCodeWithin(10_000), c.output()).toBe(0);
    expect(c.sharedFile('cleanup-started')).toBeNull();
    expect(c.sharedFile('cleanup-done')).toBeNull();
  });
});
