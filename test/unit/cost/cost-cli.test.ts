import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCostCommand } from '../../../src/cli/cost.js';
import { repoPath } from './schemas.js';

/** Runs the command in-process and captures what it writes. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCostCommand(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

const fixture = (name: string) => repoPath(`test/fixtures/cost/${name}`);

/** One line of reason on stderr: no stack trace. */
function expectOneLineReason(stderr: string, reason: string): void {
  expect(stderr).toMatch(/^tollgate-cost: .+\n$/);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).toContain(reason);
}

describe('cost command', () => {
  it('prices a query file against the demo schema folder', async () => {
    const result = await run(
      '--schema',
      repoPath('schema/bookstore'),
      fixture('demo-books.graphql'),
      '--variables',
      '{"first":5}',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout);
    expect(output.cost).toBe(10);
    expect(output.fields).toContainEqual({
      path: 'books',
      coordinate: 'Query.books',
      cost: 10,
      multiplier: 5,
      listSize: { from: 'slicingArgument', field: 'Query.books', argument: 'first' },
    });
  });

  it('declares the directives for SDL that uses them without declaring them', async () => {
    const result = await run(
      '--schema',
      fixture('apollo-docs.graphql'),
      fixture('apollo-book-query.graphql'),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).cost).toBe(8);
  });

  it('applies --default-list-size and --operation', async () => {
    const query = fixture('demo-books.graphql');
    const vars = '{"first":2}';
    const result = await run(
      '--schema',
      repoPath('schema/bookstore'),
      query,
      '--variables',
      vars,
      '--operation',
      'Books',
    );
    expect(JSON.parse(result.stdout).cost).toBe(4);
    const unknown = await run(
      '--schema',
      repoPath('schema/bookstore'),
      query,
      '--variables',
      vars,
      '--operation',
      'Nope',
    );
    expect(unknown.code).toBe(1);
    expectOneLineReason(unknown.stderr, 'Unknown operation named "Nope"');
    const related = fixture('pricing-related.graphql');
    const sized = await run('--schema', fixture('pricing.graphql'), related, '--default-list-size', '4');
    expect(JSON.parse(sized.stdout).cost).toBe(4);
    const byDefault = await run('--schema', fixture('pricing.graphql'), related);
    expect(JSON.parse(byDefault.stdout).cost).toBe(10);
    const bad = await run('--schema', repoPath('schema/bookstore'), query, '--default-list-size', 'lots');
    expect(bad.code).toBe(2);
  });

  it("prices Apollo Router 2.12's @listSize forms and says where each size came from", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cost-'));
    writeFileSync(
      join(dir, 'q.graphql'),
      `query($ids: [ID!], $n: Int) {
        itemsByIds(ids: $ids) { id }
        search(input: { pagination: { first: $n } }) { id }
        shelf(first: 4) { sections { items { id } } }
      }`,
    );
    const result = await run(
      '--schema',
      fixture('list-size-forms.graphql'),
      join(dir, 'q.graphql'),
      '--variables',
      '{"ids": ["a", "b"], "n": 5}',
    );
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout);
    // 2 items; 5 items + SearchInput + Pagination; Shelf + Section + 4 items.
    expect(output.cost).toBe(2 + 7 + 6);
    expect(output.fields).toContainEqual({
      path: 'itemsByIds',
      coordinate: 'Query.itemsByIds',
      cost: 2,
      multiplier: 2,
      listSize: { from: 'slicingArgument', field: 'Query.itemsByIds', argument: 'ids' },
    });
    expect(output.fields).toContainEqual({
      path: 'search',
      coordinate: 'Query.search',
      cost: 7,
      multiplier: 5,
      listSize: { from: 'slicingArgument', field: 'Query.search', argument: 'input.pagination.first' },
    });
    expect(output.fields).toContainEqual({
      path: 'shelf.sections.items',
      coordinate: 'Section.items',
      cost: 4,
      multiplier: 4,
      listSize: { from: 'slicingArgument', field: 'Query.shelf', argument: 'first' },
    });
  });

  it('fails with 1 on a malformed @listSize path, naming the field and the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cost-'));
    writeFileSync(
      join(dir, 'schema.graphql'),
      `type Query { search(input: SearchInput): [Item] @listSize(slicingArguments: ["input.nope"]) }
      input SearchInput { first: Int } type Item { id: ID }`,
    );
    writeFileSync(join(dir, 'q.graphql'), '{ search { id } }');
    const result = await run('--schema', join(dir, 'schema.graphql'), join(dir, 'q.graphql'));
    expect(result.code).toBe(1);
    expectOneLineReason(
      result.stderr,
      '@listSize on Query.search: slicing argument "input.nope": input SearchInput has no field "nope"',
    );
  });

  it('fails with 1 on a missing query file', async () => {
    const result = await run('--schema', repoPath('schema/bookstore'), fixture('no-such-query.graphql'));
    expect(result.code).toBe(1);
    expectOneLineReason(result.stderr, 'cannot read query file');
  });

  it('fails with 1 on SDL that does not build', async () => {
    const result = await run('--schema', fixture('broken-schema.graphql'), fixture('demo-books.graphql'));
    expect(result.code).toBe(1);
    expectOneLineReason(result.stderr, 'cannot build the schema');
  });

  it('fails with 1 on a query that does not validate against the schema', async () => {
    const result = await run('--schema', fixture('apollo-docs.graphql'), fixture('demo-books.graphql'));
    expect(result.code).toBe(1);
    expectOneLineReason(result.stderr, 'does not validate');
  });

  it('fails with 1 on a missing variable and on --variables that are not JSON', async () => {
    const missing = await run('--schema', repoPath('schema/bookstore'), fixture('demo-books.graphql'));
    expect(missing.code).toBe(1);
    expectOneLineReason(missing.stderr, 'Variable "$first" of required type "Int!" was not provided.');
    const notJson = await run(
      '--schema',
      repoPath('schema/bookstore'),
      fixture('demo-books.graphql'),
      '--variables',
      '{first:',
    );
    expect(notJson.code).toBe(1);
    expectOneLineReason(notJson.stderr, '--variables is not valid JSON');
  });

  it('fails with 2 on an unknown flag or missing arguments', async () => {
    const unknown = await run(
      '--schema',
      repoPath('schema/bookstore'),
      fixture('demo-books.graphql'),
      '--bogus',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('tollgate-cost: unknown option "--bogus" (see tollgate-cost --help)\n');
    const noQuery = await run('--schema', repoPath('schema/bookstore'));
    expect(noQuery.code).toBe(2);
    expectOneLineReason(noQuery.stderr, 'no query file given (see tollgate-cost --help)');
    const noValue = await run(fixture('demo-books.graphql'), '--schema');
    expect(noValue.code).toBe(2);
    expectOneLineReason(noValue.stderr, 'option --schema needs a value');
    const noSchema = await run(fixture('demo-books.graphql'));
    expect(noSchema.code).toBe(2);
    expectOneLineReason(noSchema.stderr, '--schema is required');
  });

  it('prints its usage on stdout for --help or -h, anywhere, and exits 0', async () => {
    for (const argv of [['--help'], ['-h'], ['--schema', 'nowhere', 'q.graphql', '--bogus', '-h']]) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^usage: tollgate-cost --schema <file or folder> <query file>/);
      for (const option of ['--schema', '--variables', '--operation', '--default-list-size', '--help']) {
        expect(result.stdout).toContain(option);
      }
    }
  });

  it("prices against Tollgate's whole SDL: the rateLimit field validates", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-cost-')), 'q.graphql');
    writeFileSync(file, '{ rateLimit(dryRun: true) { remaining } books(first: 2) { id } }');
    const result = await run('--schema', repoPath('schema/bookstore'), file);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).cost).toBe(2);
  });

  it('keeps the directives of SDL that declares them, declaring nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cost-'));
    const sdl = [
      'directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT',
      'directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION',
      'type Query { items: [Item!]! @listSize(assumedSize: 4) rateLimit: Int }',
      'type Item @cost(weight: 3) { id: ID! }',
    ].join('\n');
    writeFileSync(join(dir, 'schema.graphql'), sdl);
    writeFileSync(join(dir, 'q.graphql'), '{ items { id } rateLimit }');
    const result = await run('--schema', join(dir, 'schema.graphql'), join(dir, 'q.graphql'));
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).cost).toBe(12);
  });

  it('runs end to end as `tsx src/cli/cost.ts`', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      [
        'tsx',
        'src/cli/cost.ts',
        '--schema',
        'schema/bookstore',
        fixture('demo-books.graphql'),
        '--variables',
        '{"first":50}',
      ],
      { cwd: repoPath('') },
    );
    expect(JSON.parse(stdout).cost).toBe(100);
  });

  it('exits 1 with one line on stderr when run as a process', async () => {
    const failure = await promisify(execFile)(
      'npx',
      ['tsx', 'src/cli/cost.ts', '--schema', 'schema/bookstore', 'missing.graphql'],
      {
        cwd: repoPath(''),
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expectOneLineReason((failure as { stderr: string }).stderr, 'cannot read query file missing.graphql');
  });
});
