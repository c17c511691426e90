import {
  accessSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      // Polling only where a cpuidle driver honours the target (this kind has had both).
      expect(polling.description).toMatch(polling.polling ? /kept polling/ : /could halt.*no cpuidle driver/);
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

  it('says idle cores could halt where no cpuidle driver honours the target, though it is held', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-idle-'));
    // A file standing for the device: written as the device is, read back as 4 bytes of 0.
    const device = join(dir, 'cpu_dma_latency');
    writeFileSync(device, '');
    const driverFile = join(dir, 'current_driver');
    for (const [driver, polls] of [
      ['none\n', false],
      ['haltpoll\n', true],
    ] as const) {
      writeFileSync(driverFile, driver);
      const polling = holdIdlePolling(device, driverFile);
      try {
        expect(polling.held).toBe(true);
        expect(polling.polling).toBe(polls);
        expect(polling.description).toMatch(
          polls ? /kept polling.*haltpoll/ : /could halt.*no cpuidle driver/,
        );
        expect([...readFileSync(device)]).toEqual([0, 0, 0, 0]);
      } finally {
        polling.release();
      }
    }
    const noCpuidle = holdIdlePolling(device, join(dir, 'absent'));
    expect(noCpuidle.polling).toBe(false);
    noCpuidle.release();
  });

  it('goes on without polling where the device cannot be written, and says so', () => {
    const polling = holdIdlePolling('/nonexistent/cpu_dma_latency');
    expect(polling.held).toBe(false);
    expect(polling.description).toContain('ENOENT');
    expect(() => polling.release()).not.toThrow();
  });
});
