// `procinit probe` argument parsing, and the /proc parsing the probe's measurements rest on.
import { describe, expect, it } from 'vitest';
import { parseProbeCommandLine } from '../../src/probe/cli.js';
import { decodeWaitStatus, isEnding, parseStat } from '../../src/probe/procfs.js';
import { shellQuote } from '../../src/probe/report.js';

describe('parseProbeCommandLine', () => {
  it('has Docker-like defaults: SIGTERM after 2 s, 10 s before SIGKILL, a table', () => {
    expect(parseProbeCommandLine(['--', 'node', 'server.js'])).toEqual({
      kind: 'run', options: { command: ['node', 'server.js'], signal: 15, afterMs: 2000, timeoutMs: 10_000, json: false },
    });
  });

  it('reads every option, and leaves the command\'s own options alone', () => {
    expect(parseProbeCommandLine(['--signal', 'INT', '--after', '300ms', '--timeout', '1m', '--json', '--', 'app', '--json', '-x'])).toEqual({
      kind: 'run', options: { command: ['app', '--json', '-x'], signal: 2, afterMs: 300, timeoutMs: 60_000, json: true },
    });
    expect(parseProbeCommandLine(['--signal=SIGQUIT', 'app', '--after', '5s'])).toMatchObject({
      kind: 'run', options: { command: ['app', '--after', '5s'], signal: 3, afterMs: 2000 },
    });
    expect(parseProbeCommandLine(['--after', '0', '--signal', '10', 'app'])).toMatchObject({ options: { afterMs: 0, signal: 10 } });
  });

  it.each([
    [[], /^no command given$/],
    [['--'], /^no command given$/],
    [['--signal', 'TERMINATE', 'app'], /^--signal "TERMINATE" is not a signal/],
    [['--signal', '0', 'app'], /is not a signal/],
    [['--after', 'soon', 'app'], /^--after "soon" is not a duration/],
    [['--timeout', '0', 'app'], /^--timeout "0" is not a duration above zero/],
    [['--timeout', '-1s', 'app'], /^--timeout "-1s" is not a duration/],
    [['--bogus', 'app'], /unknown option '--bogus'/],
    [['--after'], /argument missing/],
  ])('%j is a usage error', (argv, message) => {
    const result = parseProbeCommandLine(argv as string[]);
    expect(result.kind).toBe('usage-error');
    expect(result.kind === 'usage-error' && result.message).toMatch(message);
  });

  it('prints help with the exit codes', () => {
    const result = parseProbeCommandLine(['--help']);
    expect(result.kind).toBe('print');
    expect(result.kind === 'print' && result.text).toMatch(/Exit status: 0 pass, 1 fail, 2 bad usage, 3 /);
  });

  it('wraps its description into even lines: only the last line of a paragraph is short', () => {
    const result = parseProbeCommandLine(['--help']);
    const text = result.kind === 'print' ? result.text : '';
    const description = text.split('\n\n').slice(1, 4);
    expect(description).toHaveLength(3);
    for (const paragraph of description) {
      const lines = paragraph.split('\n');
      expect(lines.length, paragraph).toBeGreaterThan(1);
      // commander wraps to 80 columns when not on a terminal; a line ends where the next word would not fit.
      for (const line of lines.slice(0, -1)) expect(line.length, paragraph).toBeGreaterThan(65);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    }
  });
});

describe('/proc parsing', () => {
  it('reads state, parent, start time and the zombie\'s wait status from stat', () => {
    // A zombie whose comm holds a space and a parenthesis; exit_code 0x0f00 is exit(15).
    const fields = ['Z', '1', '0', '0', '0', '0', '4194308', ...Array.from({ length: 12 }, () => '0'), '4242',
      ...Array.from({ length: 29 }, () => '0'), '3840'];
    const proc = parseStat(7, `7 (my (app) x) ${fields.join(' ')}\n`);
    expect(proc).toEqual({ pid: 7, comm: 'my (app) x', state: 'Z', ppid: 1, flags: 4194308, start: 4242, waitStatus: 3840 });
    expect(isEnding(proc)).toBe(true);
    expect(isEnding({ ...proc, state: 'R' })).toBe(true);
    expect(isEnding({ ...proc, state: 'R', flags: 4194304 })).toBe(false);
  });

  it('reads a real stat line of this process', async () => {
    const { readProc } = await import('../../src/probe/procfs.js');
    const self = readProc(process.pid)!;
    expect(self).toMatchObject({ pid: process.pid, ppid: process.ppid, comm: expect.any(String) });
    expect(self.start).toBeGreaterThan(0);
  });

  it.each([[0, { exitCode: 0, signal: null }], [0x0100, { exitCode: 1, signal: null }], [0xff00, { exitCode: 255, signal: null }],
    [9, { exitCode: null, signal: 9 }], [0x80 | 11, { exitCode: null, signal: 11 }]])(
    'wait status %i', (status, ending) => expect(decodeWaitStatus(status)).toEqual(ending));
});

describe('shellQuote', () => {
  it('quotes what a shell would split or expand', () => {
    expect(shellQuote(['sh', '-c', "node app.js; echo 'done'"])).toBe(`sh -c 'node app.js; echo '\\''done'\\'''`);
    expect(shellQuote(['/usr/bin/node', '--max-old-space-size=4096', 'a.js'])).toBe('/usr/bin/node --max-old-space-size=4096 a.js');
  });
});
