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

local function human_kib(kib)
   local units = { "KiB", "MiB", "GiB", "TiB", "PiB" }
   local i = 1
   while kib >= 1024 and i < #units do
      kib, i = kib / 1024, i + 1
   end
   return (string.format("%.1f %s", kib, units[i]):gsub("%.0 ", " "))
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

local function guest_summary(guests)
   local parts = {}
   for _, g in ipairs(guests) do
      local domains = {}
      for _, d in ipairs(g.arch.domains) do
         domains[#domains + 1] = d.type
      end
      parts[#parts + 1] = string.format("%s/%s (%s)", g.os_type, g.arch.name, table.concat(domains, ", "))
   end
   return table.concat(parts, ", ")
end

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
      local kib, known = 0, true
      for _, cell in ipairs(cells) do
         local k = cell.memory and M.kib(cell.memory)
         if k then kib = kib + k else known = false end
      end
      text[#text + 1] = string.format("; %s", plural(#cells, "NUMA cell"))
      if known and kib > 0 then
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

--- The capabilities document of this table, in the reference's layout.
-- (The C function itself, so that errors point at the caller's line.)
-- @function Capabilities:xml
-- @treturn string
Caps.xml = core.format

local function wrap(t, err)
   if t == nil then
      return nil, err
   end
   return setmetatable(t, Caps)
end

--- Parses a capabilities document.
-- @function parse
-- @tparam string xml
-- @treturn[1] table capabilities
-- @treturn[2] nil
-- @treturn[2] string "line N: what is wrong"
-- @usage local caps = assert(virtcaps.parse(xml))
function M.parse(...)
   return wrap(core.parse(...))
end

--- Reads a capabilities document from a file.
-- @tparam string path
-- @treturn[1] table capabilities
-- @treturn[2] nil
-- @treturn[2] string "PATH: line N: what is wrong"
function M.load(...)
   return wrap(core.load(...))
end

--- Formats any table of the capabilities shape; raises "path: what is wrong"
-- when it is not one.
-- @function format
-- @tparam table caps
-- @treturn string
M.format = core.format

--- Probes this host (see the README for the options).
-- @tparam[opt] table opts root, paths, arch
-- @treturn[1] table capabilities, with caps.warnings
-- @treturn[2] nil
-- @treturn[2] string
function M.probe(...)
   return wrap(core.probe(...))
end

--- The reference's `virsh nodeinfo` numbers for this host (see the README).
-- @function nodeinfo
-- @tparam[opt] table opts root, paths, arch, threads_per_subcore
-- @treturn[1] table {cpus=, maxcpus=, mhz=, nodes=, sockets=, cores=, threads=, memory=}
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

return M
