import { describe, expect, it } from 'vitest';
import { readCommandLine, runCommand, UsageError } from '../../../src/cli/command.js';

const OPTIONS = { name: 'string', dry: 'boolean' } as const;

describe('readCommandLine', () => {
  it('reads string options, flags and positionals', () => {
    expect(readCommandLine(['a', '--name', 'n', '--dry', 'b'], OPTIONS)).toEqual({
      values: { name: 'n', dry: true },
      positionals: ['a', 'b'],
    });
    expect(readCommandLine(['--name=-odd', '--', '--dry'], OPTIONS)).toEqual({
      values: { name: '-odd' },
      positionals: ['--dry'],
    });
  });

  it.each([
    [['--nme', 'x'], 'unknown option "--nme"'],
    [['--name'], 'option --name needs a value'],
    [['--name', '--dry'], 'option --name needs a value'],
    [['--dry=yes'], 'option --dry takes no value'],
  ])('refuses %j with a UsageError', (argv, message) => {
    expect(() => readCommandLine(argv, OPTIONS)).toThrow(UsageError);
    expect(() => readCommandLine(argv, OPTIONS)).toThrow(message);
  });
});

describe('runCommand', () => {
  const capture = () => {
    const out = { stdout: '', stderr: '' };
    const io = {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
    };
    return { out, io };
  };

  it('turns any failure into one line and exit 1, never a stack', async () => {
    const { out, io } = capture();
    const code = await runCommand('tool', 'usage: tool', [], io, async () => {
      throw new Error('first line\n    at somewhere (file.ts:1:1)');
    });
    expect(code).toBe(1);
    expect(out.stderr).toBe('tool: first line at somewhere (file.ts:1:1)\n');
  });

  it('does not take --help after -- as asking for help', async () => {
    const { out, io } = capture();
    expect(await runCommand('tool', 'usage: tool', ['--', '--help'], io, async () => 0)).toBe(0);
    expect(out.stdout).toBe('');
  });
});
