import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/launch/duration.js';

describe('parseDuration', () => {
  it.each([['500ms', 500], ['5s', 5000], ['1m', 60_000], ['2', 2000], ['0', 0], ['0.25', 250], ['1.5s', 1500], [' 3s ', 3000], ['1h', 3_600_000]])(
    '%j is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', 's', '-1', '5 parsecs', '1e3', '5sec', 'ms'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});
