// Issue 11, items 6 to 8: what a client of --metrics can cost PID 1. A client that pipelines tens
// of thousands of GET /metrics on one connection and never reads, and thousands that send half a
// request and hold on: procinit's memory stays flat, a normal scrape still answers, a signal
// still reaches the child at once, and the half-open connections are closed within seconds. No
// scrape starts a thread. PROCINIT_METRICS=0 opens nothing.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, PROCINIT, start, tempDir, waitFor } from '../helpers/procs.js';
import { PYTHON, launch, recorder } from '../helpers/inits.js';
import { PROCINIT_INIT } from '../helpers/procs.js';

const ABUSE = join(FIXTURES, 'http-abuse.py');
const randomPort = () => 20_000 + Math.floor(Math.random() * 30_000);
// Anonymous memory only: the file pages a flood touches (Node's own code, dropped at start-up) are
// the page cache's, given back under pressure; what a client can make procinit hold is RssAnon.
const rssKiB = (pid: number) => Number(/^RssAnon:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const tasks = (pid: number) => readdirSync(`/proc/${pid}/task`).length;

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** procinit as a subreaper with --metrics on a random port and a signal recorder, both ready. */
async function procinitServingMetrics() {
  const port = randomPort();
  const rec = recorder(join(tempDir(), 'signals'));
  const run = launch(PROCINIT_INIT, 'subreaper', ['--metrics', `127.0.0.1:${port}`], rec.argv);
  await rec.ready();
  await waitFor(async () => { try { return await scrape(port); } catch { return undefined; } }, 'the endpoint', 10_000, 250);
  return { port, rec, run, pid: run.proc.pid! };
}

/** The highest RssAnon read every 20 ms until stop(). */
function watchPeak(pid: number, from: number): { stop(): number } {
  let peak = from;
  const timer = setInterval(() => { try { peak = Math.max(peak, rssKiB(pid)); } catch { /* gone */ } }, 20);
  return { stop: () => { clearInterval(timer); return peak; } };
}

describe('procinit --metrics under hostile clients', () => {
  it('a client pipelining 200,000 requests and reading none: memory flat, scrapes and signals go on', async () => {
    const { port, rec, run, pid } = await procinitServingMetrics();
    const before = rssKiB(pid);
    const threads = tasks(pid);
    const flood = start([PYTHON, ABUSE, 'pipeline', String(port), '200000']);
    const memory = watchPeak(pid, before);
    // During the flood: a normal scrape answers and a signal reaches the child.
    expect(await scrape(port)).toMatch(/procinit_reaped_total/);
    process.kill(pid, 'SIGUSR2');
    await rec.waitForCount(1, 'SIGUSR2 during the flood');
    await flood.done;
    const peak = memory.stop();
    expect(await scrape(port)).toMatch(/procinit_reaped_total/);
    expect(peak - before, `RssAnon ${before} KiB before, ${peak} KiB at most`).toBeLessThan(8 * 1024);
    expect(tasks(pid)).toBe(threads);
    process.kill(pid, 'SIGTERM');
    expect((await run.done).code).toBe(0);
    expect(rec.signals()).toEqual([12, 15]);
  }, 60_000);

  it('a client re-opening connections for 3 s, 2,000 pipelined requests each: memory flat, signals go on, one warning', async () => {
    const { port, rec, run, pid } = await procinitServingMetrics();
    const before = rssKiB(pid);
    const memory = watchPeak(pid, before);
    const flood = start([PYTHON, ABUSE, 'reopen', String(port), '3000']);
    for (let i = 1; i <= 10; i++) {
      await new Promise((r) => setTimeout(r, 200));
      process.kill(pid, 'SIGUSR2');
      await rec.waitForCount(i, `SIGUSR2 number ${i} during the flood`);
    }
    const connections = Number((await flood.done).stdout.trim());
    const peak = memory.stop();
    expect(connections).toBeGreaterThan(100);
    // Connections beyond 20 a second were closed unread; once the flood is over, scrapes answer.
    await waitFor(async () => { try { return await scrape(port); } catch { return undefined; } }, 'the endpoint after the flood', 10_000, 250);
    expect(peak - before, `RssAnon ${before} KiB before, ${peak} KiB at most, ${connections} connections`).toBeLessThan(8 * 1024);
    process.kill(pid, 'SIGTERM');
    const { code, stderr } = await run.done;
    expect(code).toBe(0);
    // Said once, not once a pause: the flood paused listening about three times.
    expect(stderr.split('\n').filter((line) => line.includes('"metrics-flood"'))).toHaveLength(1);
  }, 60_000);

  it('2,000 half-sent requests: all closed within seconds, and scrapes still answer', async () => {
    const port = randomPort();
    const dir = tempDir();
    const run = launch(PROCINIT_INIT, 'subreaper', ['--metrics', `127.0.0.1:${port}`],
      ['sh', '-c', `echo > ${dir}/ready; trap 'exit 0' TERM; while :; do sleep 0.05; done`]);
    await waitFor(() => existsSync(join(dir, 'ready')), 'the child');
    await waitFor(async () => { try { return await scrape(port); } catch { return undefined; } }, 'the endpoint', 10_000, 250);
    const fds = readdirSync(`/proc/${run.proc.pid}/fd`).length;
    const [closed, opened] = (await start([PYTHON, ABUSE, 'half', String(port), '2000']).done).stdout.trim().split(' ').map(Number);
    expect(opened).toBeGreaterThan(0);
    expect(closed).toBe(opened);
    expect(await scrape(port)).toMatch(/procinit_processes/);
    await waitFor(() => readdirSync(`/proc/${run.proc.pid}/fd`).length <= fds || undefined, 'procinit\'s descriptors back');
    process.kill(run.proc.pid!, 'SIGTERM');
    expect((await run.done).code).toBe(0);
  }, 60_000);

  it.each(['0', 'off', 'false', ''])('PROCINIT_METRICS=%j opens no socket', async (value) => {
    const dir = tempDir();
    const run = launch(PROCINIT_INIT, 'subreaper', [], ['sh', '-c', `echo > ${dir}/ready; sleep 0.3`],
      { env: { ...process.env, PROCINIT_METRICS: value } });
    await waitFor(() => existsSync(join(dir, 'ready')), 'the child');
    const sockets = readdirSync(`/proc/${run.proc.pid}/fd`)
      .filter((fd) => { try { return readlinkSync(`/proc/${run.proc.pid}/fd/${fd}`).startsWith('socket:'); } catch { return false; } });
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    // fds 0-2 are the test runner's pipes, which Node makes socketpairs.
    expect(sockets.filter((fd) => Number(fd) > 2)).toEqual([]);
  });

  it.each(['--metrics 0', '--metrics 127.0.0.1:0', '--metrics metrics.local:9090'])('%s is a usage error: one line, exit 2', async (option) => {
    const result = await start([PROCINIT, ...option.split(' '), '--', 'true']).done;
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--metrics .* is not an address to listen on/);
  });
});
