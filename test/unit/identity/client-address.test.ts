import { describe, expect, it } from 'vitest';
import {
  createAddressResolver,
  parseTrustedProxies,
  type TrustedProxies,
} from '../../../src/identity/client-address.js';

const resolver = (trust: string, ipv6PrefixLength = 64) =>
  createAddressResolver({ trustedProxies: parseTrustedProxies(trust) as TrustedProxies, ipv6PrefixLength });

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
    expect(resolve({ forwarded: 'for=198.51.100.7;proto=https, for="[2001:db8::1]"' }, '10.0.0.1')).toBe(
      '2001:db8::/64',
    );
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
    expect(resolver('1')({ forwarded: 'for="[2001:db8::7]:4711"' }, '10.0.0.1')).toBe('2001:db8::/64');
    // Garbage keeps its place: the entry the trusted proxy added is still the one believed.
    expect(resolver('1')({ 'x-forwarded-for': '6.6.6.6, not-an-ip, 198.51.100.1' }, '10.0.0.1')).toBe(
      '198.51.100.1',
    );
    expect(resolver('2')({ 'x-forwarded-for': 'not-an-ip, 198.51.100.1' }, '10.0.0.1')).toBe('invalid');
    expect(resolver('10.0.0.0/8')({ 'x-forwarded-for': '6.6.6.6, bogus' }, '10.0.0.1')).toBe('invalid');
  });
});
