import { describe, expect, it } from 'vitest';
import { bucketKey, inflightKey, windowKey } from '../../../src/limiter/keys.js';

describe('Redis keys', () => {
  it("keep a client's keys in one hash tag, a brace in the client's name included", () => {
    expect(bucketKey('ip:1.2.3.4')).toBe('tg:{ip:1.2.3.4}:bucket');
    for (const client of ['key:a{b', 'key:a}b{c}', '{}']) {
      const tag = bucketKey(client).slice(3, bucketKey(client).indexOf('}') + 1);
      expect(tag.match(/[{}]/g)).toEqual(['{', '}']);
      expect(windowKey(client, 'Query.data').startsWith(`tg:${tag}:`)).toBe(true);
      expect(inflightKey(client).startsWith(`tg:${tag}:`)).toBe(true);
    }
  });
});
