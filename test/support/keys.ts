let counter = 0;

/** An API key no other test uses, so that each test starts with a full bucket and empty windows. */
export function freshKey(): string {
  return `test-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
