// npm run bench, phase "lines", part "signals handled": from the exec of an init as PID 1 of a
// fresh PID namespace until a SIGTERM sent to it would no longer be dropped by the kernel, and the
// unsafe windows in between. The helpers' `gate` becomes PID 1 and waits; `sigready`, outside the
// namespace, opens /proc/<pid>/status, releases it and reads the status from before the exec on
// (helpers.c says how a state is judged).
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** The init's child in every trial; sigready waits for it by name. */
export const TERM_CHILD = ['/bin/sleep', '100000'];

/** One exec of `initArgv` as PID 1 of a fresh namespace, watched by sigready from before the exec. */
async function signalsHandledOnce(initArgv, env, ctx, n) {
  const { childrenOf, until } = ctx.tools;
  const gate = join(ctx.tmp, `gate-${n}`);
  rmSync(gate, { force: true });
  spawnSync('mkfifo', [gate]);
  const proc = spawn(ctx.ns[0], [...ctx.ns.slice(1), ...ctx.helpers.cmd, 'gate', gate, ...initArgv, ...TERM_CHILD],
    { stdio: 'ignore', env });
  proc.on('error', () => {});
  const exited = new Promise((r) => proc.once('exit', r));
  let pid;
  try {
    pid = await until('the namespace\'s PID 1', () => childrenOf(proc.pid)[0], 10000, 2);
    const r = spawnSync(ctx.helpers.cmd[0], [...ctx.helpers.cmd.slice(1), 'sigready', String(pid), gate,
      String(ctx.cfg.readySettleMs), TERM_CHILD[0].split('/').pop(), String(ctx.cfg.pollPauseNs)],
    { encoding: 'utf8', timeout: 40000 });
    if (r.status !== 0) throw new Error(`sigready: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
    const kv = Object.fromEntries(r.stdout.trim().split(' ').map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
    const events = kv.events ? kv.events.split(',').map((e) => {
      const [t, state, name] = e.split(':');
      return { ms: Number(t) / 1e6, state, name };
    }) : [];
    return { safeMs: Number(kv.safe_ns) < 0 ? null : Number(kv.safe_ns) / 1e6, unsafeMs: Number(kv.unsafe_ns) / 1e6,
      edgesMs: Number(kv.edges_ns) / 1e6, childMs: Number(kv.child_ns) / 1e6, polls: Number(kv.polls),
      maxGapMs: Number(kv.max_gap_ns) / 1e6, realtime: kv.rt === '1', events, windows: unsafeWindows(events, Number(kv.child_ns) / 1e6) };
  } finally {
    try { if (pid) process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    try { proc.kill('SIGKILL'); } catch { /* gone */ }
    await Promise.race([exited, delay(5000, null, { ref: false })]);
    rmSync(gate, { force: true });
  }
}

/** The spans in which a SIGTERM would be dropped, each named by the program that ran at its start. */
function unsafeWindows(events, endMs) {
  const windows = [];
  let open = null;
  for (const e of events) {
    if (e.state === 'dropped' && !open) open = { fromMs: e.ms, program: e.name };
    else if (e.state !== 'dropped' && open) {
      windows.push({ ...open, ms: e.ms - open.fromMs });
      open = null;
    }
  }
  if (open) windows.push({ ...open, ms: endMs - open.fromMs, open: true });
  return windows;
}

/**
 * Trials of procinit on each line (`lines`: { line, env }) and of tini, interleaved.
 * ctx: { procinit, tini, helpers, ns, tmp, log, cfg: { readyTrials, readySettleMs, pollPauseNs }, tools }.
 */
export async function signalsHandled(lines, ctx) {
  const { quantile, shuffle } = ctx.tools;
  const subjects = [
    ...lines.map((l) => ({ key: String(l.line), argv: [ctx.procinit, '--'], env: l.env })),
    ...(ctx.tini ? [{ key: 'tini', argv: [ctx.tini.path, '--'], env: process.env }] : []),
  ];
  const trials = Object.fromEntries(subjects.map((s) => [s.key, []]));
  const errors = Object.fromEntries(subjects.map((s) => [s.key, []]));
  let n = 0;
  for (let t = 0; t < ctx.cfg.readyTrials; t++) {
    for (const s of shuffle(subjects)) {
      try {
        trials[s.key].push(await signalsHandledOnce(s.argv, s.env, ctx, n++));
      } catch (error) {
        errors[s.key].push(error.message);
        ctx.log(`signals handled, ${s.key}: ${error.message}`);
      }
    }
    if ((t + 1) % 10 === 0) ctx.log(`lines: signals handled, trial ${t + 1}/${ctx.cfg.readyTrials}`);
  }
  const summary = (list) => {
    const pick = (f) => list.map(f).filter((x) => x !== null && Number.isFinite(x));
    // The windows by the program they fell in (the sh launcher before its trap, node before its handler).
    const byProgram = {};
    for (const trial of list) {
      const sums = {};
      for (const w of trial.windows) sums[w.program] = (sums[w.program] ?? 0) + w.ms;
      for (const [program, ms] of Object.entries(sums)) (byProgram[program] ??= []).push(ms);
    }
    const median = list.length ? [...list].sort((a, b) => (a.safeMs ?? Infinity) - (b.safeMs ?? Infinity))[Math.floor((list.length - 1) / 2)] : null;
    return {
      trials: list.length, neverSafe: list.filter((x) => x.safeMs === null).length,
      safeP50Ms: quantile(pick((x) => x.safeMs), 0.5), safeP90Ms: quantile(pick((x) => x.safeMs), 0.9),
      unsafeP50Ms: quantile(pick((x) => x.unsafeMs), 0.5), unsafeP90Ms: quantile(pick((x) => x.unsafeMs), 0.9),
      unsafeByProgramP50Ms: Object.fromEntries(Object.entries(byProgram).map(([p, v]) => [p, quantile(v, 0.5)])),
      edgeUncertaintyP50Ms: quantile(pick((x) => x.edgesMs), 0.5), pollGapP50Ms: quantile(pick((x) => x.maxGapMs), 0.5),
      pollGapMaxMs: list.length ? Math.max(...pick((x) => x.maxGapMs)) : null, realtime: list.every((x) => x.realtime),
      medianTrialEvents: median?.events ?? null,
    };
  };
  return Object.fromEntries(subjects.map((s) => [s.key, { ...summary(trials[s.key]), errors: errors[s.key],
    samples: trials[s.key].map((x) => ({ safeMs: x.safeMs, unsafeMs: x.unsafeMs, maxGapMs: x.maxGapMs })) }]));
}

const f2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(2));

/** One row per line and one for tini. */
export function signalsHandledTable(sh, versions, table) {
  if (!sh || sh.skipped) return sh?.skipped ?? '-';
  const sRows = Object.entries(sh).map(([key, v]) => {
    const by = v.unsafeByProgramP50Ms ?? {};
    const parts = Object.entries(by).map(([p, ms]) => `${p === 'procinit' ? 'sh' : p} ${f2(ms)}`).join(', ');
    return [key === 'tini' ? 'tini' : `procinit, Node ${versions[key]}`, f2(v.safeP50Ms), f2(v.safeP90Ms), f2(v.unsafeP50Ms),
      f2(v.unsafeP90Ms), parts || '-', `${v.trials}${v.neverSafe ? ` (${v.neverSafe} never safe)` : ''}`, f2(v.pollGapP50Ms)];
  });
  return table(['', 'handled from p50 ms', 'p90 ms', 'unsafe p50 ms', 'p90 ms', 'unsafe by program p50 ms', 'trials',
    'poll gap p50 ms'], sRows);
}
