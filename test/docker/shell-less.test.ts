// An image with no shell and no `env` (node and its libraries only: the distroless stand-in),
// with procinit installed locally by npm and started the documented way for such images:
// ENTRYPOINT ["node", "/app/node_modules/procinit/dist/procinit.js", "--"].
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/procs.js';
import { waitFor } from '../helpers/procs.js';
import { Container, cleanUpContainers } from './container.js';
import { FIXTURES, contextDir, docker, engineReady, recordStop, runPending, suite } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

const IMAGE = 'procinit-test/shell-less-app';
const ENTRYPOINT = ['node', '/app/node_modules/procinit/dist/procinit.js', '--'];
const SCENARIO = 'a server that stops gracefully, in an image without a shell';

const dockerfile = () => [
  `FROM ${suite.images.shellLess}`,
  'WORKDIR /app',
  'COPY node_modules/ /app/node_modules/',
  'COPY server.js /app/',
  'ENV STATE_DIR=/shared',
  'USER nonroot',
  `ENTRYPOINT ${JSON.stringify(ENTRYPOINT)}`,
  'CMD ["node", "/app/server.js"]',
  '',
].join('\n');

describe.skipIf(!ready)('an image without a shell', () => {
  beforeAll(async () => {
    const dir = contextDir('shell-less');
    cpSync(join(suite.procinit.localApp, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    cpSync(join(ROOT, 'test/docker/fixtures/app/server.js'), join(dir, 'server.js'));
    await docker.build(IMAGE, dir, dockerfile());
  }, 120_000);

  test('has no /bin/sh and no env', async () => {
    for (const program of ['/bin/sh', '/usr/bin/env']) {
      const r = await docker.run(['run', '--rm', '--network', 'none', '--entrypoint', program, IMAGE]);
      expect(r.code, program).toBe(127);
      expect(r.stderr).toMatch(/no such file or directory/);
    }
  });

  test('procinit is PID 1; docker stop ends the app gracefully, with no error on the way', async () => {
    const c = await Container.start(docker, { image: IMAGE });
    await c.waitForFile('ready');
    const init = await c.hostPid();
    expect(readFileSync(`/proc/${init}/comm`, 'utf8').trim()).toBe('procinit');
    expect(readFileSync(`/proc/${init}/status`, 'utf8')).toMatch(/^Uid:\s+65532\s/m);
    const { ms, exit } = await c.stop();
    recordStop({ scenario: SCENARIO, init: 'procinit', timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('gracefully');
    expect(ms).toBeLessThan(5_000);
    const logs = await c.logs();
    expect(logs).not.toMatch(/"level":(50|60)/);
    expect(logs).not.toMatch(/^\s+at /m);
  });

  test.concurrent.each([
    ['exits 3', 3, ['node', '-e', 'process.exit(3)']],
    ['dies of SIGTERM', 143, ['node', '-e', 'process.kill(process.pid, "SIGTERM")']],
  ] as [string, number, string[]][])('the app %s: the container exits %i', async (_name, code, command) => {
    const c = await Container.start(docker, { image: IMAGE, command });
    expect(await c.exited(), await c.describe()).toBe(code);
  });

  test.concurrent.each([['none', false], ['tini', true]] as const)('beside it: %s as PID 1', async (init, withTini) => {
    const c = await Container.start(docker, { image: IMAGE, init: withTini, options: ['--entrypoint', 'node'], command: ['/app/server.js'] });
    await c.waitForFile('ready');
    const { ms, exit } = await c.stop();
    recordStop({ scenario: SCENARIO, init, timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('gracefully');
  });
});

// The documented form must lose nothing against bin/procinit: the lead is making it whole in
// issue 10 (procinit's own launch). Until that is on the branch procinit warns here that
// real-time signals will not be forwarded, and does not forward them. PROCINIT_TEST_PENDING=1 runs these.
describe.skipIf(!ready || !runPending)('the shell-less entrypoint form loses nothing [issue 10]', () => {
  test('procinit starts without a warning', async () => {
    const c = await Container.start(docker, { image: IMAGE });
    await c.waitForFile('ready');
    expect((await c.stop()).exit).toBe(0);
    expect(await c.logs()).toBe('');
  });

  test('docker kill -s RTMIN+3 reaches the app (in the fixtures image, through the same form)', async () => {
    const c = await Container.start(docker, {
      command: ['node', '/usr/local/lib/node_modules/procinit/dist/procinit.js', '--', 'sh', `${FIXTURES}/record-signals.sh`, '/shared/signals'],
    });
    await c.waitForFile('signals.ready');
    await c.kill('RTMIN+3');
    await c.kill('USR1');
    await waitFor(() => c.sharedFile('signals')?.includes('10\n'), 'SIGUSR1 recorded');
    expect(c.sharedFile('signals')).toBe('37\n10\n');
  });
});
