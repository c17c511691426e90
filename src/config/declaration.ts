/**
 * What a setting is: one declaration gives its environment variable, what the JSON file (and the
 * settings given in code) hold for it, its default and its parser. The file's shape, the list of
 * variables and the resolved values are all derived from a tree of these declarations.
 */

/** A JSON type a setting accepts in the file, with the words that name it in a message. */
export interface JsonShape<J> {
  readonly description: string;
  accepts(value: unknown): value is J;
}

export const NUMBER: JsonShape<number> = {
  description: 'a number',
  accepts: (value): value is number => typeof value === 'number',
};

export const BOOLEAN: JsonShape<boolean> = {
  description: 'true or false',
  accepts: (value): value is boolean => typeof value === 'boolean',
};

export const STRING: JsonShape<string> = {
  description: 'a string',
  accepts: (value): value is string => typeof value === 'string',
};

export const STRINGS: JsonShape<readonly string[]> = {
  description: 'a list of strings',
  accepts: (value): value is readonly string[] =>
    Array.isArray(value) && value.every((entry) => typeof entry === 'string'),
};

/** `shape`, or `null` for "none". */
export function orNull<J>(shape: JsonShape<J>): JsonShape<J | null> {
  return {
    description: `${shape.description} or null`,
    accepts: (value): value is J | null => value === null || shape.accepts(value),
  };
}

/** Either shape. */
export function either<A, B>(a: JsonShape<A>, b: JsonShape<B>): JsonShape<A | B> {
  return {
    description: `${a.description} or ${b.description}`,
    accepts: (value): value is A | B => a.accepts(value) || b.accepts(value),
  };
}

/** What a default may depend on: the rest of the environment, and whether this is production. */
export interface DefaultContext {
  readonly env: NodeJS.ProcessEnv;
  readonly production: boolean;
}

/**
 * One setting, read from the environment variable `env` (text) or from the file / the settings
 * given in code (a value of shape `json`), and turned into a `T` by `parse`.
 */
export interface Setting<J, T> {
  readonly env: string;
  readonly json: JsonShape<J>;
  /** Used when neither the environment, the file nor the settings in code give one. */
  readonly default: NoInfer<T> | ((context: DefaultContext) => NoInfer<T>);
  /** An empty environment variable counts as not set (for paths and names: `HOST=`). */
  readonly emptyIsUnset?: boolean;
  /** Turns text or a file value into the setting; throws `InvalidValue` saying what is wrong. */
  parse(raw: string | J): T;
}

/** Any setting: `parse` is a method, so its parameter does not make the types unrelated. */
export type AnySetting = Setting<unknown, unknown>;

/** A tree of sections whose leaves are settings. */
export interface SettingsTree {
  readonly [name: string]: SettingsTree | AnySetting;
}

/** Declares a setting (the identity function: it fixes the types). */
export function setting<J, T>(declaration: Setting<J, T>): Setting<J, T> {
  return declaration;
}

export function isSetting(node: SettingsTree | AnySetting): node is AnySetting {
  return typeof (node as AnySetting).parse === 'function';
}

/** The file's shape for a tree: every section and setting optional. Keeps the declarations' TSDoc. */
export type SettingsOf<S> =
  S extends Setting<infer J, unknown> ? J : { readonly [K in keyof S]?: SettingsOf<S[K]> };

/** The resolved values of a tree. */
export type ValuesOf<S> =
  S extends Setting<unknown, infer T> ? T : { readonly [K in keyof S]: ValuesOf<S[K]> };

/** Every setting of a tree with its path (`tiers.free.capacity`), in declaration order. */
export function settingsIn(tree: SettingsTree, prefix = ''): Array<{ path: string; setting: AnySetting }> {
  return Object.entries(tree).flatMap(([name, node]) => {
    const path = prefix + name;
    return isSetting(node) ? [{ path, setting: node }] : settingsIn(node, `${path}.`);
  });
}
