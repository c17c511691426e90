/**
 * Strict reading: a name Tollgate does not know, in the file, in the settings given in code or
 * among the `TOLLGATE_` variables, stops start-up instead of being ignored, with the nearest
 * known name; so does a file value of the wrong JSON type. Each check returns the one-line
 * problem, or `null`.
 */
import { isSetting, type SettingsTree } from './declaration.js';
import { describeValue } from './values.js';

const PREFIX = 'TOLLGATE_';

/** The first problem of a settings object (the file's or the code's) against `tree`, or `null`. */
export function settingsProblem(
  value: unknown,
  tree: SettingsTree,
  source: string,
  prefix = '',
): string | null {
  if (!isPlainObject(value)) {
    const where = prefix === '' ? source : `"${prefix.slice(0, -1)}" in ${source}`;
    return `${where} must be an object of settings, got ${describeValue(value)}`;
  }
  for (const [name, inner] of Object.entries(value)) {
    const path = prefix + name;
    const node = Object.hasOwn(tree, name) ? tree[name] : undefined;
    if (node === undefined)
      return `unknown setting "${path}" in ${source} (${hint(name, Object.keys(tree), prefix)})`;
    if (inner === undefined) continue;
    if (!isSetting(node)) {
      const problem = settingsProblem(inner, node, source, `${path}.`);
      if (problem) return problem;
    } else if (!node.json.accepts(inner)) {
      return `"${path}" in ${source} must be ${node.json.description}, got ${describeValue(inner)}`;
    }
  }
  return null;
}

/** The first `TOLLGATE_` variable of `env` that is not in `known`, as a problem; or `null`. */
export function variablesProblem(env: NodeJS.ProcessEnv, known: readonly string[]): string | null {
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && !known.includes(name))
    .sort();
  const [name] = unknown;
  if (name === undefined) return null;
  // Compared without the prefix they share, else every name would be close to every other.
  const bare = (text: string) => (text.startsWith(PREFIX) ? text.slice(PREFIX.length) : text);
  const match = nearest(bare(name), known.map(bare));
  const suggestion = match === undefined ? '' : ` (did you mean ${known.find((k) => bare(k) === match)}?)`;
  return `unknown environment variable ${name}${suggestion}`;
}

function hint(name: string, names: readonly string[], prefix: string): string {
  const match = nearest(name, names);
  return match === undefined ? `known here: ${names.join(', ')}` : `did you mean "${prefix}${match}"?`;
}

/**
 * The candidate nearest to `name` (case aside) if it is near enough to be a typo of it: at most
 * one edit per three characters, at least one.
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/**
 * Edit distance: insertions, deletions, substitutions and swaps of two neighbours (`prot` for
 * `port` is one edit), one row at a time.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const at = (cells: number[], k: number) => cells[k] as number;
      let distance = Math.min(
        at(previous, j) + 1,
        at(row, j - 1) + 1,
        at(previous, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        distance = Math.min(distance, at(before, j - 2) + 1);
      row.push(distance);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length] as number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
