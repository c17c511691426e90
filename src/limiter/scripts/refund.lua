-- KEYS[1]=bucket KEYS[2..n+1]=windows [KEYS[n+2]=inflight, when release_slot is 1]
-- ARGV[1]=capacity_milli (0: no bucket) ARGV[2]=refill_milli_per_s ARGV[3]=refund_milli
-- ARGV[4+2(i-1)..5+2(i-1)]=granted_at_ms (the charge's now_ms), unused calls of window i
-- then, last: reservation, release_slot (1: release the reservation's concurrency slot)
-- -> remaining_milli
--
-- Gives back points (never above capacity) and the unused grants of one charge to the sub-window
-- they were counted in (window.lua), and releases the charge's concurrency slot.
local now = redis_now()

local capacity_u = tonumber(ARGV[1]) * 1000
local rate = tonumber(ARGV[2])
local refund_u = tonumber(ARGV[3]) * 1000

local remaining = 0
if capacity_u > 0 then
  local tokens = bucket_read(KEYS[1], capacity_u, rate, now)
  if tokens == nil then
    -- No key: the bucket is full already, nothing to give back.
    remaining = capacity_u / 1000
  else
    tokens = math.min(capacity_u, tokens + refund_u)
    bucket_keep(KEYS[1], tokens, capacity_u, rate, now)
    remaining = math.max(0, math.floor(tokens / 1000))
  end
end

-- Concurrency ---------------------------------------------------------------------------------
if ARGV[#ARGV] == '1' then redis.call('ZREM', KEYS[#KEYS], ARGV[#ARGV - 1]) end
-- ---------------------------------------------------------------------------------------------

-- ---- windows: sub-window counters (window.lua) ----
local windows = (#ARGV - 5) / 2
for i = 1, windows do
  window_give_back(KEYS[i + 1], tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i]), now)
end
-- ---- end of windows ----
return remaining
