#!/usr/bin/env node
// npm run bench: procinit, tini, dumb-init, catatonit and bare Node, side by side, in one run.
//
//   node bench/run.mjs [--quick] [--out FILE] [--only procinit,tini]
//     [--phases startup,idle,lines,metrics,burst,churn,services]
//
// Measures start-up plus exit of `<init> -- /bin/true`, private memory and RSS while the child
// sleeps, idle wake-ups, signal-forwarding latency, the time to reap a burst of 2,000 orphans, and
// memory growth after reaping 100,000 orphans; per Node line (bench/lines.mjs), start-up against
// that Node's `node -e 0`, the first run, idle tasks and the time until a SIGTERM to PID 1 is no
// longer lost; --metrics under a flood of pipelined requests (bench/metrics.mjs); and, as a
// supervisor of three processes, procinit --config beside pm2-runtime and supervisord
// (bench/services.mjs). Prints tables (ratios against tini and bare Node are
// the headline) and writes JSON (bench/results/latest.json; latest-quick.json with --quick).
//
// Environment: BENCH_IDLE_SECONDS (idle window, default 10, 2 with --quick), BENCH_ROUNDS
// (start-up rounds), BENCH_SIGNALS (signals per init), BENCH_BURST_SIZE, BENCH_BURST_TRIALS,
// BENCH_ORPHANS (orphans reaped in a row for the memory-growth check), BENCH_POST_WORK_SECONDS
// (idle watch after them), BENCH_PROCINIT (another procinit launcher to measure), BENCH_NICE=0
// (do not raise the bench's priority: by default, where allowed, the phases that measure times,
// start-up, signals and the burst, run at nice -20 so other work on a shared machine disturbs
// them less; the long orphan churn runs at the priority the bench was started with),
// BENCH_PM2_DIR (a directory with node_modules/.bin/pm2-runtime, instead of installing pm2 into a
// temp dir), BENCH_PM2_VERSION, BENCH_SERVICE_TRIALS, BENCH_SERVICE_IDLE_SECONDS, BENCH_SERVICE_SETTLE_SECONDS,
// BENCH_LINES (Node lines to measure, e.g. 20,24; default all four, or with --quick the running
// Node's and 24), BENCH_READY_TRIALS (signals-handled trials per line), BENCH_FLOOD_REQUESTS
// (pipelined requests before memory is read), BENCH_FLOOD_CONNECTIONS (the flood's connections).
//
// The helpers (bench/helpers.c) are compiled with gcc into a temporary directory; without gcc the
// Python version (bench/helpers.py) stands in, and the JSON says which one ran.
import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync, closeSync, constants as fsc, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync,
  rmSync, writeFileSync,
} from 'node:fs';
import { Socket } from 'node:net';
import os from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { benchServices, servicesTable } from './services.mjs';
import { benchLines, linesTables, linesTargets, startupEnv } from './lines.mjs';
import { benchMetrics, metricsTable, metricsTargets } from './metrics.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_PROCINIT measures another build (a launcher whose ../dist/procinit.js is the bundle).
const PROCINIT = resolve(process.env.BENCH_PROCINIT || join(ROOT, 'bin/procinit'));
const DIST = join(dirname(PROCINIT), '../dist/procinit.js');

// ---------------------------------------------------------------------------------------------
// Settings

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const outIndex = argv.indexOf('--out');
const OUT = outIndex >= 0 ? resolve(argv[outIndex + 1])
  : join(ROOT, 'bench/results', QUICK ? 'latest-quick.json' : 'latest.json');
if (argv.includes('--help') || argv.includes('-h')) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  process.stdout.write(`${lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n')}\n`);
  process.exit(0);
}

function listOption(name) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1].split(',').map((x) => x.trim()).filter(Boolean) : null;
}
const ONLY = listOption('--only');
const PHASES = listOption('--phases') ?? ['startup', 'idle', 'lines', 'metrics', 'burst', 'churn', 'services'];

function envNumber(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v} is not a positive number`);
  return n;
}

const CFG = {
  startupRounds: envNumber('BENCH_ROUNDS', QUICK ? 10 : 60),
  startupWarmup: QUICK ? 1 : 3,
  idleSeconds: envNumber('BENCH_IDLE_SECONDS', QUICK ? 2 : 10),
  settleMs: QUICK ? 500 : 1000,
  signals: envNumber('BENCH_SIGNALS', QUICK ? 50 : 300),
  burstSize: envNumber('BENCH_BURST_SIZE', 2000),
  burstTrials: envNumber('BENCH_BURST_TRIALS', QUICK ? 1 : 5),
  orphans: envNumber('BENCH_ORPHANS', QUICK ? 10000 : 100000),
  postWorkSeconds: envNumber('BENCH_POST_WORK_SECONDS', QUICK ? 3 : 20),
  readyTrials: envNumber('BENCH_READY_TRIALS', QUICK ? 5 : 30),
  floodRequests: envNumber('BENCH_FLOOD_REQUESTS', QUICK ? 20000 : 100000),
  floodConnections: envNumber('BENCH_FLOOD_CONNECTIONS', 4),
};
CFG.orphans = Math.max(1000, Math.round(CFG.orphans / 1000) * 1000); // ten stages of whole batches of 100

// Growth of the Pss_Anon floor (2nd half of the churn and idle after, vs 2nd to 5th tenth) counted as none:
// a page or two of allocator noise is not a leak, a leak of even 8 bytes per orphan is 0.7 MiB.
const GROWTH_TOLERANCE_KIB = 256;

// ---------------------------------------------------------------------------------------------
// Small utilities

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const nowNs = () => process.hrtime.bigint(); // CLOCK_MONOTONIC, the receiver's clock too
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

function which(cmd) {
  if (cmd.includes('/')) return existsSync(cmd) ? cmd : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, fsc.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

function quantile(values, q) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function shuffle(items) {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

function readProc(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function kib(text, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text ?? '');
  return m ? Number(m[1]) : null;
}

/** Private anonymous memory and resident size of one process, in KiB. */
function memoryOf(pid) {
  const rollup = readProc(`/proc/${pid}/smaps_rollup`);
  const status = readProc(`/proc/${pid}/status`);
  return {
    pssAnonKiB: kib(rollup, 'Pss_Anon'),
    pssKiB: kib(rollup, 'Pss'),
    rssKiB: kib(status, 'VmRSS'),
    threads: Number(/^Threads:\s+(\d+)/m.exec(status ?? '')?.[1] ?? NaN),
  };
}

function tasksOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** Voluntary plus involuntary context switches per thread: each is one wake-up of that thread. */
function contextSwitches(pid) {
  const perThread = {};
  let total = 0;
  for (const tid of tasksOf(pid)) {
    const status = readProc(`/proc/${pid}/task/${tid}/status`);
    if (!status) continue;
    const v = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const n = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
    perThread[tid] = { name, switches: v + n };
    total += v + n;
  }
  return { total, perThread };
}

/** Children of pid over all its threads (orphans may be re-parented to any live thread). */
function childrenOf(pid) {
  const out = [];
  for (const tid of tasksOf(pid)) {
    const text = readProc(`/proc/${pid}/task/${tid}/children`);
    if (text) for (const w of text.split(' ')) if (w.trim()) out.push(Number(w));
  }
  return out;
}

/** CPU time of all of pid's threads in ms (schedstat: nanoseconds on a CPU). */
function cpuMsOf(pid) {
  let ns = 0;
  for (const tid of tasksOf(pid)) {
    const text = readProc(`/proc/${pid}/task/${tid}/schedstat`);
    if (text) ns += Number(text.split(' ')[0]);
  }
  return ns / 1e6;
}

function countChildren(pid) {
  let n = 0;
  for (const tid of tasksOf(pid)) {
    const text = readProc(`/proc/${pid}/task/${tid}/children`);
    if (!text) continue;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 32) n++;
  }
  return n; // the kernel writes "pid " for each child
}

async function until(what, check, timeoutMs, stepMs = 5) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(stepMs);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Machine and tools

function machineInfo() {
  const cpuinfo = readProc('/proc/cpuinfo') ?? '';
  return {
    nproc: Number(firstLine('nproc', [])) || os.cpus().length,
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    kernel: `${os.type()} ${os.release()}`,
    os: /^PRETTY_NAME="?(.*?)"?$/m.exec(readProc('/etc/os-release') ?? '')?.[1] ?? 'unknown',
    node: process.version,
    memTotalMiB: Math.round(os.totalmem() / 2 ** 20),
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    date: new Date().toISOString(),
  };
}

function buildHelpers(tmp) {
  const gcc = which('gcc') ?? which('cc');
  if (gcc) {
    const out = join(tmp, 'helpers');
    const r = spawnSync(gcc, ['-O2', '-o', out, join(ROOT, 'bench/helpers.c')], { encoding: 'utf8' });
    if (r.status === 0) return { kind: 'c', cmd: [out], note: `compiled with ${gcc}` };
    log(`gcc failed, using the Python helpers: ${r.stderr.trim().split('\n')[0]}`);
  }
  const python = which('python3');
  if (python) {
    return { kind: 'python', cmd: [python, join(ROOT, 'bench/helpers.py')],
      note: 'no C compiler: Python helpers (per-fork cost and the receiver\'s own latency are higher)' };
  }
  return { kind: 'none', cmd: null, note: 'neither gcc nor python3: signal and orphan measurements skipped' };
}

/** How an init becomes PID 1 of a fresh PID namespace here, if it can. */
function namespaceLauncher() {
  const unshare = which('unshare');
  if (!unshare) return null;
  for (const flags of [['--pid', '--fork', '--mount-proc'], ['--user', '--map-root-user', '--pid', '--fork', '--mount-proc']]) {
    const r = spawnSync(unshare, [...flags, '/bin/true'], { stdio: 'ignore' });
    if (r.status === 0) return [unshare, ...flags];
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The inits

function defineInits() {
  const defs = [
    {
      name: 'procinit', bin: PROCINIT,
      // Outside a namespace procinit subreaps on its own; -s is accepted too.
      plain: [PROCINIT, '--'], pid1: [PROCINIT, '--'], subreaper: [PROCINIT, '--'],
    },
    { name: 'tini', bin: 'tini', plain: ['tini', '-s', '--'], pid1: ['tini', '--'], subreaper: ['tini', '-s', '--'] },
    // dumb-init has no subreaper mode: outside PID 1 orphans go past it to the host's init.
    { name: 'dumb-init', bin: 'dumb-init', plain: ['dumb-init', '--'], pid1: ['dumb-init', '--'], subreaper: null },
    // catatonit makes itself a subreaper whenever it is not PID 1.
    { name: 'catatonit', bin: 'catatonit', plain: ['catatonit', '--'], pid1: ['catatonit', '--'], subreaper: ['catatonit', '--'] },
  ];
  return defs.filter((d) => !ONLY || ONLY.includes(d.name)).map((d) => {
    const path = which(d.bin);
    if (!path) return { ...d, installed: false, version: null };
    const resolveArgv = (a) => (a ? [path, ...a.slice(1)] : null);
    const version = d.name === 'procinit'
      ? JSON.parse(readFileSync(join(dirname(PROCINIT), '../package.json'), 'utf8')).version
      : firstLine(path, ['--version']);
    return { ...d, installed: true, path, version,
      plain: resolveArgv(d.plain), pid1: resolveArgv(d.pid1), subreaper: resolveArgv(d.subreaper) };
  });
}

/**
 * Starts `init child...` as PID 1 of a fresh namespace (mode 'pid1') or as a plain child of the
 * bench ('subreaper'/'plain'). Resolves with the init's pid as the host sees it.
 */
async function startInit(init, mode, childArgv, { ns, stdio = 'ignore', env = process.env } = {}) {
  const initArgv = mode === 'pid1' ? init.pid1 : mode === 'subreaper' ? init.subreaper : init.plain;
  const full = mode === 'pid1' ? [...ns, ...initArgv, ...childArgv] : [...initArgv, ...childArgv];
  const proc = spawn(full[0], full.slice(1), { stdio, env });
  proc.on('error', () => {});
  let pid = proc.pid;
  if (mode === 'pid1') {
    pid = await until(`${init.name}'s pid under unshare`, () => childrenOf(proc.pid)[0], 10000, 2);
  }
  // Wait for the exec: bin/procinit is sh until it execs node.
  const exeBase = init.name === 'procinit' ? 'node' : init.path.split('/').pop();
  await until(`${init.name} to exec`, () => (readProc(`/proc/${pid}/comm`) ?? '').trim() === exeBase.slice(0, 15), 10000, 2);
  return { proc, pid, mode };
}

/** Ends an init by ending its child; SIGKILL if it does not follow within a second or two. */
async function stopInit(started) {
  const { proc, pid } = started;
  for (const child of childrenOf(pid)) {
    try { process.kill(child, 'SIGKILL'); } catch { /* gone */ }
  }
  const exited = new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
  const timer = delay(2000).then(() => 'timeout');
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ }
    await Promise.race([exited, delay(2000)]);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Start-up plus exit of `<init> -- /bin/true`

async function benchStartup(inits, helpers) {
  const node = which('node') ?? process.execPath;
  const cmds = [];
  for (const init of inits) {
    if (!init.installed) continue;
    cmds.push({ name: init.name, argv: [...init.plain, '/bin/true'] });
    if (init.name === 'procinit') {
      cmds.push({ name: 'procinit (no launcher)', argv: [node, DIST, '--', '/bin/true'] });
    }
  }
  cmds.push({ name: 'node -e 0', argv: [node, '-e', '0'] });
  cmds.push({ name: '/bin/true', argv: ['/bin/true'] });
  const timer = helpers.kind === 'none' ? 'node spawnSync (includes its own spawn overhead)' : `${helpers.kind} helper: posix_spawnp..waitpid`;

  const env = startupEnv(); // no NODE_* or UV_*: procinit's launcher keeps them from its Node, not from node -e 0
  function once(cmd) {
    if (helpers.kind === 'none') {
      const t0 = nowNs();
      const r = spawnSync(cmd.argv[0], cmd.argv.slice(1), { stdio: 'ignore', env });
      return { ns: Number(nowNs() - t0), ok: r.status === 0 };
    }
    const r = spawnSync(helpers.cmd[0], [...helpers.cmd.slice(1), 'timeit', ...cmd.argv],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env });
    const [ns, status] = (r.stdout ?? '').trim().split(' ').map(Number);
    return { ns, ok: r.status === 0 && status === 0 && Number.isFinite(ns) };
  }

  const samples = Object.fromEntries(cmds.map((c) => [c.name, []]));
  const failures = Object.fromEntries(cmds.map((c) => [c.name, 0]));
  const rounds = CFG.startupWarmup + CFG.startupRounds;
  for (let r = 0; r < rounds; r++) {
    for (const cmd of shuffle(cmds)) {
      const { ns, ok } = once(cmd);
      if (r < CFG.startupWarmup) continue;
      if (ok) samples[cmd.name].push(ns / 1e6);
      else failures[cmd.name]++;
    }
    if ((r + 1) % 10 === 0) log(`start-up: round ${r + 1}/${rounds}`);
  }
  const results = {};
  for (const cmd of cmds) {
    const s = samples[cmd.name];
    results[cmd.name] = {
      argv: cmd.argv, runs: s.length, failures: failures[cmd.name],
      p50Ms: quantile(s, 0.5), p90Ms: quantile(s, 0.9), minMs: s.length ? Math.min(...s) : null,
    };
  }
  return { timer, rounds: CFG.startupRounds, interleaved: 'every round runs each command once, in a fresh random order', results };
}

// ---------------------------------------------------------------------------------------------
// 2-4. Idle memory, idle wake-ups, signal forwarding: every init at once, each running a receiver

function openFifo(path) {
  spawnSync('mkfifo', [path]);
  if (!existsSync(path)) throw new Error(`mkfifo ${path} failed`);
  return openSync(path, fsc.O_RDWR | fsc.O_NONBLOCK);
}

function lineReader(fd) {
  const socket = new Socket({ fd, readable: true, writable: false });
  let buffered = '';
  const lines = [];
  let waiter = null;
  socket.on('data', (chunk) => {
    buffered += chunk.toString('latin1');
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
    }
    if (waiter && lines.length) {
      const w = waiter;
      waiter = null;
      w.resolve(lines.shift());
    }
  });
  socket.on('error', () => {});
  return {
    next(timeoutMs) {
      if (lines.length) return Promise.resolve(lines.shift());
      return new Promise((resolveLine, reject) => {
        const t = setTimeout(() => {
          waiter = null;
          reject(new Error(`no line within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = { resolve: (l) => { clearTimeout(t); resolveLine(l); } };
      });
    },
    close: () => socket.destroy(),
  };
}

async function benchIdleAndSignals(inits, helpers, ns, tmp) {
  const mode = ns ? 'pid1' : 'plain';
  const running = [];
  const out = { mode, idleSeconds: CFG.idleSeconds, signals: CFG.signals, results: {} };
  try {
    for (const init of inits.filter((i) => i.installed)) {
      const fifo = join(tmp, `recv-${init.name}`);
      const reader = helpers.cmd ? lineReader(openFifo(fifo)) : null;
      const child = helpers.cmd ? [...helpers.cmd, 'receiver', fifo] : ['sleep', '100000'];
      const started = await startInit(init, mode, child, { ns });
      running.push({ name: init.name, ...started, reader });
      if (reader) {
        const first = await reader.next(15000);
        if (first !== 'ready') throw new Error(`${init.name}: receiver said ${first}`);
      } else {
        await until(`${init.name}'s child`, () => childrenOf(started.pid).length > 0, 10000);
      }
    }
    // Bare Node holding its loop open with a timer that never fires: the floor for memory and idle.
    const nodeFloor = spawn(which('node') ?? process.execPath, ['-e', 'setTimeout(() => {}, 2 ** 31 - 1)'], { stdio: 'ignore' });
    running.push({ name: 'node (idle, one timer)', proc: nodeFloor, pid: nodeFloor.pid, mode: 'plain', reader: null, floor: true });

    await delay(CFG.settleMs);
    for (const r of running) out.results[r.name] = { pid: r.pid, memory: memoryOf(r.pid) };

    // Wake-ups: the bench sleeps through the window (waking once a second to read the counters,
    // which does not touch the inits); nothing else touches the inits.
    const before = Object.fromEntries(running.map((r) => [r.name, contextSwitches(r.pid)]));
    const series = Object.fromEntries(running.map((r) => [r.name, []]));
    let last = before;
    const t0 = nowNs();
    for (let i = 0; i < Math.ceil(CFG.idleSeconds); i++) {
      await delay(Math.min(1, CFG.idleSeconds - i) * 1000);
      const now = Object.fromEntries(running.map((r) => [r.name, contextSwitches(r.pid)]));
      for (const r of running) series[r.name].push(now[r.name].total - last[r.name].total);
      last = now;
    }
    const seconds = Number(nowNs() - t0) / 1e9;
    for (const r of running) {
      const after = last[r.name];
      const b = before[r.name];
      const threads = {};
      for (const [tid, t] of Object.entries(after.perThread)) {
        const delta = t.switches - (b.perThread[tid]?.switches ?? 0);
        if (delta) threads[`${tid} ${t.name}`] = delta;
      }
      Object.assign(out.results[r.name], {
        wakeups: after.total - b.total, wakeupsPerSecond: (after.total - b.total) / seconds, wakingThreads: threads,
        wakeupsPerSecondSeries: series[r.name], memoryAfterIdle: memoryOf(r.pid),
      });
    }
    out.measuredSeconds = seconds;

    // Forwarding latency: one SIGUSR1 to each init in turn, each time waiting for the receiver's
    // acknowledgement, with a short random gap so every signal finds the init idle.
    if (helpers.cmd) {
      const inRound = running.filter((r) => r.reader);
      const lat = Object.fromEntries(inRound.map((r) => [r.name, []]));
      const lost = Object.fromEntries(inRound.map((r) => [r.name, 0]));
      for (let i = 0; i < CFG.signals; i++) {
        for (const r of shuffle(inRound)) {
          if (lost[r.name] >= 5) continue;
          const sent = nowNs();
          process.kill(r.pid, 'SIGUSR1');
          try {
            const line = await r.reader.next(2000);
            lat[r.name].push(Number(BigInt(line) - sent) / 1e6);
          } catch {
            lost[r.name]++;
          }
          await delay(1 + Math.random() * 2);
        }
      }
      for (const r of inRound) {
        const s = lat[r.name];
        Object.assign(out.results[r.name], {
          forwarding: { count: s.length, lost: lost[r.name], p50Ms: quantile(s, 0.5), p90Ms: quantile(s, 0.9),
            p99Ms: quantile(s, 0.99), maxMs: s.length ? Math.max(...s) : null, firstMs: s[0] ?? null },
        });
      }
    }
  } finally {
    for (const r of running) {
      r.reader?.close();
      if (r.floor) r.proc.kill('SIGKILL');
      else await stopInit(r);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 5. A burst of 2,000 orphans exiting at once

async function burstTrial(init, mode, helpers, ns, tmp, n) {
  const fifo = join(tmp, `burst-${init.name}-${mode}`);
  rmSync(fifo, { force: true });
  spawnSync('mkfifo', [fifo]);
  let fd = openSync(fifo, fsc.O_RDWR); // the only writer: closing it releases every orphan
  let started;
  try {
    started = await startInit(init, mode, [...helpers.cmd, 'burst', fifo, String(n)], { ns });
    await until(`${n} orphans under ${init.name}`, () => countChildren(started.pid) === n + 1, 60000, 10);
    await delay(200); // the init is idle again
    const cpu0 = cpuMsOf(started.pid);
    const t0 = nowNs();
    closeSync(fd);
    fd = null;
    let polls = 0;
    while (countChildren(started.pid) > 1) {
      polls++;
      sleepSync(0.1);
      if (Number(nowNs() - t0) > 60e9) throw new Error(`${init.name} did not reap the burst within 60 s`);
    }
    const ms = Number(nowNs() - t0) / 1e6;
    // The init's own CPU time for the burst: far less sensitive to other load than the wall time,
    // which is mostly the kernel tearing down 2,000 processes.
    return { ms, cpuMs: cpuMsOf(started.pid) - cpu0, polls };
  } finally {
    if (fd !== null) closeSync(fd);
    if (started) await stopInit(started);
    rmSync(fifo, { force: true });
  }
}

async function benchBurst(inits, helpers, ns, tmp) {
  const modes = ns ? ['pid1', 'subreaper'] : ['subreaper'];
  const out = { size: CFG.burstSize, trials: CFG.burstTrials, modes, results: {} };
  const samples = {};
  const cpuSamples = {};
  for (let t = 0; t < CFG.burstTrials; t++) {
    for (const mode of modes) {
      for (const init of shuffle(inits.filter((i) => i.installed))) {
        const key = `${init.name}/${mode}`;
        samples[key] ??= [];
        if (mode === 'subreaper' && !init.subreaper) continue;
        try {
          const r = await burstTrial(init, mode, helpers, ns, tmp, CFG.burstSize);
          samples[key].push(r.ms);
          (cpuSamples[key] ??= []).push(r.cpuMs);
        } catch (error) {
          log(`burst ${key}: ${error.message}`);
          samples[key].error = error.message;
        }
      }
    }
    log(`burst: trial ${t + 1}/${CFG.burstTrials}`);
  }
  for (const init of inits.filter((i) => i.installed)) {
    out.results[init.name] = {};
    for (const mode of modes) {
      const s = samples[`${init.name}/${mode}`] ?? [];
      out.results[init.name][mode] = mode === 'subreaper' && !init.subreaper
        ? { supported: false, why: `${init.name} has no subreaper mode` }
        : { supported: true, trials: s.length, p50Ms: quantile(s, 0.5), minMs: s.length ? Math.min(...s) : null,
          maxMs: s.length ? Math.max(...s) : null, samplesMs: s, error: s.error,
          cpuP50Ms: quantile(cpuSamples[`${init.name}/${mode}`] ?? [], 0.5), cpuSamplesMs: cpuSamples[`${init.name}/${mode}`] ?? [] };
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 6. Memory after reaping 100,000 orphans in a row

async function churnOne(init, mode, helpers, ns, tmp) {
  const done = join(tmp, `churn-${init.name}`);
  rmSync(done, { force: true });
  const started = await startInit(init, mode, [...helpers.cmd, 'churn', done], { ns, stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    await until(`${init.name}'s child`, () => countChildren(started.pid) === 1, 10000);
    await delay(CFG.settleMs);
    const before = memoryOf(started.pid);
    // Ten stages of a tenth each, Pss_Anon read after each. A garbage-collected heap holds
    // garbage until a collection (and V8 may collect an idle heap some seconds after a busy
    // spell), so a single reading says little: growth compares floors, see below.
    const stages = [];
    let total = 0;
    const stageSize = CFG.orphans / 10;
    const t0 = nowNs();
    for (let i = 0; i < 10; i++) {
      total += stageSize;
      started.proc.stdin.write(`${stageSize}\n`);
      await until(`${total} orphans reaped by ${init.name}`, () => (readProc(done) ?? '').trim() === String(total), 600000, 10);
      await delay(100);
      stages.push({ orphans: total, ...memoryOf(started.pid) });
    }
    const seconds = Number(nowNs() - t0) / 1e9;
    const floor = (list) => Math.min(...list.map((m) => m.pssAnonKiB));
    // Wake-ups after the work, second by second: nothing the reaping left behind may keep waking
    // procinit. V8 may run a delayed collection (its memory reducer) some seconds after a busy
    // spell, so procinit is watched longer than the C inits, whose behaviour does not change.
    await delay(CFG.settleMs);
    const windowSeconds = init.name === 'procinit' ? CFG.postWorkSeconds : Math.min(CFG.postWorkSeconds, 3);
    const perSecond = [];
    const threadWakeups = {};
    let prev = contextSwitches(started.pid);
    const t1 = nowNs();
    for (let i = 0; i < windowSeconds; i++) {
      await delay(1000);
      const cur = contextSwitches(started.pid);
      perSecond.push(cur.total - prev.total);
      for (const [tid, t] of Object.entries(cur.perThread)) {
        const d = t.switches - (prev.perThread[tid]?.switches ?? 0);
        if (d) threadWakeups[`${tid} ${t.name}`] = (threadWakeups[`${tid} ${t.name}`] ?? 0) + d;
      }
      prev = cur;
    }
    const wakeSeconds = Number(nowNs() - t1) / 1e9;
    const wakeups = perSecond.reduce((x, y) => x + y, 0);
    let quietAfter = perSecond.length;
    while (quietAfter > 0 && perSecond[quietAfter - 1] === 0) quietAfter--;
    const end = memoryOf(started.pid);
    const status = readProc(`/proc/${started.pid}/status`);
    return {
      before: before.pssAnonKiB, end: end.pssAnonKiB,
      // The first tenth warms up (code compiled, heap sized); a leak then raises the floor of the
      // readings from the first half to the second (the idle reading after counts in the second,
      // so a heap V8 shrank once idle is not taken for growth).
      warmFloorKiB: floor(stages.slice(1, 5)),
      lateFloorKiB: Math.min(floor(stages.slice(5)), end.pssAnonKiB),
      growthKiB: Math.min(floor(stages.slice(5)), end.pssAnonKiB) - floor(stages.slice(1, 5)),
      fromStartKiB: end.pssAnonKiB - before.pssAnonKiB,
      peakPssAnonKiB: Math.max(...stages.map((m) => m.pssAnonKiB)),
      rssBefore: before.rssKiB, rssEnd: end.rssKiB, rssHighWaterKiB: kib(status, 'VmHWM'),
      stages: stages.map((m) => ({ orphans: m.orphans, pssAnonKiB: m.pssAnonKiB, rssKiB: m.rssKiB })),
      orphansPerSecond: Math.round(CFG.orphans / seconds),
      wakeupsPerSecondAfter: wakeups / wakeSeconds,
      wakeupsAfter: { seconds: wakeSeconds, total: wakeups, perSecond, byThread: threadWakeups,
        quietFromSecond: quietAfter < perSecond.length ? quietAfter : null },
    };
  } finally {
    await stopInit(started);
  }
}

async function benchChurn(inits, helpers, ns, tmp) {
  const mode = ns ? 'pid1' : 'subreaper';
  const out = { mode, orphans: CFG.orphans, toleranceKiB: GROWTH_TOLERANCE_KIB, results: {} };
  for (const init of inits.filter((i) => i.installed)) {
    if (mode === 'subreaper' && !init.subreaper) {
      out.results[init.name] = { supported: false, why: `${init.name} has no subreaper mode` };
      continue;
    }
    log(`orphans: ${CFG.orphans} under ${init.name}`);
    try {
      out.results[init.name] = await churnOne(init, mode, helpers, ns, tmp);
    } catch (error) {
      out.results[init.name] = { error: error.message };
      log(`orphans under ${init.name}: ${error.message}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

const f2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(2));
const f3 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(3));
const mib = (k) => (k === null || k === undefined ? '-' : (k / 1024).toFixed(2));
const ratio = (a, b) => (a == null || b == null || b === 0 ? '-' : `${(a / b).toFixed(2)}x`);

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

function report(res) {
  const names = res.inits.map((i) => i.name);
  const notInstalled = res.inits.filter((i) => !i.installed).map((i) => i.name);
  const st = res.startup?.results ?? {};
  const idle = res.idle?.results ?? {};
  const nodeIdle = 'node (idle, one timer)';
  const tiniSt = st.tini?.p50Ms;
  const nodeSt = st['node -e 0']?.p50Ms;
  const tiniMem = idle.tini?.memory.pssAnonKiB;
  const nodeMem = idle[nodeIdle]?.memory.pssAnonKiB;

  const rowsA = [];
  for (const name of [...names.flatMap((n) => (n === 'procinit' ? [n, 'procinit (no launcher)'] : [n])), 'node -e 0', '/bin/true']) {
    if (notInstalled.includes(name)) {
      rowsA.push([name, 'not installed', '', '', '', '', '', '', '', '']);
      continue;
    }
    const s = st[name];
    const memName = name === 'node -e 0' ? nodeIdle : name;
    const m = idle[memName];
    rowsA.push([
      name === 'node -e 0' ? 'node -e 0 (idle: one timer)' : name,
      f2(s?.p50Ms), f2(s?.p90Ms), ratio(s?.p50Ms, tiniSt), ratio(s?.p50Ms, nodeSt),
      mib(m?.memory.pssAnonKiB), mib(m?.memory.rssKiB), ratio(m?.memory.pssAnonKiB, tiniMem),
      ratio(m?.memory.pssAnonKiB, nodeMem), m ? f2(m.wakeupsPerSecond) : '-',
    ]);
  }
  const tableA = table(['', 'start-up p50 ms', 'p90 ms', 'x tini', 'x node', 'Pss_Anon MiB', 'RSS MiB', 'x tini', 'x node', 'wake-ups/s'], rowsA);

  const bu = res.burst?.results ?? {};
  const ch = res.churn?.results ?? {};
  const tiniFwd = idle.tini?.forwarding?.p50Ms;
  const tiniB1 = bu.tini?.pid1?.p50Ms;
  const tiniBs = bu.tini?.subreaper?.p50Ms;
  const rowsB = names.map((name) => {
    if (notInstalled.includes(name)) return [name, 'not installed', '', '', '', '', '', '', '', '', ''];
    const fw = idle[name]?.forwarding;
    const b1 = bu[name]?.pid1;
    const bs = bu[name]?.subreaper;
    const burstCell = (b) => (!b ? '-' : b.supported === false ? 'no subreaper' : f2(b.p50Ms));
    return [name, f3(fw?.p50Ms), f3(fw?.p99Ms), ratio(fw?.p50Ms, tiniFwd),
      burstCell(b1), b1?.supported ? ratio(b1.p50Ms, tiniB1) : '-', b1?.supported ? f2(b1.cpuP50Ms) : '-',
      burstCell(bs), bs?.supported ? ratio(bs.p50Ms, tiniBs) : '-', bs?.supported ? f2(bs.cpuP50Ms) : '-'];
  });
  const tableB = table(['', 'fwd p50 ms', 'fwd p99 ms', 'x tini', `burst ${CFG.burstSize} PID 1 ms`, 'x tini', 'init CPU ms',
    'burst subreaper ms', 'x tini', 'init CPU ms'], rowsB);

  const signed = (k) => `${k >= 0 ? '+' : ''}${k}`;
  const rowsC = names.map((name) => {
    if (notInstalled.includes(name)) return [name, 'not installed', '', '', '', '', ''];
    const c = ch[name];
    if (!c || c.supported === false || c.error) return [name, c?.error ? 'error' : '-', '', '', '', '', ''];
    const w = c.wakeupsAfter;
    const after = w.total === 0 ? `0 in ${w.seconds.toFixed(0)} s`
      : `${w.total} in ${w.seconds.toFixed(0)} s, ${w.quietFromSecond === null ? 'still waking' : `none after ${w.quietFromSecond} s`}`;
    return [name, mib(c.before), mib(c.peakPssAnonKiB), mib(c.end), signed(c.growthKiB), String(c.orphansPerSecond), after];
  });
  const tableC = table(['', 'Pss_Anon before MiB', 'peak MiB', 'end MiB', 'growth KiB', 'orphans/s', 'wake-ups once idle again'], rowsC);
  return { tableA, tableB, tableC };
}

function targets(res) {
  const st = res.startup?.results ?? {};
  const idle = res.idle?.results ?? {};
  const p = idle.procinit;
  const bu = res.burst?.results ?? {};
  const ch = res.churn?.results?.procinit;
  const t = [];
  const add = (what, target, measured, met) => t.push({ what, target, measured, met });
  if (st.procinit && st['node -e 0']) {
    const r = st.procinit.p50Ms / st['node -e 0'].p50Ms;
    add('start-up plus exit vs node -e 0', '<= 1.15x', `${r.toFixed(2)}x (${f2(st.procinit.p50Ms)} vs ${f2(st['node -e 0'].p50Ms)} ms)`, r <= 1.15);
  }
  if (p) {
    add('idle private memory (Pss_Anon)', '<= 12 MiB', `${mib(p.memory.pssAnonKiB)} MiB`, p.memory.pssAnonKiB <= 12 * 1024);
    add('idle wake-ups', '0 /s', `${f2(p.wakeupsPerSecond)} /s (${p.wakeups} in ${f2(res.idle.measuredSeconds)} s)`, p.wakeups === 0);
    if (p.forwarding) {
      add('forwarding latency p50', '<= 0.3 ms', `${f3(p.forwarding.p50Ms)} ms`, p.forwarding.p50Ms <= 0.3);
      add('forwarding latency p99', '<= 1 ms', `${f3(p.forwarding.p99Ms)} ms`, p.forwarding.p99Ms <= 1);
    }
  }
  for (const mode of ['pid1', 'subreaper']) {
    const a = bu.procinit?.[mode];
    const b = bu.tini?.[mode];
    if (a?.p50Ms && b?.p50Ms) {
      const r = a.p50Ms / b.p50Ms;
      add(`${CFG.burstSize}-orphan burst vs tini (${mode === 'pid1' ? 'PID 1' : 'subreaper'})`, '<= 1.3x',
        `${r.toFixed(2)}x (${f2(a.p50Ms)} vs ${f2(b.p50Ms)} ms; the init's own CPU ${f2(a.cpuP50Ms)} vs ${f2(b.cpuP50Ms)} ms)`, r <= 1.3);
    }
  }
  if (ch && ch.growthKiB !== undefined) {
    add(`memory growth over ${CFG.orphans} orphans (Pss_Anon floor, 2nd half vs 1st after warm-up)`, `none (<= ${GROWTH_TOLERANCE_KIB} KiB)`,
      `${ch.growthKiB >= 0 ? '+' : ''}${ch.growthKiB} KiB (before ${mib(ch.before)} MiB, peak while reaping ${mib(ch.peakPssAnonKiB)} MiB, idle after ${mib(ch.end)} MiB)`,
      ch.growthKiB <= GROWTH_TOLERANCE_KIB);
    const w = ch.wakeupsAfter;
    add('wake-ups once idle after reaping (not a stated target; must stop)', `none after a few s`,
      `${w.total} in ${w.seconds.toFixed(0)} s (${w.perSecond.join(' ')}), ${w.quietFromSecond === null ? 'still waking at the end' : `none after ${w.quietFromSecond} s`}`,
      w.quietFromSecond !== null || w.total === 0);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build first`);
  const tmp = mkdtempSync(join(os.tmpdir(), 'procinit-bench-'));
  const started = Date.now();
  try {
    const machine = machineInfo();
    const helpers = buildHelpers(tmp);
    const ns = namespaceLauncher();
    const inits = defineInits();
    log(`${QUICK ? 'quick' : 'full'} run on ${machine.nproc} x ${machine.cpuModel}, load ${machine.loadavg.join(' ')}; helpers: ${helpers.kind}; `
      + `PID namespaces: ${ns ? ns.join(' ') : 'unavailable (inits run as subreapers)'}`);
    const res = {
      quick: QUICK, machine, config: CFG, helpers: { kind: helpers.kind, note: helpers.note },
      pidNamespace: ns ? ns.slice(1).join(' ') : null,
      inits: inits.map((i) => ({ name: i.name, installed: i.installed, path: i.path ?? null, version: i.version,
        modes: i.installed ? { pid1: !!i.pid1, subreaper: !!i.subreaper } : null })),
      loadavgByPhase: {},
    };
    const basePriority = os.getPriority(0);
    const wantNice = process.env.BENCH_NICE !== '0';
    res.priority = { base: basePriority, measuring: basePriority, heavyPhases: basePriority };
    const setPriority = (p) => {
      try {
        os.setPriority(0, p);
        return true;
      } catch {
        return false;
      }
    };
    const phase = async (name, fn) => {
      const t0 = Date.now();
      const light = name !== 'churn'; // the phases that measure times
      if (wantNice && light && setPriority(-20)) res.priority.measuring = -20;
      if (!light) setPriority(basePriority);
      log(`${name}...`);
      try {
        res[name] = await fn();
      } catch (error) {
        res[name] = { error: String(error?.stack ?? error) };
        log(`${name} failed: ${error?.message ?? error}`);
      }
      res.loadavgByPhase[name] = { seconds: (Date.now() - t0) / 1000, loadavgAfter: os.loadavg().map((x) => Number(x.toFixed(2))) };
      setPriority(basePriority);
    };
    if (PHASES.includes('startup')) await phase('startup', () => benchStartup(inits, helpers));
    if (PHASES.includes('idle')) await phase('idle', () => benchIdleAndSignals(inits, helpers, ns, tmp));
    // The phases of bench/lines.mjs and bench/metrics.mjs, given what they use of this file.
    const tools = { startInit, stopInit, until, childrenOf, tasksOf, memoryOf, readProc, quantile, shuffle, lineReader,
      openFifo, contextSwitches, cpuMsOf };
    const procinitInit = inits.find((i) => i.name === 'procinit' && i.installed);
    const tini = inits.find((i) => i.name === 'tini' && i.installed) ?? null;
    const common = { procinit: PROCINIT, dist: DIST, procinitInit, tini, helpers, ns, tmp, quick: QUICK, log, tools };
    if (PHASES.includes('lines') && procinitInit) {
      await phase('lines', () => benchLines({ ...common, mode: ns ? 'pid1' : 'plain', procinitInit,
        cfg: { rounds: CFG.startupRounds, warmup: CFG.startupWarmup, settleMs: CFG.settleMs, readyTrials: CFG.readyTrials,
          readySettleMs: 20, pollPauseNs: 20000 } }));
    }
    if (PHASES.includes('metrics') && procinitInit) {
      await phase('metrics', () => benchMetrics({ ...common, cfg: { signals: CFG.signals, requests: CFG.floodRequests,
        connections: CFG.floodConnections, perConnection: 1000, idleSeconds: QUICK ? 1 : 3, settleMs: CFG.settleMs } }));
    }
    for (const [name, fn] of [['burst', benchBurst], ['churn', benchChurn]]) {
      if (!PHASES.includes(name)) continue;
      if (helpers.cmd) await phase(name, () => fn(inits, helpers, ns, tmp));
      else res[name] = { skipped: helpers.note };
    }
    if (PHASES.includes('services')) await phase('services', () => benchServices({ procinit: PROCINIT, ns, tmp, quick: QUICK, log }));
    res.machine.loadavgEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
    res.seconds = (Date.now() - started) / 1000;
    res.targets = [...targets(res), ...linesTargets(res.lines), ...metricsTargets(res.metrics)];
    const { tableA, tableB, tableC } = report(res);
    const tableD = servicesTable(res.services ?? {}, table);
    const tablesL = linesTables(res.lines, table);
    const tableM = metricsTable(res.metrics, table);
    res.tables = { startupMemoryIdle: tableA, signalsBurst: tableB, orphans: tableC, lines: tablesL.lines,
      signalsHandled: tablesL.signals, metrics: tableM, services: tableD };

    const m = res.machine;
    const lines = [
      '',
      `procinit bench (${QUICK ? 'quick' : 'full'}), ${m.date}`,
      `${m.nproc} x ${m.cpuModel}, ${m.kernel}, ${m.os}, Node ${m.node}; load average ${m.loadavg.join(' ')} at start, ${m.loadavgEnd.join(' ')} at end`,
      `inits: ${res.inits.map((i) => `${i.name} ${i.installed ? i.version : '(not installed)'}`).join('; ')}`,
      `helpers: ${helpers.note}; long-running inits run ${ns ? 'as PID 1 of a fresh PID namespace' : 'as subreapers (no PID namespaces)'}; `
        + `start-up, signal and burst phases at nice ${res.priority.measuring}`,
      '',
      `Start-up plus exit of \`<init> -- /bin/true\` (${CFG.startupRounds} interleaved rounds; tini -s, procinit/catatonit subreap on their own), `
        + `memory while the child sleeps, wake-ups over ${f2(res.idle?.measuredSeconds)} s idle:`,
      '',
      tableA,
      '',
      `Signal forwarding (${CFG.signals} SIGUSR1 per init, send to receive on CLOCK_MONOTONIC), reaping a burst of ${CFG.burstSize} orphans `
        + `exiting at once (median of ${CFG.burstTrials}; release until no child but the main one is left; init CPU: the init's own CPU time over that span):`,
      '',
      tableB,
      '',
      `Reaping ${CFG.orphans} orphans in a row (batches of 100, as PID 1): Pss_Anon before, at its peak (read after each tenth) and `
        + `once idle again (${CFG.postWorkSeconds} s later for procinit, 3 s for the C inits); growth = lowest reading of the 2nd half `
        + '(idle reading included) minus lowest of tenths 2-5; wake-ups in the idle time after:',
      '',
      tableC,
      '',
      ...(res.lines ? [
        `Per Node line, each first on PATH: start-up plus exit of \`procinit -- /bin/true\` and of that Node's \`node -e 0\` `
          + `(${CFG.startupRounds} interleaved rounds, code cache warm; the first run, with none, timed once), idle tasks as PID 1:`,
        '', tablesL.lines, '',
        `Signals handled: from the exec of the init as PID 1 until a SIGTERM to it is no longer dropped, and the time it would `
          + `have been dropped in between (${CFG.readyTrials} trials, /proc/<pid>/status polled from outside):`,
        '', tablesL.signals, ''] : []),
      ...(res.metrics ? [
        `procinit --metrics and a client that pipelines GET /metrics and never reads (${CFG.floodConnections} connections at a time), `
          + 'beside tini under the same load; forwarding is the SIGUSR1 round trip, quiet and during the flood:',
        '', tableM, ''] : []),
      `Supervising a Node server, a worker and a sidecar that crashes once, each supervisor as PID 1 (median of ${res.services?.trials ?? '-'}; `
        + `memory and wake-ups over ${res.services?.idleSeconds ?? '-'} s idle, ${res.services?.settleSeconds ?? '-'} s after the crash; docker stop = SIGTERM to PID 1):`,
      '',
      tableD,
      '',
      'Targets (procinit):',
      ...res.targets.map((t) => `  ${t.met ? 'met   ' : 'MISSED'}  ${t.what}: ${t.measured}  (target ${t.target})`),
      '',
      `${res.seconds.toFixed(0)} s; results in ${OUT}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(`${OUT}.tmp`, `${JSON.stringify(res, null, 2)}\n`);
    spawnSync('mv', [`${OUT}.tmp`, OUT]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
  process.exit(1);
});
