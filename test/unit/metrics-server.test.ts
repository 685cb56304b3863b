import { describe, expect, it } from 'vitest';
import { acceptBudget, answerFor } from '../../src/observability/metrics-server.js';

const metrics = () => Promise.resolve({ status: '200 OK', type: 'text/plain; version=0.0.4', body: 'x 1\n' });

describe('answerFor: one request head, its first line', () => {
  it('waits for the whole head', () => {
    expect(answerFor('GET /metrics HTTP/1.1\r\nHost: x\r\n', metrics)).toBeNull();
  });
  it('answers GET /metrics, with or without a query', async () => {
    expect((await answerFor('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', metrics))!.status).toBe('200 OK');
    expect((await answerFor('GET /metrics?x=1 HTTP/1.0\n\n', metrics))!.status).toBe('200 OK');
  });
  it.each(['POST /metrics HTTP/1.1', 'GET / HTTP/1.1', 'GET /metricsx HTTP/1.1', 'garbage'])('%j is 404', async (line) => {
    expect((await answerFor(`${line}\r\n\r\n`, metrics))!.status).toBe('404 Not Found');
  });
  it('ignores what was pipelined after the first head', async () => {
    expect((await answerFor('GET /x HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n', metrics))!.status).toBe('404 Not Found');
  });
});

describe('acceptBudget', () => {
  it('allows a burst of the rate, then the rate', () => {
    let t = 0;
    const may = acceptBudget(20, () => t);
    const burst = Array.from({ length: 30 }, () => may()).filter(Boolean).length;
    expect(burst).toBe(20);
    t += 500;
    expect(Array.from({ length: 30 }, () => may()).filter(Boolean).length).toBe(10);
    t += 10_000;
    expect(Array.from({ length: 30 }, () => may()).filter(Boolean).length).toBe(20);
  });
});
