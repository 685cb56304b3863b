// The bundle's entry. Import order matters: early-signals installs the handlers before main's
// imports (commander, koffi) spend tens of milliseconds loading. Hence require() in this order
// rather than import statements, which would be hoisted above the `probe` branch.
//
// `procinit probe ...` is a developer tool, not the init: it lives in its own bundle next to this
// one (dist/probe.js), required only here, so a plain run never reads or compiles its code. So do
// services (dist/services.js): `procinit status`, and main.ts with a config, require it.
declare const saveCodeCache: (() => void) | undefined;

if (process.argv[2] === 'probe') {
  const { probeMain } = require('./probe.js') as typeof import('../probe/index.js');
  probeMain(process.argv.slice(3)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`procinit probe: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(3);
    },
  );
} else if (process.argv[2] === 'status') {
  // `procinit status`, a Docker HEALTHCHECK: the services chunk only, no koffi, no signals.
  const { statusMain } = require('./services.js') as typeof import('../services/index.js');
  process.exit(statusMain(process.argv.slice(3)));
} else {
  const { inbox } = require('./early-signals.js') as typeof import('./early-signals.js');
  const { main } = require('../main.js') as typeof import('../main.js');
  // Passed in by dist/procinit.js, the loader (build.mjs): saves V8's code cache for this Node.
  const afterStart = typeof saveCodeCache === 'function' ? saveCodeCache : () => {};
  // main handles every error it expects; anything else before the child runs still gets one
  // line and a documented code, never a stack trace. (After the spawn, main only sets up
  // handlers that cannot throw out.)
  main(inbox, afterStart).catch((error: unknown) => {
    process.stderr.write(`procinit: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
