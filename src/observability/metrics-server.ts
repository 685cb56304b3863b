// The HTTP side of `--metrics`, hardened: what one client or many can cost PID 1 is bounded.
// - One request a connection, answered and closed: a client that pipelines thousands of requests
//   and reads nothing gets one answer; reading stops after the first request, so the rest stays
//   in the kernel's socket buffer instead of procinit's heap.
// - At most MAX_CONNECTIONS at once (Node closes the rest on accept), each gone after IDLE_MS, and
//   a request must arrive whole within REQUEST_MS.
// - The text is rendered at most once a RENDER_EVERY_MS (Prometheus scrapes every 15 s or so): a
//   flood of scrapes costs the main loop, which forwards signals, almost nothing.
import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { ListenAddress } from './metrics-address.js';

export const METRICS_LIMITS = { maxConnections: 16, idleMs: 10_000, requestMs: 5_000, renderEveryMs: 1_000 } as const;

export interface MetricsServer { address: string; close(): void }

export async function serveMetrics(listen: ListenAddress, render: () => Promise<string>, contentType: string):
  Promise<MetricsServer> {
  const http = createRequire(__filename)('node:http') as typeof import('node:http');
  let latest: { at: number; text: Promise<string> } | null = null;
  const text = () => {
    const now = performance.now();
    if (!latest || now - latest.at >= METRICS_LIMITS.renderEveryMs) latest = { at: now, text: render() };
    return latest.text;
  };
  const served = new WeakSet<Socket>();

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (served.has(socket)) {
      socket.destroy(); // a pipelined request after the first
      return;
    }
    served.add(socket);
    socket.pause();
    response.shouldKeepAlive = false;
    const done = () => socket.destroy();
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404).end('procinit serves /metrics only\n', done);
      return;
    }
    text().then(
      (body) => response.writeHead(200, { 'Content-Type': contentType }).end(body, done),
      (error) => response.writeHead(500).end(`${String(error)}\n`, done),
    );
  };

  const server: Server = http.createServer({
    requestTimeout: METRICS_LIMITS.requestMs, headersTimeout: METRICS_LIMITS.requestMs,
    connectionsCheckingInterval: 1_000, maxHeaderSize: 8_192,
  }, answer);
  server.maxConnections = METRICS_LIMITS.maxConnections;
  server.on('connection', (socket) => socket.setTimeout(METRICS_LIMITS.idleMs, () => socket.destroy()));
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => { server.off('error', reject); resolve(); });
  });
  server.on('error', () => {}); // after start-up, a socket error must not reach PID 1
  server.unref();
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? `${bound.address}:${bound.port}` : String(bound);
  return { address, close: () => server.close() };
}
