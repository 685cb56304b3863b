// npm run bench, phase "lines": procinit on each supported Node line (the official builds that
// scripts/node-lines.mjs fetches), each put first on PATH for that line's runs, as a user does.
//
// - Start-up plus exit of `procinit -- /bin/true` against the same Node's `node -e 0`, every line
//   in the same interleaved rounds. procinit compiles its bundle from a V8 code cache kept per
//   Node version and flag set in dist/cache/ (made by the build's training run for the building
//   Node, at npm install for the installing one, and by the first run on any other): each line's
//   first run is timed once with none (the "cold" run; caches that were there are put back
//   afterwards), and warms it.
// - Idle tasks (threads) of procinit as PID 1 on each line, of that Node idle, and of tini; which
//   SIGUSR1 guard bin/procinit chose (read from the node process's /proc/<pid>/cmdline).
// - "Signals handled" on each line and for tini (bench/signals-handled.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LTS, NODE_LINES, fetchLine } from '../scripts/node-lines.mjs';
import { TERM_CHILD, signalsHandled, signalsHandledTable } from './signals-handled.mjs';

/** The lines to measure: all four, or with --quick the running Node's line and the LTS. */
export function chooseLines(quick, env = process.env) {
  const all = Object.keys(NODE_LINES).map(Number);
  if (env.BENCH_LINES) {
    const asked = env.BENCH_LINES.split(',').map((x) => Number(x.trim()));
    const unknown = asked.filter((l) => !all.includes(l));
    if (unknown.length) throw new Error(`BENCH_LINES=${env.BENCH_LINES}: no pinned Node line ${unknown.join(', ')}; pinned: ${all.join(', ')}`);
    return asked;
  }
  if (!quick) return all;
  const current = Number(process.versions.node.split('.')[0]);
  return [...new Set([all.includes(current) ? current : null, LTS].filter((x) => x !== null))];
}

/**
 * The environment of every timed start: without NODE_* and UV_* variables, which bin/procinit
 * moves aside for its own Node but which would apply to a bare `node -e 0` (NODE_EXTRA_CA_CERTS
 * alone, parsed at start-up, made Node 20's `node -e 0` ~40 ms slower here).
 */
export function startupEnv(env = process.env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(NODE|UV)_/.test(name)));
}

function lineEnv(dir) {
  const env = startupEnv();
  return { ...env, PATH: `${dir}:${env.PATH ?? ''}` };
}

/**
 * procinit's code caches for one Node (build.mjs's loader: one file for each Node version and set
 * of V8 flags, procinit.bundle.<version>-<arch>[-<flags key>].v8), and where they are.
 */
function cachesOf(dist, nodeBin) {
  const r = spawnSync(nodeBin, ['-p', '`${process.version}-${process.arch}`'], { encoding: 'utf8' });
  const dir = join(dirname(dist), 'cache');
  const prefix = `procinit.bundle.${r.stdout.trim()}`;
  const list = () => {
    try {
      return readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.v8')).map((f) => join(dir, f));
    } catch {
      return [];
    }
  };
  return { dir, list };
}

/** Wall and CPU time (its own and its children's) of one run, in ms; null if it failed. */
function timeOnce(helpers, argv, env) {
  const r = spawnSync(helpers.cmd[0], [...helpers.cmd.slice(1), 'timeit', ...argv],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env });
  const [ns, status, cpuNs] = (r.stdout ?? '').trim().split(' ').map(Number);
  return r.status === 0 && status === 0 && Number.isFinite(ns) ? { ms: ns / 1e6, cpuMs: cpuNs / 1e6 } : null;
}

/**
 * The first run on a Node with no code cache for it, timed; then the cache made warm for the timed
 * rounds. Caches that were there (the build's training run's, or an earlier run's) are put back
 * afterwards; otherwise the timed rounds use the one the first run wrote.
 */
function coldRun(line, ctx) {
  const caches = cachesOf(ctx.dist, join(line.dir, 'node'));
  const aside = mkdtempSync(join(ctx.tmp, `cache-${line.line}-`));
  const had = caches.list();
  for (const f of had) copyFileSync(f, join(aside, basename(f)));
  for (const f of had) rmSync(f);
  try {
    const { ms = null, cpuMs = null } = timeOnce(ctx.helpers, [ctx.procinit, '--', '/bin/true'], line.env) ?? {};
    const firstRunWroteCache = caches.list().length > 0;
    // An older procinit saved its cache only after the spawn, which a child as quick as /bin/true
    // could outrun: the warming runs start a child that lasts a moment.
    let warmingRuns = 0;
    while (caches.list().length === 0 && warmingRuns < 3) {
      warmingRuns++;
      spawnSync(ctx.procinit, ['--', '/bin/sleep', '0.2'], { env: line.env, stdio: 'ignore' });
    }
    return { ms, cpuMs, hadCache: had.map((f) => basename(f)), firstRunWroteCache, warmingRuns };
  } finally {
    for (const f of had) copyFileSync(join(aside, basename(f)), f);
    line.cacheForTimedRuns = caches.list().map((f) => basename(f));
  }
}

async function startupRatios(lines, ctx) {
  const cmds = lines.flatMap((l) => [
    { key: `${l.line}/procinit`, argv: [ctx.procinit, '--', '/bin/true'], env: l.env },
    { key: `${l.line}/node`, argv: [join(l.dir, 'node'), '-e', '0'], env: l.env },
  ]);
  const samples = Object.fromEntries(cmds.map((c) => [c.key, []]));
  const cpu = Object.fromEntries(cmds.map((c) => [c.key, []]));
  const failures = Object.fromEntries(cmds.map((c) => [c.key, 0]));
  const { quantile, shuffle } = ctx.tools;
  for (let r = 0; r < ctx.cfg.warmup + ctx.cfg.rounds; r++) {
    for (const cmd of shuffle(cmds)) {
      const t = timeOnce(ctx.helpers, cmd.argv, cmd.env);
      if (r < ctx.cfg.warmup) continue;
      if (t === null) failures[cmd.key]++;
      else {
        samples[cmd.key].push(t.ms);
        cpu[cmd.key].push(t.cpuMs);
      }
    }
    if ((r + 1) % 20 === 0) ctx.log(`lines: start-up round ${r + 1}/${ctx.cfg.warmup + ctx.cfg.rounds}`);
  }
  const stat = (key) => ({ runs: samples[key].length, failures: failures[key],
    p50Ms: quantile(samples[key], 0.5), p90Ms: quantile(samples[key], 0.9), cpuP50Ms: quantile(cpu[key], 0.5) });
  return Object.fromEntries(lines.map((l) => {
    const procinit = stat(`${l.line}/procinit`);
    const node = stat(`${l.line}/node`);
    // CPU time (user + system, the child's included) moves far less with other load than wall time.
    return [l.line, { procinit, node, ratio: procinit.p50Ms && node.p50Ms ? procinit.p50Ms / node.p50Ms : null,
      cpuRatio: procinit.cpuP50Ms && node.cpuP50Ms ? procinit.cpuP50Ms / node.cpuP50Ms : null }];
  }));
}

/** Tasks of procinit idle as PID 1 on each line, of that Node idle, and of tini; all at once. */
async function idleTasks(lines, ctx) {
  const { startInit, stopInit, until, childrenOf, tasksOf, memoryOf } = ctx.tools;
  const running = [];
  const out = {};
  try {
    for (const l of lines) {
      const started = await startInit(ctx.procinitInit, ctx.mode, TERM_CHILD, { ns: ctx.ns, env: l.env });
      running.push({ key: l.line, started });
      const bare = spawn(join(l.dir, 'node'), ['-e', 'setTimeout(() => {}, 2 ** 31 - 1)'], { stdio: 'ignore', env: l.env });
      running.push({ key: `${l.line}/node`, bare });
    }
    if (ctx.tini) running.push({ key: 'tini', started: await startInit(ctx.tini, ctx.mode, TERM_CHILD, { ns: ctx.ns }) });
    for (const r of running) {
      if (r.started) await until(`${r.key}'s child`, () => childrenOf(r.started.pid).length > 0, 15000);
    }
    await delay(ctx.cfg.settleMs);
    for (const r of running) {
      const pid = r.started?.pid ?? r.bare.pid;
      const cmdline = ctx.tools.readProc(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
      out[r.key] = { tasks: tasksOf(pid).length, pssAnonKiB: memoryOf(pid).pssAnonKiB,
        ...(r.started && r.key !== 'tini' ? {
          disableSigusr1: cmdline.includes('--disable-sigusr1'),
          inspectPort: cmdline.find((a) => a.startsWith('--inspect-port=')) ?? null,
          nodeFlags: cmdline.slice(1, cmdline.findIndex((a) => a.endsWith('procinit.js'))),
        } : {}) };
    }
  } finally {
    for (const r of running) {
      if (r.bare) r.bare.kill('SIGKILL');
      else await stopInit(r.started);
    }
  }
  return out;
}

/**
 * ctx: { procinit (launcher path), dist, procinitInit and tini (run.mjs's init definitions; tini
 * null if not installed), helpers, ns (namespace launcher argv or null), tmp, quick, log,
 * cfg: { rounds, warmup, settleMs, readyTrials, readySettleMs, pollPauseNs }, tools (run.mjs's) }.
 */
export async function benchLines(ctx) {
  const wanted = chooseLines(ctx.quick);
  const lines = [];
  const out = { lines: wanted, versions: {}, fetchErrors: {} };
  for (const line of wanted) {
    try {
      const dir = fetchLine(line);
      lines.push({ line, dir, env: lineEnv(dir) });
      out.versions[line] = NODE_LINES[line];
    } catch (error) {
      out.fetchErrors[line] = error.message.split('\n')[0];
      ctx.log(`lines: Node ${line} not available: ${out.fetchErrors[line]}`);
    }
  }
  if (!ctx.helpers.cmd || ctx.helpers.kind === 'none') return { ...out, skipped: 'no helpers (gcc or python3) to time and watch with' };
  ctx.log(`lines: first runs (no code cache) on ${lines.map((l) => l.line).join(', ')}`);
  out.cold = Object.fromEntries(lines.map((l) => [l.line, coldRun(l, ctx)]));
  out.startup = await startupRatios(lines, ctx);
  for (const l of lines) {
    const c = out.cold[l.line];
    c.ratioToWarm = c.ms && out.startup[l.line].procinit.p50Ms ? c.ms / out.startup[l.line].procinit.p50Ms : null;
    c.cacheForTimedRuns = l.cacheForTimedRuns;
  }
  ctx.log('lines: idle tasks');
  out.tasks = await idleTasks(lines, ctx);
  if (ctx.ns) {
    ctx.log(`lines: signals handled, ${ctx.cfg.readyTrials} trials each`);
    out.signalsHandled = await signalsHandled(lines, ctx);
  } else {
    out.signalsHandled = { skipped: 'no PID namespaces here: the window exists only for PID 1' };
  }
  out.config = ctx.cfg;
  return out;
}

const f2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(2));

/** Two tables: start-up, first run, tasks and flags per line; then signals handled. */
export function linesTables(res, table) {
  if (!res?.startup) return { lines: res?.skipped ?? res?.error ?? '-', signals: '-' };
  const rows = Object.keys(res.startup).map((line) => {
    const s = res.startup[line];
    const c = res.cold?.[line];
    const t = res.tasks?.[line];
    return [`Node ${res.versions[line]}`, f2(s.procinit.p50Ms), f2(s.node.p50Ms), s.ratio ? `${s.ratio.toFixed(2)}x` : '-',
      s.cpuRatio ? `${s.cpuRatio.toFixed(2)}x` : '-',
      c?.ms ? `${f2(c.ms)} (${c.ratioToWarm.toFixed(2)}x)` : '-', t?.tasks ?? '-', res.tasks?.[`${line}/node`]?.tasks ?? '-',
      t ? (t.disableSigusr1 ? '--disable-sigusr1' : t.inspectPort ?? 'none') : '-'];
  });
  if (res.tasks?.tini) rows.push(['tini', '-', '-', '-', '-', '-', res.tasks.tini.tasks, '-', '-']);
  const lines = table(['', 'procinit p50 ms', 'node -e 0 p50 ms', 'x node', 'CPU x node', 'first run ms (x warm)', 'tasks idle', 'node idle tasks',
    'SIGUSR1 guard'], rows);
  return { lines, signals: signalsHandledTable(res.signalsHandled, res.versions, table) };
}

export function linesTargets(res) {
  const t = [];
  for (const [line, s] of Object.entries(res?.startup ?? {})) {
    if (!s.ratio) continue;
    t.push({ what: `start-up plus exit vs node -e 0 on Node ${res.versions[line]}`, target: '<= 1.15x',
      measured: `${s.ratio.toFixed(2)}x (${f2(s.procinit.p50Ms)} vs ${f2(s.node.p50Ms)} ms)`, met: s.ratio <= 1.15 });
  }
  return t;
}
