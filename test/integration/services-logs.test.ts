// Issue 14, --log-prefix: every line of every service reaches procinit's stdout or stderr (kept
// apart) as `name | line`, in order, none lost, under a flood of 100,000 lines each and at exit;
// and a reader that stops reading never blocks procinit (it still forwards signals and reaps).
import { execFileSync } from 'node:child_process';
import { constants, existsSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { readIfExists, requireTools, tempDir, waitFor } from '../helpers/procs.js';
import { STAMP, runServices, stampOf } from '../helpers/services.js';

beforeAll(() => { requireTools('unshare', 'seq', 'mkfifo'); });

const LINES = 100_000;

/** The lines of `text` that carry `name`'s prefix, prefix removed. */
function linesOf(text: string, name: string): string[] {
  const prefix = `${name} | `;
  return text.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

it('relays 100,000 lines from each of three services, stdout and stderr apart, none lost or reordered', async () => {
  const dir = tempDir();
  const flood = (name: string) => ({
    type: 'oneshot',
    command: ['sh', '-c', `seq 1 ${LINES}; seq 1 2000 | sed 's/^/err /' >&2; printf 'last line without a newline'`],
    env: { NAME: name },
  });
  const run = runServices('pid1', dir, { services: { alpha: flood('alpha'), beta: flood('beta'), gamma: flood('gamma') } }, ['--log-prefix']);
  const result = await run.done;
  expect(result.code).toBe(0);
  for (const name of ['alpha', 'beta', 'gamma']) {
    expect(linesOf(result.stdout, name)).toEqual([...numbers(1, LINES), 'last line without a newline']);
    expect(linesOf(result.stderr, name)).toEqual(numbers(1, 2000).map((n) => `err ${n}`));
  }
  // Nothing unprefixed on stdout: every byte there is a service's line.
  expect(result.stdout.split('\n').filter((l) => l !== '' && !/^(alpha|beta|gamma) \| /.test(l))).toEqual([]);
}, 60_000);

it('a reader that stops reading does not block procinit: signals still go through; then every line arrives', async () => {
  const dir = tempDir();
  // procinit's stdout is a FIFO opened blocking, as Docker and containerd give a container; nobody
  // reads it yet.
  const fifo = join(dir, 'stdout.fifo');
  execFileSync('mkfifo', [fifo]);
  const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const lines = ['-f', '%0100g', '1', String(LINES)]; // 100,000 lines of 100 digits: 10 MB
  const run = runServices('subreaper', dir, {
    services: { chatty: { command: ['sh', '-c', `seq ${lines.join(' ')}; touch ${dir}/chatty.done; exec sleep 1000`] } },
  }, ['--log-prefix'], [STAMP, dir, 'main'], { stdoutTo: fifo });
  await waitFor(() => stampOf(dir, 'main'), 'the main command', 20_000);
  // 10 MB cannot pass a reader that does not read: procinit keeps a bounded backlog, then stops
  // reading the service's pipe, so seq blocks, as it would on a full terminal...
  await new Promise((r) => setTimeout(r, 1000));
  expect(existsSync(join(dir, 'chatty.done'))).toBe(false);
  // ...while procinit itself goes on forwarding signals.
  process.kill(run.proc.pid!, 'SIGUSR2');
  await waitFor(() => readIfExists(join(dir, 'main.signals')) === 'USR2\n', 'SIGUSR2 at the main, with stdout stalled');
  const chunks: Buffer[] = [];
  const reader = new Socket({ fd: readEnd, readable: true, writable: false });
  reader.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise((resolve) => reader.once('end', resolve));
  await waitFor(() => existsSync(join(dir, 'chatty.done')), 'the service to finish writing once the reader reads');
  process.kill(run.proc.pid!, 'SIGTERM');
  const result = await run.done;
  await ended;
  expect(result.code).toBe(0);
  const expected = numbers(1, LINES).map((n) => n.padStart(100, '0'));
  expect(linesOf(Buffer.concat(chunks).toString(), 'chatty')).toEqual(expected);
}, 60_000);

it('without --log-prefix the services write straight to procinit\'s stdout and stderr', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, {
    services: { plain: { type: 'oneshot', command: ['sh', '-c', 'echo out; echo err >&2'] } },
  });
  const result = await run.done;
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('out\n');
  expect(result.stderr.split('\n')).toContain('err');
});
