/**
 * Seeded generation of hostile requests for the fuzz test: valid demo operations (from
 * schema/*.graphql), mutated, with odd variables, bodies, headers and batches. The same seed
 * always yields the same cases, so a failing case is reproduced by its seed and index.
 */

/** A tiny seeded PRNG (mulberry32): reproducible, no dependency. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}

/** A random source as {@link createRandom} makes it. */
export type Random = ReturnType<typeof createRandom>;

/** One request to throw at the server. */
export interface FuzzCase {
  method: 'GET' | 'POST' | 'PUT';
  headers: Record<string, string>;
  body?: string;
  search?: string;
  /** Sent with the ledger's API key: its charges are counted against the bucket afterwards. */
  ledger: boolean;
}

/** Valid operations of the demo schema, and the variables they take. */
const SEEDS: ReadonlyArray<{ query: string; variables?: Record<string, unknown> }> = [
  { query: '{ books(first: 3) { id title publishedYear author { name } } }' },
  {
    query: 'query Page($first: Int!, $offset: Int!) { books(first: $first, offset: $offset) { title } }',
    variables: { first: 5, offset: 2 },
  },
  {
    query: 'query One($id: ID!) { book(id: $id) { title reviews(first: 2) { rating body } } }',
    variables: { id: '1' },
  },
  {
    query:
      '{ searchReviews(text: "good", first: 3) { edges { cursor node { rating book { title } } } pageInfo { hasNextPage endCursor } } }',
  },
  { query: '{ data { message servedAt } }' },
  { query: '{ rateLimit { cost limit remaining used resetAt } }' },
  { query: '{ rateLimit(dryRun: true) { cost remaining } books(first: 20) { title } }' },
  {
    query: 'mutation Review($input: ReviewInput!) { addReview(bookId: "1", input: $input) { id rating } }',
    variables: { input: { rating: 4, body: 'fuzz' } },
  },
  { query: 'mutation { login(username: "fuzz", password: "x") { ok token } }' },
  {
    query:
      'query { ...Q } fragment Q on Query { books(first: 2) { ...B } } fragment B on Book { title author { books { title } } }',
  },
  { query: '{ books(first: 2) { title @include(if: true) author @skip(if: false) { name } } }' },
  { query: '{ __typename __schema { queryType { name } types { name kind } } }' },
  { query: '{ __type(name: "Book") { fields { name type { name ofType { name } } } } }' },
];

const PUNCTUATION = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ':',
  '$',
  '@',
  '...',
  '!',
  '=',
  '|',
  '&',
  '"',
  '"""',
  '#',
  ',',
];
const ODD_TEXT = ['\u0000', '\uffff', '\ud800', '💥', 'é', '\u202e', '\\u0041', '\r\n', '\t', '𝕏', 'ﬀ'];
const HUGE_NUMBERS = [
  '2147483648',
  '-2147483649',
  '9007199254740993',
  '1e308',
  '1e-400',
  '-0',
  '0x10',
  '99999999999999999999999',
  'NaN',
  'Infinity',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/graphql-response+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=--x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/jsonx',
  ';;;',
  '',
];

/** Mutates a document: truncations, duplications, nesting, swaps, odd text, huge numbers. */
export function mutateDocument(random: Random, source: string): string {
  let text = source;
  for (let round = 1 + random.int(3); round > 0; round--) {
    const at = random.int(text.length + 1);
    switch (random.int(10)) {
      case 0:
        text = text.slice(0, at);
        break;
      case 1: {
        const end = Math.min(text.length, at + 1 + random.int(40));
        text = text.slice(0, end) + text.slice(at, end).repeat(1 + random.int(50)) + text.slice(end);
        break;
      }
      case 2: {
        const levels = 1 + random.int(random.chance(0.2) ? 3000 : 20);
        text = `{ ${'books { author { '.repeat(levels)}name${' } }'.repeat(levels)} ${text}`;
        break;
      }
      case 3: {
        const tokens = text.split(/(\s+)/);
        const i = random.int(tokens.length);
        const j = random.int(tokens.length);
        [tokens[i], tokens[j]] = [tokens[j] ?? '', tokens[i] ?? ''];
        text = tokens.join('');
        break;
      }
      case 4:
        text = text.slice(0, at) + random.pick(ODD_TEXT).repeat(1 + random.int(5)) + text.slice(at);
        break;
      case 5:
        text = text.replace(/\d+/, random.pick(HUGE_NUMBERS));
        break;
      case 6:
        text = text.slice(0, at) + random.pick(PUNCTUATION) + text.slice(at + random.int(3));
        break;
      case 7:
        text = `{ ${Array.from({ length: 1 + random.int(60) }, (_, i) => `a${i}: books(first: 1) { title }`).join(' ')} }`;
        break;
      case 8:
        text = text.replace(/\}/, ` ${'@include(if: true) '.repeat(1 + random.int(12))}}`);
        break;
      default:
        text = `${text} fragment F on Query { ...G } fragment G on Query { ...F }`;
    }
  }
  return text;
}

/**
 * Variables of the wrong types, shapes and sizes, and sometimes the right ones, as JSON text:
 * nesting thousands deep is written out directly, since JSON.stringify would overflow on it.
 */
export function fuzzVariables(random: Random, valid?: Record<string, unknown>): string | undefined {
  switch (random.int(9)) {
    case 0:
      return valid && JSON.stringify(valid);
    case 1:
      return JSON.stringify({
        first: random.pick(['10', -1, 1e308, 2 ** 31, 1.5, null, true, [], {}]),
        offset: random.int(5),
      });
    case 2:
      return JSON.stringify({ id: random.pick([1, null, {}, ['1'], 'x'.repeat(random.int(5000))]) });
    case 3:
      return JSON.stringify({
        input: { rating: random.pick([0, 6, '5', 2 ** 53, null]), body: random.pick(['', 'x', 7]) },
      });
    case 4: {
      const levels = random.int(random.chance(0.3) ? 20_000 : 40);
      const [open, close] = random.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
      return `{"input":${open.repeat(levels)}1${close.repeat(levels)}}`;
    }
    case 5:
      return JSON.stringify({ blob: 'x'.repeat(random.int(100_000)) });
    case 6:
      return JSON.stringify(random.pick(['{"first": 1}', 5, [1, 2], true]));
    case 7:
      return 'null';
    default:
      return undefined;
  }
}

/** A whole operation as JSON text: a mutated seed with fuzzed variables and fields. */
function fuzzOperation(random: Random): string {
  const seed = random.pick(SEEDS);
  const query = random.chance(0.85) ? mutateDocument(random, seed.query) : seed.query;
  const fields = [
    `"query":${JSON.stringify(random.chance(0.05) ? random.pick([5, null, { kind: 'Document' }, ['{ a }']]) : query)}`,
  ];
  const variables = fuzzVariables(random, seed.variables);
  if (variables !== undefined) fields.push(`"variables":${variables}`);
  if (random.chance(0.1))
    fields.push(`"operationName":${JSON.stringify(random.pick(['Page', 'Nope', 5, null, '']))}`);
  if (random.chance(0.05)) {
    const extensions = random.pick([{ persistedQuery: { version: 1, sha256Hash: 'ab' } }, 'x', []]);
    fields.push(`"extensions":${JSON.stringify(extensions)}`);
  }
  return `{${fields.join(',')}}`;
}

/** The GET form of an operation: its query and variables as search parameters. */
function fuzzSearch(random: Random): string {
  const seed = random.pick(SEEDS);
  const params = new URLSearchParams({
    query: random.chance(0.85) ? mutateDocument(random, seed.query) : seed.query,
  });
  const variables = fuzzVariables(random, seed.variables);
  if (variables !== undefined)
    params.set('variables', random.chance(0.9) ? variables : variables.slice(0, 5));
  return `?${params}`;
}

/** One hostile request: body, batch, GET, broken JSON, odd content types and headers. */
export function fuzzCase(random: Random): FuzzCase {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let ledger = true;
  const roll = random.int(20);
  if (roll === 0) {
    // Another identity: anonymous, or a key that is no key at all.
    ledger = false;
    headers['x-api-key'] = random.pick([
      '',
      'not-a-key',
      'tg_'.padEnd(random.int(3000), 'z'),
      '\u00e9\u00e9',
    ]);
  }
  if (roll === 1) headers['x-fuzz'] = 'h'.repeat(random.int(40_000));
  if (roll === 2) headers['content-type'] = random.pick(CONTENT_TYPES);
  if (roll === 3) headers['apollo-require-preflight'] = 'true';

  const shape = random.int(20);
  if (shape === 0) {
    if (random.chance(0.7)) headers['apollo-require-preflight'] = 'true';
    if (random.chance(0.7)) delete headers['content-type'];
    return { method: 'GET', headers, search: fuzzSearch(random), ledger };
  }
  let body: string;
  if (shape <= 3) {
    const operations = Array.from({ length: random.int(14) }, () =>
      random.chance(0.9) ? fuzzOperation(random) : random.pick(['1', 'null', '"x"', '{}']),
    );
    body = `[${operations.join(',')}]`;
  } else if (shape === 4) {
    body = random.pick([
      '',
      'null',
      '[]',
      '{}',
      '"query"',
      '{"query":',
      '{"query": "{ books { title } }"}}',
      '\u0000',
    ]);
  } else {
    body = fuzzOperation(random);
  }
  if (random.chance(0.05)) body = body.slice(0, random.int(body.length));
  return { method: random.chance(0.02) ? 'PUT' : 'POST', headers, body, ledger };
}
