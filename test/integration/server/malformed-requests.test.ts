import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, postRaw } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

describe('malformed requests get coded 4xx answers, never a 5xx', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate();
  });
  afterAll(() => tollgate.stop());

  it('invalid JSON: 400 BAD_REQUEST', async () => {
    const answer = await postRaw(tollgate.url, '{"query": "{ data { message } }"');
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('a query that does not parse: 400 GRAPHQL_PARSE_FAILED', async () => {
    const answer = await postGraphQL(tollgate.url, '{ data { message }');
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('an unknown field: 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const answer = await postGraphQL(tollgate.url, '{ nope }');
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('no query at all, or not an object: 400 BAD_REQUEST', async () => {
    for (const body of ['{}', '[1]', '"text"', 'null']) {
      const answer = await postRaw(tollgate.url, body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.errors?.[0]?.extensions?.code, body).toBe('BAD_REQUEST');
    }
  });

  it('a missing variable: 400 BAD_USER_INPUT', async () => {
    const answer = await postGraphQL(tollgate.url, 'query ($id: ID!) { book(id: $id) { title } }');
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('an unknown path: 404 NOT_FOUND', async () => {
    const answer = await postRaw(tollgate.url.replace('/graphql', '/api/data'), '{}');
    expect(answer.status).toBe(404);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
