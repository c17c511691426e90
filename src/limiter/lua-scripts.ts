import { readFileSync } from 'node:fs';

const script = (name: string) => readFileSync(new URL(`./scripts/${name}`, import.meta.url), 'utf8');
// The bucket and window functions every script shares go in front of each (a script cannot load
// another).
const SHARED_LUA = `${script('bucket.lua')}\n${script('window.lua')}`;

/**
 * The limiter's Lua scripts exactly as they are sent to Redis (scripts/*.lua, each with bucket.lua's
 * and window.lua's shared functions in front): what EVALSHA names by their SHA-1.
 */
export const LUA_SCRIPTS = {
  charge: `${SHARED_LUA}\n${script('charge.lua')}`,
  refund: `${SHARED_LUA}\n${script('refund.lua')}`,
  settle: `${SHARED_LUA}\n${script('settle.lua')}`,
} as const;
