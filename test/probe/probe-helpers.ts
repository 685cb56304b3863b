// Shared by the probe's tests: run `procinit probe` for real (built bundle, real unshare, real
// namespaces) and read its report.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES, PROCINIT, isCI, requireTools, run, start } from '../helpers/procs.js';
import type { TrialResult } from '../../src/probe/types.js';

export const PROBE_FIXTURES = join(FIXTURES, 'probe');
export const fixture = (name: string) => join(PROBE_FIXTURES, name);

/**
 * Short waits keep the suite fast; --after is 1 s rather than less because on a loaded 2-core
 * machine a Node fixture can take several hundred ms to install its SIGTERM handler, and a
 * signal that comes first is not the behaviour under test.
 */
export const FAST = ['--after', '1s', '--timeout', '2s'];

export interface JsonReport {
  verdict: 'pass' | 'fail';
  reason: string;
  withoutInit: TrialResult;
  withProcinit: TrialResult;
  command: string[];
  signal: string;
  afterMs: number;
  timeoutMs: number;
  namespace: 'pid' | 'user+pid';
}

let usable: boolean | undefined;
/**
 * Whether this machine can make PID namespaces (as root, or in a user namespace). Under CI=true
 * it must; elsewhere the tests skip with the reason printed.
 */
export function canProbe(): boolean {
  if (usable !== undefined) return usable;
  if (!requireTools('unshare')) return (usable = false);
  const asRoot = process.geteuid?.() === 0
    && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  const asUser = asRoot || spawnSync('unshare', ['--user', '--map-root-user', '--pid', '--fork', '--mount-proc', 'true']).status === 0;
  if (asUser) return (usable = true);
  const why = 'unshare cannot make a PID namespace here (not root, no unprivileged user namespaces)';
  if (isCI) throw new Error(`CI=true and ${why}`);
  console.warn(`skipping: ${why}`);
  return (usable = false);
}

export async function probe(args: string[], env?: NodeJS.ProcessEnv) {
  return run([PROCINIT, 'probe', ...args], env ? { env } : {});
}

export async function probeJson(args: string[]): Promise<{ code: number; report: JsonReport; stderr: string; stdout: string }> {
  const result = await probe(['--json', ...args]);
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  if (lines.length !== 1) throw new Error(`expected one JSON line on stdout, got:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return { code: result.code, report: JSON.parse(lines[0]!) as JsonReport, stderr: result.stderr, stdout: result.stdout };
}

export { start };
