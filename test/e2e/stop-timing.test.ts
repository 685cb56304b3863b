// What a daemon's own latency hides: procinit's stop timings in real containers started with runc
// alone (`runc kill` is what dockerd, containerd and its shim end up calling). test/docker shows the
// same scenarios, beside tini and no init, through a real Docker engine and Podman.
import { describe, expect, test } from 'vitest';
import { FIXTURES, PROCINIT, SHARED, cleanUpContainers, runcReady, startContainer } from './runc.js';

const ready = runcReady();
cleanUpContainers();

/** A Node app with no SIGTERM handler, as most are: it relies on the default action. */
const NODE_APP = ['node', '-e', `require('fs').writeFileSync('${SHARED}/ready', String(process.pid)); setInterval(() => {}, 1000)`];

describe.skipIf(!ready)('runc kill TERM, no daemon in between', () => {
  test('with procinit, a Node app without a SIGTERM handler stops at once (143)', async () => {
    const c = startContainer({ args: [PROCINIT, '--', ...NODE_APP] });
    await c.waitForFile('ready', 15_000);
    const sent = performance.now();
    c.kill('TERM');
    expect(await c.exitCodeWithin(10_000), c.output()).toBe(143);
    expect(performance.now() - sent).toBeLessThan(5_000);
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
});
