import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import {
  createAddressResolver,
  type ProxyHeader,
  parseTrustedProxies,
  type TrustedProxies,
} from '../../../src/identity/client-address.js';

const resolver = (trust: string, ipv6PrefixLength = 64, proxyHeader?: ProxyHeader) =>
  createAddressResolver({
    trustedProxies: parseTrustedProxies(trust) as TrustedProxies,
    ipv6PrefixLength,
    ...(proxyHeader ? { proxyHeader } : {}),
  });

describe('client addresses', () => {
  it('is the TCP peer by default, whatever X-Forwarded-For and Forwarded claim', () => {
    const resolve = resolver('');
    const spoofed = { 'x-forwarded-for': '1.2.3.4', forwarded: 'for=5.6.7.8' };
    expect(resolve(spoofed, '203.0.113.7')).toBe('203.0.113.7');
    expect(resolve({}, '::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('with a hop count, takes the address that many trusted proxies back', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 198.51.100.1, 10.0.0.2' };
    expect(resolver('1')(headers, '10.0.0.1')).toBe('10.0.0.2');
    expect(resolver('2')(headers, '10.0.0.1')).toBe('198.51.100.1');
    // More hops than entries: the left-most address, never beyond it.
    expect(resolver('9')(headers, '10.0.0.1')).toBe('6.6.6.6');
  });

  it('with CIDRs, takes the right-most address that is not a trusted proxy', () => {
    const resolve = resolver('10.0.0.0/8, 192.0.2.1');
    expect(resolve({ 'x-forwarded-for': '6.6.6.6, 198.51.100.1, 10.1.2.3' }, '192.0.2.1')).toBe(
      '198.51.100.1',
    );
    // An untrusted peer is the client itself: its header is not believed.
    expect(resolve({ 'x-forwarded-for': '198.51.100.1' }, '203.0.113.9')).toBe('203.0.113.9');
    expect(
      resolver(
        '10.0.0.0/8',
        64,
        'forwarded',
      )({ forwarded: 'for=198.51.100.7;proto=https, for="[2001:db8::1]"' }, '10.0.0.1'),
    ).toBe('2001:db8::/64');
  });

  it('keys IPv6 clients by their /64, or the configured prefix', () => {
    expect(resolver('')({}, '2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(resolver('')({}, '2001:db8:1:2:bbbb::9')).toBe('2001:db8:1:2::/64');
    expect(resolver('')({}, '2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(resolver('', 128)({}, '2001:db8:1:2::1')).toBe('2001:db8:1:2::1');
    expect(resolver('', 48)({}, '2001:db8:1:3::1')).toBe('2001:db8:1::/48');
  });

  it('refuses trust settings that are not addresses', () => {
    expect(parseTrustedProxies('10.0.0.0/8, nonsense')).toBe('"nonsense" is not an address or CIDR range');
    expect(parseTrustedProxies('2')).toEqual({ kind: 'hops', hops: 2 });
  });

  it('counts hops over every entry, ports stripped, so a client cannot shift the count', () => {
    expect(resolver('1')({ 'x-forwarded-for': '6.6.6.6, 198.51.100.1:5123' }, '10.0.0.1')).toBe(
      '198.51.100.1',
    );
    expect(resolver('1', 64, 'forwarded')({ forwarded: 'for="[2001:db8::7]:4711"' }, '10.0.0.1')).toBe(
      '2001:db8::/64',
    );
    // Garbage keeps its place: the entry the trusted proxy added is still the one believed.
    expect(resolver('1')({ 'x-forwarded-for': '6.6.6.6, not-an-ip, 198.51.100.1' }, '10.0.0.1')).toBe(
      '198.51.100.1',
    );
    expect(resolver('2')({ 'x-forwarded-for': 'not-an-ip, 198.51.100.1' }, '10.0.0.1')).toBe('invalid');
    expect(resolver('10.0.0.0/8')({ 'x-forwarded-for': '6.6.6.6, bogus' }, '10.0.0.1')).toBe('invalid');
  });

  it('reads only the header the proxies write: X-Forwarded-For by default, else Forwarded', () => {
    // A proxy that writes Forwarded passes the client's own X-Forwarded-For through, and the
    // other way round: the header not named is the client's, and never read.
    const headers = { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=198.51.100.1' };
    expect(resolver('1')(headers, '10.0.0.1')).toBe('6.6.6.6');
    expect(resolver('1', 64, 'forwarded')(headers, '10.0.0.1')).toBe('198.51.100.1');
    expect(resolver('1', 64, 'forwarded')({ 'x-forwarded-for': '6.6.6.6' }, '10.0.0.1')).toBe('10.0.0.1');
    expect(resolver('1')({ forwarded: 'for=198.51.100.1' }, '10.0.0.1')).toBe('10.0.0.1');
  });

  it('counts every Forwarded element as a hop, with for= or not, and lets no client quote swallow one', () => {
    const resolve = resolver('2', 64, 'forwarded');
    expect(resolve({ forwarded: 'for=6.6.6.6, for=198.51.100.1;proto=https, by=10.0.0.9' }, '10.0.0.1')).toBe(
      '198.51.100.1',
    );
    expect(resolve({ forwarded: 'for=198.51.100.1, proto=https' }, '10.0.0.1')).toBe('198.51.100.1');
    // The client sent `for="6.6.6.6` with no closing quote; the proxies appended theirs after it.
    expect(resolver('1', 64, 'forwarded')({ forwarded: 'for="6.6.6.6, for=198.51.100.1' }, '10.0.0.1')).toBe(
      '198.51.100.1',
    );
  });

  it('takes TOLLGATE_PROXY_HEADER as x-forwarded-for (the default) or forwarded, and nothing else', () => {
    expect(loadConfig({}).identity.proxyHeader).toBe('x-forwarded-for');
    expect(loadConfig({ TOLLGATE_PROXY_HEADER: 'Forwarded' }).identity.proxyHeader).toBe('forwarded');
    expect(() => loadConfig({ TOLLGATE_PROXY_HEADER: 'x-real-ip' })).toThrow(ConfigError);
    expect(() => loadConfig({ TOLLGATE_PROXY_HEADER: 'x-real-ip' })).toThrow(/TOLLGATE_PROXY_HEADER/);
  });
});
