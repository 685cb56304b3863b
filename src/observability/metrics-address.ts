// `--metrics [HOST:]PORT`: `9090`, `:9090`, `127.0.0.1:9090`, `[::1]:9090`.
export interface ListenAddress { host: string; port: number }

export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}
