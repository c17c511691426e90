import {
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
} from 'graphql';
import { type CostCache, createCostCache } from './cost-cache.js';
import {
  defaultTypeWeight,
  type InputCost,
  type ListSizeRule,
  readCostWeight,
  readInputCost,
  readListSize,
  readTypeWeight,
} from './cost-directives.js';
import type { OperationAnalysis } from './operation-analysis.js';

/** Options of {@link createCostModel}. */
export interface CostModelOptions {
  /** List size of a list field with neither a slicing argument value nor `assumedSize` (items). */
  defaultListSize: number;
  /** Most selections one pricing walk visits, fragments expanded, before `QUERY_TOO_COMPLEX`. Default 10,000. */
  maxQueryNodes?: number;
  /** Most distinct tracked (field, arguments) pairs `planFieldCalls` counts in one operation. Default 100. */
  maxPlanTargets?: number;
  /** Variable sets whose results are remembered per document (least recently used dropped). Default 64. */
  cachedVariableSetsPerDocument?: number;
}

/** {@link CostModelOptions} with every default applied. */
export interface CostModelConfig {
  /** See {@link CostModelOptions.defaultListSize}. */
  readonly defaultListSize: number;
  /** See {@link CostModelOptions.maxQueryNodes}. */
  readonly maxQueryNodes: number;
  /** See {@link CostModelOptions.maxPlanTargets}. */
  readonly maxPlanTargets: number;
  /** See {@link CostModelOptions.cachedVariableSetsPerDocument}. */
  readonly cachedVariableSetsPerDocument: number;
}

/** What pricing needs to know about one output field, computed once from the schema. */
export interface FieldCost {
  /** Schema coordinate, e.g. `Query.books`. */
  readonly coordinate: string;
  /** Weight of one returned item: the field's `@cost`, else its type's `@cost`, else 1 (composite) or 0 (leaf). */
  readonly weight: number;
  /** The field's or its type's `@cost`, if any: what a null value still costs in the actual cost. */
  readonly explicitWeight: number | undefined;
  /** Whether the field returns a list (its size multiplies the cost of one item). */
  readonly isList: boolean;
  /** The field's `@listSize`, if any. */
  readonly listSize: ListSizeRule | undefined;
  /** Per argument name, what passing a value to it costs. */
  readonly arguments: ReadonlyMap<string, InputCost>;
}

/** The prices of one schema: built once at start-up by {@link createCostModel}, then read-only. */
export interface CostModel {
  /** The schema the prices were read from. */
  readonly schema: GraphQLSchema;
  /** Resolved options. */
  readonly config: CostModelConfig;
  /** Results remembered per document and variables. */
  readonly cache: CostCache<OperationAnalysis>;
  /** The prices of `field` on `parentType` (also for `__schema`/`__type`, which carry no directives). */
  fieldCost(parentType: string, field: GraphQLField<unknown, unknown>): FieldCost;
  /** What passing a value to input field `inputType.field` costs; `undefined` for unknown fields. */
  inputFieldCost(inputType: string, field: string): InputCost | undefined;
}

function resolveConfig(options: CostModelOptions): CostModelConfig {
  const config: CostModelConfig = {
    defaultListSize: options.defaultListSize,
    maxQueryNodes: options.maxQueryNodes ?? 10_000,
    maxPlanTargets: options.maxPlanTargets ?? 100,
    cachedVariableSetsPerDocument: options.cachedVariableSetsPerDocument ?? 64,
  };
  for (const [name, value] of Object.entries(config)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`createCostModel: ${name} must be a non-negative integer, got ${String(value)}`);
    }
  }
  return config;
}

/**
 * Reads `@cost` and `@listSize` from `schema` once into lookup tables and checks them: a slicing
 * argument the field lacks, a sized field that is not a list of the returned type, `@listSize` on a
 * non-list field without `sizedFields`, or a negative weight or size throws {@link CostDirectiveError}
 * naming the schema coordinate.
 */
export function createCostModel(schema: GraphQLSchema, options: CostModelOptions): CostModel {
  const config = resolveConfig(options);
  const typeWeights = new Map<string, number | undefined>();
  const weightOf = (type: GraphQLNamedType) => {
    if (!typeWeights.has(type.name)) typeWeights.set(type.name, readTypeWeight(schema, type));
    return typeWeights.get(type.name);
  };
  // Nested by type then field: the walk looks fields up by both names, and building a key string per lookup shows in profiles.
  const fields = new Map<string, Map<string, FieldCost>>();
  const inputFields = new Map<string, InputCost>();

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    weightOf(type); // checks every type's @cost at start-up, not at its first use
    if (isObjectType(type) || isInterfaceType(type)) {
      const costs = new Map<string, FieldCost>();
      for (const field of Object.values(type.getFields())) {
        costs.set(field.name, readFieldCost(schema, type.name, field, weightOf));
      }
      fields.set(type.name, costs);
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        inputFields.set(coordinate, readInputCost(schema, field, coordinate));
      }
    }
  }

  return {
    schema,
    config,
    cache: createCostCache(config.cachedVariableSetsPerDocument),
    fieldCost: (parentType, field) =>
      fields.get(parentType)?.get(field.name) ?? metaFieldCost(parentType, field, weightOf),
    inputFieldCost: (inputType, field) => inputFields.get(`${inputType}.${field}`),
  };
}

function readFieldCost(
  schema: GraphQLSchema,
  parentType: string,
  field: GraphQLField<unknown, unknown>,
  weightOf: (type: GraphQLNamedType) => number | undefined,
): FieldCost {
  const coordinate = `${parentType}.${field.name}`;
  const returned = getNamedType(field.type);
  // Apollo: the field's @cost replaces its type's @cost, which replaces the default weight.
  const explicitWeight = readCostWeight(schema, field, coordinate) ?? weightOf(returned);
  const args = new Map<string, InputCost>();
  for (const arg of field.args) {
    args.set(arg.name, readInputCost(schema, arg, `${coordinate}(${arg.name}:)`));
  }
  return {
    coordinate,
    weight: explicitWeight ?? defaultTypeWeight(returned),
    explicitWeight,
    isList: isListType(getNullableType(field.type)),
    listSize: readListSize(schema, field, coordinate),
    arguments: args,
  };
}

/** Introspection fields carry no directives: default weights only. */
function metaFieldCost(
  parentType: string,
  field: GraphQLField<unknown, unknown>,
  weightOf: (type: GraphQLNamedType) => number | undefined,
): FieldCost {
  const returned = getNamedType(field.type);
  const explicitWeight = weightOf(returned);
  return {
    coordinate: `${parentType}.${field.name}`,
    weight: explicitWeight ?? defaultTypeWeight(returned),
    explicitWeight,
    isList: isListType(getNullableType(field.type)),
    listSize: undefined,
    arguments: new Map(),
  };
}
