// `docker stop` on a real Docker engine, each app three ways side by side: with procinit as PID 1,
// with Docker's own tini in front (`docker run --init`), and with no init (the app, or /bin/sh,
// as PID 1). Each stop is timed from the `docker stop` command to its return; the times make the
// README's "Measured under Docker" table.
import { describe, expect, test } from 'vitest';
import { Container, cleanUpContainers, stopSideBySide } from './container.js';
import { FIXTURES, commandLine, contextDir, docker, engineReady, suite } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

type Init = 'procinit' | 'tini' | 'none';

/** `docker run` of the fixtures image with `command` behind the given init. */
function run(init: Init, command: string[], options: string[] = []): () => Promise<Container> {
  return () => Container.start(docker, {
    init: init === 'tini', options, command: init === 'procinit' ? ['procinit', '--', ...command] : command,
  });
}

describe.skipIf(!ready)('docker stop', () => {
  test('a Node app with no SIGTERM handler: 143 at once with procinit or tini; 137 after Docker\'s 10 s without', async () => {
    const app = ['node', `${FIXTURES}/no-handler.js`];
    const r = await stopSideBySide('a Node app with no SIGTERM handler',
      [['procinit', run('procinit', app)], ['tini', run('tini', app)], ['none', run('none', app)]]);
    // The SIGTERM is forwarded and the app dies of it at once.
    for (const init of ['procinit', 'tini']) {
      expect(r[init]!.exit, await r[init]!.c.describe()).toBe(143);
      expect(r[init]!.ms).toBeLessThan(5_000);
    }
    // As PID 1 the kernel drops the SIGTERM: Docker waits its 10 s, then SIGKILLs.
    expect(r.none!.exit).toBe(137);
    expect(r.none!.ms).toBeGreaterThanOrEqual(10_000);
  });

  test('shell form, CMD node server.js: only procinit lets the server stop gracefully', async () => {
    // Shell form makes the command `/bin/sh -c "node /fixtures/app/server.js"`, behind the
    // ENTRYPOINT when there is one, exactly as Docker does it for a Dockerfile.
    const base = `FROM ${suite.images.fixtures}\nENV STATE_DIR=/shared\nCMD node ${FIXTURES}/app/server.js\n`;
    const dir = contextDir('shell-form');
    await Promise.all([
      docker.build('procinit-test/shell-form', dir, base),
      docker.build('procinit-test/shell-form-procinit', dir, `${base}ENTRYPOINT ["procinit", "--"]\n`),
    ]);
    const image = (tag: string, init = false) => () => Container.start(docker, { image: tag, init });
    const r = await stopSideBySide('shell form `CMD node server.js` (a server that stops gracefully)', [
      ['procinit', image('procinit-test/shell-form-procinit')],
      ['tini', image('procinit-test/shell-form', true)],
      ['none', async () => {
        const c = await image('procinit-test/shell-form')();
        await c.waitForFile('ready');
        // Docker's shell form, and sh is PID 1: dash did not exec the single command.
        expect(commandLine(await c.hostPid())).toEqual(['/bin/sh', '-c', `node ${FIXTURES}/app/server.js`]);
        return c;
      }],
    ]);
    // sh dies of the forwarded SIGTERM; procinit drains what is left: the server gets SIGTERM
    // and closes gracefully before the container ends. The code is sh's: 143.
    expect(r.procinit!.exit, await r.procinit!.c.describe()).toBe(143);
    expect(r.procinit!.ms).toBeLessThan(5_000);
    expect(r.procinit!.c.sharedFile('stopped')).toBe('gracefully');
    // tini forwards SIGTERM to sh, sh dies of it, tini exits: the kernel SIGKILLs the server
    // before its graceful shutdown runs.
    expect(r.tini!.exit, await r.tini!.c.describe()).toBe(143);
    expect(r.tini!.ms).toBeLessThan(5_000);
    expect(r.tini!.c.sharedFile('stopped')).toBeNull();
    // dash does not exec even a single command: sh is PID 1, and drops the SIGTERM.
    expect(r.none!.exit).toBe(137);
    expect(r.none!.ms).toBeGreaterThanOrEqual(10_000);
    expect(r.none!.c.sharedFile('stopped')).toBeNull();
  });

  test('a daemonized helper that needs 200 ms to flush: only procinit lets it finish', async () => {
    const app = ['node', `${FIXTURES}/daemon-app.js`];
    const r = await stopSideBySide('an app with a daemonized helper that needs 200 ms to flush',
      [['procinit', run('procinit', app)], ['tini', run('tini', app)], ['none', run('none', app)]],
      { waits: () => false });
    for (const init of ['procinit', 'tini', 'none']) {
      expect(r[init]!.exit, await r[init]!.c.describe()).toBe(0);
      expect(r[init]!.ms).toBeLessThan(5_000);
    }
    // The app exits; the helper (re-parented to PID 1) gets SIGTERM and finishes. The stop takes
    // the helper's time, not the whole grace period (5 s).
    expect(r.procinit!.c.sharedFile('cleanup-done')).toBe('flushed');
    expect(r.procinit!.ms).toBeGreaterThanOrEqual(200);
    // PID 1 (the app, or tini) exits as soon as the app does; the kernel SIGKILLs the helper.
    expect(r.tini!.c.sharedFile('cleanup-done')).toBeNull();
    expect(r.none!.c.sharedFile('cleanup-done')).toBeNull();
  });

  test('docker stop -t 2, an app that ignores SIGTERM: only the SIGKILL ends it (or procinit --stop-timeout)', async () => {
    // Docker's default wait is 10 s; 2 s here keeps CI fast and shows the same thing.
    const app = ['node', `${FIXTURES}/ignores-term.js`];
    const r = await stopSideBySide('an app that ignores SIGTERM', [
      ['procinit', run('procinit', app)], ['tini', run('tini', app)], ['none', run('none', app)],
    ], { timeout: 2, waits: () => true });
    for (const init of ['procinit', 'tini', 'none']) {
      // The app heard the SIGTERM (forwarded, or as PID 1 with a handler) and carried on.
      expect(r[init]!.c.sharedFile('ignored')).toBe('SIGTERM\n');
      expect(r[init]!.exit, await r[init]!.c.describe()).toBe(137);
      expect(r[init]!.ms).toBeGreaterThanOrEqual(2_000);
    }
    // procinit SIGKILLs the app's group after 1 s, then drains and exits 128+9 itself.
    const bounded = await stopSideBySide('an app that ignores SIGTERM, procinit with `--stop-timeout 1s`',
      [['procinit', run('procinit', app, ['-e', 'PROCINIT_STOP_TIMEOUT=1s'])]], { timeout: 2 });
    expect(bounded.procinit!.exit).toBe(137);
    expect(bounded.procinit!.ms).toBeGreaterThanOrEqual(1_000);
    expect(bounded.procinit!.ms).toBeLessThan(2_000);
    expect(await bounded.procinit!.c.logs()).toContain('"event":"stop-timeout"');
  });

  test('docker stop -t 3, an app that ignores SIGTERM, --stop-deadline 3s: procinit ends it, logs and writes why, before Docker\'s SIGKILL', async () => {
    const app = ['node', `${FIXTURES}/ignores-term.js`];
    // Under the runtime's SIGKILL procinit would log nothing more: here its exit record comes first.
    const env = ['-e', 'PROCINIT_STOP_DEADLINE=3s', '-e', 'PROCINIT_VERBOSITY=2', '-e', 'PROCINIT_TERMINATION_LOG=/shared/termination-log'];
    const r = await stopSideBySide('an app that ignores SIGTERM, procinit with `--stop-deadline 3s` (`-t 3`)',
      [['procinit', run('procinit', app, env)]], { timeout: 3 });
    const { c, exit, ms } = r.procinit!;
    expect(exit, await c.describe()).toBe(137);
    expect(ms).toBeLessThan(3_000);
    const records = (await c.logs()).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(records.find((x) => x.event === 'stop-deadline')).toMatchObject({ level: 40, signal: 'SIGTERM', stopDeadlineMs: 3_000 });
    const end = records.find((x) => x.event === 'exit');
    expect(end).toMatchObject({ code: 137, killedBy: 'stop-deadline', stopSignal: 'SIGTERM' });
    expect(c.sharedFile('termination-log')).toBe(`${end.msg}\n`);
    expect(end.msg).toMatch(/still ran \d(\.\d)? s later, and procinit SIGKILLed it \(to finish within the 3s --stop-deadline\)\.$/);
  });

  test('an app that cleans up and re-raises SIGTERM dies of it, except as PID 1', async () => {
    const app = ['node', `${FIXTURES}/reraise.js`];
    const r = await stopSideBySide('an app that cleans up, then re-raises SIGTERM to die of it',
      [['procinit', run('procinit', app)], ['tini', run('tini', app)], ['none', run('none', app)]],
      { waits: () => false });
    for (const init of ['procinit', 'tini']) {
      expect(r[init]!.c.sharedFile('survived')).toBeNull();
      expect(r[init]!.exit, await r[init]!.c.describe()).toBe(143);
    }
    // As PID 1 the re-raised SIGTERM has no handler any more: the kernel drops it.
    expect(r.none!.c.sharedFile('survived')).toBe('yes');
    expect(r.none!.exit).toBe(5);
  });
});
