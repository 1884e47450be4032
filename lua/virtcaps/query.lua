--- Questions over a capabilities table: counts, iterators with filters,
-- features, the kind of virtualization, XPath. Each is a method of the
-- tables (`caps:machines{...}`) and takes the table first.
-- @submodule virtcaps
local core = require "virtcaps.core"
local units = require "virtcaps.units"

local Caps = {}

local function domain_types(guest)
   local types = {}
   for _, d in ipairs(guest.arch and guest.arch.domains or {}) do
      types[#types + 1] = d.type
   end
   return types
end

-- ---- counting what a document says ----

--- All memory of the host's NUMA cells, in KiB; nil when the document has no
-- cells or a cell without memory.
-- @function Capabilities:total_memory
-- @treturn number|nil
function Caps.total_memory(caps)
   local cells = caps.host and caps.host.topology and caps.host.topology.cells
   if not cells or #cells == 0 then
      return nil
   end
   local kib = 0
   for _, cell in ipairs(cells) do
      local k = cell.memory and units.kib(cell.memory)
      if not k then
         return nil
      end
      kib = kib + k
   end
   return kib
end

--- The host's logical CPUs: those the NUMA cells list, else what the CPU
-- topology multiplies to; nil when the document says neither.
-- @function Capabilities:cpu_count
-- @treturn integer|nil
function Caps.cpu_count(caps)
   local host = caps.host or {}
   local cells = host.topology and host.topology.cells
   if cells and #cells > 0 then
      local n, listed = 0, false
      for _, cell in ipairs(cells) do
         if cell.cpus then
            n, listed = n + #cell.cpus, true
         end
      end
      if listed then
         return n
      end
   end
   local t = host.cpu and host.cpu.topology
   if t and t.sockets and t.cores and t.threads then
      return t.sockets * (t.dies or 1) * (t.clusters or 1) * t.cores * t.threads
   end
   return nil
end

-- ---- filters ----

local function describe_fields(fields)
   local names = {}
   for k in pairs(fields) do
      names[#names + 1] = k
   end
   table.sort(names)
   return table.concat(names, ", ")
end

-- One wanted value against one found value: equal, any of a list, or a
-- function's verdict.
local function wanted(want, have)
   local t = type(want)
   if t == "function" then
      return want(have) and true or false
   elseif t == "table" then
      for _, w in ipairs(want) do
         if w == have then
            return true
         end
      end
      return false
   end
   return want == have
end

-- Fields may be multi-valued (a guest has several domain types): the item
-- matches when any of its values is wanted.
local function field_matches(want, have)
   if type(have) == "table" then
      for _, h in ipairs(have) do
         if wanted(want, h) then
            return true
         end
      end
      return false
   end
   return wanted(want, have)
end

-- Turns a filter (nil, a predicate, or a table of fields) into a predicate
-- over the item and its context; misuse raises at the caller's level.
local function compile_filter(filter, fields, what)
   if filter == nil then
      return function() return true end
   end
   if type(filter) == "function" then
      return filter
   end
   if type(filter) ~= "table" then
      error(string.format("bad argument #1 to '%s' (filter table or function expected, got %s)", what, type(filter)), 3)
   end
   for k, v in pairs(filter) do
      if not fields[k] then
         error(string.format("bad argument #1 to '%s' (unknown filter field '%s'; fields: %s)", what, tostring(k),
            describe_fields(fields)), 3)
      end
      local t = type(v)
      if t ~= "string" and t ~= "number" and t ~= "boolean" and t ~= "table" and t ~= "function" then
         error(string.format("bad argument #1 to '%s' (filter field '%s': value, list or function expected, got %s)",
            what, k, t), 3)
      end
   end
   return function(item, ...)
      for k, want in pairs(filter) do
         if not field_matches(want, fields[k](item, ...)) then
            return false
         end
      end
      return true
   end
end

local function all_emulators(g)
   local list = { g.arch.emulator }
   for _, d in ipairs(g.arch.domains or {}) do
      list[#list + 1] = d.emulator
   end
   return list
end

local function all_machine_names(g)
   local list = {}
   for _, m in ipairs(g.arch.machines or {}) do
      list[#list + 1] = m.name
   end
   for _, d in ipairs(g.arch.domains or {}) do
      for _, m in ipairs(d.machines or {}) do
         list[#list + 1] = m.name
      end
   end
   return list
end

local GUEST_FIELDS = {
   os_type = function(g) return g.os_type end,
   arch = function(g) return g.arch.name end,
   wordsize = function(g) return g.arch.wordsize end,
   emulator = all_emulators,
   loader = function(g) return g.arch.loader end,
   domain = domain_types,
   machine = all_machine_names,
}

-- Machine lists of a guest: the arch's own list serves every domain that has
-- none; a domain with its own list uses that one.
local function machine_lists(g)
   local lists, shared = {}, {}
   for _, d in ipairs(g.arch.domains or {}) do
      if d.machines and #d.machines > 0 then
         lists[#lists + 1] = { machines = d.machines, domains = { d.type } }
      else
         shared[#shared + 1] = d.type
      end
   end
   table.insert(lists, 1, { machines = g.arch.machines or {}, domains = shared })
   return lists
end

local MACHINE_FIELDS = {
   name = function(m) return m.name end,
   maxCpus = function(m) return m.maxCpus end,
   canonical = function(m) return m.canonical end,
   deprecated = function(m) return m.deprecated or false end,
   arch = function(_, g) return g.arch.name end,
   os_type = function(_, g) return g.os_type end,
   domain = function(_, _, domains) return domains end,
}

local CELL_FIELDS = {
   id = function(c) return c.id end,
   memory = function(c) return c.memory and units.kib(c.memory) end,
}

local CPU_FIELDS = {
   id = function(c) return c.id end,
   socket_id = function(c) return c.socket_id end,
   die_id = function(c) return c.die_id end,
   cluster_id = function(c) return c.cluster_id end,
   core_id = function(c) return c.core_id end,
   siblings = function(c) return c.siblings end,
   cell = function(_, cell) return cell.id end,
}

-- ---- iterators ----

--- Iterates over the guests that match a filter, yielding each guest and its
-- index in `caps.guests`. `caps.guests` stays the plain array; calling it as
-- a method runs this.
-- @function Capabilities:guests
-- @tparam[opt] table|function filter fields os_type, arch, wordsize, emulator,
-- loader, domain, machine (a value, a list meaning any of, or a function of
-- the value), or a predicate on the guest
-- @return iterator for generic `for`
-- @usage for g in caps:guests{os_type="hvm", domain="kvm"} do print(g.arch.name) end
local function guests(caps, filter)
   local keep = compile_filter(filter, GUEST_FIELDS, "guests")
   local list, i = caps.guests or {}, 0
   return function()
      while true do
         i = i + 1
         local g = list[i]
         if g == nil then
            return nil
         end
         if keep(g) then
            return g, i
         end
      end
   end
end

--- Iterates over machine types, yielding each machine, its index in the list
-- it comes from, and its guest. Each list is visited once: a guest's own list
-- (usable with the domains that have none of their own), then the lists of
-- domains that have their own.
-- @tparam[opt] table|function filter fields name, maxCpus, canonical,
-- deprecated, arch, os_type, domain; or a predicate (machine, index, guest)
-- @return iterator for generic `for`
-- @usage for m in caps:machines{arch="x86_64", domain="kvm"} do print(m.name) end
-- @function Capabilities:machines
function Caps:machines(filter)
   local keep = compile_filter(filter, MACHINE_FIELDS, "machines")
   local lists = {}
   for _, g in ipairs(self.guests or {}) do
      for _, l in ipairs(machine_lists(g)) do
         l.guest = g
         lists[#lists + 1] = l
      end
   end
   local li, j = 1, 0
   return function()
      while lists[li] do
         local l = lists[li]
         j = j + 1
         local m = l.machines[j]
         if m == nil then
            li, j = li + 1, 0
         elseif keep(m, l.guest, l.domains) then
            return m, j, l.guest
         end
      end
      return nil
   end
end

--- Iterates over the host's NUMA cells, yielding each cell and its index.
-- @tparam[opt] table|function filter fields id, memory (KiB); or a predicate
-- @return iterator for generic `for`
-- @function Capabilities:cells
function Caps:cells(filter)
   local keep = compile_filter(filter, CELL_FIELDS, "cells")
   local cells = self.host and self.host.topology and self.host.topology.cells or {}
   local i = 0
   return function()
      while true do
         i = i + 1
         local c = cells[i]
         if c == nil or keep(c) then
            return c, c and i
         end
      end
   end
end

--- Iterates over the CPUs the NUMA cells list, yielding each CPU, its index in
-- its cell, and the cell.
-- @tparam[opt] table|function filter fields id, socket_id, die_id, cluster_id,
-- core_id, siblings, cell (the cell's id); or a predicate (cpu, cell)
-- @return iterator for generic `for`
-- @usage for cpu in caps:cpus{socket_id=0} do print(cpu.id) end
-- @function Capabilities:cpus
function Caps:cpus(filter)
   local keep = compile_filter(filter, CPU_FIELDS, "cpus")
   local cells = self.host and self.host.topology and self.host.topology.cells or {}
   local ci, j = 1, 0
   return function()
      while cells[ci] do
         local cell = cells[ci]
         j = j + 1
         local cpu = cell.cpus and cell.cpus[j]
         if cpu == nil then
            ci, j = ci + 1, 0
         elseif keep(cpu, cell) then
            return cpu, j, cell
         end
      end
      return nil
   end
end

--- Iterates over the host CPU's feature names (the `<feature>` list, then the
-- early `<features>` block), yielding each name and its position.
-- @tparam[opt] function filter a predicate on the name
-- @return iterator for generic `for`
-- @function Capabilities:features
function Caps:features(filter)
   if filter ~= nil and type(filter) ~= "function" then
      error(string.format("bad argument #1 to 'features' (function expected, got %s)", type(filter)), 2)
   end
   local cpu = self.host and self.host.cpu or {}
   local names, seen = {}, {}
   for _, list in ipairs { cpu.features or {}, cpu.legacy_features or {} } do
      for _, name in ipairs(list) do
         if not seen[name] then
            seen[name] = true
            names[#names + 1] = name
         end
      end
   end
   local i = 0
   return function()
      while true do
         i = i + 1
         local name = names[i]
         if name == nil or filter == nil or filter(name) then
            return name, name and i
         end
      end
   end
end

--- Whether the host CPU lists a feature. The reference lists the features a
-- host has beyond its named model (and vmx/svm); those the model implies are
-- not in the document.
-- @tparam string name
-- @treturn boolean
-- @function Capabilities:has_feature
function Caps:has_feature(name)
   if type(name) ~= "string" then
      error(string.format("bad argument #1 to 'has_feature' (string expected, got %s)", type(name)), 2)
   end
   for f in Caps.features(self) do
      if f == name then
         return true
      end
   end
   return false
end

local ACCELERATED = { kvm = 1, xen = 2, lxc = 3 }

--- The strongest kind of virtualization the guests offer: "kvm", "xen" or
-- "lxc" (in that order), another accelerated domain type the document names,
-- "qemu" when only emulation (TCG) is available, nil without guests.
-- @treturn string|nil
-- @function Capabilities:virtualization
function Caps:virtualization()
   local best, best_rank
   for _, g in ipairs(self.guests or {}) do
      for _, t in ipairs(domain_types(g)) do
         local rank = ACCELERATED[t] or (t == "qemu" and 5 or 4)
         if not best_rank or rank < best_rank then
            best, best_rank = t, rank
         end
      end
   end
   return best
end

--- XPath over this table's document (see `virtcaps.xpath`).
-- @tparam string expr
-- @treturn[1] table|string|number|boolean
-- @treturn[2] nil
-- @treturn[2] string
-- @usage caps:xpath("//guest[arch/domain/@type='kvm']/arch/@name") --> {"i686", "x86_64"}
-- @function Capabilities:xpath
function Caps:xpath(expr)
   return core.xpath(core.format(self), expr)
end

--- The capabilities document of this table, in the reference's layout.
-- (The C function itself, so that errors point at the caller's line.)
-- @function Capabilities:xml
-- @treturn string
Caps.xml = core.format

return { methods = Caps, guests = guests, domain_types = domain_types }
