import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';

/** Linux's CPU latency QoS: a target held for as long as the file stays open (`pm_qos` in the kernel docs). */
export const CPU_LATENCY_DEVICE = '/dev/cpu_dma_latency';

/** Whether idle cores are kept polling while the bench measures: {@link holdIdlePolling}. */
export interface IdlePolling {
  /** Whether the 0 µs latency target is held. */
  readonly held: boolean;
  /** How the report says it. */
  readonly description: string;
  /** Lets idle cores halt again (closing the file drops the target). Once; later calls do nothing. */
  release(): void;
}

/**
 * Keeps every idle core polling instead of halting for the length of the run, by holding a 0 µs
 * CPU latency target.
 *
 * Why: in a virtual machine a halted core is a vCPU the host has descheduled, and waking it costs
 * the waker a trip to the host. Every answer a server writes wakes the load generator (and every
 * Redis call wakes Redis) on the other core, so each contender's CPU per operation carried that
 * trip, and carried it more often the more idle the other core was: a slower contender leaves it
 * idler and paid more per operation (measured here: plain Apollo 74 → 49 µs per small operation,
 * Tollgate 98 → 62, with the target held). Polling cores are woken for nothing, so what is left
 * is each server's own work. It costs a busy other core for the bench's length, nothing more; the
 * target goes when the process exits, however it exits.
 *
 * Needs write access to {@link CPU_LATENCY_DEVICE} (root, on Linux); without it the run goes on
 * and the report says that idle cores could halt.
 */
export function holdIdlePolling(device = CPU_LATENCY_DEVICE): IdlePolling {
  let fd: number;
  try {
    fd = openSync(device, constants.O_WRONLY);
    writeSync(fd, latencyTarget(0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      held: false,
      description: `Idle cores could halt (${device} not writable: ${code}), so each figure includes waking the other core.`,
      release: () => {},
    };
  }
  let open = true;
  return {
    held: true,
    description: `Idle cores kept polling (${device} held at 0 µs), so no figure includes waking a halted core.`,
    release() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** The latency target in force now, in µs, as the kernel reads it out of {@link CPU_LATENCY_DEVICE}. */
export function currentLatencyTargetUs(device = CPU_LATENCY_DEVICE): number {
  // Opening the file for reading adds a request at the default value, which never lowers the target.
  const fd = openSync(device, constants.O_RDONLY);
  try {
    const value = Buffer.alloc(4);
    readSync(fd, value, 0, 4, null);
    return value.readInt32LE(0);
  } finally {
    closeSync(fd);
  }
}

/** The target as the device takes it: a 32-bit integer of microseconds. */
function latencyTarget(us: number): Buffer {
  const value = Buffer.alloc(4);
  value.writeInt32LE(us, 0);
  return value;
}
