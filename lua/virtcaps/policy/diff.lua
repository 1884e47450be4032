--- What changed between two capabilities documents.
-- @submodule virtcaps.policy
local virtcaps = require "virtcaps"
local util = require "virtcaps.policy.util"

local Caps = virtcaps.Capabilities
local human = virtcaps.human
local set_of = util.set_of
local sorted_keys = util.sorted_keys
local check_table = util.check_table
local pages_by_size = util.pages_by_size
local page_sizes = util.page_sizes
local guest_key = util.guest_key
local guest_machines = util.guest_machines

local M = {}

-- numbers: sizes as numbers of KiB beside the human text (from_kib, to_kib).
local function change(list, kind, what, name, from, to, numbers)
   local msg
   if kind == "changed" then
      msg = string.format("changed %s%s: %s -> %s", what, name and " " .. name or "", tostring(from), tostring(to))
   else
      msg = string.format("%s %s %s", kind, what, name)
   end
   local c = { change = kind, what = what, name = name, from = from, to = to, message = msg }
   for k, v in pairs(numbers or {}) do
      c[k] = v
   end
   list[#list + 1] = c
end

local function compare_value(list, what, a, b)
   if a ~= b then
      change(list, "changed", what, nil, a == nil and "none" or a, b == nil and "none" or b)
   end
end

local function compare_sets(list, what, a, b, prefix)
   local sa, sb = set_of(a), set_of(b)
   for _, x in ipairs(a) do
      if not sb[x] then
         change(list, "removed", what, (prefix or "") .. tostring(x))
      end
   end
   for _, x in ipairs(b) do
      if not sa[x] then
         change(list, "added", what, (prefix or "") .. tostring(x))
      end
   end
end

local function topology_text(cpu)
   local t = cpu and cpu.topology
   if not t then
      return nil
   end
   return string.format("%d sockets, %d dies, %d clusters, %d cores, %d threads", t.sockets or 1, t.dies or 1,
      t.clusters or 1, t.cores or 1, t.threads or 1)
end

local function feature_list(caps)
   local list = {}
   for f in Caps.features(caps) do
      list[#list + 1] = f
   end
   return list
end

-- Every other difference between two parts of the model, field by field:
-- path names the part ("host.cpu.counter.frequency"); skip holds the paths
-- compared above (list items as "[]").
local function compare_rest(list, path, key, x, y, skip)
   if skip[key] or (x == nil and type(y) == "table" and next(y) == nil)
         or (y == nil and type(x) == "table" and next(x) == nil) then
      return -- an empty list or object is no element at all in the document
   end
   -- a part missing on one side whose fields are partly compared above: its
   -- other fields one by one
   if (x == nil and type(y) == "table") or (y == nil and type(x) == "table") then
      for k in pairs(skip) do
         if k:sub(1, #key + 1) == key .. "." then
            x, y = x or {}, y or {}
            break
         end
      end
   end
   if type(x) == "table" and type(y) == "table" then
      local keys = {}
      for k in pairs(x) do keys[k] = true end
      for k in pairs(y) do keys[k] = true end
      local sorted = {}
      for k in pairs(keys) do sorted[#sorted + 1] = k end
      table.sort(sorted, function(p, q)
         if type(p) == type(q) then return p < q end
         return type(p) == "number"
      end)
      for _, k in ipairs(sorted) do
         local sub = math.type(k) == "integer" and string.format("%s[%d]", path, k) or path .. "." .. k
         compare_rest(list, sub, math.type(k) == "integer" and key .. "[]" or key .. "." .. k, x[k], y[k], skip)
      end
   elseif x == nil and y ~= nil then
      change(list, "added", "element", path)
   elseif y == nil and x ~= nil then
      change(list, "removed", "element", path)
   elseif x ~= y then
      change(list, "changed", path, nil, type(x) == "table" and "(element)" or x, type(y) == "table" and "(element)" or y)
   end
end

-- The parts of the host and of a guest the comparisons before compare_rest
-- look at.
local HOST_DONE = set_of { "host.uuid", "host.cpu.arch", "host.cpu.vendor", "host.cpu.model", "host.cpu.microcode",
   "host.cpu.topology", "host.cpu.features", "host.cpu.legacy_features", "host.topology.cells", "host.iommu.support",
   "host.migration_features.live", "host.secmodels" }
local CELL_DONE = set_of { "cell.id", "cell.memory", "cell.pages" }
local GUEST_DONE = set_of { "guest.os_type", "guest.arch.name", "guest.arch.emulator", "guest.arch.machines",
   "guest.arch.domains" }
local DOMAIN_DONE = set_of { "domain.type" }

-- Security models by name: DOI and base labels by type.
local function compare_secmodels(list, a, b)
   local sec_a, sec_b, by_a, by_b = {}, {}, {}, {}
   for i, s in ipairs(a.host.secmodels or {}) do sec_a[i], by_a[s.model] = s.model, by_a[s.model] or s end
   for i, s in ipairs(b.host.secmodels or {}) do sec_b[i], by_b[s.model] = s.model, by_b[s.model] or s end
   compare_sets(list, "secmodel", sec_a, sec_b)
   for _, name in ipairs(sec_a) do
      local x, y = by_a[name], by_b[name]
      if y and x.doi ~= y.doi then
         change(list, "changed", "secmodel doi", name, x.doi or "none", y.doi or "none")
      end
      if y then
         local lx, ly, tx, ty = {}, {}, {}, {}
         for i, l in ipairs(x.baselabels or {}) do tx[i], lx[l.type] = l.type, l.label end
         for i, l in ipairs(y.baselabels or {}) do ty[i], ly[l.type] = l.type, l.label end
         compare_sets(list, "baselabel", tx, ty, name .. " ")
         for _, t in ipairs(tx) do
            if ly[t] and lx[t] ~= ly[t] then
               change(list, "changed", "baselabel", name .. " " .. t, lx[t], ly[t])
            end
         end
      end
   end
end

local function cells_by_id(caps)
   local byid, ids = {}, {}
   for _, c in ipairs(caps.host.topology and caps.host.topology.cells or {}) do
      byid[c.id] = c
      ids[#ids + 1] = c.id
   end
   return byid, ids
end

--- What changed from one capabilities table to another: the host CPU (arch,
-- vendor, model, microcode, topology, features), CPU count and memory, NUMA
-- cells and their memory and huge pages, IOMMU, live migration, security
-- models with their DOI and base labels, guests, their domain types,
-- emulators and machine types; then every other field that differs, by its
-- path in the model ("changed host.cpu.counter.frequency: ..."). The host
-- uuid and the count of base-size pages (free memory) are not compared.
-- @tparam table a
-- @tparam table b
-- @treturn table changes in that order, each `{change="added"|"removed"|"changed",
-- what=, name=, from=, to=, message=}` (memory sizes also as from_kib, to_kib);
-- empty when nothing changed
function M.diff(a, b)
   check_table(a, "a", 2)
   check_table(b, "b", 2)
   check_table(a.host, "a.host", 2)
   check_table(b.host, "b.host", 2)
   local list = {}
   local ca, cb = a.host.cpu or {}, b.host.cpu or {}
   compare_value(list, "arch", ca.arch, cb.arch)
   compare_value(list, "cpu vendor", ca.vendor, cb.vendor)
   compare_value(list, "cpu model", ca.model, cb.model)
   compare_value(list, "microcode", ca.microcode and ca.microcode.version, cb.microcode and cb.microcode.version)
   compare_value(list, "topology", topology_text(ca), topology_text(cb))
   compare_sets(list, "feature", feature_list(a), feature_list(b))
   compare_value(list, "cpus", Caps.cpu_count(a), Caps.cpu_count(b))
   local ma, mb = Caps.total_memory(a), Caps.total_memory(b)
   if ma ~= mb then
      change(list, "changed", "memory", nil, ma and human(ma) or "none", mb and human(mb) or "none",
         { from_kib = ma, to_kib = mb })
   end
   local cells_a, ids_a = cells_by_id(a)
   local cells_b, ids_b = cells_by_id(b)
   compare_sets(list, "cell", ids_a, ids_b)
   local base = math.min(page_sizes(a)[1] or math.huge, page_sizes(b)[1] or math.huge)
   for _, id in ipairs(ids_a) do
      local x, y = cells_a[id], cells_b[id]
      if y then
         local kx, ky = x.memory and virtcaps.kib(x.memory), y.memory and virtcaps.kib(y.memory)
         if kx ~= ky then
            change(list, "changed", "cell memory", tostring(id), kx and human(kx) or "none", ky and human(ky) or "none",
               { from_kib = kx, to_kib = ky })
         end
         local px = pages_by_size({ host = { topology = { cells = { x } } } })
         local py = pages_by_size({ host = { topology = { cells = { y } } } })
         local sizes = {}
         for s in pairs(px) do sizes[s] = true end
         for s in pairs(py) do sizes[s] = true end
         for _, s in ipairs(sorted_keys(sizes)) do
            if s ~= base and px[s] ~= py[s] then
               change(list, "changed", "pages", string.format("%s in cell %s", human(s), id), px[s] or "none",
                  py[s] or "none")
            end
         end
      end
   end
   compare_value(list, "iommu", a.host.iommu and a.host.iommu.support, b.host.iommu and b.host.iommu.support)
   compare_value(list, "live migration", a.host.migration_features and a.host.migration_features.live or false,
      b.host.migration_features and b.host.migration_features.live or false)
   compare_secmodels(list, a, b)
   for _, id in ipairs(ids_a) do
      if cells_b[id] then
         compare_rest(list, string.format("cell %s", id), "cell", cells_a[id], cells_b[id], CELL_DONE)
      end
   end
   compare_rest(list, "host", "host", a.host, b.host, HOST_DONE)
   local ga, gb, keys_a, keys_b = {}, {}, {}, {}
   for _, g in ipairs(a.guests or {}) do
      local k = guest_key(g)
      if not ga[k] then ga[k], keys_a[#keys_a + 1] = g, k end
   end
   for _, g in ipairs(b.guests or {}) do
      local k = guest_key(g)
      if not gb[k] then gb[k], keys_b[#keys_b + 1] = g, k end
   end
   compare_sets(list, "guest", keys_a, keys_b)
   for _, k in ipairs(keys_a) do
      local x, y = ga[k], gb[k]
      if y then
         local dx, dy = {}, {}
         for i, d in ipairs(x.arch.domains or {}) do dx[i] = d.type end
         for i, d in ipairs(y.arch.domains or {}) do dy[i] = d.type end
         compare_sets(list, "domain", dx, dy, k .. " ")
         if x.arch.emulator ~= y.arch.emulator then
            change(list, "changed", "emulator", k, x.arch.emulator or "none", y.arch.emulator or "none")
         end
         local mx, nx = guest_machines(x)
         local my, ny = guest_machines(y)
         compare_sets(list, "machine", nx, ny, k .. " ")
         for _, name in ipairs(nx) do
            if my[name] and mx[name].maxCpus ~= my[name].maxCpus then
               change(list, "changed", "machine maxCpus", k .. " " .. name, mx[name].maxCpus or "none",
                  my[name].maxCpus or "none")
            end
         end
         for _, d in ipairs(x.arch.domains or {}) do
            for _, e in ipairs(y.arch.domains or {}) do
               if d.type == e.type then
                  compare_rest(list, k .. " domain " .. d.type, "domain", d, e, DOMAIN_DONE)
               end
            end
         end
         compare_rest(list, k, "guest", x, y, GUEST_DONE)
      end
   end
   return list
end

return M
