/** What a response said about the bucket. */
export interface BucketObservation {
  /** Points available when the server answered. */
  availablePoints: number;
  /** Bucket capacity in points. */
  capacityPoints: number;
  /** Points restored per second. */
  restorePerSec: number;
}

/** How often to look again while points are held by requests still out, in ms. */
const PENDING_POLL_MS = 10;

/**
 * The client's own, deliberately pessimistic, picture of its token bucket on the server: the
 * points last reported, refilled at the reported rate since, less what this client has sent and
 * not yet heard back about. It is what lets the client wait *before* sending instead of being
 * told to by a 429.
 */
export class BucketModel {
  /** Points this client may still spend: the server's bucket less {@link pendingPoints}. */
  private points = 0;
  private atMs = 0;
  /** Points taken for requests that have not been answered: the server may not have charged them yet. */
  private pendingPoints = 0;
  private capacity = 0;
  private restorePerSec = 0;
  private known = false;

  /** Whether any response has described the bucket yet. */
  get isKnown(): boolean {
    return this.known;
  }

  /**
   * Takes the server's word for the bucket, less what is still pending (call {@link settle} for
   * the answering request first). Counting a charge twice only makes the client wait a little
   * longer; never counting it would make it send too early.
   *
   * `exact` says no other answer arrived while this request was out: then every charge the report
   * misses is still pending, and the report replaces the model. Otherwise another request may have
   * been charged after this report was made and be pending no more, so the report can only lower
   * the model, never raise it.
   */
  observe(observation: BucketObservation, nowMs: number, exact: boolean): void {
    const reported = Math.min(observation.capacityPoints, observation.availablePoints) - this.pendingPoints;
    const points = exact || !this.known ? reported : Math.min(this.availableAt(nowMs), reported);
    this.capacity = observation.capacityPoints;
    this.restorePerSec = observation.restorePerSec;
    this.points = points;
    this.atMs = nowMs;
    this.known = true;
  }

  /**
   * Points available at `nowMs` by this model. The server's bucket stops filling at capacity,
   * charges still pending included, so what is left for new requests stops below it.
   */
  availableAt(nowMs: number): number {
    const refilled = (Math.max(0, nowMs - this.atMs) / 1000) * this.restorePerSec;
    return Math.min(this.capacity - this.pendingPoints, this.points + refilled);
  }

  /**
   * Milliseconds to wait before `costPoints` fit, 0 when they fit now. A cost above the capacity
   * never fits: 0, and the server answers why (`COST_ESTIMATED_TOO_EXPENSIVE`).
   */
  waitMsFor(costPoints: number, nowMs: number): number {
    if (!this.known || costPoints > this.capacity || this.restorePerSec <= 0) return 0;
    const missing = costPoints - this.availableAt(nowMs);
    if (missing <= 0) return 0;
    // Waiting cannot help while pending requests hold the points: wait for one of them instead.
    if (costPoints > this.capacity - this.pendingPoints) return PENDING_POLL_MS;
    return Math.ceil((missing / this.restorePerSec) * 1000);
  }

  /** Spends `costPoints` at `nowMs`: the request is about to be sent. */
  take(costPoints: number, nowMs: number): void {
    this.points = this.availableAt(nowMs) - costPoints;
    this.atMs = nowMs;
    this.pendingPoints += costPoints;
  }

  /**
   * Settles one answered request: it took `takenPoints` when sent, the server kept `chargedPoints`
   * (the actual cost once refunded; 0 when it refused or did not run the operation).
   */
  settle(takenPoints: number, chargedPoints: number): void {
    this.pendingPoints -= takenPoints;
    this.points += takenPoints - chargedPoints;
  }
}
