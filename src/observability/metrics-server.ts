// The HTTP side of `--metrics`, on a plain TCP server: what one client or many can cost PID 1 is
// bounded. Node's HTTP server was measured here to parse a whole read of pipelined requests,
// making an object of each (a client re-opening connections kept the main loop 30 ms late and
// took 60 MiB), and to wake once a second for its connection checks. This reads one request head
// of at most HEAD_BYTES, answers it and closes the connection:
// - a client that pipelines thousands of requests and reads nothing gets one answer; reading stops
//   after the head, so the rest stays in the kernel's socket buffer, not procinit's heap;
// - at most MAX_CONNECTIONS at once (Node closes the rest on accept), each closed after IDLE_MS,
//   the time a request head has to arrive whole;
// - at most ACCEPTS_PER_SECOND connections read from a second (a burst of as many): beyond that a
//   new one is closed before anything is read from it, and procinit stops listening for
//   PAUSE_MS, so the kernel refuses the flood itself. A client re-opening connections in a loop
//   grew procinit's anonymous memory by 80 MiB in 3 s with neither, by 20 MiB (20,000 sockets made
//   and closed) with the budget alone, by nothing measurable with the pause;
// - the text is rendered at most once a RENDER_EVERY_MS (Prometheus scrapes every 15 s or so);
// - no timer runs while no client is connected.
import { createRequire } from 'node:module';
import type { Server, Socket } from 'node:net';
import type { ListenAddress } from './metrics-address.js';

export const METRICS_LIMITS = {
  maxConnections: 16, idleMs: 5_000, headBytes: 8_192, renderEveryMs: 1_000, acceptsPerSecond: 20, pauseMs: 1_000,
} as const;

/** Where the endpoint says it stopped listening for a while, or for good. */
export interface MetricsNotices { warn(message: string, fields?: Record<string, unknown>): void }

/** A token bucket refilled on demand from the clock: no timer. */
export function acceptBudget(perSecond: number, now: () => number = () => performance.now()): () => boolean {
  let tokens = perSecond;
  let at = now();
  return () => {
    const t = now();
    tokens = Math.min(perSecond, tokens + ((t - at) / 1_000) * perSecond);
    at = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

export interface MetricsServer { address: string; close(): void }

type Answer = { status: string; type: string; body: string };

/** The answer to a request head (its first line is all that matters), or null while it is partial. */
export function answerFor(head: string, metrics: () => Promise<Answer>): Promise<Answer> | null {
  const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
  if (end < 0) return null;
  const [method, target] = head.slice(0, head.search(/\r?\n/)).split(' ');
  if (method === 'GET' && (target ?? '').split('?')[0] === '/metrics') return metrics();
  return Promise.resolve({ status: '404 Not Found', type: 'text/plain', body: 'procinit serves /metrics only\n' });
}

/** Answers and closes; closed whole once written, even if the client never reads or hangs up. */
function respond(socket: Socket, { status, type, body }: Answer): void {
  const head = `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  socket.end(head + body, () => socket.destroy());
}

/**
 * Stops listening for pauseMs: connections then queue in, and overflow, the kernel's backlog, at
 * no cost to procinit. Warns at most once a minute; a failed re-listen (the port taken meanwhile)
 * ends the endpoint with a warning, it never retries in a loop.
 */
function floodPause(server: Server, listen: ListenAddress, notices: MetricsNotices) {
  let paused = false;
  let stopped = false;
  let warnedAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  server.on('error', (error: NodeJS.ErrnoException) => {
    notices.warn(`metrics endpoint closed: cannot listen again on ${listen.host}:${listen.port} (${error.code ?? error.message}); `
      + 'procinit and the app run on without it', { event: 'metrics-closed', code: error.code });
  });
  return {
    pause(): void {
      if (paused || stopped) return;
      paused = true;
      server.close();
      const now = performance.now();
      if (now - warnedAt >= 60_000) {
        warnedAt = now;
        notices.warn(`metrics: over ${METRICS_LIMITS.acceptsPerSecond} connections a second, not listening for ${METRICS_LIMITS.pauseMs} ms at a time`,
          { event: 'metrics-flood' });
      }
      timer = setTimeout(() => {
        paused = false;
        if (!stopped) server.listen(listen.port, listen.host);
      }, METRICS_LIMITS.pauseMs);
      timer.unref();
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
      server.close();
    },
  };
}

export async function serveMetrics(listen: ListenAddress, render: () => Promise<string>, contentType: string,
  notices: MetricsNotices = { warn: () => {} }): Promise<MetricsServer> {
  const net = createRequire(__filename)('node:net') as typeof import('node:net');
  let latest: { at: number; answer: Promise<Answer> } | null = null;
  const metrics = () => {
    const now = performance.now();
    if (!latest || now - latest.at >= METRICS_LIMITS.renderEveryMs) {
      latest = {
        at: now,
        answer: render().then(
          (body) => ({ status: '200 OK', type: contentType, body }),
          (error) => ({ status: '500 Internal Server Error', type: 'text/plain', body: `${String(error)}\n` }),
        ),
      };
    }
    return latest.answer;
  };

  const mayRead = acceptBudget(METRICS_LIMITS.acceptsPerSecond);
  let flood: ReturnType<typeof floodPause> | undefined;
  // Paused on connect: a connection over budget is closed before Node reads a byte of it.
  const server: Server = net.createServer({ pauseOnConnect: true }, (socket) => {
    if (!mayRead()) {
      socket.destroy();
      flood?.pause();
      return;
    }
    socket.resume();
    let head = '';
    socket.setTimeout(METRICS_LIMITS.idleMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1', 0, Math.min(chunk.length, METRICS_LIMITS.headBytes - head.length));
      const answer = answerFor(head, metrics);
      if (answer === null && head.length < METRICS_LIMITS.headBytes) return;
      // One request a connection: read no more of it.
      socket.pause();
      socket.removeAllListeners('data');
      if (answer === null) {
        respond(socket, { status: '431 Request Header Fields Too Large', type: 'text/plain', body: 'request head too large\n' });
        return;
      }
      answer.then((a) => { if (!socket.destroyed) respond(socket, a); }, () => socket.destroy());
    });
  });
  server.maxConnections = METRICS_LIMITS.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => { server.off('error', reject); resolve(); });
  });
  // After start-up a listen error is a warning (floodPause's handler): it must not reach PID 1.
  flood = floodPause(server, listen, notices);
  server.unref();
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? `${bound.address}:${bound.port}` : String(bound);
  return { address, close: () => flood!.stop() };
}
