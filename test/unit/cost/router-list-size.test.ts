import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CostDirectiveError, createCostModel, estimateCost } from '../../../src/cost/index.js';
import { fixtureModel, readRepoFile, schemaFromSdl } from './schemas.js';

// The test vectors of Apollo Router 2.12's @listSize features, with the router's own schema
// (test/fixtures/cost/router-list-size.graphql), queries, variables and expected costs, from
// apollographql/router apollo-router/src/plugins/demand_control/cost_calculator/static_cost.rs
// (modules backward_compatibility_tests, array_slicing_argument_tests, nested_input_path_tests and
// nested_sized_fields_tests). The router's tests price with a default list size of 100.
const model = fixtureModel('router-list-size.graphql', { defaultListSize: 100 });
const price = (query: string, variables: string) =>
  estimateCost(model, parse(query), { variables: JSON.parse(variables) }).cost;

type Vector = readonly [name: string, query: string, variables: string, cost: number];

describe('Apollo Router vectors: backward_compatibility_tests', () => {
  const vectors: Vector[] = [
    ['no_directive', 'query { enumWithCost }', '{}', 15],
    ['single_slicing_argument_with_array', 'query { itemsByIds(ids: ["a", "b"]) { id } }', '{}', 2],
    [
      'slicing_argument_with_variable',
      'query Q($ids: [ID!]!) { itemsByIds(ids: $ids) { id } }',
      '{"ids": ["x", "y", "z"]}',
      3,
    ],
    ['nested_sized_fields', 'query { containerWithNestedList(first: 5) { page { id } } }', '{}', 6],
    [
      'assumed_size_fallback',
      'query Q($ids: [ID!]) { itemsByIdsWithAssumedSize(ids: $ids) { id } }',
      '{"ids": null}',
      50,
    ],
    [
      'sized_fields_propagate_to_nested_lists',
      'query { fieldWithDynamicListSize { items { id } } }',
      '{}',
      11,
    ],
  ];
  it.each(vectors)('%s', (_name, query, variables, cost) => {
    expect(price(query, variables)).toBe(cost);
  });
});

describe('Apollo Router vectors: array_slicing_argument_tests', () => {
  const byIds = 'query Q($ids: [ID!]!) { itemsByIds(ids: $ids) { id } }';
  const vectors: Vector[] = [
    ['inline_array_of_3', 'query { itemsByIds(ids: ["a", "b", "c"]) { id } }', '{}', 3],
    ['empty_inline_array', 'query { itemsByIds(ids: []) { id } }', '{}', 0],
    ['variable_array_of_5', byIds, '{"ids": ["a", "b", "c", "d", "e"]}', 5],
    ['variable_empty_array', byIds, '{"ids": []}', 0],
  ];
  it.each(vectors)('%s', (_name, query, variables, cost) => {
    expect(price(query, variables)).toBe(cost);
  });

  it.each(['{"ids": null}', '{}'])('null_or_missing_array_falls_back_to_assumed_size %s', (variables) => {
    const query = 'query Q($ids: [ID!]) { itemsByIdsWithAssumedSize(ids: $ids) { id } }';
    expect(price(query, variables)).toBe(50);
  });
});

describe('Apollo Router vectors: nested_input_path_tests', () => {
  // Input objects cost 1 each: SearchInput + PaginationInput = 2 on top of the list.
  const vectors: Vector[] = [
    ['inline_nested_first_10', 'query { search(input: {pagination: {first: 10}}) { id } }', '{}', 12],
    [
      'inline_nested_first_5',
      'query { search(input: {pagination: {first: 5}, query: "test"}) { id } }',
      '{}',
      7,
    ],
    [
      'variable_nested_object',
      'query Q($input: SearchInput!) { search(input: $input) { id } }',
      '{"input": {"pagination": {"first": 7}, "query": "test"}}',
      9,
    ],
    [
      'variable_nested_first_only',
      'query Q($input: SearchInput!) { search(input: $input) { id } }',
      '{"input": {"pagination": {"first": 3}}}',
      5,
    ],
  ];
  it.each(vectors)('%s', (_name, query, variables, cost) => {
    expect(price(query, variables)).toBe(cost);
  });

  const missing: readonly (readonly [string, string, number])[] = [
    ['missing_nested_value', '{"input": {"pagination": {}}}', 27],
    ['missing_pagination', '{"input": {}}', 26],
    ['null_input', '{"input": null}', 25],
  ];
  it.each(missing)('%s falls back to assumedSize 25', (_name, variables, cost) => {
    const query = 'query Q($input: SearchInput) { searchWithAssumedSize(input: $input) { id } }';
    expect(price(query, variables)).toBe(cost);
  });

  it('deeply_nested_path_inline', () => {
    expect(price('query { deeplyNested(input: {level1: {level2: {count: 15}}}) { id } }', '{}')).toBe(18);
  });

  it('deeply_nested_path_variable', () => {
    const query = 'query Q($input: DeeplyNestedInput!) { deeplyNested(input: $input) { id } }';
    expect(price(query, '{"input": {"level1": {"level2": {"count": 12}}}}')).toBe(15);
  });

  it('inline_nested_object_with_other_fields', () => {
    const query =
      'query { search(input: {pagination: {first: 8, after: "cursor"}, query: "search term"}) { id } }';
    expect(price(query, '{}')).toBe(10);
  });
});

describe('Apollo Router vectors: nested_sized_fields_tests', () => {
  const vectors: Vector[] = [
    [
      'simple_sized_fields_on_nested_type',
      'query { containerWithNestedList(first: 5) { page { id } metadata } }',
      '{}',
      6,
    ],
    [
      'nested_sized_fields_two_levels',
      'query { deepContainerWithNestedList(first: 7) { results { page { id } } } }',
      '{}',
      9,
    ],
    [
      'nested_sized_fields_with_variable',
      'query Q($n: Int!) { deepContainerWithNestedList(first: $n) { results { page { id } } } }',
      '{"n": 3}',
      5,
    ],
    [
      'nested_sized_fields_with_default_value',
      'query { deepContainerWithNestedList { results { page { id } } } }',
      '{}',
      12,
    ],
    [
      'nested_sized_fields_not_selected',
      'query { deepContainerWithNestedList(first: 100) { total } }',
      '{}',
      1,
    ],
    [
      'intermediate_container_without_sized_field',
      'query { deepContainerWithNestedList(first: 100) { results { metadata } } }',
      '{}',
      2,
    ],
    [
      'mixed_sized_fields_single_and_nested',
      'query { deepContainerWithMixedSizedFields(first: 5) { page { id } results { page { id } } } }',
      '{}',
      12,
    ],
  ];
  it.each(vectors)('%s', (_name, query, variables, cost) => {
    expect(price(query, variables)).toBe(cost);
  });

  it('multiple_leaves_in_one_path_fails_at_schema_load', () => {
    const sdl = readRepoFile('test/fixtures/cost/router-list-size.graphql').replace(
      'sizedFields: ["results { page }"]',
      'sizedFields: ["results { page metadata }"]',
    );
    const build = () => createCostModel(schemaFromSdl(sdl), { defaultListSize: 100 });
    expect(build).toThrow(CostDirectiveError);
    expect(build).toThrow(
      '@listSize on Query.deepContainerWithNestedList: sized field "results { page metadata }" names page, metadata at one level: at most one list field per path',
    );
  });
});
