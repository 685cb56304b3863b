// npm run bench, phase "metrics": `procinit --metrics 127.0.0.1:PORT` under a hostile client,
// beside tini (which has no endpoint: its numbers are the same machine's, under the same load).
//
// Both run as PID 1 of a fresh PID namespace, each with the bench's C receiver as child. In order:
// tasks, memory and wake-ups idle; SIGUSR1 round trips (as the idle phase measures them); one
// normal scrape and the tasks after it; a flood of BENCH_FLOOD_REQUESTS (100,000) pipelined
// `GET /metrics` by the flood helper (BENCH_FLOOD_CONNECTIONS connections at a time, nothing ever
// read, each reopened when procinit closes it; 1,000 requests a connection, 35 KB, so that procinit
// reads every one of them: it reads up to 64 KiB of a connection, and the kernel would otherwise
// hold most of them unread), then memory again; then the flood without end and without a limit a
// connection, while the round trips are measured again and a normal scrape is timed; memory and
// tasks at the end. What procinit read is its rchar (/proc/<pid>/io).
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Whether something listens on 127.0.0.1:port, from /proc/net/tcp (no connection made). */
function listening(port, readProc) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return (readProc('/proc/net/tcp') ?? '').split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    return f[1]?.endsWith(hex) && f[3] === '0A';
  });
}

function scrape(port, timeoutMs) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', timeout: timeoutMs }, (res) => {
      let bytes = 0;
      res.on('data', (d) => { bytes += d.length; });
      res.on('end', () => resolve({ status: res.statusCode, bytes, ms: performance.now() - t0 }));
      res.on('error', (e) => resolve({ error: e.message, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ error: e.message, ms: performance.now() - t0 }));
    req.end();
  });
}

/** Bytes the process has read (read and recv calls: its sockets, /proc). */
function bytesRead(pid, readProc) {
  return Number(/^rchar:\s+(\d+)/m.exec(readProc(`/proc/${pid}/io`) ?? '')?.[1] ?? NaN);
}

const REQUEST_BYTES = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.length;

function startFlood(helpers, port, conns, requests, perConnection = 0) {
  const proc = spawn(helpers.cmd[0], [...helpers.cmd.slice(1), 'flood', String(port), String(conns), String(requests), String(perConnection)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise((resolve) => proc.on('close', (code) => {
    const [sent, opened, ns] = stdout.trim().split(' ').map(Number);
    resolve(code === 0 && Number.isFinite(sent)
      ? { requests: sent, connections: opened, seconds: ns / 1e9, perSecond: Math.round(sent / (ns / 1e9)) }
      : { error: `flood exited ${code}: ${stderr.trim()}` });
  }));
  return { proc, done };
}

/** SIGUSR1 to each init in turn, each acknowledged by its receiver before the next (1-3 ms apart). */
async function roundTrips(running, count, tools) {
  const lat = Object.fromEntries(running.map((r) => [r.name, []]));
  const lost = Object.fromEntries(running.map((r) => [r.name, 0]));
  for (let i = 0; i < count; i++) {
    for (const r of tools.shuffle(running)) {
      if (lost[r.name] >= 5) continue;
      const sent = process.hrtime.bigint();
      process.kill(r.pid, 'SIGUSR1');
      try {
        lat[r.name].push(Number(BigInt(await r.reader.next(2000)) - sent) / 1e6);
      } catch {
        lost[r.name]++;
      }
      await delay(1 + Math.random() * 2);
    }
  }
  const q = tools.quantile;
  return Object.fromEntries(running.map((r) => [r.name, { count: lat[r.name].length, lost: lost[r.name],
    p50Ms: q(lat[r.name], 0.5), p90Ms: q(lat[r.name], 0.9), p99Ms: q(lat[r.name], 0.99),
    maxMs: lat[r.name].length ? Math.max(...lat[r.name]) : null }]));
}

function snapshot(pid, tools) {
  const status = tools.readProc(`/proc/${pid}/status`);
  const m = tools.memoryOf(pid);
  return { alive: status !== null, tasks: tools.tasksOf(pid).length, pssAnonKiB: m.pssAnonKiB, rssKiB: m.rssKiB,
    rssHighWaterKiB: Number(/^VmHWM:\s+(\d+)/m.exec(status ?? '')?.[1] ?? NaN) };
}

/**
 * ctx: { procinitInit, tini (run.mjs's init definitions; tini null if not installed), helpers, ns,
 * tmp, log, cfg: { signals, requests, connections, idleSeconds, settleMs }, tools (run.mjs's) }.
 */
export async function benchMetrics(ctx) {
  const { tools, cfg } = ctx;
  if (!ctx.helpers.cmd || ctx.helpers.kind === 'none') return { skipped: 'no helpers (gcc or python3) for the receiver and the flood' };
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const p = ctx.procinitInit;
  const procinit = { ...p, pid1: [p.path, '--metrics', address, '--'], plain: [p.path, '--metrics', address, '--'] };
  const mode = ctx.ns ? 'pid1' : 'plain';
  const out = { mode, address, config: cfg, procinit: {}, tini: ctx.tini ? {} : { installed: false } };
  const running = [];
  const floods = [];
  try {
    for (const init of [procinit, ctx.tini].filter(Boolean)) {
      const fifo = join(ctx.tmp, `metrics-recv-${init.name}`);
      const reader = tools.lineReader(tools.openFifo(fifo));
      const started = await tools.startInit(init, mode, [...ctx.helpers.cmd, 'receiver', fifo], { ns: ctx.ns });
      running.push({ name: init.name, ...started, reader });
      const first = await reader.next(15000);
      if (first !== 'ready') throw new Error(`${init.name}: receiver said ${first}`);
    }
    await tools.until(`procinit's metrics endpoint on ${address}`, () => listening(port, tools.readProc), 15000);
    const pi = running[0];
    const ti = running[1];
    const both = (fn) => Object.fromEntries(running.map((r) => [r.name, fn(r)]));
    await delay(cfg.settleMs);

    const before = both((r) => ({ ...snapshot(r.pid, tools), switches: tools.contextSwitches(r.pid).total }));
    await delay(cfg.idleSeconds * 1000);
    for (const r of running) {
      before[r.name].wakeupsPerSecondIdle = (tools.contextSwitches(r.pid).total - before[r.name].switches) / cfg.idleSeconds;
    }
    const quiet = await roundTrips(running, cfg.signals, tools);

    const firstScrape = await scrape(port, 10000);
    await delay(200);
    const afterScrape = both((r) => snapshot(r.pid, tools));

    ctx.log(`metrics: ${cfg.requests} pipelined requests, ${cfg.connections} connections at a time`);
    const read0 = bytesRead(pi.pid, tools.readProc);
    const counted = startFlood(ctx.helpers, port, cfg.connections, cfg.requests, cfg.perConnection);
    floods.push(counted.proc);
    const countedResult = await Promise.race([counted.done, delay(180000, null, { ref: false }).then(() => ({ error: 'not done within 180 s' }))]);
    await delay(cfg.settleMs);
    countedResult.readByProcinitBytes = bytesRead(pi.pid, tools.readProc) - read0;
    countedResult.readByProcinitRequests = Math.round(countedResult.readByProcinitBytes / REQUEST_BYTES);
    const afterRequests = both((r) => snapshot(r.pid, tools));

    ctx.log('metrics: round trips and a scrape during an endless flood');
    const read1 = bytesRead(pi.pid, tools.readProc);
    const endless = startFlood(ctx.helpers, port, cfg.connections, 0);
    floods.push(endless.proc);
    await delay(300);
    const cpu0 = both((r) => tools.cpuMsOf(r.pid));
    const t0 = performance.now();
    const flooded = await roundTrips(running, cfg.signals, tools);
    const floodScrape = await scrape(port, 20000);
    const floodCpu = both((r) => (tools.cpuMsOf(r.pid) - cpu0[r.name]) / ((performance.now() - t0) / 1000));
    endless.proc.kill('SIGTERM');
    const endlessResult = await Promise.race([endless.done, delay(5000, null, { ref: false }).then(() => ({ error: 'flood did not stop' }))]);
    endlessResult.readByProcinitBytes = bytesRead(pi.pid, tools.readProc) - read1;
    await delay(cfg.settleMs);
    const end = both((r) => snapshot(r.pid, tools));

    for (const r of running) {
      out[r.name] = {
        idle: before[r.name], afterScrape: afterScrape[r.name], afterRequests: afterRequests[r.name], end: end[r.name],
        cpuMsPerSecondInFlood: floodCpu[r.name],
        forwarding: { quiet: quiet[r.name], flood: flooded[r.name],
          floodRatio: quiet[r.name].p50Ms && flooded[r.name].p50Ms ? flooded[r.name].p50Ms / quiet[r.name].p50Ms : null },
      };
    }
    Object.assign(out.procinit, { scrape: firstScrape, scrapeDuringFlood: floodScrape,
      pssAnonGrowthKiB: afterRequests[pi.name].pssAnonKiB - before[pi.name].pssAnonKiB });
    out.flood = { counted: countedResult, endless: endlessResult };
    if (!ti) out.tini = { installed: false };
  } finally {
    for (const f of floods) if (f.exitCode === null) f.kill('SIGKILL');
    for (const r of running) {
      r.reader.close();
      await tools.stopInit(r);
    }
  }
  return out;
}

const f2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(2));
const f3 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(3));
const mib = (k) => (k === null || k === undefined || Number.isNaN(k) ? '-' : (k / 1024).toFixed(2));

export function metricsTable(res, table) {
  if (!res?.procinit?.forwarding) return res?.skipped ?? res?.error ?? '-';
  const rows = ['procinit', 'tini'].filter((n) => res[n]?.forwarding).map((n) => {
    const r = res[n];
    const fw = r.forwarding;
    return [n === 'procinit' ? `procinit --metrics` : n, r.idle.tasks, r.afterScrape.tasks, r.end.tasks,
      f3(fw.quiet.p50Ms), f3(fw.quiet.p99Ms), f3(fw.flood.p50Ms), f3(fw.flood.p99Ms), fw.floodRatio ? `${fw.floodRatio.toFixed(2)}x` : '-',
      `${((r.cpuMsPerSecondInFlood ?? NaN) / 10).toFixed(0)}%`,
      `${mib(r.idle.pssAnonKiB)} / ${mib(r.idle.rssKiB)}`, `${mib(r.afterRequests.pssAnonKiB)} / ${mib(r.afterRequests.rssKiB)}`,
      `${mib(r.end.pssAnonKiB)} / ${mib(r.end.rssKiB)}`, f2(r.idle.wakeupsPerSecondIdle)];
  });
  return table(['', 'tasks idle', 'after scrape', 'at end', 'fwd p50 ms', 'p99 ms', 'fwd p50 in flood', 'p99 ms', 'x quiet', 'CPU in flood',
    'Pss_Anon / RSS MiB idle', `after ${res.config.requests} requests`, 'at end', 'wake-ups/s idle'], rows);
}

export function metricsTargets(res) {
  const p = res?.procinit;
  if (!p?.forwarding) return [];
  const t = [];
  t.push({ what: 'forwarding during a metrics flood (p99)', target: '< 1 ms',
    measured: `${f3(p.forwarding.flood.p99Ms)} ms (p50 ${f3(p.forwarding.flood.p50Ms)} ms; quiet p50 ${f3(p.forwarding.quiet.p50Ms)} ms)`,
    met: p.forwarding.flood.p99Ms !== null && p.forwarding.flood.p99Ms < 1 && p.forwarding.flood.lost === 0 });
  t.push({ what: `Pss_Anon after ${res.config.requests} pipelined requests, ${res.flood?.counted?.readByProcinitRequests ?? '-'} of them read by procinit `
    + '(flat: growth at most 1 MiB)', target: '<= +1024 KiB',
    measured: `${p.pssAnonGrowthKiB >= 0 ? '+' : ''}${p.pssAnonGrowthKiB} KiB (${mib(p.idle.pssAnonKiB)} -> ${mib(p.afterRequests.pssAnonKiB)} MiB; `
      + `${mib(p.end.pssAnonKiB)} MiB after the endless flood too)`, met: p.pssAnonGrowthKiB <= 1024 });
  t.push({ what: 'no task made by a scrape', target: 'tasks after = before',
    measured: `${p.idle.tasks} -> ${p.afterScrape.tasks} (${p.end.tasks} at the end)`, met: p.afterScrape.tasks <= p.idle.tasks && p.end.tasks <= p.idle.tasks });
  return t;
}
