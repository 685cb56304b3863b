// `--metrics [HOST:]PORT`: `9090`, `:9090`, `127.0.0.1:9090`, `[::1]:9090`, `localhost:9090`.
// The host is an address, not a name: resolving a name would start libuv's thread pool in PID 1.
// node:net is required here only when there is a host to check: loading it costs ~8 ms of
// start-up (measured on Node 24), a third of what procinit adds to Node's own.
import { createRequire } from 'node:module';

export interface ListenAddress { host: string; port: number }

export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  // Port 0 would listen on a port nobody is told of.
  if (port === 0 || port > 65535) return undefined;
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '');
  if (host === '') return { host: '0.0.0.0', port };
  if (host === 'localhost') return { host: '127.0.0.1', port };
  const { isIP } = createRequire(__filename)('node:net') as typeof import('node:net');
  return isIP(host) ? { host, port } : undefined;
}
