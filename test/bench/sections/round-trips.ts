import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchBudget } from '../budget.js';
import { CONTENDERS, type ContenderId } from '../contenders.js';
import { post } from '../http.js';
import type { ServerProcess } from '../processes.js';
import { SHAPES } from '../queries.js';
import { watchRedis } from '../redis-monitor.js';

/** A contender's Redis traffic per operation of one shape. */
export interface RoundTripResult {
  contender: ContenderId;
  shape: string;
  operations: number;
  /** Round trips before the answer: everything but Tollgate's refund script. */
  criticalTripsPerOp: number;
  /** Round trips after the answer (Tollgate's refund of estimate − actual), off the critical path. */
  afterResponseTripsPerOp: number;
  commandsSentPerOp: number;
  commandsExecutedPerOp: number;
  /** Round trips per operation by command (and script). */
  byLabel: Record<string, number>;
  /** What the server had logged at warning level by then (e.g. a limiter falling back). */
  serverWarnings: string[];
}

// Tollgate sends its refund after the response is written (src/plugin: refundLater).
const AFTER_RESPONSE = /refund/;
// A few operations in flight at once, as real traffic has; the counts do not depend on it.
const IN_FLIGHT = 4;

/**
 * Counts, with MONITOR on the bench's own Redis, what each Redis-backed contender sends per
 * operation and what Redis executes for it. Runs after the load, so scripts are already loaded.
 */
export async function measureRoundTrips(
  servers: ReadonlyMap<ContenderId, ServerProcess>,
  redisUrl: string,
  budget: BenchBudget,
): Promise<RoundTripResult[]> {
  const results: RoundTripResult[] = [];
  for (const contender of CONTENDERS) {
    const server = servers.get(contender.id);
    if (!server || !contender.usesRedis) continue;
    for (const shape of SHAPES) {
      const watch = await watchRedis(redisUrl);
      const served = await fire(server.url, shape.query, budget.tripOperations);
      // Let refunds sent after the last answers land before counting.
      await sleep(300);
      const traffic = await watch.stop();
      if (served < budget.tripOperations) {
        throw new Error(
          `${contender.id} served ${served} of ${budget.tripOperations} ${shape.id} operations`,
        );
      }
      const perOp = (n: number) => n / budget.tripOperations;
      const after = Object.entries(traffic.byLabel)
        .filter(([label]) => contender.id.startsWith('tollgate') && AFTER_RESPONSE.test(label))
        .reduce((sum, [, n]) => sum + n, 0);
      results.push({
        contender: contender.id,
        shape: shape.id,
        operations: budget.tripOperations,
        criticalTripsPerOp: perOp(traffic.roundTrips - after),
        afterResponseTripsPerOp: perOp(after),
        commandsSentPerOp: perOp(traffic.commandsSent),
        commandsExecutedPerOp: perOp(traffic.commandsExecuted),
        byLabel: Object.fromEntries(Object.entries(traffic.byLabel).map(([label, n]) => [label, perOp(n)])),
        serverWarnings: server.warnings(),
      });
    }
  }
  return results;
}

async function fire(url: string, query: string, operations: number): Promise<number> {
  let next = 0;
  let served = 0;
  const worker = async () => {
    while (next++ < operations) if ((await post(url, query)).served) served++;
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return served;
}
