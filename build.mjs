// Bundles the init into one file: one read and one compile at start-up instead of dozens.
// koffi (a native addon) and pino (loaded only when a record is written) stay outside.
// `procinit probe` (a developer tool, not the init) is a bundle of its own, dist/probe.js, which
// entry.ts requires at run time for `procinit probe` only: a plain run never reads it.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { procinit: 'src/entry.ts', probe: 'src/probe/index.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi', 'pino', './probe.js'],
  define: { PROCINIT_VERSION: JSON.stringify(version) },
  legalComments: 'none',
  logLevel: 'warning',
});
