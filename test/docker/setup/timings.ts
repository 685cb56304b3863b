// The stop times the tests measured (one JSON line each), as the table the README shows. Printed
// at the end of every run; with PROCINIT_DOCKER_RESULTS=<file> also written there as JSON.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface Timing {
  engine: 'docker' | 'podman';
  /** What stopped it, when not `<engine> stop`: `docker-compose stop`. */
  command?: string;
  /** What was stopped, as the README's row names it. */
  scenario: string;
  /** procinit, tini (`--init`), catatonit (`podman run --init`) or none. */
  init: string;
  /** From `docker stop` (or `podman stop`) being run to its return, in ms. */
  ms: number;
  exit: number;
  /** The stop timeout given (-t), in seconds. */
  timeout: number;
}

const COLUMNS = ['none', 'tini', 'catatonit', 'procinit'];
const HEADINGS: Record<string, string> = {
  none: 'no init', tini: '`--init` (tini)', catatonit: '`--init` (catatonit)', procinit: 'procinit',
};

function cell(t: Timing | undefined): string {
  if (!t) return '-';
  const time = t.ms >= 1000 ? `${(t.ms / 1000).toFixed(2)} s` : `${Math.round(t.ms)} ms`;
  return `${time}, exit ${t.exit}`;
}

export function timingTable(timings: Timing[]): string {
  const columns = COLUMNS.filter((c) => timings.some((t) => t.init === c));
  const rows = new Map<string, Map<string, Timing>>();
  for (const t of timings) {
    const command = t.command ?? `${t.engine} stop${t.timeout === 10 ? '' : ` -t ${t.timeout}`}`;
    const row = `${command}: ${t.scenario}`;
    if (!rows.has(row)) rows.set(row, new Map());
    rows.get(row)!.set(t.init, t);
  }
  const lines = [`| | ${columns.map((c) => HEADINGS[c]).join(' | ')} |`, `| --- |${columns.map(() => ' ---: |').join('')}`];
  for (const [row, byInit] of rows) lines.push(`| ${row} | ${columns.map((c) => cell(byInit.get(c))).join(' | ')} |`);
  return lines.join('\n');
}

export function printTimings(file: string): void {
  if (!existsSync(file)) return;
  const timings = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Timing);
  if (timings.length === 0) return;
  console.log(`\nMeasured stop times (this run):\n${timingTable(timings)}\n`);
  const out = process.env.PROCINIT_DOCKER_RESULTS;
  if (out) writeFileSync(out, `${JSON.stringify(timings, null, 2)}\n`);
}
