--- Helpers the policy modules share: lists, argument checks, sizes, huge
-- pages, failures, guests' machines.
-- @submodule virtcaps.policy
local virtcaps = require "virtcaps"

local Caps = virtcaps.Capabilities

local M = {}

-- ---- small helpers ----

local function list_of(v)
   if type(v) == "table" then
      return v
   end
   return { v }
end

local function join(list, sep)
   local out = {}
   for i, v in ipairs(list) do
      out[i] = tostring(v)
   end
   return table.concat(out, sep or ", ")
end

local function set_of(list)
   local s = {}
   for _, v in ipairs(list) do
      s[v] = true
   end
   return s
end

local function sorted_keys(t)
   local keys = {}
   for k in pairs(t) do
      keys[#keys + 1] = k
   end
   table.sort(keys, function(a, b)
      if type(a) == "number" and type(b) == "number" then
         return a < b
      end
      return tostring(a) < tostring(b)
   end)
   return keys
end

-- At most n names, then how many more.
local function some(list, n)
   n = n or 8
   if #list <= n then
      return join(list)
   end
   local head = {}
   for i = 1, n do
      head[i] = list[i]
   end
   return string.format("%s and %d more", join(head), #list - n)
end

local function host_arch(caps)
   return caps.host and caps.host.cpu and caps.host.cpu.arch or "unknown"
end

local function check_table(v, what, level)
   if type(v) ~= "table" then
      error(string.format("bad argument (%s: table expected, got %s)", what, type(v)), level + 1)
   end
end

local function check_keys(t, known, what, level)
   for k in pairs(t) do
      if not known[k] then
         error(string.format("unknown %s '%s' (known: %s)", what, tostring(k), join(sorted_keys(known))), level + 1)
      end
   end
end

-- ---- sizes ----

-- libvirt's units: powers of 1024 for k, KiB, M, MiB, ...; of 1000 for KB, MB, ...
local UNITS = { b = 1, byte = 1, bytes = 1 }
for i, p in ipairs { "k", "m", "g", "t", "p", "e" } do
   UNITS[p] = 1024 ^ i
   UNITS[p .. "ib"] = 1024 ^ i
   UNITS[p .. "b"] = 1000 ^ i
end

--- A size in KiB: a number is KiB already; a string carries a unit as
-- libvirt reads them ("64 GiB", "64G" (GiB), "64GB" (10^9 bytes), "512 MiB",
-- "2048" (KiB)).
-- @tparam number|string v
-- @treturn[1] number KiB
-- @treturn[2] nil
-- @treturn[2] string why it is not a size
-- @usage policy.size("1 GiB") --> 1048576
function M.size(v)
   if type(v) == "number" then
      if v < 0 or v ~= v then
         return nil, string.format("%s is not a size", tostring(v))
      end
      return v
   end
   if type(v) ~= "string" then
      return nil, string.format("a size is a number (KiB) or a string like \"64 GiB\", not a %s", type(v))
   end
   local num, unit = v:match("^%s*(%d+%.?%d*)%s*(%a*)%s*$")
   local factor = unit == "" and 1024 or UNITS[(unit or ""):lower()]
   if not num or not factor then
      return nil, string.format("cannot read '%s' as a size (like \"64 GiB\")", v)
   end
   local kib = tonumber(num) * factor / 1024
   return math.type(kib) == "float" and kib == math.floor(kib) and math.tointeger(kib) or kib
end

-- A bad rule value; check() raises it at its caller's line.
local function bad_rule(fmt, ...)
   error({ bad_rule = string.format(fmt, ...) })
end

local function rule_size(v, what)
   local kib, err = M.size(v)
   if not kib then
      bad_rule("bad rule '%s': %s", what, err)
   end
   return kib
end

-- Huge pages of the host, by size in KiB: total count over the cells given
-- (all when nil).
local function pages_by_size(caps, cell_ids)
   local want = cell_ids and set_of(cell_ids)
   local counts = {}
   for _, cell in ipairs(caps.host and caps.host.topology and caps.host.topology.cells or {}) do
      if not want or want[cell.id] then
         for _, p in ipairs(cell.pages or {}) do
            local size = virtcaps.kib { value = p.size, unit = p.unit }
            if size then
               counts[size] = (counts[size] or 0) + (p.count or 0)
            end
         end
      end
   end
   return counts
end

local function page_sizes(caps)
   local sizes, seen = {}, {}
   local function add(size)
      if size and not seen[size] then
         seen[size] = true
         sizes[#sizes + 1] = size
      end
   end
   for _, p in ipairs(caps.host and caps.host.cpu and caps.host.cpu.pages or {}) do
      add(virtcaps.kib { value = p.size, unit = p.unit })
   end
   for size in pairs(pages_by_size(caps)) do
      add(size)
   end
   table.sort(sizes)
   return sizes
end

-- The end of a [set] starting at i, as Lua's matcher reads it.
local function set_end(p, i)
   local j = i + 1
   if p:sub(j, j) == "^" then
      j = j + 1
   end
   repeat
      if j > #p then
         return nil, "malformed pattern (missing ']')"
      end
      local c = p:sub(j, j)
      j = j + 1
      if c == "%" and j <= #p then
         j = j + 1
      end
   until p:sub(j, j) == "]"
   return j + 1
end

--- What is wrong with a Lua pattern, or nil. Lua reports a malformed pattern
-- only when a subject leads the matcher that far, so this reads all of it
-- the way Lua's matcher does.
local function pattern_error(p)
   local i, open, closed, level = p:sub(1, 1) == "^" and 2 or 1, {}, {}, 0
   while i <= #p do
      local c, d = p:sub(i, i), p:sub(i + 1, i + 1)
      local err
      if c == "(" and d == ")" then
         i = i + 2 -- a position capture
      elseif c == "(" then
         level = level + 1
         if level > 32 then
            return "too many captures"
         end
         open[#open + 1] = level
         i = i + 1
      elseif c == ")" then
         if #open == 0 then
            return "invalid pattern capture"
         end
         closed[table.remove(open)] = true
         i = i + 1
      elseif c == "%" and d == "b" then
         if i + 3 > #p then
            return "malformed pattern (missing arguments to '%b')"
         end
         i = i + 4
      elseif c == "%" and d == "f" then
         if p:sub(i + 2, i + 2) ~= "[" then
            return "missing '[' after '%f' in pattern"
         end
         i, err = set_end(p, i + 2)
      elseif c == "%" and d:match("%d") then
         if not closed[tonumber(d)] then
            return "invalid capture index %" .. d
         end
         i = i + 2
      else
         if c == "%" then
            if d == "" then
               return "malformed pattern (ends with '%')"
            end
            i = i + 2
         elseif c == "[" then
            i, err = set_end(p, i)
         else
            i = i + 1
         end
         if i and p:sub(i, i):match("^[%*%+%-%?]$") then
            i = i + 1
         end
      end
      if not i then
         return err
      end
   end
   if #open > 0 then
      return "unfinished capture"
   end
end

-- numbers: the same as numbers, beside the text (wanted_count, found_count,
-- wanted_kib, found_kib, ...), so that JSON readers need not parse text.
local function failure(list, rule, wanted, found, numbers)
   local f = {
      rule = rule,
      wanted = wanted,
      found = found,
      message = string.format("%s: wanted %s, found %s", rule, wanted, found),
   }
   for k, v in pairs(numbers or {}) do
      f[k] = v
   end
   list[#list + 1] = f
end

-- A model's blockers once each: QEMU names a feature once per property it blocks.
local function blockers_text(why)
   local names, seen = {}, {}
   for _, b in ipairs(why) do
      if not seen[b] then
         seen[b], names[#names + 1] = true, b
      end
   end
   return table.concat(names, ", ")
end

local function guest_key(g)
   return g.os_type .. "/" .. g.arch.name
end

-- Machines of a guest by name, whatever list they are in.
local function guest_machines(g)
   local byname, names = {}, {}
   for m in Caps.machines({ guests = { g } }) do
      if not byname[m.name] then
         byname[m.name] = m
         names[#names + 1] = m.name
      end
   end
   return byname, names
end

M.list_of, M.join, M.set_of, M.sorted_keys, M.some = list_of, join, set_of, sorted_keys, some
M.host_arch, M.check_table, M.check_keys = host_arch, check_table, check_keys
M.bad_rule, M.rule_size, M.pages_by_size, M.page_sizes = bad_rule, rule_size, pages_by_size, page_sizes
M.failure, M.guest_key, M.guest_machines, M.pattern_error = failure, guest_key, guest_machines, pattern_error
M.blockers_text = blockers_text

return M
