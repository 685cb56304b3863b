// What the Docker suite's global set-up hands to every test file (vitest's provide/inject).
export interface EngineContext {
  ready: boolean;
  /** Why the engine is not ready: the error, to fail (CI) or skip with. */
  why: string;
  /** The CLI and the global options that make it talk to this run's private engine. */
  argv: string[];
  env: Record<string, string>;
  version: string;
}

export interface DockerSuiteContext {
  docker: EngineContext;
  podman: EngineContext;
  /** A world-readable directory of this run; tests make their /shared folders in it. */
  work: string;
  /** JSON lines of measured stop times, turned into a table at the end of the run. */
  timings: string;
  nodeVersion: string;
  /** docker-compose, when it is installed; else null. */
  compose: string | null;
  images: {
    /** The node:24-slim stand-in, under the name Dockerfile.example's FROM uses. */
    slim: string;
    /** node and its libraries only: the distroless stand-in. */
    shellLess: string;
    /** slim + procinit installed globally (/usr/local) + test/docker/fixtures at /fixtures. */
    fixtures: string;
  };
  /** procinit from `npm pack`, installed globally into a prefix, and locally into an app dir. */
  procinit: { tarball: string; globalPrefix: string; localApp: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    procinitDocker: DockerSuiteContext;
  }
}
