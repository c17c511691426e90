-- Sub-window counters of one @rateLimit window: the functions charge.lua, refund.lua and
-- settle.lua share (lua-scripts.ts puts this file in front of each). The design, its strictness
-- and its bound are in memory-window.ts, which keeps the same shape in memory.
--
-- A window is a hash: `s` = slot length in ms, `m` = modulus, and per slot that holds calls
-- `slot index % m` -> calls. The modulus, 2 x (slots per window) + 2, keeps field names small
-- integers (a listpack stores them in a byte or few), so 65 counters stay under 1 KB. A field is
-- read as the newest slot index <= now's with that remainder: while the key lives (it expires one
-- window after its last call) every slot written is within two windows of now, so that is the
-- slot it was written as; were it ever not, it would read as a newer slot, counted longer: the
-- strict side.
local WINDOW_SLOTS = 64 -- memory-window.ts WINDOW_SLOTS
local WINDOW_EXACT_MAX = 64 -- memory-window.ts EXACT_MAX

-- The slot length (ms) and field modulus of a window of `max` calls per `window_ms`.
local function window_shape(max, window_ms)
  local slot_ms = 1
  if max > WINDOW_EXACT_MAX then slot_ms = math.max(1, math.ceil(window_ms / WINDOW_SLOTS)) end
  return slot_ms, 2 * math.ceil(window_ms / slot_ms) + 2
end

-- Reads window `key` at `now` in the shape (slot_ms, modulus): a table slot index -> calls of the
-- slots still in the window, their total, and whether the key holds its shape already. Slots that
-- left are deleted. A key kept in another shape (its policy changed), or as an earlier version's
-- sorted set of call times, is rewritten in this one, each call in a slot no older than its own.
local function window_load(key, slot_ms, modulus, window_ms, now)
  local slots, total = {}, 0
  local oldest = math.floor((now - window_ms + 1) / slot_ms)
  local flat = redis.pcall('HGETALL', key)
  local rewrite = false
  if flat.err then
    rewrite = true
    local log = redis.call('ZRANGEBYSCORE', key, now - window_ms + 1, '+inf', 'WITHSCORES')
    for i = 2, #log, 2 do
      local j = math.floor(math.min(now, tonumber(log[i])) / slot_ms)
      slots[j] = (slots[j] or 0) + 1
    end
  else
    local kept_s, kept_m = slot_ms, modulus
    for i = 1, #flat, 2 do
      if flat[i] == 's' then kept_s = tonumber(flat[i + 1]) end
      if flat[i] == 'm' then kept_m = tonumber(flat[i + 1]) end
    end
    rewrite = kept_s ~= slot_ms or kept_m ~= modulus
    local k = math.floor(now / kept_s)
    local gone = {}
    for i = 1, #flat, 2 do
      local field = flat[i]
      if field ~= 's' and field ~= 'm' then
        local j = k - ((k - tonumber(field)) % kept_m)
        if rewrite then j = math.floor(math.min(now, (j + 1) * kept_s - 1) / slot_ms) end
        if j < oldest then
          gone[#gone + 1] = field
        else
          slots[j] = (slots[j] or 0) + tonumber(flat[i + 1])
        end
      end
    end
    if #gone > 0 and not rewrite then redis.call('HDEL', key, unpack(gone)) end
  end
  for _, calls in pairs(slots) do total = total + calls end
  if not rewrite then return slots, total, #flat > 0 end
  redis.call('DEL', key)
  if total == 0 then return slots, total, false end
  local fields = { 's', slot_ms, 'm', modulus }
  for j, calls in pairs(slots) do
    fields[#fields + 1] = j % modulus
    fields[#fields + 1] = calls
  end
  redis.call('HSET', key, unpack(fields))
  -- Its calls' own times are gone: it lives a whole window, which is never shorter than theirs.
  redis.call('PEXPIRE', key, window_ms)
  return slots, total, true
end

-- Adds `calls` made at `at_ms` to the window and to `slots` (as window_load read it).
local function window_add(key, slots, slot_ms, modulus, known, at_ms, calls)
  local j = math.floor(at_ms / slot_ms)
  slots[j] = (slots[j] or 0) + calls
  redis.call('HINCRBY', key, j % modulus, calls)
  if not known then redis.call('HSET', key, 's', slot_ms, 'm', modulus) end
end

-- Milliseconds from `now` until `calls` of the counted calls have left the window, oldest first.
local function window_leave_after(slots, slot_ms, window_ms, now, calls)
  local order = {}
  for j in pairs(slots) do order[#order + 1] = j end
  table.sort(order)
  local left = 0
  for _, j in ipairs(order) do
    left = left + slots[j]
    if left >= calls then return math.max(1, (j + 1) * slot_ms + window_ms - 1 - now) end
  end
  return window_ms
end

-- Gives back `calls` granted at `granted_at` (Redis ms): taken off the slot they were counted in,
-- never below zero. Once that slot is a modulus old its field may hold a newer slot's calls; it
-- left the window long before, so there is nothing to give back.
local function window_give_back(key, granted_at, calls, now)
  local shape = redis.call('HMGET', key, 's', 'm')
  local slot_ms, modulus = tonumber(shape[1]), tonumber(shape[2])
  if slot_ms == nil or modulus == nil then return end
  local j = math.floor(granted_at / slot_ms)
  local k = math.floor(now / slot_ms)
  if j > k or k - j >= modulus then return end
  local field = j % modulus
  if redis.call('HINCRBY', key, field, -calls) <= 0 then redis.call('HDEL', key, field) end
end
