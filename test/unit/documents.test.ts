/**
 * Every GraphQL document the README shows and the benchmarks and the demo run parses, validates against the schema
 * and costs at most MAX_QUERY_COST under the cost estimate (issue 10, item 1): an example that would be refused fails
 * here, not in a reader's terminal. A size given by a variable counts as the largest it may be.
 */
import 'reflect-metadata';
import path from 'node:path';
import { parse, specifiedRules, validate, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { loadConfig } from '../../src/config';
import { operationCost } from '../../src/graphql/cost';
import { hubSchema } from '../../src/graphql/schema';
import { markdownDocuments, shownDocuments, typeScriptDocuments, type FoundDocument } from '../support/documents';

const config = loadConfig({});
const limits = { maxCost: config.limits.maxCost, maxPageSize: config.maxPageSize, maxNestedList: config.limits.maxNestedList };

/** Variables that size a list (`first`, `last`) at the largest page, so that the check never counts less than a run may. */
function largestSizes(document: DocumentNode): Record<string, number> {
  const sizes: Record<string, number> = {};
  visit(document, {
    Argument(argument) {
      if ((argument.name.value === 'first' || argument.name.value === 'last') && argument.value.kind === 'Variable')
        sizes[argument.value.name.value] = limits.maxPageSize;
    },
  });
  return sizes;
}

/** What is wrong with a document: it does not parse, does not validate, or costs more than MAX_QUERY_COST. */
function problem(schema: GraphQLSchema, found: FoundDocument): string | null {
  if (found.unreadable) return `${found.where}: ${found.unreadable}`;
  let document: DocumentNode;
  try {
    document = parse(found.text);
  } catch (error) {
    return `${found.where}: does not parse (${(error as Error).message}): ${found.text.slice(0, 120)}`;
  }
  const errors = validate(schema, document, specifiedRules);
  if (errors.length) return `${found.where}: does not validate (${errors[0].message})`;
  const cost = operationCost(schema, document, undefined, largestSizes(document), limits);
  return cost > limits.maxCost ? `${found.where}: costs ${cost}, more than MAX_QUERY_COST (${limits.maxCost})` : null;
}

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await hubSchema();
});

describe('the documents of the README, the benchmarks and the demo', () => {
  const documents = shownDocuments(path.join(__dirname, '../..'));

  it('are found: the README and the benchmarks show many', () => {
    expect(documents.filter((found) => found.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(15);
    expect(documents.filter((found) => found.where.startsWith('bench/')).length).toBeGreaterThanOrEqual(8);
    expect(documents.some((found) => found.where.startsWith('bench/catchup.ts') && found.text.includes('first: 500'))).toBe(true);
  });

  it('each parses, validates against the schema and costs at most MAX_QUERY_COST', () => {
    expect(documents.map((found) => problem(schema, found)).filter(Boolean)).toEqual([]);
  });
});

describe('the check itself', () => {
  it('fails on an example that costs too much: the attack of issue 10 in a README block', () => {
    const readme = [
      'Text.',
      '```sh',
      `curl -s http://localhost:4000/graphql -d '{"query": "{ case(id: \\"x\\") { progress { id case { progress { id case { progress { id } } } } } } }"}'`,
      '```',
    ].join('\n');
    const [found] = markdownDocuments(readme, 'README.md');
    expect(found.text).toContain('case(id: "x")');
    expect(problem(schema, found)).toMatch(/^README\.md:3: costs 1020201, more than MAX_QUERY_COST \(20000\)$/);
  });

  it('fails on a document it cannot read, or one that does not validate', () => {
    const source =
      'const N = Number(process.env.N ?? 20);\nconst Q = `{ riskEntries(first: ${N}) { edges { node { id } } } }`;\nconst R = `{ units(first: ${runtimeOnly()}) { totalCount } }`;\nconst S = "{ nothing }";';
    const found = typeScriptDocuments(source, 'bench/x.ts');
    expect(found.map((document) => document.text)).toEqual([
      '{ riskEntries(first: 20) { edges { node { id } } } }',
      '`{ units(first: ${runtimeOnly()}) { totalCount } }`',
      '{ nothing }',
    ]);
    expect(problem(schema, found[0])).toBeNull();
    expect(problem(schema, found[1])).toMatch(/does not parse/);
    expect(problem(schema, found[2])).toMatch(/does not validate/);
  });

  it('counts a size given by a variable at its largest', () => {
    const [found] = markdownDocuments('```js\nquery: "query($n: Int) { cases(first: $n) { edges { node { progress { id } } } } }"\n```', 'README.md');
    expect(problem(schema, found)).toMatch(/costs \d+, more than MAX_QUERY_COST/);
  });
});
