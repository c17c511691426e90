-- KEYS[1]=bucket KEYS[2..n+1]=windows [KEYS[n+2]=inflight, when max_in_flight > 0]
-- ARGV[1]=capacity_milli (0: no bucket) ARGV[2]=refill_milli_per_s ARGV[3]=cost_milli
-- ARGV[4]=refund_milli (points given back to the bucket first, as refund.lua would; 0: none)
-- ARGV[5+3(i-1)..7+3(i-1)]=max, window_ms, count of window i (count 0: only look)
-- then, last: max_wait_ms, max_in_flight (0: no limit), lease_ms, reservation (names the slot)
-- -> {status, remaining_milli, retry_or_wait_ms, full_after_ms, granted_1, retry_after_ms_1, ..., now_ms}
--    status 1: allowed (retry_or_wait_ms: how long to wait before running); 0: refused by the
--    bucket, 2: refused by concurrency (retry_or_wait_ms: when to try again); no grants then.
--    now_ms, last: the time the windows' calls were counted at, which a refund names.
--
-- Gives back refund_milli, then takes a concurrency slot, the cost from the bucket and then up to
-- `count` calls from each window, atomically. When the slot or the cost is refused nothing is
-- taken at all (the refund is given back all the same). Integers only (bucket.lua). A bucket below
-- zero (debt: see settle.lua, and waiting below) refuses until refill has paid the debt back,
-- unless the operation may wait that long.
local now = redis_now()

local capacity_u = tonumber(ARGV[1]) * 1000
local rate = tonumber(ARGV[2])
local cost_u = tonumber(ARGV[3]) * 1000
local refund_u = tonumber(ARGV[4]) * 1000
local max_wait = tonumber(ARGV[#ARGV - 3])
local max_in_flight = tonumber(ARGV[#ARGV - 2])
local lease_ms = tonumber(ARGV[#ARGV - 1])
local reservation = ARGV[#ARGV]

-- Refund --------------------------------------------------------------------------------------
-- A points-only refund that rode on this charge (redis-store.ts holds them briefly for the next
-- charge of their bucket): given back first, capped as refund.lua caps it, and kept whatever the
-- charge decides, so that the charge is decided on the bucket with it.
local tokens = nil
if capacity_u > 0 then
  tokens = bucket_read(KEYS[1], capacity_u, rate, now)
  if tokens ~= nil and refund_u > 0 then
    tokens = math.min(capacity_u, tokens + refund_u)
    bucket_keep(KEYS[1], tokens, capacity_u, rate, now)
  end
end
-- ---------------------------------------------------------------------------------------------

-- Concurrency ---------------------------------------------------------------------------------
-- The client's slots: a sorted set of reservation -> lease end. Leases that ended are dropped
-- first, so a process that died holding slots frees them by itself. Checked before the bucket,
-- so that a refusal takes nothing.
local inflight = KEYS[#KEYS]
if max_in_flight > 0 then
  redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
  if redis.call('ZCARD', inflight) >= max_in_flight then
    local oldest = redis.call('ZRANGE', inflight, 0, 0, 'WITHSCORES')
    -- The same shape as any answer: no grants for any window, then the time.
    local refused = { 2, 0, math.max(1, tonumber(oldest[2]) - now), 0 }
    for _ = 1, (#ARGV - 8) / 3 do
      refused[#refused + 1] = 0
      refused[#refused + 1] = 0
    end
    refused[#refused + 1] = now
    return refused
  end
end
-- ---------------------------------------------------------------------------------------------

local allowed, remaining, retry_after, full_after = 1, 0, 0, 0
local wait = 0
if capacity_u > 0 then
  tokens = tokens or capacity_u
  -- Waiting (GCRA-like): the cost is taken while the debt it leaves is one that refill pays
  -- within max_wait; the caller waits until then. Later charges find the debt and wait longer.
  -- What costs nothing (introspection, a look at the bucket) neither waits nor is refused.
  if cost_u == 0 or tokens - cost_u >= -rate * max_wait then
    if cost_u > 0 and tokens < cost_u then wait = math.ceil((cost_u - tokens) / rate) end
    tokens = tokens - cost_u
    if cost_u > 0 then bucket_write(KEYS[1], tokens, capacity_u, rate, now) end
  else
    allowed = 0
    retry_after = math.ceil((cost_u - tokens) / rate) - max_wait
  end
  remaining = math.max(0, math.floor(tokens / 1000))
  full_after = math.ceil((capacity_u - tokens) / rate)
end

-- Concurrency: the slot, held from now until the lease ends, counted from when it may run.
if max_in_flight > 0 and allowed == 1 then
  redis.call('ZADD', inflight, now + wait + lease_ms, reservation)
  if redis.call('PTTL', inflight) < wait + lease_ms then redis.call('PEXPIRE', inflight, wait + lease_ms) end
end

local result = { allowed, remaining, allowed == 1 and wait or retry_after, full_after }

-- ---- windows: sub-window counters (window.lua) ----
local windows = (#ARGV - 8) / 3
for i = 1, windows do
  local key = KEYS[i + 1]
  local max = tonumber(ARGV[2 + 3 * i])
  local window_ms = tonumber(ARGV[3 + 3 * i])
  local count = tonumber(ARGV[4 + 3 * i])
  local granted, wait = 0, 0
  if allowed == 1 then
    local slot_ms, modulus = window_shape(max, window_ms)
    local slots, used, known = window_load(key, slot_ms, modulus, window_ms, now)
    granted = math.min(count, math.max(0, max - used))
    if granted > 0 then
      window_add(key, slots, slot_ms, modulus, known, now, granted)
      redis.call('PEXPIRE', key, window_ms)
    end
    -- Refused, or (when only looking) full: say when one more call would be served.
    if granted < count or (count == 0 and used >= max) then
      wait = window_leave_after(slots, slot_ms, window_ms, now, used + granted + 1 - max)
    end
  end
  result[#result + 1] = granted
  result[#result + 1] = wait
end
result[#result + 1] = now
-- ---- end of windows ----
return result
