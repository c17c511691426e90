import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where a command writes: `process` in production, buffers in tests. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Whether the module at `moduleUrl` is the process's entry point (`tsx src/cli/x.ts`), not imported by tests. */
export function isEntryPoint(moduleUrl: string): boolean {
  const invokedAs = process.argv[1];
  if (!invokedAs) return false;
  try {
    return realpathSync(invokedAs) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
