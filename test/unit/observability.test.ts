import { describe, expect, it } from 'vitest';
import { candidateDirectories } from '../../src/observability/cgroup.js';
import { parseListenAddress } from '../../src/observability/metrics-address.js';
import { PidsWatch, commonNames } from '../../src/observability/pids-watch.js';
import { capturingLog } from './log-capture.js';

describe('parseListenAddress', () => {
  it.each([
    ['9090', { host: '0.0.0.0', port: 9090 }], [':9090', { host: '0.0.0.0', port: 9090 }],
    ['127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }], ['[::1]:9090', { host: '::1', port: 9090 }],
    ['localhost:9464', { host: '127.0.0.1', port: 9464 }],
  ])('%j', (text, expected) => expect(parseListenAddress(text)).toEqual(expected));
  it.each(['', 'abc', '70000', '1.2.3.4:', '::1:9090', '9090:1.2.3.4', '0', '127.0.0.1:0', 'metrics.local:9090', '999999'])('rejects %j', (text) => {
    expect(parseListenAddress(text)).toBeUndefined();
  });
});

describe('candidateDirectories', () => {
  it('looks in the unified hierarchy for cgroup v2', () => {
    expect(candidateDirectories('0::/system.slice/app.scope\n')[0]).toBe('/sys/fs/cgroup/system.slice/app.scope');
  });
  it('looks in the pids hierarchy for cgroup v1', () => {
    const dirs = candidateDirectories('8:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n');
    expect(dirs).toContain('/sys/fs/cgroup/pids/docker/abc');
    expect(dirs).not.toContain('/sys/fs/cgroup/memory/docker/abc');
  });
  it("falls back to the mount roots, where a runtime puts the container's own cgroup", () => {
    expect(candidateDirectories('8:pids:/host/path\n').slice(-2)).toEqual(['/sys/fs/cgroup', '/sys/fs/cgroup/pids']);
  });
});

describe('PidsWatch', () => {
  function setUp(max: number | null) {
    let current = 0;
    let clock = 0;
    const { log, records } = capturingLog(1);
    const names = ['sleep', 'sleep', 'sh', 'node', 'sleep', 'sh'];
    const watch = new PidsWatch({ directory: '/x', max, current: () => current }, log, () => names, () => clock);
    return { watch, records, set: (n: number, at = clock + 20_000) => { current = n; clock = at; } };
  }

  it('warns when use reaches 80%, naming the most common commands, and when it falls under 70%', () => {
    const { watch, records, set } = setUp(64);
    for (const n of [10, 50, 51, 52, 60, 51, 50, 45, 44, 30, 52]) {
      set(n);
      watch.check();
    }
    // 51 and 50 are under 80% but not under 70% (44.8): still above, no line.
    expect(records.map((r) => [r.fields.current, r.msg.includes('back below')])).toEqual([
      [52, false], [44, true], [52, false],
    ]);
    expect(records[0]!.fields.top).toEqual([{ command: 'sleep', count: 3 }, { command: 'sh', count: 2 }, { command: 'node', count: 1 }]);
    expect(records[0]!.level).toBe('warn');
  });

  it('use crossing both ways every millisecond for 20 s gets two lines a 15 s, the rest counted', () => {
    const { watch, records, set } = setUp(64);
    for (let ms = 0; ms < 20_000; ms++) {
      set(ms % 2 === 0 ? 64 : 20, ms);
      watch.check();
    }
    expect(records.map((r) => r.msg.includes('back below'))).toEqual([false, true, false, true]);
    expect(records[2]!.fields.crossingsNotLogged).toBeGreaterThan(10_000);
  });

  it('stays quiet without a limit', () => {
    const { watch, records, set } = setUp(null);
    set(100000);
    watch.check();
    expect(records).toEqual([]);
  });

  it('counts names', () => {
    expect(commonNames(['a', 'b', 'a'], 1)).toEqual([{ command: 'a', count: 2 }]);
  });
});
