import { accessSync, constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CPU_LATENCY_DEVICE, currentLatencyTargetUs, holdIdlePolling } from '../bench/idle-polling.js';

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

describe("the bench's idle polling", () => {
  it('holds a 0 µs latency target while held, and drops it on release', () => {
    // The machines this project runs on let the bench write the device (root, Linux); elsewhere
    // the bench must say it could not, and go on.
    if (!writable(CPU_LATENCY_DEVICE)) {
      const polling = holdIdlePolling();
      expect(polling.held).toBe(false);
      expect(polling.description).toMatch(/could halt/);
      return;
    }
    const before = currentLatencyTargetUs();
    const polling = holdIdlePolling();
    try {
      expect(polling.held).toBe(true);
      expect(polling.description).toMatch(/kept polling/);
      expect(currentLatencyTargetUs()).toBe(0);
    } finally {
      polling.release();
      polling.release();
    }
    // Back to what it was (another holder on the machine may keep it lower than the default).
    expect(currentLatencyTargetUs()).toBe(before);
  });

  it('goes on without polling where the device cannot be written, and says so', () => {
    const polling = holdIdlePolling('/nonexistent/cpu_dma_latency');
    expect(polling.held).toBe(false);
    expect(polling.description).toContain('ENOENT');
    expect(() => polling.release()).not.toThrow();
  });
});
