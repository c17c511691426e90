import { describe, expect, it } from 'vitest';
import { HeldRefunds, REFUND_HOLD_MS, refundHoldFor } from '../../../src/limiter/held-refunds.js';

const BUCKET = { capacityMilli: 100_000, refillMilliPerSec: 1000 };

describe('how long a refund is held for a charge to carry it', () => {
  it('is the full hold under the default deadline, and never more than a tenth of a short one', () => {
    expect(refundHoldFor(100)).toBe(REFUND_HOLD_MS);
    expect(refundHoldFor(20)).toBe(2);
    // A 5 ms deadline would otherwise be spent whole waiting, and every refund counted late.
    expect(refundHoldFor(5)).toBe(0);
    expect(refundHoldFor(1)).toBe(0);
  });

  it('sends a refund no charge took once its hold is over, not before', async () => {
    const sent: number[] = [];
    const held = new HeldRefunds(async (_client, _bucket, refundMilli) => {
      sent.push(refundMilli);
    }, 30);
    const landed = held.hold('a', BUCKET, 2000);
    void held.hold('a', BUCKET, 3000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toEqual([]);
    await landed;
    expect(sent).toEqual([5000]);
  });

  it('sends what it holds when asked to, and resolves once every send has settled', async () => {
    const sent: string[] = [];
    let release: () => void = () => {};
    const held = new HeldRefunds(
      (client) =>
        new Promise<void>((resolve) => {
          sent.push(client);
          release = resolve;
        }),
      60_000,
    );
    void held.hold('a', BUCKET, 1000);
    let done = false;
    const all = held.sendAll().then(() => {
      done = true;
    });
    expect(sent).toEqual(['a']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    release();
    await all;
    expect(done).toBe(true);
    expect(held.take('a', BUCKET)).toBeUndefined();
  });
});
