// procinit probe as a command: bad usage, the table people read, the probe's own signals, and the
// user-namespace path taken by non-root users.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCINIT, ROOT, run, waitFor } from '../helpers/procs.js';
import { worldReadableCheckout } from '../helpers/world-readable.js';
import { FAST, canProbe, fixture, probe, start } from './probe-helpers.js';

describe('procinit probe: usage', () => {
  it.each([
    [[], /^procinit probe: no command given\. Usage: procinit probe \[--signal SIG\]/],
    [['--after', 'soon', '--', 'true'], /^procinit probe: --after "soon" is not a duration/],
    [['--signal', 'NOPE', 'true'], /^procinit probe: --signal "NOPE" is not a signal/],
    [['--timeout', '0', 'true'], /^procinit probe: --timeout "0" is not a duration above zero/],
    [['--bogus', '--', 'true'], /^procinit probe: unknown option '--bogus'/],
  ])('%j exits 2 with one line on stderr and nothing on stdout', async (args, message) => {
    const { code, stdout, stderr } = await probe(args as string[]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('prints help on stdout and exits 0', async () => {
    const { code, stdout } = await probe(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: procinit probe \[options\] -- <command> \[args\.\.\.\]/);
    expect(stdout).toContain('--timeout <duration>');
  });
});

/** Processes on the host whose command line holds `marker`. */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

describe.skipIf(!canProbe())('procinit probe: output and signals', () => {
  it('prints a table on stdout, and the app\'s output framed on stderr', async () => {
    const { code, stdout, stderr } = await probe([...FAST, '--', 'node', fixture('no-handler.js')]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`procinit probe: node ${fixture('no-handler.js')}`);
    expect(lines[1]).toMatch(/^PID 1 of a fresh (user and )?PID namespace; SIGTERM after 1 s, SIGKILL 2 s later$/);
    expect(stdout).toMatch(/^ {2}\s+stopped\s+time\s+exit\s+zombies\s+leftovers$/m);
    expect(stdout).toMatch(/^ {2}without init\s+no\s+2(\.\d)? s\s+SIGKILL \(by the probe\)\s+0\s+0$/m);
    expect(stdout).toMatch(/^ {2}with procinit\s+yes\s+\d+ ms\s+143 \(128\+SIGTERM\)\s+0\s+0$/m);
    expect(stdout).toMatch(/^PASS: as PID 1 without an init your app ignored SIGTERM/m);
    expect(stdout).not.toContain('ready');
    expect(stderr).toContain('[withoutInit] ready');
    expect(stderr).toContain('[withProcinit] ready');
  });

  it.each([['SIGTERM', 143], ['SIGINT', 130]] as const)(
    'on %s, kills the trial and exits %i, leaving nothing running', async (signal, exitCode) => {
      const marker = `probe-interrupt-${process.pid}-${signal}`;
      const launched = start([PROCINIT, 'probe', '--after', '300ms', '--timeout', '30s', '--', 'node', fixture('ignores-term.js'), marker]);
      const trial = () => processesWith(marker).filter((pid) => pid !== launched.proc.pid);
      await waitFor(() => trial().length >= 2, 'unshare and the app to run');
      const before = Date.now();
      launched.proc.kill(signal);
      const { code, stderr } = await launched.done;
      expect(code).toBe(exitCode);
      expect(Date.now() - before).toBeLessThan(5000);
      expect(stderr).toContain(`procinit probe: interrupted by ${signal}; killing the trial`);
      expect(processesWith(marker)).toEqual([]);
    });

  it('dies with the namespace when SIGKILLed: unshare and the app go too', async () => {
    const marker = `probe-sigkill-${process.pid}`;
    const launched = start([PROCINIT, 'probe', '--after', '300ms', '--timeout', '30s', '--', 'node', fixture('ignores-term.js'), marker]);
    await waitFor(() => processesWith(marker).filter((pid) => pid !== launched.proc.pid).length >= 2, 'unshare and the app to run');
    launched.proc.kill('SIGKILL');
    await launched.done;
    await waitFor(() => processesWith(marker).length === 0, 'the trial to be gone', 15_000);
  });

  it("gives the app the caller's NODE_OPTIONS and none of procinit's own variables, in both trials", async () => {
    const script = "console.log('env', process.env.NODE_OPTIONS, Object.keys(process.env).filter((k) => k.startsWith('PROCINIT_')).length);"
      + "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 60000);";
    // The caller's own PROCINIT_ variables (a developer's PROCINIT_NODE_CACHE) would rightly reach
    // the app; procinit's are what must not, so the caller here has none.
    const callerEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PROCINIT_')));
    const { code, stderr } = await probe(['--after', '500ms', '--timeout', '2s', '--', 'node', '-e', script],
      { ...callerEnv, NODE_OPTIONS: '--max-old-space-size=123' });
    expect(code).toBe(0);
    expect(stderr).toContain('[withoutInit] env --max-old-space-size=123 0');
    expect(stderr).toContain('[withProcinit] env --max-old-space-size=123 0');
  });

  // Non-root users get a user namespace as well: run the probe as nobody, from a checkout nobody
  // can read. Under CI=true a machine where that cannot run fails the test.
  const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  const canRunAsNobody = process.geteuid?.() === 0
    && spawnSync(asNobody[0]!, [...asNobody.slice(1), 'unshare', '--user', '--map-root-user', '--pid', '--fork', 'true']).status === 0;
  if (!canRunAsNobody && process.env.CI === 'true') {
    it('works for a non-root user, in a user namespace', () => {
      throw new Error('CI=true: cannot run as nobody in a user namespace (needs root, setpriv, and unprivileged user namespaces)');
    });
  }
  it.skipIf(!canRunAsNobody)('works for a non-root user, in a user namespace', async () => {
    const checkout = worldReadableCheckout();
    const { code, stdout } = await run([...asNobody, join(checkout, 'bin/procinit'), 'probe', '--json', ...FAST,
      '--', 'node', join(checkout, relative(ROOT, fixture('zombies.js'))), '2'], { env: { ...process.env, HOME: '/tmp' } });
    const report = JSON.parse(stdout);
    expect(report.namespace).toBe('user+pid');
    expect(report.verdict, report.reason).toBe('pass');
    expect(code).toBe(0);
    expect(report.withoutInit).toMatchObject({ stopped: true, exitCode: 0, zombies: 2 });
    expect(report.withProcinit).toMatchObject({ stopped: true, exitCode: 0, zombies: 0 });
  });
});
