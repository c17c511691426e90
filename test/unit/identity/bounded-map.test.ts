import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../../src/identity/bounded-map.js';

describe('a bounded map', () => {
  it('drops the least recently used entry to make room, never more, never all', () => {
    const map = new BoundedMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    expect(map.get('a')).toBe(1); // a is now the most recently used
    map.set('d', 4);
    expect(map.size).toBe(3);
    expect(map.get('b')).toBeUndefined();
    expect([map.get('a'), map.get('c'), map.get('d')]).toEqual([1, 3, 4]);
  });

  it('stays at its capacity under a flood of new keys', () => {
    const map = new BoundedMap<number, number>(1000);
    for (let i = 0; i < 200_000; i++) map.set(i, i);
    expect(map.size).toBe(1000);
    expect(map.get(199_999)).toBe(199_999);
    expect(map.get(0)).toBeUndefined();
  });

  it('setting a key again replaces it without evicting another', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3);
    expect([map.get('a'), map.get('b'), map.size]).toEqual([3, 2, 2]);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});
