// The child inherits procinit's stdout as procinit got it: blocking. Merely creating Node's
// process.stdout makes fd 1 O_NONBLOCK, and the child shares that open file description, so a
// Python or C child writing to a full pipe would fail with EAGAIN. pino read process.stdout.fd,
// and pino-pretty's stream plumbing compares with process.stdout: both did it as soon as -v
// logged a record. tini is the reference: it never touches the flag.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, PROCINIT, readIfExists, requireTools, run, tempDir } from '../helpers/procs.js';
import { PYTHON } from '../helpers/inits.js';

const REPORT = join(FIXTURES, 'report-stdio-flags.py');

describe('a child\'s stdout and stderr stay blocking', () => {
  const cases: Array<[string, string[]]> = [
    ['procinit', [PROCINIT, '--']],
    ['procinit -vv (JSON logs)', [PROCINIT, '-vv', '--']],
    ['procinit -vv --log-format pretty', [PROCINIT, '-vv', '--log-format', 'pretty', '--']],
    ['tini -s (the reference)', ['tini', '-s', '--']],
  ];
  it.each(cases)('under %s, with stdout a pipe', async (name, init) => {
    if (name.startsWith('tini') && !requireTools('tini')) return;
    const file = join(tempDir(), 'flags');
    // sh makes a real pipe (not Node's socketpair) of procinit's stdout, as Docker gives a FIFO.
    const result = await run(['sh', '-c', '"$@" | cat', 'sh', ...init, PYTHON, REPORT, file]);
    expect(result.code).toBe(0);
    expect(readIfExists(file)).toBe('1 blocking\n2 blocking\n');
  });
});
