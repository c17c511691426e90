-- Token-bucket functions charge.lua, refund.lua and settle.lua share (lua-scripts.ts puts this
-- file in front of each). A bucket is a hash: `u` = micro-points (so that refill, milli-points/s x
-- elapsed ms, needs no division), `t` = when they were counted. The key lives exactly as long as
-- the bucket is not full: a missing key means full.

-- Redis's clock in ms: every instance agrees on it, whatever its own clock says.
local function redis_now()
  local clock = redis.call('TIME')
  return tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end

-- The bucket's micro-points at `now`, refilled (never above capacity); nil when it has no key (full).
local function bucket_read(key, capacity_u, rate, now)
  local state = redis.call('HMGET', key, 'u', 't')
  local tokens = tonumber(state[1])
  if tokens == nil then return nil end
  local elapsed = now - tonumber(state[2])
  if elapsed > 0 then tokens = math.min(capacity_u, tokens + elapsed * rate) end
  return tokens
end

-- Keeps `tokens` as counted at `now`; the key expires when refill would have filled the bucket.
local function bucket_write(key, tokens, capacity_u, rate, now)
  redis.call('HSET', key, 'u', tokens, 't', now)
  redis.call('PEXPIRE', key, math.max(1, math.ceil((capacity_u - tokens) / rate)))
end

-- Keeps `tokens` as bucket_write does, or drops the key when they fill the bucket (no key: full).
local function bucket_keep(key, tokens, capacity_u, rate, now)
  if tokens >= capacity_u then
    redis.call('DEL', key)
  else
    bucket_write(key, tokens, capacity_u, rate, now)
  end
end
