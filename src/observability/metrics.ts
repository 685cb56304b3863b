// The Prometheus endpoint (`--metrics`). prom-client and node:net are loaded only when asked for:
// without the option procinit opens no socket at all. Process counts are read from /proc at scrape
// time with synchronous reads: Node's asynchronous fs runs on libuv's thread pool, whose threads
// count against the pids limit, and libuv aborts the whole process when it cannot create one.
import { createRequire } from 'node:module';
import type { PidsCounter } from './cgroup.js';
import type { MemoryCgroup } from './memory-cgroup.js';
import type { OomKills } from './oom-kills.js';
import type { ListenAddress } from './metrics-address.js';
import { type MetricsNotices, serveMetrics } from './metrics-server.js';
import type { Observer } from './observer.js';
import { type ProcessInfo, descendantsOf, listProcesses } from '../core/proc.js';

/** Everything in the namespace as its init; procinit and its descendants as a subreaper. */
function processesInScope(selfPid: number): ProcessInfo[] {
  let all: ProcessInfo[];
  try {
    all = listProcesses();
  } catch {
    return []; // no /proc, or no descriptor left to read it
  }
  if (selfPid === 1) return all;
  return [...all.filter((p) => p.pid === selfPid), ...descendantsOf(selfPid, all)];
}

export interface MetricsEndpoint extends Observer {
  address: string;
  close(): void;
}

/** More series from a feature that is itself loaded only when used (a config's services). */
export type MetricsExtension = (client: typeof import('prom-client'), registry: import('prom-client').Registry) => void;

/** The memory cgroup's series, when there is one. */
export interface MemorySeries { memory: MemoryCgroup | null; oomKills: OomKills }

export async function startMetrics(listen: ListenAddress, selfPid: number, pids: PidsCounter | null,
  extend?: MetricsExtension, memorySeries?: MemorySeries, notices?: MetricsNotices): Promise<MetricsEndpoint> {
  const require = createRequire(__filename);
  const client = require('prom-client') as typeof import('prom-client');
  const registry = new client.Registry();
  const registers = [registry];

  const childUp = new client.Gauge({ name: 'procinit_child_up', help: '1 while the main child runs', registers });
  const reaped = new client.Counter({ name: 'procinit_reaped_total', help: 'processes reaped', labelNames: ['role'], registers });
  const forwarded = new client.Counter({ name: 'procinit_signals_forwarded_total', help: 'signals forwarded to the child', labelNames: ['signal'], registers });
  let scope: ProcessInfo[] | null = null;
  // One /proc read per scrape serves both gauges.
  const inScope = () => {
    if (!scope) {
      scope = processesInScope(selfPid);
      setImmediate(() => { scope = null; });
    }
    return scope;
  };
  new client.Gauge({ name: 'procinit_processes', help: 'live processes in the namespace (as PID 1) or in procinit\'s tree', registers,
    collect() { this.set(inScope().filter((p) => p.state !== 'Z').length); } });
  new client.Gauge({ name: 'procinit_zombies', help: 'zombie processes not yet reaped', registers,
    collect() { this.set(inScope().filter((p) => p.state === 'Z').length); } });
  if (pids) {
    new client.Gauge({ name: 'procinit_pids_current', help: 'tasks in the pids cgroup', registers,
      collect() { const n = pids.current(); if (n !== null) this.set(n); } });
    if (pids.max !== null) {
      const limit = pids.max;
      new client.Gauge({ name: 'procinit_pids_max', help: 'the pids cgroup limit', registers, collect() { this.set(limit); } });
    }
  }
  const memory = memorySeries?.memory;
  const oomKills = memorySeries?.oomKills;
  if (memory && oomKills) {
    // Read at scrape time, like the pids series: nothing between scrapes.
    new client.Counter({ name: 'procinit_oom_kills_total', help: "processes the kernel's OOM killer killed in the memory cgroup since procinit started", registers,
      collect() { const n = oomKills.sinceStart(); if (n !== null) { this.reset(); this.inc(n); } } });
    new client.Gauge({ name: 'procinit_memory_usage_bytes', help: 'memory in use in the memory cgroup', registers,
      collect() { const n = memory.usage(); if (n !== null) this.set(n); } });
    new client.Gauge({ name: 'procinit_memory_peak_bytes', help: 'the highest memory use the memory cgroup recorded', registers,
      collect() { const n = memory.peak(); if (n !== null) this.set(n); } });
    if (memory.limit() !== null) {
      new client.Gauge({ name: 'procinit_memory_limit_bytes', help: 'the memory cgroup limit', registers,
        collect() { const n = memory.limit(); if (n !== null) this.set(n); } });
    }
  }
  reaped.inc({ role: 'main' }, 0);
  reaped.inc({ role: 'orphan' }, 0);
  childUp.set(1);
  extend?.(client, registry);

  const server = await serveMetrics(listen, () => registry.metrics(), registry.contentType, notices);
  return {
    address: server.address,
    close: server.close,
    forwarded: (signal) => forwarded.inc({ signal }),
    reaped: (role) => reaped.inc({ role }),
    processesChanged: () => {},
    childGone: () => childUp.set(0),
  };
}
