import { accessSync, constants, readdirSync, readlinkSync } from 'node:fs';
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

/** How many times this process has the device open: each open file holds its own target. */
function openHere(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

describe("the bench's idle polling", () => {
  it('holds a 0 µs latency target while held, and lets it go on release', () => {
    // The machines this project runs on let the bench write the device (root, Linux); elsewhere
    // the bench must say it could not, and go on.
    if (!writable(CPU_LATENCY_DEVICE)) {
      const polling = holdIdlePolling();
      expect(polling.held).toBe(false);
      expect(polling.description).toMatch(/could halt/);
      return;
    }
    const polling = holdIdlePolling();
    try {
      expect(polling.held).toBe(true);
      expect(polling.description).toMatch(/kept polling/);
      // The kernel's target is the lowest any holder asks for: 0 while this one holds it, whoever
      // else does (the bench's smoke test may be running beside this test).
      expect(currentLatencyTargetUs()).toBe(0);
      expect(openHere(CPU_LATENCY_DEVICE)).toBe(1);
    } finally {
      polling.release();
      polling.release();
    }
    // Closing the file is what drops the target; nothing of it is left open.
    expect(openHere(CPU_LATENCY_DEVICE)).toBe(0);
  });

  it('goes on without polling where the device cannot be written, and says so', () => {
    const polling = holdIdlePolling('/nonexistent/cpu_dma_latency');
    expect(polling.held).toBe(false);
    expect(polling.description).toContain('ENOENT');
    expect(() => polling.release()).not.toThrow();
  });
});
