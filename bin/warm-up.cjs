// npm's postinstall: one run of procinit on the Node that installs it, so that V8's code cache
// for that Node is in dist/cache/ before the first real start (an image built with `npm install`
// then starts fast from its first container on, read-only root file system included). Through
// the launcher and as `node dist/procinit.js`, the two forms users start it in. Never fails the
// install: in a checkout, dist/ is built after this, by prepare, whose training run does the same.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist', 'procinit.js');
if (existsSync(dist) && process.platform === 'linux') {
  const env = { ...process.env, PROCINIT_WRITE_CODE_CACHE: '1' };
  const child = [process.execPath, '-e', ''];
  for (const argv of [[join(__dirname, 'procinit'), '--', ...child], [process.execPath, dist, '--', ...child]]) {
    try {
      spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore', timeout: 30_000 });
    } catch {
      // no sh, or no write access to dist/cache: procinit starts a few ms slower
    }
  }
}
