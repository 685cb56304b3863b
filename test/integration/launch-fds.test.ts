// Issue 10, item 5: descriptors. stdin, stdout and stderr always reach the child, and every other
// inherited one exactly as tini passes it, also where procinit cannot read its own /proc: under
// `unshare --pid` without --mount-proc (/proc is the parent namespace's, whose pid 1 is not
// procinit) and with no /proc mounted at all. systemd-style socket activation (LISTEN_FDS) works.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, PROCINIT_INIT, TINI_INIT, requireTools, start, tempDir, waitFor } from '../helpers/procs.js';
import { PYTHON } from '../helpers/inits.js';
import { DIRECT_INIT, NPM_LINK_INIT } from '../helpers/launch-forms.js';

const INITS = [PROCINIT_INIT, NPM_LINK_INIT, DIRECT_INIT, TINI_INIT];
const LISTEN_FDS = join(FIXTURES, 'listen-fds.py');
const ready = requireTools('unshare', 'tini', 'python3', 'umount');

/** A child that prints on stdout and writes through the inherited fd 7. */
const writesBoth = (dir: string) => ['sh', '-c', `echo hi; echo seven >&7; ls /proc/self/fd > ${dir}/fds 2>/dev/null; true`];

async function runWithFd7(argv: string[], dir: string) {
  const seven = openSync(join(dir, 'seven'), 'w');
  try {
    const run = start(argv, { stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', seven] });
    return await run.done;
  } finally {
    closeSync(seven);
  }
}

describe.skipIf(!ready).each(INITS)('%s', (init) => {
  const initArgv = init.argv('pid1');

  it('under unshare --pid without --mount-proc: the child has stdout and the inherited fd 7', async () => {
    const dir = tempDir();
    const result = await runWithFd7(['unshare', '--pid', '--fork', ...initArgv, ...writesBoth(dir)], dir);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect(readFileSync(join(dir, 'seven'), 'utf8')).toBe('seven\n');
  });

  it('with no /proc at all: the child has stdout and the inherited fd 7', async () => {
    const dir = tempDir();
    const result = await runWithFd7(['unshare', '--mount', '--pid', '--fork', 'sh', '-c', 'umount -l /proc && exec "$@"', 'sh',
      ...initArgv, ...writesBoth(dir)], dir);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect(readFileSync(join(dir, 'seven'), 'utf8')).toBe('seven\n');
    expect(existsSync(join(dir, 'fds'))).toBe(true); // ls ran; /proc/self/fd itself was not there
  });

  it('systemd socket activation: the listening socket on fd 3 reaches the app, LISTEN_FDS with it', async () => {
    const dir = tempDir();
    const portFile = join(dir, 'port');
    const run = start([PYTHON, LISTEN_FDS, 'bind', portFile, '--', ...init.argv('subreaper'), PYTHON, LISTEN_FDS, 'serve', join(dir, 'served')]);
    const port = Number(await waitFor(() => (existsSync(portFile) ? readFileSync(portFile, 'utf8') : undefined), 'the socket'));
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      socket.on('data', (d) => { data += d; });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(answer).toBe('served');
    const result = await run.done;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
