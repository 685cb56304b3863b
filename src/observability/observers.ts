// The watchers the init reports to: the pids watch always (one file read per reap burst), the
// metrics endpoint when asked for.
import type { Native } from '../../native/api.js';
import { EXIT } from '../core/exit-code.js';
import type { Config } from '../launch/options.js';
import { findPidsCounter } from './cgroup.js';
import type { Log } from './log.js';
import type { MetricsExtension } from './metrics.js';
import { type Observer, combineObservers } from './observer.js';
import type { OomKills } from './oom-kills.js';
import { PidsWatch } from './pids-watch.js';

/** The pids watch always (it costs one file read per reap burst); metrics when asked for. */
export async function startObservers(native: Native, config: Config, log: Log, oomKills: OomKills,
  fail: (code: number, message: string) => never, extend?: MetricsExtension): Promise<Observer> {
  const pids = findPidsCounter();
  const memory = oomKills.cgroup;
  const watch = pids && pids.max !== null ? new PidsWatch(pids, log) : null;
  const observers: Array<Partial<Observer>> = [];
  if (watch) observers.push({ processesChanged: () => watch.check() });
  if (config.metrics) {
    const { startMetrics } = await import('./metrics.js');
    try {
      const endpoint = await startMetrics(config.metrics, native.getpid(), pids, extend, { memory, oomKills }, log);
      log.info(`serving metrics at http://${endpoint.address}/metrics`, { event: 'metrics', address: endpoint.address });
      observers.push(endpoint);
    } catch (error) {
      const { host, port } = config.metrics;
      fail(EXIT.INTERNAL, `cannot serve metrics on ${host}:${port} (${(error as NodeJS.ErrnoException).code ?? error}); `
        + 'pick another --metrics port or leave it off');
    }
  }
  return combineObservers(observers);
}
