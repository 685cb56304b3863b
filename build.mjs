// Bundles the init into one file: one read and one compile at start-up instead of dozens.
// koffi (a native addon) and pino (loaded only when a record is written) stay outside.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/entry.ts'],
  outfile: 'dist/procinit.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi', 'pino'],
  define: { PROCINIT_VERSION: JSON.stringify(version) },
  legalComments: 'none',
  logLevel: 'warning',
});
