import { type Answer, chargedPointsOf, observationOf, pricesOf, refusalOf } from './answer.js';
import { BucketModel } from './bucket-model.js';
import { type OperationRef, PriceBook } from './price-book.js';

/**
 * The part every Tollgate client shares, whatever library sends the requests: one picture of the
 * bucket ({@link BucketModel}), the prices seen ({@link PriceBook}), one admission gate, and the
 * rule for trying again. The pacing client, the `fetch` wrapper, the Apollo link and the urql
 * exchange each hold one pacer and feed it what their library shows of the answers.
 */

/** Options of a {@link Pacer}: how it waits and retries. */
export interface PacerOptions {
  /** Wait before sending so that the bucket never refuses. Default `true`. */
  pace?: boolean;
  /** Retries of one operation after a 429 or 503. Default 5. */
  maxRetries?: number;
  /**
   * The longest wait for a retry, in ms. An answer asking for a longer wait is handed to the caller
   * rather than retried early. Default 60 000.
   */
  maxRetryWaitMs?: number;
  /** A random extra wait of up to this many ms before each retry, so clients do not retry in step. Default 250. */
  jitterMs?: number;
  /** The API key the integration sends (as `x-api-key`); checked here with the rest. */
  apiKey?: string | undefined;
}

/** Counters over a client's life. */
export interface PacerStats {
  /** HTTP requests sent. */
  sent: number;
  /** 429 answers absorbed (retried, or handed over once retries ran out). */
  throttled: number;
  /** 503 answers (the limiter was unavailable). */
  unavailable: number;
  /** Milliseconds waited before sending, to keep within the bucket. */
  pacedMs: number;
  /** Milliseconds waited before retries. */
  retryWaitMs: number;
  /** The fewest points the bucket was reported to hold. */
  lowestAvailable: number | undefined;
}

/** One admitted request: what it took from the model, and how to let the next one in. */
export interface Ticket {
  readonly takenPoints: number;
  readonly waitedMs: number;
  /** Answers received before this request went out: tells whether another answer overtook it. */
  readonly answersAtSend: number;
  /** Opens the gate when this request was let through alone (price or bucket unknown). */
  readonly release: () => void;
}

/** What {@link Pacer.run} resolves with: the last attempt's value, and what it took. */
export interface PacedOutcome<T> {
  value: T;
  answer: Answer;
  /** Requests sent for this operation (1 + retries). */
  attempts: number;
  /** Milliseconds spent waiting for this operation: pacing and retries. */
  waitedMs: number;
}

/** The ticket of a request sent without pacing. */
const NO_WAIT: Ticket = { takenPoints: 0, waitedMs: 0, answersAtSend: 0, release: () => {} };

/** See the module comment. One per bucket (one per API key). */
export class Pacer {
  readonly stats: PacerStats = {
    sent: 0,
    throttled: 0,
    unavailable: 0,
    pacedMs: 0,
    retryWaitMs: 0,
    lowestAvailable: undefined,
  };
  private readonly bucket = new BucketModel();
  private readonly prices = new PriceBook();
  private readonly pace: boolean;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly jitterMs: number;
  private answers = 0;
  // Admission is one at a time, so that parallel callers are paced against one picture of the bucket.
  private gate: Promise<void> = Promise.resolve();

  /** @throws {TypeError} or {RangeError} naming the option, when one is not what it should be. */
  constructor(options: PacerOptions = {}) {
    checkOptions(options);
    this.pace = options.pace ?? true;
    this.maxRetries = options.maxRetries ?? 5;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
    this.jitterMs = options.jitterMs ?? 250;
  }

  /**
   * Waits for the request's turn and for the bucket to hold its price (the sum of its operations',
   * or `costHint`), and takes the price from the model. A request whose price or bucket is not
   * known yet is let through alone: the gate stays shut until its answer has taught the others.
   */
  async admit(operations: readonly OperationRef[], costHint?: number, signal?: AbortSignal): Promise<Ticket> {
    if (!this.pace) return { ...NO_WAIT, answersAtSend: this.answers };
    let open = () => {};
    const previous = this.gate;
    this.gate = new Promise((resolve) => {
      open = resolve;
    });
    try {
      await previous;
      signal?.throwIfAborted();
    } catch (error) {
      open();
      throw error;
    }
    // Read the price only now: an answer that came in while this one queued may have taught it.
    const costPoints = costHint ?? this.priceOf(operations);
    if (costPoints === undefined || !this.bucket.isKnown) {
      return { takenPoints: 0, waitedMs: 0, answersAtSend: this.answers, release: open };
    }
    let waitedMs = 0;
    try {
      // Timers may fire a little early: check again rather than send a hair too soon.
      for (let waitMs = this.bucket.waitMsFor(costPoints, Date.now()); waitMs > 0; ) {
        await sleep(waitMs, signal);
        waitedMs += waitMs;
        waitMs = this.bucket.waitMsFor(costPoints, Date.now());
      }
    } finally {
      open();
    }
    this.stats.pacedMs += waitedMs;
    this.bucket.take(costPoints, Date.now());
    return { takenPoints: costPoints, waitedMs, answersAtSend: this.answers, release: () => {} };
  }

  /** Learns from the answer to an admitted request: prices, what was kept, the bucket. */
  settle(ticket: Ticket, operations: readonly OperationRef[], answer: Answer): void {
    // Nothing awaits in here: the report, what is still pending and whether another answer
    // overtook this one are all read at the same instant.
    const alone = this.answers++ === ticket.answersAtSend;
    const refusal = refusalOf(answer, Date.now());
    if (refusal?.kind === 'throttled') this.stats.throttled++;
    if (refusal?.kind === 'unavailable') this.stats.unavailable++;
    const prices = pricesOf(answer);
    operations.forEach((operation, i) => {
      const price = prices[i];
      if (price !== undefined) this.prices.learn(operation, price);
    });
    if (this.pace) this.bucket.settle(ticket.takenPoints, chargedPointsOf(answer, refusal !== undefined));
    const observation = observationOf(answer);
    if (observation) {
      if (this.pace) this.bucket.observe(observation, Date.now(), alone);
      this.stats.lowestAvailable = Math.min(
        this.stats.lowestAvailable ?? Infinity,
        observation.availablePoints,
      );
    }
    ticket.release();
  }

  /** The request got no answer (the network failed, the caller gave up): the server may have kept it all. */
  abandon(ticket: Ticket): void {
    if (this.pace) this.bucket.settle(ticket.takenPoints, ticket.takenPoints);
    ticket.release();
  }

  /**
   * Milliseconds to wait before trying `answer`'s request again (at least what the answer asks
   * for, plus jitter), or `undefined` to hand the answer over: not a refusal, retries spent, or a
   * wait longer than `maxRetryWaitMs`.
   */
  retryDelayMs(answer: Answer, attempt: number): number | undefined {
    const refusal = refusalOf(answer, Date.now());
    if (!refusal || attempt > this.maxRetries) return undefined;
    const needMs = refusal.retryAfterMs ?? 1000;
    if (needMs > this.maxRetryWaitMs) return undefined;
    return needMs + Math.round(Math.random() * this.jitterMs);
  }

  /**
   * Sends one request the paced way: admit, send, learn, and while the answer is a refusal and
   * retries are left, wait as long as it asks and go again (through the gate: it is sent once it
   * fits). Resolves with the last attempt.
   */
  async run<T>(
    operations: readonly OperationRef[],
    send: () => Promise<{ value: T; answer: Answer }>,
    options: { costHint?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<PacedOutcome<T>> {
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const ticket = await this.admit(operations, options.costHint, options.signal);
      waitedMs += ticket.waitedMs;
      this.stats.sent++;
      let sent: { value: T; answer: Answer };
      try {
        sent = await send();
      } catch (error) {
        this.abandon(ticket);
        throw error;
      }
      this.settle(ticket, operations, sent.answer);
      const delayMs = this.retryDelayMs(sent.answer, attempt);
      if (delayMs === undefined) return { ...sent, attempts: attempt, waitedMs };
      this.stats.retryWaitMs += delayMs;
      waitedMs += delayMs;
      await sleep(delayMs, options.signal);
    }
  }

  private priceOf(operations: readonly OperationRef[]): number | undefined {
    let total = 0;
    for (const operation of operations) {
      const price = this.prices.priceOf(operation);
      if (price === undefined) return undefined;
      total += price;
    }
    return operations.length > 0 ? total : undefined;
  }
}

/**
 * Resolves once `ms` have passed by the wall clock (a timer may fire a millisecond early, and a
 * retry must never reach the server before its `Retry-After`); rejects when `signal` aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let timer: ReturnType<typeof setTimeout>;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const check = () => {
      const leftMs = until - Date.now();
      if (leftMs > 0) {
        timer = setTimeout(check, leftMs);
        return;
      }
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(check, Math.max(0, ms));
  });
}

/** A mistyped option fails where the client is made, not as odd waits later. */
function checkOptions(options: PacerOptions): void {
  const whole = (name: 'maxRetries', value: number | undefined) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new RangeError(`Tollgate client: ${name} must be a whole number ≥ 0, got ${String(value)}`);
    }
  };
  const duration = (name: 'maxRetryWaitMs' | 'jitterMs', value: number | undefined) => {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`Tollgate client: ${name} must be a number of ms ≥ 0, got ${String(value)}`);
    }
  };
  whole('maxRetries', options.maxRetries);
  duration('maxRetryWaitMs', options.maxRetryWaitMs);
  duration('jitterMs', options.jitterMs);
  if (options.pace !== undefined && typeof options.pace !== 'boolean') {
    throw new TypeError(`Tollgate client: pace must be true or false, got ${String(options.pace)}`);
  }
  if (options.apiKey !== undefined && typeof options.apiKey !== 'string') {
    throw new TypeError(`Tollgate client: apiKey must be a string, got ${typeof options.apiKey}`);
  }
}
