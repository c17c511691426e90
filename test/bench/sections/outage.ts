import { setTimeout as sleep } from 'node:timers/promises';
import { CONTENDER_IDS, type ContenderId } from '../contenders.js';
import { type Answer, post } from '../http.js';
import type { ServerProcess } from '../processes.js';
import { SHAPES } from '../queries.js';

/** What a contender answers while its Redis is down, and whether it serves again once it is back. */
export interface OutageResult {
  contender: ContenderId;
  answers: Array<Pick<Answer, 'status' | 'code' | 'served' | 'latencyMs'>>;
  /** Seconds after Redis came back until it served again; null if it did not within the wait. */
  recoveredAfterSec: number | null;
}

/** Controls the bench's Redis process. */
export interface RedisControl {
  stop(): Promise<void>;
  start(): Promise<void>;
}

const REQUESTS = 3;
const TIMEOUT_MS = 5000;
const RECOVERY_WAIT_MS = 10_000;

/**
 * Stops Redis, sends each contender a few small queries one after another (all contenders at
 * the same time), records status, code and wait; starts Redis again and waits for each to serve.
 */
export async function measureOutage(
  servers: ReadonlyMap<ContenderId, ServerProcess>,
  redis: RedisControl,
): Promise<OutageResult[]> {
  const query = SHAPES[0]?.query ?? '{ __typename }';
  const ids = CONTENDER_IDS.filter((id) => servers.has(id));
  const urlOf = (id: ContenderId) => (servers.get(id) as ServerProcess).url;
  await redis.stop();
  let answers: Array<Answer[]>;
  try {
    answers = await Promise.all(
      ids.map(async (id) => {
        const own: Answer[] = [];
        for (let i = 0; i < REQUESTS; i++) own.push(await post(urlOf(id), query, { timeoutMs: TIMEOUT_MS }));
        return own;
      }),
    );
  } finally {
    await redis.start();
  }
  const restartedAt = Date.now();
  const recovered = await Promise.all(ids.map((id) => waitUntilServed(urlOf(id), restartedAt)));
  return ids.map((id, i) => ({
    contender: id,
    answers: (answers[i] ?? []).map(({ status, code, served, latencyMs }) => ({
      status,
      code,
      served,
      latencyMs,
    })),
    recoveredAfterSec: recovered[i] ?? null,
  }));
}

async function waitUntilServed(url: string, since: number): Promise<number | null> {
  const query = SHAPES[0]?.query ?? '{ __typename }';
  while (Date.now() - since < RECOVERY_WAIT_MS) {
    if ((await post(url, query, { timeoutMs: 2000 })).served) return (Date.now() - since) / 1000;
    await sleep(100);
  }
  return null;
}
