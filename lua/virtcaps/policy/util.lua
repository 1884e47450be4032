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

local function failure(list, rule, wanted, found)
   list[#list + 1] = {
      rule = rule,
      wanted = wanted,
      found = found,
      message = string.format("%s: wanted %s, found %s", rule, wanted, found),
   }
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
M.failure, M.guest_key, M.guest_machines = failure, guest_key, guest_machines

return M
