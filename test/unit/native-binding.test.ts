// Guards what procinit borrows from Node: process.on for named signals, and Node's own signal_wrap
// binding for the real-time ones. If a Node release removes the binding, the real-time test fails
// loudly here (vitest runs without --expose-internals on 24+, so it checks the warning path there).
import { describe, expect, it } from 'vitest';
import { realtimeSupport, watchNamedSignals, watchRealtimeSignals } from '../../native/signals.js';
import { loadNative } from '../../native/index.js';

const major = Number(process.versions.node.split('.')[0]);

describe('signals through process.on', () => {
  it('delivers a named signal sent to this process, by number', async () => {
    const got = await new Promise<number>((resolve) => {
      const watch = watchNamedSignals([12], (signal) => { watch.close(); resolve(signal); });
      process.kill(process.pid, 'SIGUSR2');
    });
    expect(got).toBe(12);
  });

  it('refuses the uncatchable signals and numbers without a name', () => {
    const watch = watchNamedSignals([9, 19, 40], () => {});
    expect(watch.failed).toEqual([9, 19, 40]);
    watch.close();
  });
});

describe("real-time signals through Node's signal_wrap", () => {
  it('is found through process.binding up to Node 22, and explains itself where it is not', () => {
    const support = realtimeSupport();
    if (major <= 22) expect(support).toMatchObject({ ok: true, via: 'process.binding' });
    else if (process.execArgv.includes('--expose-internals')) expect(support).toMatchObject({ ok: true, via: 'internalBinding' });
    else expect(support).toMatchObject({ ok: false, why: expect.stringContaining('--expose-internals') });
  });

  it('delivers a real-time signal sent to this process when the binding is there', async () => {
    if (!realtimeSupport().ok) {
      expect(watchRealtimeSignals([41], () => {}).failed).toEqual([41]);
      return;
    }
    const got = await new Promise<number>((resolve) => {
      const watch = watchRealtimeSignals([41], (signal) => { watch.close(); resolve(signal); });
      process.kill(process.pid, 41);
    });
    expect(got).toBe(41);
  });
});

describe('the C library through koffi', () => {
  it('loads and answers', () => {
    const native = loadNative();
    expect(native.getpid()).toBe(process.pid);
    expect(native.realtimeRange.min).toBeGreaterThanOrEqual(34);
    expect(native.realtimeRange.max).toBe(64);
    expect(native.kill(process.pid, 0)).toBe('sent');
    expect(native.kill(2 ** 22 + 1, 0)).toBe('gone');
  });
});

describe('spawning a service: a working directory and descriptors at fixed numbers', () => {
  const waitExit = async (native: ReturnType<typeof loadNative>, pid: number) => {
    for (let i = 0; i < 500; i++) {
      const result = native.waitFor(pid);
      if (result.kind === 'reaped') return result.status;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`pid ${pid} did not end`);
  };

  it('runs the child in cwd and gives it a pipe end as fd 3 (and as fd 4, the same end twice)', async () => {
    const { mkdtempSync, readFileSync, closeSync, realpathSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const native = loadNative();
    expect(native.canSpawnWithCwd).toBe(true); // glibc 2.36 here; musl and glibc >= 2.29 have it
    const dir = realpathSync(mkdtempSync(`${tmpdir()}/procinit-spawn-`));
    const pipe = native.pipe();
    if (!pipe.ok) throw new Error(pipe.code);
    const spawned = native.spawn({
      // Which of the pipe's own numbers the child holds: none, they are close-on-exec.
      file: 'sh', argv: ['sh', '-c', `pwd > where; echo ready >&3; echo again >&4; for n in ${pipe.read} ${pipe.write}; do [ -e /proc/$$/fd/$n ] && echo $n; done > leaked; exit 0`],
      env: [`PATH=${process.env.PATH}`], takeForeground: false, cwd: dir,
      descriptors: [{ from: pipe.write, to: 3 }, { from: pipe.write, to: 4 }],
    });
    closeSync(pipe.write);
    if (!spawned.ok) throw new Error(spawned.code);
    expect(await waitExit(native, spawned.pid)).toEqual({ exited: 0 });
    const buffer = Buffer.alloc(64);
    const n = (await import('node:fs')).readSync(pipe.read, buffer);
    closeSync(pipe.read);
    expect(buffer.subarray(0, n).toString()).toBe('ready\nagain\n');
    expect(readFileSync(`${dir}/where`, 'utf8')).toBe(`${dir}\n`);
    // Counting every fd above 4 depended on the runner's own descriptors (it failed in CI).
    const leaked = readFileSync(`${dir}/leaked`, 'utf8').split('\n').filter(Boolean).map(Number);
    expect(leaked.filter((fd) => fd !== 3 && fd !== 4)).toEqual([]);
  });

  it('moves a descriptor out of the way when it is itself a target', async () => {
    const { closeSync, readSync } = await import('node:fs');
    const native = loadNative();
    const a = native.pipe();
    const b = native.pipe();
    if (!a.ok || !b.ok) throw new Error('pipe');
    // a.write becomes b.write's number in the child, and b.write becomes 3: naive dup2s in this
    // order would give fd 3 a's pipe. (bash: dash redirects only descriptors 0-9.)
    const spawned = native.spawn({
      file: 'bash', argv: ['bash', '-c', `echo A >&${b.write}; echo B >&3`], env: [`PATH=${process.env.PATH}`],
      takeForeground: false, descriptors: [{ from: a.write, to: b.write }, { from: b.write, to: 3 }],
    });
    closeSync(a.write);
    closeSync(b.write);
    if (!spawned.ok) throw new Error(spawned.code);
    expect(await waitExit(native, spawned.pid)).toEqual({ exited: 0 });
    const read = (fd: number) => { const buf = Buffer.alloc(16); return buf.subarray(0, readSync(fd, buf)).toString(); };
    expect(read(a.read)).toBe('A\n');
    expect(read(b.read)).toBe('B\n');
    closeSync(a.read);
    closeSync(b.read);
  });

  it('reports a missing working directory as the spawn error ENOENT', async () => {
    const native = loadNative();
    const spawned = native.spawn({ file: 'true', argv: ['true'], env: [`PATH=${process.env.PATH}`], takeForeground: false,
      cwd: '/nonexistent/procinit-dir' });
    expect(spawned).toMatchObject({ ok: false, code: 'ENOENT' });
  });
});
