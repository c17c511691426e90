-- KEYS[1]=bucket KEYS[2..n+1]=windows [KEYS[n+2]=inflight, when release_slot is 1]
-- ARGV[1]=capacity_milli (0: no bucket) ARGV[2]=refill_milli_per_s ARGV[3]=refund_milli ARGV[4]=reservation
-- ARGV[5+2(i-1)..6+2(i-1)]=first, last (inclusive) grant index of window i to give back
-- then, last: release_slot (1: release the reservation's concurrency slot)
-- -> remaining_milli
--
-- Gives back points (never above capacity), removes the window entries of unused grants and
-- releases the concurrency slot.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local capacity_u = tonumber(ARGV[1]) * 1000
local rate = tonumber(ARGV[2])
local refund_u = tonumber(ARGV[3]) * 1000
local reservation = ARGV[4]

local remaining = 0
if capacity_u > 0 then
  local state = redis.call('HMGET', KEYS[1], 'u', 't')
  local tokens = tonumber(state[1])
  if tokens == nil then
    -- No key: the bucket is full already, nothing to give back.
    remaining = capacity_u / 1000
  else
    local elapsed = now - tonumber(state[2])
    if elapsed > 0 then tokens = math.min(capacity_u, tokens + elapsed * rate) end
    tokens = math.min(capacity_u, tokens + refund_u)
    if tokens >= capacity_u then
      redis.call('DEL', KEYS[1])
    else
      redis.call('HSET', KEYS[1], 'u', tokens, 't', now)
      redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((capacity_u - tokens) / rate)))
    end
    remaining = math.max(0, math.floor(tokens / 1000))
  end
end

-- Concurrency ---------------------------------------------------------------------------------
if ARGV[#ARGV] == '1' then redis.call('ZREM', KEYS[#KEYS], reservation) end
-- ---------------------------------------------------------------------------------------------

local windows = (#ARGV - 5) / 2
for i = 1, windows do
  local first = tonumber(ARGV[3 + 2 * i])
  local last = tonumber(ARGV[4 + 2 * i])
  local j = first
  while j <= last do
    local members = {}
    local stop = math.min(last, j + 999)
    for k = j, stop do members[#members + 1] = reservation .. ':' .. k end
    redis.call('ZREM', KEYS[i + 1], unpack(members))
    j = stop + 1
  end
end
return remaining
