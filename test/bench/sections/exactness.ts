import { setTimeout as sleep } from 'node:timers/promises';
import { windowSlotMs } from '../../../src/limiter/memory-window.js';
import { EXACT_LIMIT } from '../budget.js';
import { CONTENDER_IDS, type ContenderId } from '../contenders.js';
import { post } from '../http.js';
import type { ServerProcess } from '../processes.js';
import { EXACTNESS_QUERY } from '../queries.js';

/** How many operations a contender served where it should have served at most {@link EXACT_LIMIT}. */
export interface ExactnessResult {
  contender: ContenderId;
  /** Of the requests one client fired at once. */
  concurrentServed: number;
  /** Served in the two bursts of 100 around the window boundary (less than a second apart). */
  boundaryServed: { before: number; after: number };
  /** The one request that opened the window, a window length before the boundary. */
  openerServed: number;
  /** How long before the boundary the last answer of the burst before came back (negative: late). */
  beforeBurstDoneMs: number;
  /** Most served in any one window beyond the limit: 0 is exact. */
  overAdmission: number;
  /**
   * How early the contender may refuse, by design: Tollgate counts a window of more than 64 calls
   * per sub-window, so a call may count up to one sub-window (less 1 ms) past its window's end.
   * `null`: none stated.
   */
  earlyRefusalBoundMs: number | null;
  /** What the server logged at warning level meanwhile (e.g. a limiter falling back). */
  serverWarnings: string[];
}

// Each test is another client to every contender: another loopback source address.
const CONCURRENCY_CLIENT = '127.0.0.2';
const BOUNDARY_CLIENT = '127.0.0.3';
const BURST = 100;
// The burst after starts this long after the boundary.
const AFTER_MS = 300;

/**
 * The limit is {@link EXACT_LIMIT} per `windowSec` for every contender. First
 * `concurrentRequests` at once; then, for all contenders at the same time: one request opens a window, and 100
 * requests just before the window's end and 100 just after it test the boundary.
 */
export async function measureExactness(
  servers: ReadonlyMap<ContenderId, ServerProcess>,
  windowSec: number,
  concurrentRequests: number,
): Promise<ExactnessResult[]> {
  const concurrent = new Map<ContenderId, number>();
  for (const [id, server] of servers) {
    const answers = await Promise.all(
      Array.from({ length: concurrentRequests }, () =>
        post(server.url, EXACTNESS_QUERY, { localAddress: CONCURRENCY_CLIENT }),
      ),
    );
    concurrent.set(id, answers.filter((answer) => answer.served).length);
  }
  const windowMs = windowSec * 1000;
  // Contenders take turns, so that one core serves one burst at a time; bursts go early
  // enough before the boundary to be answered before it on a slow machine.
  const timing = { staggerMs: Math.min(3000, windowMs / 8), beforeMs: Math.min(2000, windowMs / 4) };
  const boundary = await Promise.all(
    CONTENDER_IDS.filter((id) => servers.has(id)).map(async (id, turn) => {
      const server = servers.get(id) as ServerProcess;
      await sleep(turn * timing.staggerMs);
      return [id, await aroundBoundary(id, server.url, windowMs, timing.beforeMs)] as const;
    }),
  );
  return boundary.map(([id, around]) => {
    const concurrentServed = concurrent.get(id) ?? 0;
    const worstWindow = Math.max(
      concurrentServed,
      around.before + around.after,
      around.opener + around.before,
    );
    return {
      contender: id,
      concurrentServed,
      boundaryServed: { before: around.before, after: around.after },
      openerServed: around.opener,
      beforeBurstDoneMs: around.beforeDoneMs,
      overAdmission: Math.max(0, worstWindow - EXACT_LIMIT),
      earlyRefusalBoundMs: id.startsWith('tollgate') ? windowSlotMs(EXACT_LIMIT, windowMs) - 1 : null,
      serverWarnings: servers.get(id)?.warnings() ?? [],
    };
  });
}

/**
 * One request opens the window at t0; bursts go just before and just after the boundary. The
 * classic recipe's windows are aligned to the clock (its boundary is the next multiple of the
 * window after t0 + 1 s); rate-limiter-flexible's start with a key's first request, so theirs is
 * t0 + window; Tollgate's window slides, and the opener leaves it at t0 + window.
 */
async function aroundBoundary(id: ContenderId, url: string, windowMs: number, beforeMs: number) {
  const send = () => post(url, EXACTNESS_QUERY, { localAddress: BOUNDARY_CLIENT });
  const t0 = Date.now();
  const opener = (await send()).served ? 1 : 0;
  const boundaryMs = id === 'classic' ? Math.ceil((t0 + 1000) / windowMs) * windowMs : t0 + windowMs;
  const burst = async () =>
    (await Promise.all(Array.from({ length: BURST }, send))).filter((a) => a.served).length;
  await sleep(Math.max(0, boundaryMs - beforeMs - Date.now()));
  const before = await burst();
  const beforeDoneMs = boundaryMs - Date.now();
  await sleep(Math.max(0, boundaryMs + AFTER_MS - Date.now()));
  const after = await burst();
  return { opener, before, after, beforeDoneMs };
}
