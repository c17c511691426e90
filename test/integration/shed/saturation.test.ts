import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { METRIC_NAMES } from '../../../src/observe/metrics.js';
import { type GraphQLHttpResponse, postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';
import { freshAddress } from '../faults/load.js';
import { parsePrometheusText } from '../observe/prometheus-text.js';

// test/integration/hostile/slow-server.ts: `slowItems` answers after `ms`, as `serve` runs it.
const SLOW_SERVER = 'test/integration/hostile/slow-server.ts';
/** What the flood asks for: an operation that holds its place in flight for 300 ms. */
const SLOW = '{ slowItems(first: 1, ms: 300) { id } }';
const QUICK = '{ slowItems(first: 1, ms: 0) { id } }';
const FLOODERS = 32;
const MAX_IN_FLIGHT = 8;

describe('a process flooded by anonymous clients', { timeout: 60_000 }, () => {
  let server: TollgateProcess;
  let proKey: string;
  /** Whether the anonymous clients keep sending; a failed test stops them before the server. */
  let flooding = false;
  let flood: Promise<unknown> | undefined;
  beforeAll(async () => {
    proKey = await createKeyInRedis(inject('redisUrl'), 'pro');
    server = await spawnTollgate(
      {
        REDIS_URL: inject('redisUrl'),
        TOLLGATE_SHED: 'true',
        // Saturation by operations in flight, not by event-loop delay: on two cores shared by a
        // whole test suite, the delay this process measures is its neighbours' as much as its own,
        // while 32 clients each holding a 300 ms operation are over 8 in flight whatever the load.
        TOLLGATE_SHED_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
        TOLLGATE_SHED_EVENT_LOOP_DELAY_MS: '0',
        TOLLGATE_SHED_COOL_DOWN_MS: '1500',
        // The anonymous buckets never refuse: any refusal in this test is the shedder's.
        TOLLGATE_TIER_ANONYMOUS_CAPACITY: '1000000',
        TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: '1000000',
        TOLLGATE_TIER_ANONYMOUS_MAX_COST: '1000000',
      },
      SLOW_SERVER,
    );
  });
  afterAll(async () => {
    flooding = false;
    await flood;
    await server?.stop();
  });

  const metricsUrl = () => new URL('/metrics', server.url);
  const scrape = async () => parsePrometheusText(await (await fetch(metricsUrl())).text());

  it('serves pro while anonymous requests are shed with 503 and Retry-After, and sheds nothing once the flood stops', async () => {
    const anonymous: GraphQLHttpResponse[] = [];
    flooding = true;
    let firstShed: () => void = () => {};
    const shedSeen = new Promise<void>((resolve) => {
      firstShed = resolve;
    });
    const flooder = async (localAddress: string) => {
      while (flooding) {
        const answer = await postGraphQL(server.url, SLOW, { localAddress });
        anonymous.push(answer);
        // Shed, or (without shedding) long enough to say so below rather than time out.
        if (answer.status === 503 || anonymous.length >= 20 * FLOODERS) firstShed();
      }
    };
    flood = Promise.all(Array.from({ length: FLOODERS }, () => flooder(freshAddress())));

    // The pro client's operations while anonymous ones are being shed.
    await shedSeen;
    const pro: GraphQLHttpResponse[] = [];
    for (let i = 0; i < 10; i++) {
      pro.push(await postGraphQL(server.url, QUICK, { headers: { 'x-api-key': proKey } }));
    }
    const [health, ready, metrics] = await Promise.all([
      fetch(new URL('/health', server.url)),
      fetch(new URL('/ready', server.url)),
      fetch(metricsUrl()),
    ]);
    const scraped = parsePrometheusText(await metrics.text());
    flooding = false;
    await flood;

    expect(pro.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    for (const answer of pro) expect(answer.body.data?.slowItems).toEqual([{ id: '1' }]);
    expect(health.status).toBe(200);
    // Answered by the ops route, never shed (its own verdict is Redis's ping, 503 only if that is late).
    expect(await ready.json()).toMatchObject({ status: expect.stringMatching(/^(ready|unavailable)$/) });
    expect(metrics.status).toBe(200);
    expect(scraped.value(METRIC_NAMES.operations, { outcome: 'shed', tier: 'anonymous' })).toBeGreaterThan(0);
    expect(scraped.value(METRIC_NAMES.operations, { outcome: 'shed', tier: 'pro' })).toBe(0);

    // Every anonymous answer was served or shed, and every shed one says so and when to retry.
    const shed = anonymous.filter((answer) => answer.status !== 200);
    expect(shed.length).toBeGreaterThan(0);
    for (const answer of shed) {
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('2');
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({
        code: 'SERVER_OVERLOADED',
        reason: 'LOAD_SHED',
        tier: 'anonymous',
        retryAfter: 2,
      });
      // Refused before pricing: no cost, no data.
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.extensions?.cost).toBeUndefined();
    }

    // The flood is over: shedding steps down after its cool-down, and then nothing is shed.
    while ((await scrape()).value(METRIC_NAMES.sheddingLevel) !== 0) await sleep(100);
    const after = await postGraphQL(server.url, SLOW, { localAddress: freshAddress() });
    expect(after.status).toBe(200);
    expect(after.body.data?.slowItems).toEqual([{ id: '1' }]);

    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'rejected', reason: 'shed', tier: 'anonymous', retryAfter: 2 }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'shedding', sheddingLevel: 1, shedTiers: ['anonymous'] }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'shedding', sheddingLevel: 0, shedTiers: [] }),
    );
  });
});
