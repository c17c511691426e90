/** What {@link measureJson} found, as far as it looked. */
export interface JsonMeasure {
  /** Bytes of the value's JSON (`JSON.stringify`), counted until `maxBytes` was passed. */
  bytes: number;
  /** Nesting depth of objects and arrays (a scalar is 0), counted until `maxDepth` was passed. */
  depth: number;
  /** Which bound was passed, if any; the walk stops there. */
  exceeded: 'bytes' | 'depth' | null;
}

/**
 * Measures a parsed JSON value without `JSON.stringify`, which recurses and throws a RangeError
 * on values nested a few thousand deep (cheap to send in a small body). The walk is iterative
 * and stops as soon as either bound is passed, so its cost is bounded by the limits.
 */
export function measureJson(value: unknown, bounds: { maxBytes: number; maxDepth: number }): JsonMeasure {
  let bytes = 0;
  let depth = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (item.value !== null && typeof item.value === 'object') {
      const level = item.depth + 1;
      depth = Math.max(depth, level);
      if (depth > bounds.maxDepth) return { bytes, depth, exceeded: 'depth' };
      const entries = Array.isArray(item.value)
        ? item.value.map((element): [string | null, unknown] => [null, element])
        : Object.entries(item.value);
      // Brackets, and a comma between entries.
      bytes += 2 + Math.max(0, entries.length - 1);
      for (const [key, element] of entries) {
        // A key as a JSON string and its colon.
        if (key !== null) bytes += jsonStringBytes(key) + 1;
        stack.push({ value: element, depth: level });
      }
    } else {
      bytes += scalarBytes(item.value);
    }
    if (bytes > bounds.maxBytes) return { bytes, depth, exceeded: 'bytes' };
  }
  return { bytes, depth, exceeded: null };
}

function scalarBytes(value: unknown): number {
  if (typeof value === 'string') return jsonStringBytes(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : 4;
  if (typeof value === 'boolean') return value ? 4 : 5;
  // null; and undefined, which JSON.parse never yields.
  return 4;
}

function jsonStringBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8');
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const BRACKET_L = 0x5b;
const BRACKET_R = 0x5d;
const BRACE_L = 0x7b;
const BRACE_R = 0x7d;
const OPENINGS = ['[', '{'] as const;

/**
 * Whether JSON text nests arrays and objects more than `maxDepth` deep, read as characters and
 * never parsed: `JSON.parse` of a body of half a million `[` takes a quarter of a second before
 * any measure of the parsed value can refuse it. Brackets inside strings do not count; text that
 * is not JSON is measured all the same, and `JSON.parse` judges it afterwards.
 */
export function jsonNestsDeeper(text: string, maxDepth: number): boolean {
  // Nesting deeper than maxDepth takes more opening brackets than that: most bodies have a few,
  // counted by the engine's own search far faster than the scan below reads every character.
  if (!hasMoreOpenings(text, maxDepth)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i += 1;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === BRACKET_L || char === BRACE_L) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (char === BRACKET_R || char === BRACE_R) {
      depth -= 1;
    }
  }
  return false;
}

/** Whether `text` holds more than `count` opening brackets (`[` or `{`, in strings or not). */
function hasMoreOpenings(text: string, count: number): boolean {
  let found = 0;
  for (const bracket of OPENINGS) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) {
      found += 1;
      if (found > count) return true;
    }
  }
  return false;
}
