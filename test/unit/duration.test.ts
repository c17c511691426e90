import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/limiter/duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['60s', 60_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['abc', '0s', '-1s', '1.5s', '60', 's', '1 s', '1w', '', '9999999999999999d'])(
    'refuses %j',
    (text) => {
      expect(parseDurationMs(text)).toBeNull();
    },
  );
});
