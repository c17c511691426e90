import { describe, expect, it } from 'vitest';
import { DEFAULT_KEY_SOURCES, presentedKey } from '../../../src/identity/presented-key.js';

const KEY = `tg_abcdefghij_${'A'.repeat(43)}`;

describe('the key a request presents', () => {
  it('is any non-empty value of the key header, well-formed or not', () => {
    expect(presentedKey({ 'x-api-key': KEY }, DEFAULT_KEY_SOURCES)).toBe(KEY);
    expect(presentedKey({ 'x-api-key': ' let-me-in ' }, DEFAULT_KEY_SOURCES)).toBe('let-me-in');
    expect(presentedKey({ 'x-api-key': '' }, DEFAULT_KEY_SOURCES)).toBeUndefined();
    expect(presentedKey({ 'x-api-key': '  ' }, DEFAULT_KEY_SOURCES)).toBeUndefined();
  });

  it('is a bearer token only when it has the key prefix, whatever its case of "Bearer"', () => {
    expect(presentedKey({ authorization: `Bearer ${KEY}` }, DEFAULT_KEY_SOURCES)).toBe(KEY);
    expect(presentedKey({ authorization: `bearer  ${KEY} ` }, DEFAULT_KEY_SOURCES)).toBe(KEY);
    expect(presentedKey({ authorization: 'Bearer tg_garbage' }, DEFAULT_KEY_SOURCES)).toBe('tg_garbage');
  });

  it.each([
    ['a JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl'],
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['a bare key without a scheme', KEY],
    ['an empty bearer', 'Bearer '],
    ['two tokens', `Bearer ${KEY} more`],
  ])('leaves %s in Authorization to the app', (_, authorization) => {
    expect(presentedKey({ authorization }, DEFAULT_KEY_SOURCES)).toBeUndefined();
  });

  it('reads the configured header only, and no bearer token when told not to', () => {
    const sources = { apiKeyHeader: 'x-tollgate-key', bearerApiKeys: false };
    expect(presentedKey({ 'x-api-key': KEY }, sources)).toBeUndefined();
    expect(presentedKey({ authorization: `Bearer ${KEY}` }, sources)).toBeUndefined();
    expect(presentedKey({ 'x-tollgate-key': KEY }, sources)).toBe(KEY);
    expect(presentedKey({ 'x-api-key': KEY }, { apiKeyHeader: null, bearerApiKeys: true })).toBeUndefined();
  });

  it('prefers the key header to a bearer token', () => {
    expect(presentedKey({ 'x-api-key': 'first', authorization: `Bearer ${KEY}` }, DEFAULT_KEY_SOURCES)).toBe(
      'first',
    );
  });
});
