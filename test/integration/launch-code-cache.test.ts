// Issue 10, item 8: V8 takes a code cache made by its own version only, so procinit keeps one per
// Node version (and flag set) in dist/cache/: made on a Node's first run where dist/ is writable,
// used from then on. A read-only package works all the same, writing nothing.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, requireTools, start, tempDir } from '../helpers/procs.js';

/** A copy of the package (bin, dist without its caches, LICENSE) using this checkout's node_modules. */
function packageCopy(): string {
  const dir = join(tempDir(), 'procinit');
  mkdirSync(dir);
  for (const part of ['bin', 'dist', 'LICENSE']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  rmSync(join(dir, 'dist/cache'), { recursive: true, force: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const caches = (dir: string) => (existsSync(join(dir, 'dist/cache')) ? readdirSync(join(dir, 'dist/cache')) : []);

describe('the V8 code cache', () => {
  it('is made for this Node on its first run, then kept', async () => {
    const dir = packageCopy();
    expect((await start([join(dir, 'bin/procinit'), '--', 'true']).done).code).toBe(0);
    const made = caches(dir);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(new RegExp(`^procinit\\.bundle\\.${process.version.replace(/\./g, '\\.')}-${process.arch}-\\w+\\.v8$`));
    expect((await start([join(dir, 'bin/procinit'), '--', 'true']).done).code).toBe(0);
    expect(caches(dir)).toEqual(made);
  });

  it.skipIf(!requireTools('unshare', 'mount'))('a read-only package starts and writes nothing', async () => {
    const dir = packageCopy();
    const result = await start(['unshare', '--mount', 'sh', '-c',
      'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && exec "$1/bin/procinit" -- sh -c "echo ran"', 'sh', dir]).done;
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: 'ran\n', stderr: '' });
    expect(caches(dir)).toEqual([]);
  });
});
