import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real processes and measure seconds; two cores, two workers.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/docker/**'] },
      },
      {
        // A real Docker engine and Podman: the global set-up starts private ones and builds the
        // images once per run, only when a file of test/docker is part of it.
        extends: true,
        test: {
          name: 'docker',
          include: ['test/docker/**/*.test.ts'],
          globalSetup: ['test/docker/global-setup.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
