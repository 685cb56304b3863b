// Issue 12, items 4 and 5: the exit codes a script around an init may test, under tini, dumb-init
// and procinit, as the README's migration sections list them. procinit's differ on purpose in one
// place: bad usage is 2 (tini and dumb-init exit 1, which a child's own exit 1 cannot be told from).
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { start, tempDir } from '../helpers/procs.js';
import { CASES_WITH_DUMB_INIT, canRun, initCommand } from '../helpers/inits.js';

/** [what, options, command, exit code under procinit, tini, dumb-init] */
const ROWS: [string, string[], (dir: string) => string[], number, number, number][] = [
  ['an unknown option', ['-x'], () => ['true'], 2, 1, 1],
  ['no command', [], () => [], 2, 1, 1],
  ['a command that does not exist', [], (dir) => [join(dir, 'missing')], 127, 127, 2],
  ['a command that is not executable', [], (dir) => {
    const file = join(dir, 'not-executable');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    return [file];
  }, 126, 126, 2],
  ['a child that exits 1', [], () => ['sh', '-c', 'exit 1'], 1, 1, 1],
];

describe.each(CASES_WITH_DUMB_INIT)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode)).each(ROWS)('%s', async (_what, options, command, procinit, tini, dumbInit) => {
    const expected = init.name === 'tini' ? tini : init.name === 'dumb-init' ? dumbInit : procinit;
    const result = await start(initCommand(init, mode, options, command(tempDir()))).done;
    expect(result.code, result.stderr).toBe(expected);
  });
});
