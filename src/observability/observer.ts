// What the supervisor tells the optional watchers (metrics, the pids watch) as things happen.
// Each call must be cheap and must not throw: it runs on the reaping and forwarding paths.
export interface Observer {
  forwarded(signalName: string): void;
  reaped(role: 'main' | 'orphan'): void;
  /** After a burst of reaping, and after the spawn. */
  processesChanged(): void;
  childGone(): void;
}

export function combineObservers(observers: Array<Partial<Observer>>): Observer {
  const each = <K extends keyof Observer>(key: K) => (...args: Parameters<Observer[K]>) => {
    for (const o of observers) {
      try {
        (o[key] as ((...a: Parameters<Observer[K]>) => void) | undefined)?.(...args);
      } catch {
        // a watcher's failure must not reach PID 1's handlers
      }
    }
  };
  return { forwarded: each('forwarded'), reaped: each('reaped'), processesChanged: each('processesChanged'),
    childGone: each('childGone') };
}
