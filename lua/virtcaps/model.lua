--- The capabilities model's tables: the metatables the core gives the
-- tables it builds (their methods are virtcaps.query's) and their summaries
-- for the REPL.
-- @submodule virtcaps
local core = require "virtcaps.core"
local units = require "virtcaps.units"
local query = require "virtcaps.query"

local human_kib = units.human
local domain_types = query.domain_types

local Caps = {}
Caps.__index = Caps
Caps.__name = "virtcaps.Capabilities"
for name, fn in pairs(query.methods) do
   Caps[name] = fn
end

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

-- ---- summaries for the REPL ----

-- One paragraph for the REPL: arch, CPU, topology, memory, guest kinds.
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
   local kib = self.memory and units.kib(self.memory)
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
      pages[#pages + 1] = string.format("%s x %d", human_kib(units.kib { value = p.size, unit = p.unit } or 0), p.count)
   end
   if #pages > 0 then
      parts[#parts + 1] = "pages " .. table.concat(pages, ", ")
   end
   return table.concat(parts, ", ")
end

local GuestList = { __name = "virtcaps.GuestList" }
function GuestList.__call(_, caps, filter)
   return query.guests(caps, filter)
end
function GuestList:__tostring()
   return #self == 0 and "no guests" or plural(#self, "guest") .. ": " .. guest_summary(self)
end

-- ---- the tables' metatables ----

-- The core gives the tables it builds (parse, load, probe) these metatables
-- as it builds them: once registered, nothing walks the tables again.
core.set_metatables {
   caps = Caps, host = Host, cpu = HostCpu, cell = Cell, cell_cpu = CellCpu,
   guests = GuestList, guest = Guest, machine = Machine, domain = Domain,
}

return { Capabilities = Caps }
