// Warns when the container nears its pids limit, the moment fork() would start failing. Checked
// when processes are spawned or reaped (one small file read), never by a timer.
import type { Log } from './log.js';
import type { PidsCounter } from './cgroup.js';
import { listProcesses } from '../core/proc.js';

export const PIDS_WARN_RATIO = 0.8;

/** The most common command names among live processes, most frequent first. */
export function commonNames(names: string[], top = 3): Array<{ command: string; count: number }> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, top).map(([command, count]) => ({ command, count }));
}

export class PidsWatch {
  private isAbove = false;

  constructor(private readonly counter: PidsCounter, private readonly log: Log,
    private readonly processNames: () => string[] = () => listProcesses().map((p) => p.name)) {}

  check(): void {
    const { max } = this.counter;
    if (max === null) return;
    const current = this.counter.current();
    if (current === null) return;
    const isAbove = current >= max * PIDS_WARN_RATIO;
    if (isAbove === this.isAbove) return;
    this.isAbove = isAbove;
    if (isAbove) {
      this.log.warn(`${current} of ${max} pids in use (>= ${PIDS_WARN_RATIO * 100}%): forks will fail at the limit`, {
        event: 'pids', current, max, top: commonNames(this.processNames()),
      });
    } else {
      this.log.warn(`pids use is back below ${PIDS_WARN_RATIO * 100}% of the limit`, { event: 'pids', current, max });
    }
  }
}
