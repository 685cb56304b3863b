// Which Node line this run is on. .ci/run names the line it means (CI_NODE_VERSION, not a
// PROCINIT_ name: tests check that no PROCINIT_ variable reaches an app) for each
// run: the whole suite on 24, unit and integration tests on 20, 22 and 26. A run that silently fell
// back to the machine's own Node (20 here) would otherwise pass as a run on another line.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const expected = process.env.CI_NODE_VERSION;

describe('the Node line of this run', () => {
  it.skipIf(!expected && process.env.CI !== 'true')('is the one .ci/run asked for, for vitest and for the node procinit finds on PATH', () => {
    expect(expected, 'CI=true: .ci/run sets CI_NODE_VERSION for each run').toMatch(/^v\d+\.\d+\.\d+$/);
    expect(process.version).toBe(expected);
    // bin/procinit runs the first `node` on PATH: the one every integration test starts.
    expect(execFileSync('node', ['--version'], { encoding: 'utf8' }).trim()).toBe(expected);
  });
});
