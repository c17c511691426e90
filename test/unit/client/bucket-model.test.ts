import { describe, expect, it } from 'vitest';
import { BucketModel } from '../../../src/client/bucket-model.js';

const bucket = { capacityPoints: 20, restorePerSec: 50 };

describe('the client-side bucket model', () => {
  it('does not hold a request back before it knows the bucket', () => {
    expect(new BucketModel().waitMsFor(1000, 0)).toBe(0);
  });

  it('waits exactly until the missing points have been restored', () => {
    const model = new BucketModel();
    model.observe({ ...bucket, availablePoints: 4 }, 1000, true);
    expect(model.waitMsFor(4, 1000)).toBe(0);
    expect(model.waitMsFor(9, 1000)).toBe(100); // 5 points missing at 50/s
    expect(model.waitMsFor(9, 1100)).toBe(0);
  });

  it('spends what it sends, and settles it by what the server kept', () => {
    const model = new BucketModel();
    model.observe({ ...bucket, availablePoints: 20 }, 0, true);
    model.take(10, 0);
    expect(model.availableAt(0)).toBe(10);
    model.settle(10, 6); // estimated 10, actually cost 6: 4 refunded
    expect(model.availableAt(0)).toBe(14);
    model.take(5, 0);
    model.settle(5, 0); // refused: nothing kept
    expect(model.availableAt(0)).toBe(14);
  });

  it('never refills above capacity less what is still out', () => {
    const model = new BucketModel();
    model.observe({ ...bucket, availablePoints: 20 }, 0, true);
    model.take(8, 0);
    // The server's bucket may be full with those 8 points not yet charged: 12 are ours at most.
    expect(model.availableAt(10_000)).toBe(12);
    expect(model.waitMsFor(15, 10_000)).toBeGreaterThan(0);
    model.settle(8, 8);
    expect(model.availableAt(10_000)).toBe(20);
  });

  it('counts points still out as spent when the server reports', () => {
    const model = new BucketModel();
    model.observe({ ...bucket, availablePoints: 20 }, 0, true);
    model.take(6, 0);
    model.observe({ ...bucket, availablePoints: 10 }, 0, true);
    expect(model.availableAt(0)).toBe(4);
  });

  it('lets a report that another answer overtook only lower the model, never raise it', () => {
    const model = new BucketModel();
    model.observe({ ...bucket, availablePoints: 10 }, 0, true);
    model.observe({ ...bucket, availablePoints: 16 }, 0, false);
    expect(model.availableAt(0)).toBe(10);
    model.observe({ ...bucket, availablePoints: 3 }, 0, false);
    expect(model.availableAt(0)).toBe(3);
  });

  it('sends an operation dearer than the capacity at once: the server says why it never fits', () => {
    const model = new BucketModel();
    model.observe({ ...bucket, availablePoints: 0 }, 0, true);
    expect(model.waitMsFor(21, 0)).toBe(0);
  });
});
