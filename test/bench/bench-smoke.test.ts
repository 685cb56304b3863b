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
  BENCH_SERVICE_IDLE_SECONDS: '1',
};

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
    for (const phase of ['startup', 'idle', 'burst', 'churn', 'services']) {
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
    expect(res.targets.length).toBeGreaterThan(0);
    for (const t of res.targets) expect(typeof t.met).toBe('boolean');
  }, 150_000);
});
