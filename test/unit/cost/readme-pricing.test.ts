import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createCostModel, estimateCostWithBreakdown } from '../../../src/cost/index.js';
import { readRepoFile, schemaFromSdl } from './schemas.js';

// The README's section "Pricing: `@cost` and `@listSize`" shows SDL and a breakdown line: both are
// checked here against the code, so that the README and the behaviour cannot drift apart.
const readme = readRepoFile('README.md');
const section = readme.slice(
  readme.indexOf('## Pricing: `@cost` and `@listSize`'),
  readme.indexOf('\n## ', readme.indexOf('## Pricing: `@cost` and `@listSize`') + 1),
);
const block = (language: string) =>
  new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\\n\`\`\``).exec(section)?.[1];

// What the README's snippet leaves out.
const rest = `
  type Book { title: String }
  type Review { id: ID! }
  input ReviewInput { body: String }
  input SearchInput { pagination: Pagination }
  input Pagination { first: Int }
  type Shelf { sections: Section }
  type Section { books: [Book!]! }`;

describe("the README's pricing section", () => {
  it('shows SDL that starts, and a breakdown line as the cost command prints it', () => {
    const sdl = block('graphql');
    const line = block('json');
    expect(sdl).toBeDefined();
    expect(line).toBeDefined();
    const model = createCostModel(schemaFromSdl(`${sdl}${rest}`), { defaultListSize: 10 });
    const { fields } = estimateCostWithBreakdown(
      model,
      parse('{ shelf(first: 4) { sections { books { title } } } }'),
      {},
    );
    expect(fields).toContainEqual(JSON.parse(line ?? ''));
  });
});
