// Per-service Prometheus series, read from the state table at scrape time: nothing is counted
// on the reaping path, and prom-client is loaded only with --metrics.
import type { Registry } from 'prom-client';
import { type RestartReason, type ServiceRecord, type ServiceState, TRANSITIONS } from './states.js';

const STATES = Object.keys(TRANSITIONS) as ServiceState[];
const REASONS: RestartReason[] = ['exited', 'failed', 'signaled', 'ready-timeout', 'spawn-error'];

export function registerServiceMetrics(client: typeof import('prom-client'), registry: Registry, records: () => ServiceRecord[]): void {
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: import('prom-client').Gauge, r: ServiceRecord) => void) =>
    new client.Gauge({ name, help, labelNames, registers, collect() { this.reset(); for (const r of records()) fill(this, r); } });
  gauge('procinit_service_up', '1 while the service has a process', ['service'],
    (g, r) => g.set({ service: r.name }, r.pid !== null ? 1 : 0));
  gauge('procinit_service_ready', '1 while the service is up and ready (a oneshot: completed with success)', ['service'],
    (g, r) => g.set({ service: r.name }, (r.type === 'oneshot' ? r.completed : r.state === 'RUNNING') ? 1 : 0));
  gauge('procinit_service_last_exit_code', 'the last run\'s exit code (128+N after signal N)', ['service'],
    (g, r) => { if (r.lastExit) g.set({ service: r.name }, r.lastExit.code); });
  gauge('procinit_service_backoff_seconds', 'the delay before the pending (or the next) restart', ['service'],
    (g, r) => g.set({ service: r.name }, r.backoffMs / 1000));
  gauge('procinit_service_state', '1 for the state the service is in', ['service', 'state'],
    (g, r) => { for (const state of STATES) g.set({ service: r.name, state }, r.state === state ? 1 : 0); });
  new client.Counter({ name: 'procinit_service_restarts_total', help: 'restarts of the service, by why its run ended',
    labelNames: ['service', 'reason'], registers,
    collect() {
      this.reset();
      for (const r of records()) for (const reason of REASONS) this.inc({ service: r.name, reason }, r.restartsByReason[reason] ?? 0);
    } });
}
