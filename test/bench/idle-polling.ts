import { closeSync, constants, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/** Linux's CPU latency QoS: a target held for as long as the file stays open (`pm_qos` in the kernel docs). */
export const CPU_LATENCY_DEVICE = '/dev/cpu_dma_latency';
/**
 * The cpuidle driver in use. The latency target is honoured by cpuidle's governor choosing its
 * polling state; with no driver (`none`) the kernel's default idle halts whatever the target.
 */
export const CPUIDLE_DRIVER_FILE = '/sys/devices/system/cpu/cpuidle/current_driver';

/** Whether idle cores are kept polling while the bench measures: {@link holdIdlePolling}. */
export interface IdlePolling {
  /** Whether the 0 µs latency target is held. */
  readonly held: boolean;
  /** Whether idle cores do poll: the target is held and a cpuidle driver is there to honour it. */
  readonly polling: boolean;
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
 * Needs write access to {@link CPU_LATENCY_DEVICE} (root, on Linux) and a cpuidle driver (e.g.
 * `haltpoll`, `intel_idle`); without either the run goes on and the report says that idle cores
 * could halt. (Seen on a machine of this kind: driver `none`, where the held target changed
 * nothing and the report used to claim polling all the same.)
 */
export function holdIdlePolling(device = CPU_LATENCY_DEVICE, driverFile = CPUIDLE_DRIVER_FILE): IdlePolling {
  let fd: number;
  try {
    fd = openSync(device, constants.O_WRONLY);
    writeSync(fd, latencyTarget(0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      held: false,
      polling: false,
      description: `Idle cores could halt (${device} not writable: ${code}), so each figure includes waking the other core.`,
      release: () => {},
    };
  }
  let open = true;
  const driver = cpuidleDriver(driverFile);
  const polling = driver !== 'none';
  return {
    held: true,
    polling,
    description: polling
      ? `Idle cores kept polling (${device} held at 0 µs, cpuidle driver ${driver}), so no figure includes waking a halted core.`
      : `Idle cores could halt (${device} held at 0 µs, but no cpuidle driver honours it), so each figure includes waking the other core.`,
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

/** The cpuidle driver's name, `none` when there is none (or no cpuidle at all). */
function cpuidleDriver(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim() || 'none';
  } catch {
    return 'none';
  }
}

/** The target as the device takes it: a 32-bit integer of microseconds. */
function latencyTarget(us: number): Buffer {
  const value = Buffer.alloc(4);
  value.writeInt32LE(us, 0);
  return value;
}
