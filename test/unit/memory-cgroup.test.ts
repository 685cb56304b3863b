// Finding and reading the memory cgroup, on fixture trees laid out as the kernel lays out cgroup v2
// (this machine and CI run v1, read for real in test/e2e/oom.test.ts) and v1, and telling the OOM
// killer's SIGKILL from any other by its counter.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMemoryCgroup, parseBytes, parseKey } from '../../src/observability/memory-cgroup.js';
import { OomKills, describeOomKill, formatBytes } from '../../src/observability/oom-kills.js';
import { tempDir } from '../helpers/procs.js';

const MiB = 1024 * 1024;

function tree(files: Record<string, string>): string {
  const root = tempDir('procinit-cgroup-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** cgroup v2's memory.events, as Linux 6.x writes it. */
const events = (oomKills: number) => `low 0\nhigh 0\nmax 12\noom 1\noom_kill ${oomKills}\noom_group_kill 0\n`;

describe('parsing', () => {
  it('reads bytes, and "max" or v1\'s largest counter as no limit', () => {
    expect(parseBytes('134217728\n')).toBe(128 * MiB);
    expect(parseBytes('max\n')).toBeNull();
    expect(parseBytes('9223372036854771712\n')).toBeNull();
    expect(parseBytes(null)).toBeNull();
    expect(parseBytes('')).toBeNull();
  });
  it('reads one key of a flat-keyed file', () => {
    expect(parseKey(events(3), 'oom_kill')).toBe(3);
    expect(parseKey('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n', 'oom_kill')).toBe(2);
    // A kernel older than 4.13 has no oom_kill line in v1's memory.oom_control.
    expect(parseKey('oom_kill_disable 0\nunder_oom 0\n', 'oom_kill')).toBeNull();
  });
});

describe('findMemoryCgroup', () => {
  it('cgroup v2 in a container with its own cgroup namespace: the mount root', () => {
    const root = tree({ 'memory.events': events(0), 'memory.max': '134217728\n', 'memory.current': '52428800\n', 'memory.peak': '104857600\n' });
    const m = findMemoryCgroup('0::/\n', root)!;
    expect(m).toMatchObject({ version: 2, directory: root });
    expect([m.oomKills(), m.limit(), m.usage(), m.peak()]).toEqual([0, 128 * MiB, 50 * MiB, 100 * MiB]);
  });

  it('cgroup v2 on a host: the process\'s own cgroup, not the root (which has no memory.events)', () => {
    const root = tree({ 'cgroup.controllers': 'memory pids\n', 'system.slice/app.service/memory.events': events(2), 'system.slice/app.service/memory.max': 'max\n' });
    const m = findMemoryCgroup('0::/system.slice/app.service\n', root)!;
    expect(m.directory).toBe(`${root}/system.slice/app.service`);
    expect(m.limit()).toBeNull();
    // Linux before 5.19 keeps no memory.peak.
    expect(m.peak()).toBeNull();
  });

  it('cgroup v1 (hybrid: an empty unified hierarchy beside the v1 controllers)', () => {
    const root = tree({
      'unified/cgroup.procs': '', 'memory/docker/abc/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
      'memory/docker/abc/memory.limit_in_bytes': '268435456\n', 'memory/docker/abc/memory.usage_in_bytes': '1048576\n',
      'memory/docker/abc/memory.max_usage_in_bytes': '2097152\n',
      'memory/docker/abc/memory.stat': 'cache 0\nhierarchical_memory_limit 134217728\nhierarchical_memsw_limit 9223372036854771712\n',
    });
    const m = findMemoryCgroup('4:memory:/docker/abc\n0::/\n', root)!;
    expect(m).toMatchObject({ version: 1, directory: `${root}/memory/docker/abc` });
    // The parent's 128 MiB is smaller than the cgroup's own 256 MiB: it is the one that bites.
    expect([m.oomKills(), m.limit(), m.usage(), m.peak()]).toEqual([1, 128 * MiB, 1 * MiB, 2 * MiB]);
  });

  it('cgroup v1 in a container: the host path is not mounted, the container\'s own cgroup is the controller\'s root', () => {
    const root = tree({ 'memory/memory.oom_control': 'oom_kill 0\n', 'memory/memory.limit_in_bytes': '9223372036854771712\n' });
    const m = findMemoryCgroup('4:memory:/docker/abc\n', root)!;
    expect(m.directory).toBe(`${root}/memory`);
    expect(m.limit()).toBeNull();
  });

  it('none: no cgroup file system, no memory controller, or no /proc', () => {
    expect(findMemoryCgroup('0::/\n', tree({}))).toBeNull();
    expect(findMemoryCgroup('8:pids:/x\n', tree({ 'pids/pids.current': '3\n' }))).toBeNull();
    expect(findMemoryCgroup(null, tree({ 'memory.events': events(0) }))).toBeNull();
  });
});

describe('OomKills', () => {
  function counting(start: number) {
    let kills = start;
    const cgroup = {
      version: 2 as const, directory: '/x', oomKills: () => kills, usage: () => 90 * MiB, limit: () => 128 * MiB, peak: () => 127.94 * MiB,
    };
    return { oom: new OomKills(cgroup), kill: () => { kills++; } };
  }

  it('a SIGKILL after the counter rose is the OOM killer\'s, once', () => {
    const { oom, kill } = counting(4);
    kill();
    expect(oom.check({ signaled: 9 })).toEqual({ kills: 1, limitBytes: 128 * MiB, peakBytes: 127.94 * MiB });
    expect(oom.check({ signaled: 9 })).toBeNull();
    expect(oom.sinceStart()).toBe(1);
  });

  it('not a SIGKILL, or no rise: not the OOM killer', () => {
    const { oom, kill } = counting(0);
    expect(oom.check({ signaled: 9 })).toBeNull();
    kill();
    expect(oom.check({ exited: 137 })).toBeNull();
    expect(oom.check({ signaled: 15 })).toBeNull();
  });

  it('procinit\'s own SIGKILL, with the counter looked at first, is not taken for the kernel\'s', () => {
    const { oom, kill } = counting(0);
    kill(); // a worker the app reaped itself
    oom.lookNow(); // --stop-timeout is about to SIGKILL the app
    expect(oom.check({ signaled: 9 })).toBeNull();
  });

  it('says nothing without a memory cgroup', () => {
    const oom = new OomKills(null);
    expect(oom.hasCgroup).toBe(false);
    expect(oom.check({ signaled: 9 })).toBeNull();
    expect(oom.sinceStart()).toBeNull();
  });
});

describe('the words', () => {
  it('formats sizes as people write them', () => {
    expect(formatBytes(128 * MiB)).toBe('128 MiB');
    expect(formatBytes(127.94 * MiB)).toBe('127.9 MiB');
    expect(formatBytes(1.5 * 1024 * MiB)).toBe('1.5 GiB');
  });
  it('names the limit, the peak and the fix', () => {
    expect(describeOomKill({ kills: 1, limitBytes: 128 * MiB, peakBytes: 127.94 * MiB })).toBe(
      "killed by the kernel's OOM killer at the container's 128 MiB limit, peak 127.9 MiB: raise --memory / resources.limits.memory, or lower the app's heap");
    expect(describeOomKill({ kills: 1, limitBytes: null, peakBytes: null })).toMatch(/^killed by the kernel's OOM killer with no memory limit on the container: the machine, or a limit above the container's \(the pod's\), ran out; set --memory/);
  });
});
