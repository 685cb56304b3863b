// Issue 7 in a real container: the pids cgroup numbers in the metrics, and the 80% warning, under
// `--pids-limit 64` (linux.resources.pids.limit).
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { PROCINIT, SHARED, cleanUpContainers, runcReady, startContainer, type Container } from './runc.js';

const ready = runcReady();
cleanUpContainers();

const LIMIT = 64;
const PORT = 9464;

/** Scrapes procinit's endpoint from inside the container (`docker exec ... curl`). */
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

/**
 * Leaves `count` long sleeps behind as orphans (re-parented to procinit), then one short-lived
 * orphan whose reaping makes procinit look at the pids cgroup.
 */
function leakSleeps(count: number): string[] {
  return ['sh', '-c', `for i in $(seq ${count}); do (sleep 600 &); done; (true &); echo > ${SHARED}/ready; `
    + "trap 'exit 0' TERM; while :; do sleep 0.1; done"];
}

describe.skipIf(!ready)('the pids cgroup in a container with --pids-limit 64', () => {
  test('the metrics show its use and its limit', async () => {
    const c = startContainer({ args: [PROCINIT, '--metrics', `127.0.0.1:${PORT}`, '--', ...leakSleeps(10)], pidsLimit: LIMIT });
    await c.waitForFile('ready');
    const text = await waitFor(() => { try { return scrape(c); } catch { return undefined; } }, 'the endpoint');
    expect(sample(text, 'procinit_pids_max')).toBe(LIMIT);
    const current = sample(text, 'procinit_pids_current')!;
    // procinit's threads, sh and its sleep, the 10 orphans, and the exec'd python3 (its threads too).
    expect(current).toBeGreaterThanOrEqual(13);
    expect(current).toBeLessThan(LIMIT);
    expect(sample(text, 'procinit_processes')).toBeGreaterThanOrEqual(12);
  });

  test('crossing 80% is a warning naming the commands; falling back below is another', async () => {
    const c = startContainer({ args: [PROCINIT, '--', ...leakSleeps(50)], pidsLimit: LIMIT });
    await c.waitForFile('ready');
    const warnings = () => c.output().split('\n').filter((l) => l.includes('"event":"pids"')).map((l) => JSON.parse(l));
    const [crossing] = await waitFor(() => (warnings().length >= 1 ? warnings() : undefined), 'the 80% warning')
      .catch((e: Error) => { throw new Error(`${e.message}\n${c.output()}`); });
    expect(crossing.level).toBe(40);
    expect(crossing.max).toBe(LIMIT);
    expect(crossing.current).toBeGreaterThanOrEqual(0.8 * LIMIT);
    expect(crossing.top[0]).toEqual({ command: 'sleep', count: expect.any(Number) });
    expect(crossing.top[0].count).toBeGreaterThanOrEqual(50);

    // The orphans end: procinit reaps them, looks again, and says use is back below.
    expect(c.exec(['pkill', '-x', 'sleep']).code).toBe(0);
    const back = await waitFor(() => warnings()[1], 'the back-below warning');
    expect(back.msg).toMatch(/back below 70%/);
    expect(back.current).toBeLessThan(0.7 * LIMIT);
    expect(warnings()).toHaveLength(2);
  });

  test('16 waves of 60 orphans in 8 s: a line or two, not one per crossing (issue 11, item 10)', async () => {
    // Each wave fills the limit with orphans (procinit adopts and reaps them) and drains it: use
    // crosses 80% and 70% once each way a wave. A fork bomb did that hundreds of times in 10 s.
    const bomb = `echo > ${SHARED}/ready; for w in $(seq 16); do for i in $(seq 60); do (sleep 0.2 &) 2>/dev/null; done; sleep 0.3; done`;
    const c = startContainer({ args: [PROCINIT, '--', 'sh', '-c', bomb], pidsLimit: LIMIT });
    await c.waitForFile('ready');
    await c.exitCodeWithin(30_000);
    const lines = c.output().split('\n').filter((l) => l.includes('"event":"pids"'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
  }, 60_000);
});
