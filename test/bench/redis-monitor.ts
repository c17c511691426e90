import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const SCRIPTS_DIR = new URL('../../src/limiter/scripts/', import.meta.url).pathname;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const scriptText = (name: string) => readFileSync(join(SCRIPTS_DIR, name), 'utf8');
// The store sends each script with the shared window functions in front (redis-store.ts).
const WINDOW_LUA = scriptText('window.lua');

/** Tollgate's scripts by SHA-1 (what EVALSHA names), as sent and alone, so that a report can say which ran. */
const SCRIPT_NAMES = new Map(
  readdirSync(SCRIPTS_DIR)
    .filter((name) => name.endsWith('.lua'))
    .flatMap(
      (name): Array<[string, string]> => [
        [sha1(scriptText(name)), name],
        [sha1(`${WINDOW_LUA}\n${scriptText(name)}`), name],
      ],
    ),
);

/** What clients sent and what Redis ran while watching. */
export interface RedisTraffic {
  /** Client round trips: each command, except that a MULTI…EXEC block (sent in one write) counts once. */
  roundTrips: number;
  /** Round trips per label, e.g. `evalsha charge.lua`, `multi/exec [incr expire]`. */
  byLabel: Record<string, number>;
  /** Commands clients sent (MULTI and EXEC included). */
  commandsSent: number;
  /** Commands Redis executed: those sent plus those scripts ran (`lua` in MONITOR). */
  commandsExecuted: number;
}

/** Watches a Redis with MONITOR until `stop()`; Redis should see no other traffic meanwhile. */
export async function watchRedis(url: string): Promise<{ stop(): Promise<RedisTraffic> }> {
  const client = new Redis(url, { lazyConnect: true });
  const traffic: RedisTraffic = { roundTrips: 0, byLabel: {}, commandsSent: 0, commandsExecuted: 0 };
  const openTransactions = new Map<string, string[]>();
  const count = (label: string) => {
    traffic.roundTrips++;
    traffic.byLabel[label] = (traffic.byLabel[label] ?? 0) + 1;
  };
  const feed = await client.monitor();
  feed.on('monitor', (_time: string, args: string[], source: string) => {
    traffic.commandsExecuted++;
    // Commands a script runs come from "lua"; a client's own from its address.
    if (source === 'lua') return;
    traffic.commandsSent++;
    const command = (args[0] ?? '').toLowerCase();
    const open = openTransactions.get(source);
    if (command === 'multi') return void openTransactions.set(source, []);
    if (open && command === 'exec') {
      openTransactions.delete(source);
      return count(`multi/exec [${open.join(' ')}]`);
    }
    if (open) return void open.push(command);
    const script = command === 'evalsha' ? SCRIPT_NAMES.get(args[1] ?? '') : undefined;
    count(script ? `${command} ${script}` : command);
  });
  return {
    async stop() {
      feed.disconnect();
      client.disconnect();
      return traffic;
    },
  };
}
