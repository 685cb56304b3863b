// `docker stop` on a real Docker engine, each app three ways: with procinit as PID 1, with
// Docker's own tini in front (`docker run --init`), and with no init (the app, or /bin/sh, as
// PID 1). Each stop is timed from the `docker stop` command to its return; the times make the
// README's "Measured under Docker" table. The three runs of a scenario go side by side.
import { describe, expect, test } from 'vitest';
import { Container, cleanUpContainers } from './container.js';
import { FIXTURES, contextDir, docker, engineReady, recordStop, suite } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

type Init = 'procinit' | 'tini' | 'none';
const INITS: Init[] = ['procinit', 'tini', 'none'];

/** `docker run` of the fixtures image with `command` behind the given init. */
function start(init: Init, command: string[], options: string[] = []): Promise<Container> {
  return Container.start(docker, {
    init: init === 'tini', options, command: init === 'procinit' ? ['procinit', '--', ...command] : command,
  });
}

async function stopAndRecord(c: Container, scenario: string, init: string, timeout = 10) {
  const stopped = await c.stop(timeout);
  recordStop({ scenario, init, timeout, ...stopped });
  return stopped;
}

describe.skipIf(!ready).concurrent('docker stop: a Node app with no SIGTERM handler', () => {
  const SCENARIO = 'a Node app with no SIGTERM handler';
  test.each(INITS)('%s', async (init) => {
    const c = await start(init, ['node', `${FIXTURES}/no-handler.js`]);
    await c.waitForFile('ready');
    const { ms, exit } = await stopAndRecord(c, SCENARIO, init);
    if (init === 'none') {
      // As PID 1 the kernel drops the SIGTERM: Docker waits its 10 s, then SIGKILLs.
      expect(exit).toBe(137);
      expect(ms).toBeGreaterThanOrEqual(10_000);
    } else {
      // The SIGTERM is forwarded and the app dies of it at once.
      expect(exit, await c.describe()).toBe(143);
      expect(ms).toBeLessThan(5_000);
    }
  });
});

describe.skipIf(!ready).concurrent('docker stop: shell form, CMD node server.js', () => {
  const SCENARIO = 'shell form `CMD node server.js` (a server that stops gracefully)';
  // Shell form makes the command `/bin/sh -c "node /fixtures/app/server.js"`, behind the
  // ENTRYPOINT when there is one, exactly as Docker does it for a Dockerfile.
  const images = (async () => {
    if (!ready) return { plain: '', withProcinit: '' };
    const base = `FROM ${suite.images.fixtures}\nENV STATE_DIR=/shared\nCMD node ${FIXTURES}/app/server.js\n`;
    const dir = contextDir('shell-form');
    await Promise.all([
      docker.build('procinit-test/shell-form', dir, base),
      docker.build('procinit-test/shell-form-procinit', dir, `${base}ENTRYPOINT ["procinit", "--"]\n`),
    ]);
    return { plain: 'procinit-test/shell-form', withProcinit: 'procinit-test/shell-form-procinit' };
  })();

  test.each(INITS)('%s', async (init) => {
    const { plain, withProcinit } = await images;
    const c = await Container.start(docker, { image: init === 'procinit' ? withProcinit : plain, init: init === 'tini' });
    await c.waitForFile('ready');
    const { ms, exit } = await stopAndRecord(c, SCENARIO, init);
    if (init === 'none') {
      // dash does not exec even a single command: sh is PID 1, and drops the SIGTERM.
      expect(exit).toBe(137);
      expect(ms).toBeGreaterThanOrEqual(10_000);
      expect(c.sharedFile('stopped')).toBeNull();
    } else if (init === 'tini') {
      // tini forwards SIGTERM to sh, sh dies of it, tini exits: the kernel SIGKILLs the server
      // before its graceful shutdown runs.
      expect(exit, await c.describe()).toBe(143);
      expect(ms).toBeLessThan(5_000);
      expect(c.sharedFile('stopped')).toBeNull();
    } else {
      // sh dies of the forwarded SIGTERM; procinit drains what is left: the server gets SIGTERM
      // and closes gracefully before the container ends. The code is sh's: 143.
      expect(exit, await c.describe()).toBe(143);
      expect(ms).toBeLessThan(5_000);
      expect(c.sharedFile('stopped')).toBe('gracefully');
    }
  });
});

describe.skipIf(!ready).concurrent('docker stop: a daemonized helper that needs 200 ms to flush', () => {
  const SCENARIO = 'an app with a daemonized helper that needs 200 ms to flush';
  test.each(INITS)('%s', async (init) => {
    const c = await start(init, ['node', `${FIXTURES}/daemon-app.js`]);
    await c.waitForFile('ready');
    const { ms, exit } = await stopAndRecord(c, SCENARIO, init);
    expect(exit, await c.describe()).toBe(0);
    expect(ms).toBeLessThan(5_000);
    if (init === 'procinit') {
      // The app exits; the helper (re-parented to PID 1) gets SIGTERM and finishes. The stop
      // takes the helper's time, not the whole grace period (5 s).
      expect(c.sharedFile('cleanup-done')).toBe('flushed');
      expect(ms).toBeGreaterThanOrEqual(200);
    } else {
      // PID 1 (the app, or tini) exits as soon as the app does; the kernel SIGKILLs the helper.
      expect(c.sharedFile('cleanup-done')).toBeNull();
    }
  });
});

describe.skipIf(!ready).concurrent('docker stop -t 2: an app that ignores SIGTERM', () => {
  // Docker's default wait is 10 s; 2 s here keeps CI fast and shows the same thing: no init can
  // stop an app that carries on, only the runtime's SIGKILL (or procinit's --stop-timeout).
  const SCENARIO = 'an app that ignores SIGTERM';
  test.each([...INITS, 'procinit --stop-timeout 1s'])('%s', async (init) => {
    const c = init === 'procinit --stop-timeout 1s'
      ? await start('procinit', ['node', `${FIXTURES}/ignores-term.js`], ['-e', 'PROCINIT_STOP_TIMEOUT=1s'])
      : await start(init as Init, ['node', `${FIXTURES}/ignores-term.js`]);
    await c.waitForFile('ready');
    const { ms, exit } = init === 'procinit --stop-timeout 1s'
      ? await stopAndRecord(c, `${SCENARIO}, procinit with \`--stop-timeout 1s\``, 'procinit', 2)
      : await stopAndRecord(c, SCENARIO, init, 2);
    // The app heard the SIGTERM (forwarded, or as PID 1 with a handler) and carried on.
    expect(c.sharedFile('ignored')).toBe('SIGTERM\n');
    expect(exit, await c.describe()).toBe(137);
    if (init === 'procinit --stop-timeout 1s') {
      // procinit SIGKILLs the app's group after 1 s, then drains and exits 128+9 itself.
      expect(ms).toBeGreaterThanOrEqual(1_000);
      expect(ms).toBeLessThan(2_000);
      expect(await c.logs()).toContain('"event":"stop-timeout"');
    } else {
      expect(ms).toBeGreaterThanOrEqual(2_000);
    }
  });
});

describe.skipIf(!ready).concurrent('docker stop: an app that cleans up and re-raises SIGTERM', () => {
  const SCENARIO = 'an app that cleans up, then re-raises SIGTERM to die of it';
  test.each(INITS)('%s', async (init) => {
    const c = await start(init, ['node', `${FIXTURES}/reraise.js`]);
    await c.waitForFile('ready');
    const { exit } = await stopAndRecord(c, SCENARIO, init);
    if (init === 'none') {
      // As PID 1 the re-raised SIGTERM has no handler any more: the kernel drops it.
      expect(c.sharedFile('survived')).toBe('yes');
      expect(exit).toBe(5);
    } else {
      expect(c.sharedFile('survived')).toBeNull();
      expect(exit, await c.describe()).toBe(143);
    }
  });
});
