-- KEYS[1]=bucket KEYS[2..n+1]=windows
-- ARGV[1]=capacity_milli (0: no bucket) ARGV[2]=refill_milli_per_s ARGV[3]=debt_milli
-- then for window i: window_ms, count, and count pairs age_ms, member
-- -> remaining_milli (0 while in debt)
--
-- Counts what the in-process fallback admitted while Redis could not decide, refusing none of it:
-- the debt comes off the bucket even below zero (down to -capacity; refill pays it back), and each
-- call joins its window at the time it was made (now - age, on Redis's clock), even beyond max.
-- A call older than the window is left out. Integers only.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local capacity_u = tonumber(ARGV[1]) * 1000
local rate = tonumber(ARGV[2])
local debt_u = tonumber(ARGV[3]) * 1000

local remaining = 0
if capacity_u > 0 then
  local state = redis.call('HMGET', KEYS[1], 'u', 't')
  local tokens = tonumber(state[1])
  if tokens == nil then
    tokens = capacity_u
  else
    local elapsed = now - tonumber(state[2])
    if elapsed > 0 then tokens = math.min(capacity_u, tokens + elapsed * rate) end
  end
  if debt_u > 0 then
    tokens = math.max(-capacity_u, tokens - debt_u)
    redis.call('HSET', KEYS[1], 'u', tokens, 't', now)
    redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((capacity_u - tokens) / rate)))
  end
  remaining = math.max(0, math.floor(tokens / 1000))
end

local a = 4
for i = 2, #KEYS do
  local window_ms = tonumber(ARGV[a])
  local count = tonumber(ARGV[a + 1])
  a = a + 2
  local entries = {}
  local newest_age = window_ms
  for _ = 1, count do
    local age = tonumber(ARGV[a])
    if age < window_ms then
      entries[#entries + 1] = now - age
      entries[#entries + 1] = ARGV[a + 1]
      newest_age = math.min(newest_age, age)
    end
    a = a + 2
  end
  if #entries > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window_ms)
    -- ZADD in chunks: unpack() is bounded by Lua's C stack.
    for first = 1, #entries, 2000 do
      redis.call('ZADD', KEYS[i], unpack(entries, first, math.min(#entries, first + 1999)))
    end
    -- The window lives one window past its newest call.
    if redis.call('PTTL', KEYS[i]) < window_ms - newest_age then
      redis.call('PEXPIRE', KEYS[i], window_ms - newest_age)
    end
  end
end
return remaining
