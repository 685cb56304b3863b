// Issue 2, exit codes: the child's code, 128+N for a death by signal N, 127/126 for a program
// that is missing or not executable. One body over procinit and tini, as PID 1 and as subreaper.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/procs.js';
import { CASES, canRun, launch } from '../helpers/inits.js';

const CODES = [0, 1, 2, 3, 42, 126, 127, 128, 200, 255];
const DEATHS = { KILL: 9, TERM: 15, SEGV: 11, INT: 2, USR1: 10 } as const;

describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode))('exits with the child\'s code, and 128+N when it dies of signal N', async () => {
    const exits = await Promise.all(CODES.map(async (code) => {
      const result = await launch(init, mode, [], ['sh', '-c', `exit ${code}`]).done;
      return [code, result.code, result.stdout + result.stderr] as const;
    }));
    expect(Object.fromEntries(exits.map(([code, got]) => [code, got])))
      .toEqual(Object.fromEntries(CODES.map((code) => [code, code])));
    // Nothing on stdout or stderr for a child that says nothing.
    expect(exits.map(([, , output]) => output).join('')).toBe('');

    const deaths = await Promise.all(Object.entries(DEATHS).map(async ([name, number]) => {
      const result = await launch(init, mode, [], ['sh', '-c', `kill -${name} $$; sleep 5`]).done;
      return [name, result.code, 128 + number] as const;
    }));
    expect(Object.fromEntries(deaths.map(([name, got]) => [name, got])))
      .toEqual(Object.fromEntries(deaths.map(([name, , want]) => [name, want])));
  });

  it.skipIf(!canRun(init, mode))('a missing program: 127 and one line on stderr naming it', async () => {
    for (const program of ['no-such-program-xyzzy', '/nonexistent/dir/prog-xyzzy']) {
      const result = await launch(init, mode, [], [program, 'arg']).done;
      expect(result.code).toBe(127);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(program);
    }
  });

  it.skipIf(!canRun(init, mode))('a file that is not executable: 126 and one line on stderr naming it', async () => {
    const file = join(tempDir(), 'not-executable');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    const result = await launch(init, mode, [], [file]).done;
    expect(result.code).toBe(126);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
  });
});
