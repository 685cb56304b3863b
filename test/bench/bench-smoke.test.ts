// The bench runs end to end and writes well-formed results. It checks the shape of the JSON only:
// times and sizes are the bench's business, never a test's (they depend on the machine).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/procs.js';

/** A few of everything: the whole run takes about a minute (two of it on a loaded machine). */
const SMALL = {
  BENCH_ROUNDS: '3', BENCH_IDLE_SECONDS: '1', BENCH_SIGNALS: '5', BENCH_BURST_SIZE: '200',
  BENCH_BURST_TRIALS: '1', BENCH_ORPHANS: '1000', BENCH_POST_WORK_SECONDS: '1', BENCH_NICE: '0',
  BENCH_SERVICE_IDLE_SECONDS: '1', BENCH_READY_TRIALS: '2', BENCH_FLOOD_REQUESTS: '5000',
};
/** --quick measures the running Node's line and the LTS (the full run all four). */
const LINES = [...new Set([Number(process.versions.node.split('.')[0]), 24])].map(String);

function runBench(out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/run.mjs'), '--quick', '--out', out], {
      env: { ...process.env, ...SMALL }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench', () => {
  it('runs --quick and writes valid JSON with every phase and every init', async () => {
    expect(existsSync(join(ROOT, 'dist/procinit.js')), 'run npm run build first').toBe(true);
    const out = join(tempDir(), 'bench.json');
    const run = await runBench(out);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Targets (procinit):');

    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.quick).toBe(true);
    expect(res.machine).toMatchObject({ nproc: expect.any(Number), cpuModel: expect.any(String),
      kernel: expect.any(String), node: process.version, date: expect.any(String) });
    expect(res.machine.loadavg).toHaveLength(3);
    for (const phase of ['startup', 'idle', 'lines', 'metrics', 'burst', 'churn', 'services']) {
      expect(res[phase], `${phase}: ${JSON.stringify(res[phase])}`).not.toHaveProperty('error');
    }
    expect(res.inits.map((i: { name: string }) => i.name)).toEqual(['procinit', 'tini', 'dumb-init', 'catatonit']);
    const procinit = res.inits.find((i: { name: string }) => i.name === 'procinit');
    expect(procinit.installed).toBe(true);

    // procinit and bare node are always there; the C inits where their packages are installed.
    expect(res.startup.results.procinit.runs).toBe(3);
    expect(res.startup.results['node -e 0'].runs).toBe(3);
    expect(res.idle.results.procinit.memory.pssAnonKiB).toBeGreaterThan(0);
    expect(res.idle.results.procinit.wakeups).toBeGreaterThanOrEqual(0);
    if (res.helpers.kind !== 'none') {
      expect(res.idle.results.procinit.forwarding.count).toBe(5);
      const burst = res.burst.results.procinit;
      for (const mode of res.burst.modes) expect(burst[mode].trials, mode).toBe(1);
      expect(res.churn.results.procinit.stages).toHaveLength(10);
    }
    for (const init of res.inits.filter((i: { installed: boolean }) => i.installed)) {
      expect(res.startup.results[init.name].failures, init.name).toBe(0);
    }
    // Supervising three processes: procinit always; pm2 (not installed on a quick run) and
    // supervisord say why when they are missing.
    const services = res.services.results;
    expect(Object.keys(services)).toEqual(['procinit', 'pm2-runtime', 'supervisord']);
    expect(services.procinit.errors).toEqual([]);
    expect(services.procinit.runs).toHaveLength(1);
    expect(services.procinit.zombies).toBe(0);
    expect(services.procinit.exitCodes).toEqual([0]);
    for (const name of ['pm2-runtime', 'supervisord']) {
      if (services[name].missing) expect(typeof services[name].missing).toBe('string');
      else expect(services[name].runs, name).toHaveLength(1);
    }
    const tini = res.inits.find((i: { name: string }) => i.name === 'tini').installed;

    // Per Node line: start-up beside that Node's node -e 0, the first run, tasks, the SIGUSR1
    // guard bin/procinit chose, and the time until a SIGTERM to PID 1 is no longer lost.
    const lines = res.lines;
    expect(lines.lines.map(String).sort()).toEqual([...LINES].sort());
    expect(lines.fetchErrors).toEqual({});
    if (res.helpers.kind !== 'none') {
      for (const line of LINES) {
        expect(lines.startup[line].procinit).toMatchObject({ runs: 3, failures: 0 });
        expect(lines.startup[line].node).toMatchObject({ runs: 3, failures: 0 });
        expect(lines.startup[line].ratio, line).toBeGreaterThan(0);
        expect(lines.cold[line].ms, line).toBeGreaterThan(0);
        // The timed rounds are warm: a code cache for that Node was there (or made by the first run).
        expect(lines.cold[line].cacheForTimedRuns.length, line).toBeGreaterThan(0);
        expect(lines.tasks[line].tasks, line).toBeGreaterThan(0);
        expect(typeof lines.tasks[line].disableSigusr1).toBe('boolean');
        // A guard on every line: the flag where Node has it, an unbindable inspector address elsewhere.
        expect(lines.tasks[line].disableSigusr1 || lines.tasks[line].inspectPort !== null, line).toBe(true);
        if (res.pidNamespace) {
          const sh = lines.signalsHandled[line];
          expect(sh.errors, line).toEqual([]);
          expect(sh.trials, line).toBe(2);
          expect(sh.safeP50Ms, line).toBeGreaterThan(0);
          expect(sh.medianTrialEvents.length, line).toBeGreaterThan(0);
        }
      }
      if (tini) {
        expect(lines.tasks.tini.tasks).toBe(1);
        if (res.pidNamespace) expect(lines.signalsHandled.tini.trials).toBe(2);
      }

      // --metrics under a flood: forwarding quiet and flooded, memory after the requests, tasks.
      const m = res.metrics.procinit;
      expect(res.metrics.flood.counted.requests).toBe(5000);
      // 1,000 a connection: procinit reads each (35 KB, one read), so its rchar grows by them all.
      expect(res.metrics.flood.counted.readByProcinitRequests).toBeGreaterThanOrEqual(5000);
      expect(res.metrics.flood.endless.requests).toBeGreaterThan(0);
      expect(m.scrape.status).toBe(200);
      for (const phase of ['quiet', 'flood']) expect(m.forwarding[phase].count + m.forwarding[phase].lost, phase).toBe(5);
      for (const at of ['idle', 'afterScrape', 'afterRequests', 'end']) {
        expect(m[at].alive, at).toBe(true);
        expect(m[at].tasks, at).toBeGreaterThan(0);
        expect(m[at].pssAnonKiB, at).toBeGreaterThan(0);
      }
      if (tini) expect(res.metrics.tini.idle.tasks).toBe(1);
    }
    for (const name of ['lines', 'signalsHandled', 'metrics']) expect(typeof res.tables[name], name).toBe('string');
    expect(res.targets.length).toBeGreaterThan(0);
    for (const t of res.targets) expect(typeof t.met).toBe('boolean');
  }, 150_000);
});
