// Bundles the init into one file: one read and one compile at start-up instead of dozens.
// koffi (a native addon) and pino (loaded only when a record is written) stay outside.
// `procinit probe` (a developer tool, not the init) is a bundle of its own, dist/probe.js, which
// entry.ts requires at run time for `procinit probe` only: a plain run never reads it. Services
// (src/services/) are dist/services.js, required only with a config and by `procinit status`.
//
// Two start-up savings, measured by `npm run bench` (README, Performance):
// - koffi is loaded by its prebuilt addon's path. koffi's own loader (four modules, an ELF parse
//   of the node binary, a package lookup) costs ~5 ms per start; the addon alone ~1 ms. Where the
//   addon is not found at the usual places, `require('koffi')` does the work as before.
// - dist/procinit.js is a small loader that compiles the bundle (dist/procinit.bundle.js) with
//   V8's code cache, one file per Node version in dist/cache/: this Node's is made here by one
//   training run through bin/procinit, so that V8's flags match; another Node's by procinit's first
//   run on it. V8 rejects a cache from another V8 version or other flags and then compiles as
//   usual; it checks the source's length only, so the caches go whenever the bundle is rebuilt:
//   never edit the bundle in dist/ by hand.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const koffiMajor = JSON.parse(readFileSync(new URL('./node_modules/koffi/package.json', import.meta.url), 'utf8'))
  .version.split('.')[0];

/** `import koffi from 'koffi'` becomes this module. Runs once, at start-up. */
const KOFFI_DIRECT = `
const { existsSync, openSync, readSync, closeSync } = require('node:fs');
// Which libc the node binary runs on, as koffi decides it: its ELF interpreter.
function nodeUsesMusl() {
  let fd = -1;
  try {
    fd = openSync(process.execPath, 'r');
    const head = Buffer.alloc(4096);
    readSync(fd, head, 0, head.length, 0);
    return head.includes('/ld-musl-');
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
function loadAddon() {
  if (process.platform !== 'linux') return null;
  const arch = process.arch;
  const file = \`koffi-linux-\${arch}/\${nodeUsesMusl() ? 'musl' : 'linux'}_\${arch}/koffi.node\`;
  // Beside procinit (a checkout, a global install), or hoisted next to it (a dependency).
  for (const dir of [\`\${__dirname}/../node_modules\`, \`\${__dirname}/../..\`]) {
    for (const path of [\`\${dir}/@koromix/\${file}\`, \`\${dir}/koffi/node_modules/@koromix/\${file}\`]) {
      if (!existsSync(path)) continue;
      try {
        const addon = require(path);
        if (typeof addon.load === 'function' && typeof addon.errno === 'function'
          && String(addon.version).split('.')[0] === ${JSON.stringify(koffiMajor)}) return addon;
      } catch {
        // not loadable here: koffi's own loader below
      }
    }
  }
  return null;
}
module.exports = loadAddon() ?? require('koffi');
`;

const koffiDirect = {
  name: 'koffi-direct',
  setup(b) {
    b.onResolve({ filter: /^koffi$/ }, (args) => (args.namespace === 'koffi-direct'
      ? { path: 'koffi', external: true } : { path: 'koffi', namespace: 'koffi-direct' }));
    b.onLoad({ filter: /.*/, namespace: 'koffi-direct' }, () => ({ contents: KOFFI_DIRECT, loader: 'js' }));
  },
};

const LOADER = `'use strict';
// procinit's loader, written by build.mjs: compiles procinit.bundle.js with a V8 code cache, so a
// start skips parsing and compiling most of procinit's functions. V8 takes a cache made by its own
// version only, so each Node version has its own file: made by build.mjs's training run for the
// Node that built it, and for any other by procinit's first run on it, where dist/ is writable.
const fs = require('node:fs');
const { Script } = require('node:vm');
const file = \`\${__dirname}/procinit.bundle.js\`;
// V8 also rejects a cache made under other V8 flags: one file for each Node version and flag set.
let flagsKey = 5381;
for (const c of process.execArgv.join(' ')) flagsKey = (flagsKey * 33 + c.charCodeAt(0)) >>> 0;
const cacheFile = \`\${__dirname}/cache/procinit.bundle.\${process.version}-\${process.arch}-\${flagsKey.toString(36)}.v8\`;
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  // none yet for this Node: V8 compiles as usual
}
const script = new Script(fs.readFileSync(file, 'utf8'), { filename: file, cachedData });
/** Saves what V8 compiled so far, if this Node had no usable cache; never throws. */
function saveCodeCache() {
  if (cachedData && !script.cachedDataRejected && !process.env.PROCINIT_WRITE_CODE_CACHE) return;
  try {
    fs.mkdirSync(\`\${__dirname}/cache\`, { recursive: true });
    const partial = \`\${cacheFile}.\${process.pid}\`;
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, cacheFile);
    cachedData = true;
  } catch {
    // a read-only file system: start-up stays a few ms slower
  }
}
// At exit too: a run may end before the bundle's own call after the spawn (procinit -- true).
process.once('exit', saveCodeCache);
script.runInThisContext()(exports, require, module, __filename, __dirname, saveCodeCache);
`;

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { PROCINIT_VERSION: JSON.stringify(version) },
  legalComments: 'none',
  logLevel: 'warning',
};

const bundle = 'dist/procinit.bundle.js';
rmSync('dist/cache', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { 'procinit.bundle': 'src/launch/entry.ts' },
  outdir: 'dist',
  external: ['pino', './probe.js', './services.js', 'internal/test/binding'],
  plugins: [koffiDirect],
  // A function of the loader's CommonJS bindings: require and __dirname resolve from dist/.
  banner: { js: '(function (exports, require, module, __filename, __dirname, saveCodeCache) {' },
  footer: { js: '})' },
});
writeFileSync('dist/procinit.js', LOADER);
await build({ ...common, entryPoints: { probe: 'src/probe/index.ts' }, outdir: 'dist', external: ['koffi', 'pino'] });
await build({ ...common, entryPoints: { services: 'src/services/index.ts' }, outdir: 'dist', external: ['koffi', 'pino', 'prom-client'] });

// The training run: procinit starting /bin/true through the launcher, so node gets its flags, and
// saving its code cache as it exits, when every function of a whole run has been compiled.
const trained = spawnSync(new URL('./bin/procinit', import.meta.url).pathname, ['--', '/bin/true'], {
  env: { ...process.env, PROCINIT_WRITE_CODE_CACHE: '1' }, stdio: 'ignore', timeout: 30_000,
});
const cached = existsSync('dist/cache') && readdirSync('dist/cache').some((f) => f.startsWith(`procinit.bundle.${process.version}-`)
  && statSync(`dist/cache/${f}`).size > 0);
if (trained.status !== 0 || !cached) {
  console.warn('build: no V8 code cache (the training run failed); procinit starts a few ms slower');
}
