--- virtcaps: what a host can virtualize, in libvirt's capabilities format.
-- The C core (virtcaps.core) probes, reads and writes XML and builds plain
-- tables; this module gives those tables their methods and summaries.
-- @module virtcaps
local core = require "virtcaps.core"

local M = {
   _VERSION = "virtcaps 0.1.0",
}

local Caps = {}
Caps.__index = Caps
Caps.__name = "virtcaps.Capabilities"

local UNIT_KIB = {
   b = 1 / 1024, bytes = 1 / 1024, k = 1, kb = 1000 / 1024, kib = 1,
   m = 1024, mb = 1e6 / 1024, mib = 1024, g = 1024 ^ 2, gb = 1e9 / 1024, gib = 1024 ^ 2,
   t = 1024 ^ 3, tb = 1e12 / 1024, tib = 1024 ^ 3,
}

--- A scaled value ({value=, unit=}) in KiB; nil for an unknown unit.
-- @tparam table v
-- @treturn number
function M.kib(v)
   local factor = UNIT_KIB[(v.unit or "KiB"):lower()]
   return factor and v.value * factor
end

--- A size in KiB as people write it: "5.6 GiB", "2 MiB", "4 KiB".
-- @tparam number kib
-- @treturn string
function M.human(kib)
   local units = { "KiB", "MiB", "GiB", "TiB", "PiB" }
   local i = 1
   while kib >= 1024 and i < #units do
      kib, i = kib / 1024, i + 1
   end
   return (string.format("%.1f %s", kib, units[i]):gsub("%.0 ", " "))
end
local human_kib = M.human

local function plural(n, word)
   return string.format("%d %s%s", n, word, n == 1 and "" or "s")
end

local function cpu_summary(cpu)
   local parts = {}
   if cpu.vendor or cpu.model then
      parts[#parts + 1] = table.concat({ cpu.vendor, cpu.model }, " ")
   end
   local t = cpu.topology
   if t then
      parts[#parts + 1] = string.format("%s x %s x %s", plural(t.sockets or 1, "socket"),
         plural(t.cores or 1, "core"), plural(t.threads or 1, "thread"))
   end
   return table.concat(parts, ", ")
end

local function domain_types(guest)
   local types = {}
   for _, d in ipairs(guest.arch and guest.arch.domains or {}) do
      types[#types + 1] = d.type
   end
   return types
end

local function guest_name(g)
   return string.format("%s/%s", g.os_type, g.arch and g.arch.name or "?")
end

local function guest_summary(guests)
   local parts = {}
   for _, g in ipairs(guests) do
      parts[#parts + 1] = string.format("%s (%s)", guest_name(g), table.concat(domain_types(g), ", "))
   end
   return table.concat(parts, ", ")
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
      local k = cell.memory and M.kib(cell.memory)
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

-- ---- summaries for the REPL ----

--- One paragraph for the REPL: arch, CPU, topology, memory, guest kinds.
function Caps:__tostring()
   local host = self.host or {}
   local cpu = host.cpu or {}
   local text = { string.format("%s host", cpu.arch or "unknown") }
   local c = cpu_summary(cpu)
   if c ~= "" then
      text[#text + 1] = ": " .. c
   end
   local cells = host.topology and host.topology.cells
   if cells then
      text[#text + 1] = string.format("; %s", plural(#cells, "NUMA cell"))
      local kib = Caps.total_memory(self)
      if kib and kib > 0 then
         text[#text + 1] = string.format(", %s", human_kib(kib))
      end
   end
   local guests = self.guests or {}
   if #guests > 0 then
      text[#text + 1] = "; guests: " .. guest_summary(guests)
   else
      text[#text + 1] = "; no guests"
   end
   return table.concat(text)
end

local Host = { __name = "virtcaps.Host" }
function Host:__tostring()
   return (Caps.__tostring({ host = self, guests = {} }):gsub("; no guests$", ""))
end

local HostCpu = { __name = "virtcaps.HostCpu" }
function HostCpu:__tostring()
   local text = string.format("%s CPU", self.arch or "unknown")
   local s = cpu_summary(self)
   if s ~= "" then
      text = text .. ": " .. s
   end
   local n = #(self.features or {}) + #(self.legacy_features or {})
   return text .. string.format("; %s", plural(n, "feature"))
end

local Machine = { __name = "virtcaps.Machine" }
function Machine:__tostring()
   local text = "machine " .. tostring(self.name)
   if self.canonical then
      text = text .. " (alias of " .. self.canonical .. ")"
   end
   if self.maxCpus then
      text = text .. string.format(", up to %s", plural(self.maxCpus, "vCPU"))
   end
   if self.deprecated then
      text = text .. ", deprecated"
   end
   return text
end

local Domain = { __name = "virtcaps.Domain" }
function Domain:__tostring()
   local text = tostring(self.type) .. " domain"
   if self.emulator then
      text = text .. ", emulator " .. self.emulator
   end
   if self.machines and #self.machines > 0 then
      text = text .. ", " .. plural(#self.machines, "machine")
   end
   return text
end

local Guest = { __name = "virtcaps.Guest" }
function Guest:__tostring()
   local arch = self.arch or {}
   local parts = { string.format("%s guest", guest_name(self)) }
   if arch.wordsize then
      parts[#parts + 1] = string.format("%d-bit", arch.wordsize)
   end
   parts[#parts + 1] = "domains " .. table.concat(domain_types(self), ", ")
   if arch.emulator then
      parts[#parts + 1] = "emulator " .. arch.emulator
   end
   local machines = arch.machines or {}
   if #machines > 0 then
      parts[#parts + 1] = string.format("%s (first %s)", plural(#machines, "machine"), machines[1].name)
   end
   return table.concat(parts, "; ")
end

local CellCpu = { __name = "virtcaps.CellCpu" }
function CellCpu:__tostring()
   local parts = { "CPU " .. tostring(self.id) }
   for _, k in ipairs { "socket_id", "die_id", "cluster_id", "core_id" } do
      if self[k] then
         parts[#parts + 1] = string.format("%s %s", k:gsub("_id$", ""), self[k])
      end
   end
   if self.siblings then
      parts[#parts + 1] = "siblings " .. self.siblings
   end
   return table.concat(parts, ", ")
end

local Cell = { __name = "virtcaps.Cell" }
function Cell:__tostring()
   local parts = { "NUMA cell " .. tostring(self.id) }
   local kib = self.memory and M.kib(self.memory)
   if kib then
      parts[#parts + 1] = human_kib(kib)
   end
   if self.cpus then
      local ids = {}
      for i, c in ipairs(self.cpus) do
         ids[i] = c.id
      end
      parts[#parts + 1] = #ids > 0 and string.format("%s (%s)", plural(#ids, "CPU"), core.cpuset_format(ids))
         or "no CPUs"
   end
   local pages = {}
   for _, p in ipairs(self.pages or {}) do
      pages[#pages + 1] = string.format("%s x %d", human_kib(M.kib { value = p.size, unit = p.unit } or 0), p.count)
   end
   if #pages > 0 then
      parts[#parts + 1] = "pages " .. table.concat(pages, ", ")
   end
   return table.concat(parts, ", ")
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
   memory = function(c) return c.memory and M.kib(c.memory) end,
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

local function guests_iter(caps, filter)
   local keep = compile_filter(filter, GUEST_FIELDS, "guests")
   local guests, i = caps.guests or {}, 0
   return function()
      while true do
         i = i + 1
         local g = guests[i]
         if g == nil then
            return nil
         end
         if keep(g) then
            return g, i
         end
      end
   end
end

--- Iterates over the guests that match a filter, yielding each guest and its
-- index in `caps.guests`. `caps.guests` stays the plain array; calling it as
-- a method runs this.
-- @function Capabilities:guests
-- @tparam[opt] table|function filter fields os_type, arch, wordsize, emulator,
-- loader, domain, machine (a value, a list meaning any of, or a function of
-- the value), or a predicate on the guest
-- @return iterator for generic `for`
-- @usage for g in caps:guests{os_type="hvm", domain="kvm"} do print(g.arch.name) end
local GuestList = { __name = "virtcaps.GuestList" }
function GuestList.__call(_, caps, filter)
   return guests_iter(caps, filter)
end
function GuestList:__tostring()
   return #self == 0 and "no guests" or plural(#self, "guest") .. ": " .. guest_summary(self)
end

--- Iterates over machine types, yielding each machine, its index in the list
-- it comes from, and its guest. Each list is visited once: a guest's own list
-- (usable with the domains that have none of their own), then the lists of
-- domains that have their own.
-- @tparam[opt] table|function filter fields name, maxCpus, canonical,
-- deprecated, arch, os_type, domain; or a predicate (machine, index, guest)
-- @return iterator for generic `for`
-- @usage for m in caps:machines{arch="x86_64", domain="kvm"} do print(m.name) end
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
function Caps:xpath(expr)
   return core.xpath(core.format(self), expr)
end

--- The capabilities document of this table, in the reference's layout.
-- (The C function itself, so that errors point at the caller's line.)
-- @function Capabilities:xml
-- @treturn string
Caps.xml = core.format

-- ---- the tables' metatables ----

-- The core gives the tables it builds (parse, load, probe) these metatables
-- as it builds them: once registered, nothing walks the tables again.
core.set_metatables {
   caps = Caps, host = Host, cpu = HostCpu, cell = Cell, cell_cpu = CellCpu,
   guests = GuestList, guest = Guest, machine = Machine, domain = Domain,
}

--- Parses a capabilities document.
-- @function parse
-- @tparam string xml
-- @treturn[1] table capabilities
-- @treturn[2] nil
-- @treturn[2] string "line N: what is wrong"
-- @usage local caps = assert(virtcaps.parse(xml))
M.parse = core.parse

--- Reads a capabilities document from a file.
-- @function load
-- @tparam string path
-- @treturn[1] table capabilities
-- @treturn[2] nil
-- @treturn[2] string "PATH: line N: what is wrong"
M.load = core.load

--- Formats any table of the capabilities shape; raises "path: what is wrong"
-- when it is not one.
-- @function format
-- @tparam table caps
-- @treturn string
M.format = core.format

--- Probes this host (see the README for the options).
-- @function probe
-- @tparam[opt] table opts root, paths, arch
-- @treturn[1] table capabilities, with caps.warnings
-- @treturn[2] nil
-- @treturn[2] string
M.probe = core.probe

--- Probes this host and gives the document, without building the tables
-- (what `virtcaps` with no arguments prints; the warnings are left out).
-- @function probe_xml
-- @tparam[opt] table opts as for probe
-- @treturn[1] string
-- @treturn[2] nil
-- @treturn[2] string
M.probe_xml = core.probe_xml

--- XPath 1.0 over any XML document, parsed safely (no DTD, no network).
-- A node-set gives a list of strings: attribute and text values, elements
-- as markup (what `xmllint --xpath` prints); other results give the string,
-- number or boolean.
-- @function xpath
-- @tparam string xml
-- @tparam string expr
-- @treturn[1] table|string|number|boolean
-- @treturn[2] nil
-- @treturn[2] string "bad XPath expression '...': what", or the document's "line N: ..."
-- @usage virtcaps.xpath(xml, "count(//guest)") --> 5
M.xpath = core.xpath

--- Reads the parts of a libvirt domain definition that placement checks use
-- (see the README for the table); sizes are KiB.
-- @function domain
-- @tparam string xml
-- @treturn[1] table
-- @treturn[2] nil
-- @treturn[2] string "line N: what is wrong"
M.domain = core.domain

--- A cpuset ("0-3,8,^2") as a sorted list of CPU numbers.
-- @function cpuset
-- @tparam string set
-- @treturn[1] table
-- @treturn[2] nil
-- @treturn[2] string "invalid cpuset '...': ..."
-- @usage virtcaps.cpuset("0-3,8") --> {0, 1, 2, 3, 8}
M.cpuset = core.cpuset

--- CPU numbers (any order) as the reference writes a cpuset.
-- @function cpuset_format
-- @tparam table cpus
-- @treturn string
-- @usage virtcaps.cpuset_format{8, 0, 1, 2, 3} --> "0-3,8"
M.cpuset_format = core.cpuset_format

--- What this host itself runs under: `{vm=, container=}` with the names
-- systemd-detect-virt prints ("none", "kvm", "qemu", "xen", "vmware",
-- "microsoft", "oracle", "amazon", ...; "docker", "podman", "lxc",
-- "systemd-nspawn", ...).
-- @function detect_virt
-- @tparam[opt] table opts root, paths (as for probe); cpuid: the CPUID
-- hypervisor signature to assume ("" for none) instead of the CPU's
-- @treturn[1] table
-- @treturn[2] nil
-- @treturn[2] string
M.detect_virt = core.detect_virt

local HELP = [[
virtcaps: what this host can virtualize (libvirt's capabilities format)

  caps = virtcaps.probe([opts])        this host (opts: root, paths, arch, ...)
  caps = virtcaps.load(path)           a capabilities document from a file
  caps = virtcaps.parse(xml)           ... from a string
  virtcaps.format(caps)  caps:xml()    the document, as virsh prints it
  virtcaps.probe_xml([opts])           this host's document, without the tables
  tostring(caps), caps.guests[1], caps.host.topology.cells[1]   summaries

  for g, i in caps:guests{arch="x86_64", domain="kvm"} do ... end
  for m, j, g in caps:machines{arch="x86_64", domain="kvm"} do ... end
  for cell, i in caps:cells() do ... end
  for cpu, j, cell in caps:cpus{socket_id=0} do ... end
  for name, i in caps:features() do ... end
      filters: a table of fields (a value, a list meaning any of, a function)
      or a predicate function
  caps:has_feature("vmx")  caps:virtualization()  caps:cpu_count()  caps:total_memory()
  caps:xpath(expr)  virtcaps.xpath(xml, expr)     libxml2 XPath
  virtcaps.cpuset("0-3,8")  virtcaps.cpuset_format{0,1,2,3,8}
  virtcaps.detect_virt()               {vm=, container=} as systemd-detect-virt names them
  virtcaps.domain(xml)                 a domain definition's placement needs
  virtcaps.kib{value=, unit=}  virtcaps.human(kib)

  dc = virtcaps.domcaps.load(path)     domain capabilities (virsh domcapabilities); also .parse, .format
  dc:cpu_models{usable=true}  dc:supports("devices.disk.bus", "virtio")  dc:usable("Haswell")

  policy = require "virtcaps.policy"
  policy.choose(caps, {arch=, os_type=, domain=, machine=, min_vcpus=})
  policy.check(caps, rules)            ok, failures {rule=, wanted=, found=, message=}
  policy.fits(caps, domain_xml_or_table)
  policy.diff(a, b)                    changes between two capabilities tables
  policy.migratable(src, dst [, {cpu=false}])
]]

--- Prints a short guide to the API (for the REPL).
function M.help()
   io.write(HELP)
end
--- The reference's `virsh nodeinfo` numbers for this host (see the README).
-- @function nodeinfo
-- @tparam[opt] table opts root, paths, arch, threads_per_subcore
-- @treturn[1] table {model=, cpus=, maxcpus=, mhz=, nodes=, sockets=, cores=, threads=, memory=}
-- @treturn[2] nil
-- @treturn[2] string
M.nodeinfo = core.nodeinfo

--- The host CPU's signature line, or nil where the reference computes none.
-- @function signature
-- @tparam[opt] table opts root, paths, arch
-- @treturn[1] string|nil
-- @treturn[2] nil
-- @treturn[2] string
M.signature = core.signature

--- The metatable given to capabilities tables, for extension.
M.Capabilities = Caps

--- CPU models: decode, format, compare, baseline (see virtcaps.cpu).
M.cpu = require "virtcaps.cpu"

-- virtcaps.domcaps (domain capabilities) loads on first use.
setmetatable(M, {
   __index = function(t, k)
      if k == "domcaps" then
         rawset(t, k, require "virtcaps.domcaps")
         return rawget(t, k)
      end
   end,
})

return M
