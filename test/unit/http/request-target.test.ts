import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from '../../../src/http/request-target.js';

describe('parseRequestTarget', () => {
  it('splits origin-form at the first ?', () => {
    expect(parseRequestTarget('/graphql?query=%7B%7D&a=?')).toEqual({
      pathname: '/graphql',
      search: '?query=%7B%7D&a=?',
    });
    expect(parseRequestTarget('/graphql')).toEqual({ pathname: '/graphql', search: '' });
  });

  it('reduces absolute-form to path and query', () => {
    expect(parseRequestTarget('http://example.com:8080/graphql?x=1')).toEqual({
      pathname: '/graphql',
      search: '?x=1',
    });
    expect(parseRequestTarget('HTTPS://example.com')).toEqual({ pathname: '/', search: '' });
  });

  it('never throws on targets a URL parser refuses, and keeps them as paths', () => {
    for (const target of ['//', '/\\', '//[', '//a:99999', '//[::1', '/%zz', '//?', '/#x']) {
      expect(() => parseRequestTarget(target), target).not.toThrow();
      expect(parseRequestTarget(target)?.pathname.startsWith('/'), target).toBe(true);
    }
  });

  it('has no path for asterisk-form, authority-form or garbage', () => {
    for (const target of ['*', 'example.com:443', 'graphql', '', undefined, 'ftp://x/graphql']) {
      expect(parseRequestTarget(target), String(target)).toBeUndefined();
    }
  });
});
