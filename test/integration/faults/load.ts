import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { postGraphQL } from '../../support/http-client.js';

/**
 * The Redis deadline of the fault tests. Short, as in production (default 100 ms), but with room
 * for a whole test suite sharing two cores: a reply that misses the deadline only because the
 * machine is busy would start an outage before the test stops Redis.
 */
export const FAULT_DEADLINE_MS = 250;

/** The longest any request may take, Redis up or down: the deadline plus ordinary latency, generously. */
export const ANSWERED_WITHIN_MS = 1000;

/** One answered request of a load run. */
export interface LoadAnswer {
  /** When it was sent, in ms since the run started. */
  sentAtMs: number;
  durationMs: number;
  status: number;
  /** `extensions.code` of the first error, if any. */
  code: string | undefined;
  retryAfter: string | undefined;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Servers to spread the requests over, round robin. */
  urls: readonly string[];
  /** Concurrent workers; each is one client (its own loopback source address) sending in a loop. */
  workers: number;
  query: string;
  durationMs: number;
  /** Runs `atMs` into the load (e.g. stopping Redis); its own duration does not shorten the run. */
  during?: { atMs: number; action: () => Promise<void> };
}

let addressCounter = 0;

/** A loopback source address no other client of this test process has used: a fresh anonymous client. */
export function freshAddress(): string {
  addressCounter += 1;
  return `127.${50 + Math.floor(addressCounter / 250)}.${addressCounter % 250}.${1 + (process.pid % 250)}`;
}

/**
 * Keeps `workers` requests in flight for `durationMs` and records every answer; a request that
 * fails at the HTTP level (connection reset) rejects the run.
 */
export async function runLoad(options: LoadOptions): Promise<{ answers: LoadAnswer[]; actionAtMs: number }> {
  const started = performance.now();
  const answers: LoadAnswer[] = [];
  let sent = 0;
  const worker = async (localAddress: string) => {
    while (performance.now() - started < options.durationMs) {
      const url = options.urls[sent++ % options.urls.length] as string;
      const sentAtMs = performance.now() - started;
      const answer = await postGraphQL(url, options.query, { localAddress });
      answers.push({
        sentAtMs,
        durationMs: performance.now() - started - sentAtMs,
        status: answer.status,
        code: answer.body.errors?.[0]?.extensions?.code as string | undefined,
        retryAfter: answer.headers['retry-after'] as string | undefined,
      });
    }
  };
  let actionAtMs = Number.NaN;
  const action = async () => {
    if (!options.during) return;
    await sleep(options.during.atMs);
    await options.during.action();
    // The action is complete from here on: requests sent later meet its effect.
    actionAtMs = performance.now() - started;
  };
  await Promise.all([action(), ...Array.from({ length: options.workers }, () => worker(freshAddress()))]);
  return { answers, actionAtMs };
}

/** `GET /ready` of the server whose GraphQL endpoint is `graphqlUrl`: its HTTP status. */
export function readiness(graphqlUrl: string): Promise<number> {
  const url = new URL('/ready', graphqlUrl);
  return new Promise((resolve, reject) => {
    request(url, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** The log lines whose message starts with `prefix`. */
export function linesStartingWith(logs: ReadonlyArray<Record<string, unknown>>, prefix: string) {
  return logs.filter((line) => String(line.msg).startsWith(prefix));
}
