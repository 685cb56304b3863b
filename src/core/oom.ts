// Making the kernel's OOM killer take a worker, not PID 1 (whose death takes the container with it).
// Without CAP_SYS_RESOURCE (Docker drops it) a process cannot lower its own oom_score_adj, but it
// may raise another's that it owns. So each child starts 100 above procinit, as systemd starts a
// user's services above their manager, and never past the next QoS class's bound that Kubernetes
// sets: Guaranteed pods are at -997, Burstable ones 2 to 999, BestEffort 1000. procinit also drops
// its binary's clean pages from its resident set once started (native/memory.ts).
import { readFileSync, writeFileSync } from 'node:fs';

export const CHILD_OOM_SCORE_RAISE = 100;

/**
 * The child's oom_score_adj for procinit's own: 100 more, kept below 1000 (BestEffort's) unless
 * procinit is at it already. Guaranteed's -997 raised stays far below Burstable's least, 2.
 */
export function childOomScoreAdj(own: number): number {
  return own >= 1000 ? 1000 : Math.min(own + CHILD_OOM_SCORE_RAISE, 999);
}

function readScore(pid: number | 'self'): number | null {
  try {
    const value = Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim());
    return Number.isInteger(value) ? value : null;
  } catch {
    return null;
  }
}

/** Raises a new child's oom_score_adj; returns the value set, or null where /proc refuses. */
export function raiseChildOomScore(pid: number): number | null {
  const own = readScore('self');
  if (own === null) return null;
  const wanted = childOomScoreAdj(own);
  if (wanted === own) return own;
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(wanted));
    return wanted;
  } catch {
    return null;
  }
}
