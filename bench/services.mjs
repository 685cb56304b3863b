// npm run bench, phase "services": procinit --config beside pm2-runtime (npm's pm2) and
// supervisord (Debian's supervisor), each as PID 1 of a fresh PID namespace, on one workload:
// a Node HTTP server, a Node worker (which leaves five short-lived orphans behind, as a shell
// one-liner or a library's helper does), and a sidecar that crashes once, 1.5 s after it starts.
//
// Per trial: time from spawn to all ready (the server's port answers, the worker said so, the
// sidecar runs), restart latency after the crash (the sidecar stamps its exit and its next start,
// on the same clock), then after a settling time private memory and wake-ups of PID 1 over the
// idle window, zombies left, then SIGTERM to PID 1 (docker stop): time until it is gone, and its
// exit code. BENCH_SERVICE_TRIALS, BENCH_SERVICE_IDLE_SECONDS, BENCH_SERVICE_SETTLE_SECONDS.
//
// pm2 is installed into a temporary directory for the run (its install time and size are in the
// results) unless BENCH_PM2_DIR names a directory holding node_modules/.bin/pm2-runtime; a quick
// run does not install it. supervisord is the Debian package: a machine without it shows
// "not installed".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};
const kib = (text, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text ?? '')?.[1] ?? NaN);
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function until(what, check, timeoutMs, stepMs = 5) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(stepMs);
  }
}

function wakeups(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const status = read(`/proc/${pid}/task/${tid}/status`) ?? '';
    total += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0)
      + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return total;
}

/** Every process under `root` (host pids), with its state, read from /proc. */
function treeOf(root) {
  const all = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    all.push({ pid: Number(entry), state: fields[0], ppid: Number(fields[1]) });
  }
  const out = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift();
    for (const p of all) if (p.ppid === parent) { out.push(p); queue.push(p.pid); }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The workload and each supervisor's config for it

export function writeWorkload(dir, port) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server.js'), `const fs = require('fs');
require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => fs.writeFileSync('${dir}/server.ready', ''));
process.on('SIGTERM', () => process.exit(0));
`);
  writeFileSync(join(dir, 'worker.js'), `const { spawn } = require('child_process');
// Five orphans: sh exits at once, its sleep is re-parented to PID 1 and ends 0.2 s later.
for (let i = 0; i < 5; i++) spawn('sh', ['-c', 'sleep 0.2 &'], { stdio: 'ignore' });
require('fs').writeFileSync('${dir}/worker.ready', '');
setInterval(() => {}, 2 ** 30);
process.on('SIGTERM', () => process.exit(0));
`);
  writeFileSync(join(dir, 'sidecar.sh'), `#!/bin/sh
echo "start $(date +%s%N)" >> ${dir}/sidecar.log
if [ ! -e ${dir}/crashed ]; then
  sleep 1.5; touch ${dir}/crashed; echo "exit $(date +%s%N)" >> ${dir}/sidecar.log; exit 1
fi
exec sleep 100000
`);
  const node = process.execPath;
  writeFileSync(join(dir, 'procinit.json'), JSON.stringify({
    services: {
      server: { command: [node, `${dir}/server.js`], ready: { http: `http://127.0.0.1:${port}/` } },
      worker: { command: [node, `${dir}/worker.js`] },
      sidecar: { command: ['sh', `${dir}/sidecar.sh`], critical: false },
    },
  }, null, 2));
  writeFileSync(join(dir, 'ecosystem.config.js'), `module.exports = { apps: [
  { name: 'server', script: '${dir}/server.js', interpreter: '${node}' },
  { name: 'worker', script: '${dir}/worker.js', interpreter: '${node}' },
  { name: 'sidecar', script: '${dir}/sidecar.sh', interpreter: 'sh' },
] };
`);
  const program = (name, command) => `[program:${name}]
command=${command}
autorestart=true
startsecs=1
stdout_logfile=/dev/null
stdout_logfile_maxbytes=0
stderr_logfile=/dev/null
stderr_logfile_maxbytes=0
`;
  writeFileSync(join(dir, 'supervisord.conf'), `[supervisord]
nodaemon=true
user=root
logfile=/dev/null
logfile_maxbytes=0
pidfile=${dir}/supervisord.pid
childlogdir=${dir}

${program('server', `${node} ${dir}/server.js`)}
${program('worker', `${node} ${dir}/worker.js`)}
${program('sidecar', `sh ${dir}/sidecar.sh`)}`);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** pm2: BENCH_PM2_DIR, or an install into the run's temp dir (timed), or none on a quick run. */
function findPm2(tmp, quick, log) {
  const dir = process.env.BENCH_PM2_DIR;
  const bin = (d) => join(d, 'node_modules/.bin/pm2-runtime');
  const version = (d) => JSON.parse(read(join(d, 'node_modules/pm2/package.json')) ?? '{}').version ?? null;
  if (dir) return existsSync(bin(dir)) ? { path: bin(dir), version: version(dir), install: null } : { missing: `BENCH_PM2_DIR=${dir} has no pm2-runtime` };
  if (quick) return { missing: 'not installed on a quick run (set BENCH_PM2_DIR)' };
  const target = join(tmp, 'pm2');
  const spec = `pm2@${process.env.BENCH_PM2_VERSION || 'latest'}`;
  log(`services: installing ${spec} into a temp dir...`);
  const t0 = performance.now();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', target, spec], { encoding: 'utf8', timeout: 300_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0 || !existsSync(bin(target))) return { missing: `npm install ${spec} failed: ${(r.stderr ?? '').trim().split('\n').at(-1)}` };
  const du = spawnSync('du', ['-sk', join(target, 'node_modules')], { encoding: 'utf8' });
  const packages = readdirSync(join(target, 'node_modules')).filter((n) => !n.startsWith('.')).length;
  return { path: bin(target), version: version(target), install: { ms: Math.round(ms), kib: Number(du.stdout.split('\t')[0]), topLevelPackages: packages } };
}

function supervisors(procinit, tmp, quick, log) {
  const pm2 = findPm2(tmp, quick, log);
  const supervisord = which('supervisord');
  const sdVersion = supervisord ? spawnSync(supervisord, ['--version'], { encoding: 'utf8' }).stdout.trim() : null;
  return [
    { name: 'procinit', version: JSON.parse(readFileSync(join(procinit, '../../package.json'), 'utf8')).version,
      argv: (dir) => [procinit, '--config', join(dir, 'procinit.json')], env: {} },
    pm2.path ? { name: 'pm2-runtime', version: pm2.version, install: pm2.install,
      argv: (dir) => [pm2.path, join(dir, 'ecosystem.config.js')], env: { PM2_HOME: join(tmp, 'pm2-home') } }
      : { name: 'pm2-runtime', missing: pm2.missing },
    supervisord ? { name: 'supervisord', version: sdVersion, argv: (dir) => [supervisord, '-n', '-c', join(dir, 'supervisord.conf')], env: {} }
      : { name: 'supervisord', missing: 'not installed (apt-get install supervisor)' },
  ];
}

// ---------------------------------------------------------------------------------------------
// One trial: start, ready, crash and restart, idle, stop

async function trial(sup, ns, dir, port, idleSeconds, settleSeconds) {
  rmSync(dir, { recursive: true, force: true });
  writeWorkload(dir, port);
  const t0 = performance.now();
  const proc = spawn(ns[0], [...ns.slice(1), ...sup.argv(dir)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...sup.env } });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  const exited = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  const out = { name: sup.name };
  try {
    const pid1 = await until('PID 1', () => treeOf(proc.pid)[0]?.pid, 10_000);
    const ready = () => ['server.ready', 'worker.ready', 'sidecar.log'].every((f) => existsSync(join(dir, f)));
    await until('the workload to be ready', ready, 30_000, 2);
    out.readyMs = performance.now() - t0;
    const lines = () => (read(join(dir, 'sidecar.log')) ?? '').trim().split('\n');
    await until('the sidecar to restart after its crash', () => lines().length >= 3, 30_000);
    const [, exit, again] = lines().map((l) => Number(l.split(' ')[1]));
    out.restartMs = (again - exit) / 1e6;
    // Steady state: V8's memory reducer collects once, about 8 s after start-up; not idle yet.
    await delay(settleSeconds * 1000);
    const rollup = read(`/proc/${pid1}/smaps_rollup`);
    out.pssAnonKiB = kib(rollup, 'Pss_Anon');
    out.rssKiB = kib(read(`/proc/${pid1}/status`), 'VmRSS');
    const w0 = wakeups(pid1);
    const i0 = performance.now();
    out.wakeupsSeries = [];
    for (let i = 0, last = w0; i < idleSeconds; i++) {
      await delay(1000);
      const now = wakeups(pid1);
      out.wakeupsSeries.push(now - last);
      last = now;
    }
    out.wakeupsPerSecond = (wakeups(pid1) - w0) / ((performance.now() - i0) / 1000);
    out.zombies = treeOf(pid1).filter((p) => p.state === 'Z').length;
    const s0 = performance.now();
    process.kill(pid1, 'SIGTERM');
    const timeout = delay(30_000).then(() => null);
    const ended = await Promise.race([exited, timeout]);
    if (!ended) {
      out.stopMs = null;
      out.stopNote = 'still running 30 s after SIGTERM';
    } else {
      out.stopMs = performance.now() - s0;
      out.exitCode = ended.code ?? 128 + ({ SIGTERM: 15, SIGKILL: 9, SIGINT: 2 }[ended.signal] ?? 0);
    }
  } catch (error) {
    out.error = `${error.message}${stderr ? `; stderr: ${stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`;
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) {
      for (const p of treeOf(proc.pid)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
      proc.kill('SIGKILL');
      await Promise.race([exited, delay(5000)]);
    }
  }
  return out;
}

export async function benchServices({ procinit, ns, tmp, quick, log }) {
  if (!ns) return { skipped: 'no PID namespaces here (unshare): each supervisor must be PID 1' };
  const trials = Number(process.env.BENCH_SERVICE_TRIALS) || (quick ? 1 : 3);
  const idleSeconds = Number(process.env.BENCH_SERVICE_IDLE_SECONDS) || (quick ? 2 : 10);
  const settleSeconds = Number(process.env.BENCH_SERVICE_SETTLE_SECONDS) || (quick ? 1 : 10);
  const list = supervisors(procinit, tmp, quick, log);
  const out = { trials, idleSeconds, settleSeconds, results: {} };
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  for (const sup of list) {
    if (sup.missing) {
      out.results[sup.name] = { missing: sup.missing };
      continue;
    }
    const runs = [];
    for (let i = 0; i < trials; i++) {
      log(`services: ${sup.name}, trial ${i + 1} of ${trials}`);
      runs.push(await trial(sup, ns, join(tmp, `services-${sup.name}`), port + i, idleSeconds, settleSeconds));
    }
    const ok = runs.filter((r) => !r.error);
    const med = (key) => median(ok.map((r) => r[key]));
    out.results[sup.name] = {
      version: sup.version, install: sup.install ?? null, runs,
      readyMs: med('readyMs'), restartMs: med('restartMs'), pssAnonKiB: med('pssAnonKiB'), rssKiB: med('rssKiB'),
      wakeupsPerSecond: med('wakeupsPerSecond'), zombies: med('zombies'), stopMs: med('stopMs'),
      exitCodes: [...new Set(ok.map((r) => r.exitCode))], errors: runs.filter((r) => r.error).map((r) => r.error),
    };
  }
  return out;
}

export function servicesTable(res, table) {
  const f = (x, digits = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
  const rows = Object.entries(res.results ?? {}).map(([name, r]) => {
    if (r.missing) return [name, r.missing, '', '', '', '', '', '', ''];
    if (r.readyMs === null) return [name, `failed: ${r.errors[0] ?? '?'}`.slice(0, 120), '', '', '', '', '', '', ''];
    return [`${name} ${r.version ?? ''}`.trim(), f(r.readyMs), f(r.restartMs), f(r.pssAnonKiB / 1024, 2), f(r.rssKiB / 1024, 2),
      f(r.wakeupsPerSecond, 2), f(r.zombies), f(r.stopMs), r.exitCodes.join(', ')];
  });
  return table(['', 'all ready ms', 'restart after crash ms', 'PID 1 Pss_Anon MiB', 'RSS MiB', 'wake-ups/s', 'zombies left',
    'stop ms', 'exit code on SIGTERM'], rows);
}
