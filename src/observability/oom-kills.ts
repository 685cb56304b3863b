// Telling the kernel's OOM killer from any other SIGKILL. The kernel says neither who sent a
// SIGKILL nor whom its OOM killer took, but it counts the OOM killer's kills per memory cgroup. So
// the counter is read when the first child is spawned (the baseline) and again whenever a process
// procinit reaps died of SIGKILL: if it rose since the last look, that process was the OOM
// killer's. The one case read wrong: a process the app reaps itself (a worker) is OOM-killed, and
// later the app is SIGKILLed by someone else (`kill -9` inside the container); procinit's own
// SIGKILLs (--stop-timeout, --stop-deadline, the drain) look at the counter first.
import type { ExitStatus } from '../../native/api.js';
import type { MemoryCgroup } from './memory-cgroup.js';

const SIGKILL = 9;

export interface OomFinding {
  /** OOM kills since the last look: 1, unless others went unseen (a worker the app reaped). */
  kills: number;
  limitBytes: number | null;
  peakBytes: number | null;
}

export class OomKills {
  private readonly atStart: number | null;
  private seen: number | null;

  constructor(readonly cgroup: MemoryCgroup | null) {
    this.atStart = cgroup?.oomKills() ?? null;
    this.seen = this.atStart;
  }

  get hasCgroup(): boolean {
    return this.atStart !== null;
  }

  /** Called just before procinit SIGKILLs something itself, so that kill is not taken for the kernel's. */
  lookNow(): void {
    if (this.cgroup) this.seen = this.cgroup.oomKills() ?? this.seen;
  }

  /** For a process reaped with `status`: what the OOM killer did, or null when it was not the one. */
  check(status: ExitStatus): OomFinding | null {
    if (!this.cgroup || this.seen === null || !('signaled' in status) || status.signaled !== SIGKILL) return null;
    const now = this.cgroup.oomKills();
    if (now === null || now <= this.seen) return null;
    const kills = now - this.seen;
    this.seen = now;
    return { kills, limitBytes: this.cgroup.limit(), peakBytes: this.cgroup.peak() };
  }

  /** The OOM killer's kills in the cgroup since procinit started, for the metrics; null without a cgroup. */
  sinceStart(): number | null {
    if (!this.cgroup || this.atStart === null) return null;
    const now = this.cgroup.oomKills();
    return now === null ? null : Math.max(0, now - this.atStart);
  }
}

/** 128 MiB, 127.9 MiB, 1.5 GiB: as `docker stats` and people write them. */
export function formatBytes(bytes: number): string {
  const [value, unit] = bytes >= 1024 ** 3 ? [bytes / 1024 ** 3, 'GiB'] : [bytes / 1024 ** 2, 'MiB'];
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} ${unit}`;
}

/**
 * "killed by the kernel's OOM killer at the container's 128 MiB limit, peak 127.9 MiB: raise
 * --memory / resources.limits.memory, or lower the app's heap"
 */
export function describeOomKill(finding: OomFinding): string {
  const peak = finding.peakBytes === null ? '' : `, peak ${formatBytes(finding.peakBytes)}`;
  if (finding.limitBytes === null) {
    return `killed by the kernel's OOM killer with no memory limit on the container${peak}: the machine, or a limit above `
      + 'the container\'s (the pod\'s), ran out; set --memory / resources.limits.memory to hold the app to its share, or lower the app\'s heap';
  }
  return `killed by the kernel's OOM killer at the container's ${formatBytes(finding.limitBytes)} limit${peak}: `
    + 'raise --memory / resources.limits.memory, or lower the app\'s heap';
}

/** The fields an event carries for it. */
export function oomFields(finding: OomFinding): Record<string, unknown> {
  return { reason: 'oom-killed', memoryLimitBytes: finding.limitBytes, memoryPeakBytes: finding.peakBytes, oomKills: finding.kills };
}
