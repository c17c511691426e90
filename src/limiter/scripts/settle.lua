-- KEYS[1]=bucket KEYS[2..n+1]=windows
-- ARGV[1]=capacity_milli (0: no bucket) ARGV[2]=refill_milli_per_s ARGV[3]=debt_milli
-- then for window i: max, window_ms, n, and n pairs age_ms, calls
-- -> remaining_milli (0 while in debt)
--
-- Counts what the in-process fallback admitted while Redis could not decide, refusing none of it:
-- the debt comes off the bucket even below zero (down to -capacity; refill pays it back), and the
-- calls join their window's sub-window (window.lua) at the time they were made (now - age, on
-- Redis's clock), even beyond max. Calls older than the window are left out. Integers only.
local now = redis_now()

local capacity_u = tonumber(ARGV[1]) * 1000
local rate = tonumber(ARGV[2])
local debt_u = tonumber(ARGV[3]) * 1000

local remaining = 0
if capacity_u > 0 then
  local tokens = bucket_read(KEYS[1], capacity_u, rate, now) or capacity_u
  if debt_u > 0 then
    tokens = math.max(-capacity_u, tokens - debt_u)
    bucket_write(KEYS[1], tokens, capacity_u, rate, now)
  end
  remaining = math.max(0, math.floor(tokens / 1000))
end

-- ---- windows: sub-window counters (window.lua) ----
local a = 4
for i = 2, #KEYS do
  local max = tonumber(ARGV[a])
  local window_ms = tonumber(ARGV[a + 1])
  local n = tonumber(ARGV[a + 2])
  a = a + 3
  local live = {}
  local newest_age = window_ms
  for _ = 1, n do
    local age, calls = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
    if age < window_ms and calls > 0 then
      live[#live + 1] = { age, calls }
      newest_age = math.min(newest_age, age)
    end
    a = a + 2
  end
  if #live > 0 then
    local slot_ms, modulus = window_shape(max, window_ms)
    local slots, _, known = window_load(KEYS[i], slot_ms, modulus, window_ms, now)
    for _, call in ipairs(live) do
      window_add(KEYS[i], slots, slot_ms, modulus, known, now - call[1], call[2])
      known = true
    end
    -- The window lives one window past its newest call.
    if redis.call('PTTL', KEYS[i]) < window_ms - newest_age then
      redis.call('PEXPIRE', KEYS[i], window_ms - newest_age)
    end
  end
end
-- ---- end of windows ----
return remaining
