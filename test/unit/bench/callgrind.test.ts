import { describe, expect, it } from 'vitest';
import { instructionsOfDump } from '../../bench/callgrind.js';

describe('instructionsOfDump', () => {
  it('reads the instructions of a callgrind dump from its summary line', () => {
    const dump = [
      '# callgrind format',
      'version: 1',
      'cmd:  node x.js',
      'part: 2',
      'events: Ir',
      'summary: 742123456',
      'fl=(1) ???',
    ].join('\n');
    expect(instructionsOfDump(dump)).toBe(742_123_456);
  });

  it('reads the totals line that older callgrinds write instead', () => {
    expect(instructionsOfDump('events: Ir\nfn=(1) main\n0 12\ntotals: 98765\n')).toBe(98_765);
  });

  it('refuses a file that is no callgrind dump rather than reading 0', () => {
    expect(() => instructionsOfDump('events: Ir\n')).toThrow(/not a callgrind dump/);
  });
});
