// Warns when the container nears its pids limit, the moment fork() would start failing. Checked
// when processes are spawned or reaped (one small file read), never by a timer.
import type { Log } from './log.js';
import type { PidsCounter } from './cgroup.js';
import { listProcesses } from '../core/proc.js';

export const PIDS_WARN_RATIO = 0.8;
/** Back below only under 70%: a fork bomb at the limit would cross 80% both ways many times a second. */
export const PIDS_CLEAR_RATIO = 0.7;
/** At most one rise over 80% logged in this long; the crossings meanwhile are counted into the next line. */
export const PIDS_QUIET_MS = 15_000;

/** The most common command names among live processes, most frequent first. */
export function commonNames(names: string[], top = 3): Array<{ command: string; count: number }> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, top).map(([command, count]) => ({ command, count }));
}

export class PidsWatch {
  private isAbove = false;
  private lastWarnedAt = -Infinity;
  /** Whether the current time above was announced, so its end is announced too. */
  private announced = false;
  /** Crossings not logged since the last line, because they came within PIDS_QUIET_MS of it. */
  private unlogged = 0;

  constructor(private readonly counter: PidsCounter, private readonly log: Log,
    private readonly processNames: () => string[] = () => listProcesses().map((p) => p.name),
    private readonly now: () => number = () => performance.now()) {}

  /** A line for each rise over 80% at most once in PIDS_QUIET_MS, and one for the end of each. */
  check(): void {
    const { max } = this.counter;
    if (max === null) return;
    const current = this.counter.current();
    if (current === null) return;
    const isAbove = this.isAbove ? current >= max * PIDS_CLEAR_RATIO : current >= max * PIDS_WARN_RATIO;
    if (isAbove === this.isAbove) return;
    this.isAbove = isAbove;
    const loud = isAbove ? this.now() - this.lastWarnedAt >= PIDS_QUIET_MS : this.announced;
    if (!loud) {
      this.unlogged++;
      return;
    }
    const more = this.unlogged > 0 ? { crossingsNotLogged: this.unlogged } : {};
    this.unlogged = 0;
    this.announced = isAbove;
    if (isAbove) {
      this.lastWarnedAt = this.now();
      // Only here is all of /proc read, for the names: at most once in PIDS_QUIET_MS.
      this.log.warn(`${current} of ${max} pids in use (>= ${PIDS_WARN_RATIO * 100}%): forks will fail at the limit`, {
        event: 'pids', current, max, top: commonNames(this.processNames()), ...more,
      });
    } else {
      this.log.warn(`pids use is back below ${PIDS_CLEAR_RATIO * 100}% of the limit`, { event: 'pids', current, max, ...more });
    }
  }
}
