--- virtcaps.policy: decisions over capabilities tables, with reasons.
-- Choosing how to run a guest, checking a host against rules, checking that a
-- domain definition fits a host, what changed between two documents, and
-- whether guests can move between hosts. Expected failures come back as
-- values with reasons; misuse (unknown rules or options, values of the wrong
-- kind) raises.
-- @module virtcaps.policy
local virtcaps = require "virtcaps"

local Caps = virtcaps.Capabilities
local human = virtcaps.human

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

-- ---- machines ----

local function machines_for(guest, domain)
   if domain and domain.machines and #domain.machines > 0 then
      return domain.machines
   end
   return guest.arch.machines or {}
end

-- Names some alias points at: the versioned machine behind "pc", "q35", "virt".
local function canonical_targets(machines)
   local targets = {}
   for _, m in ipairs(machines) do
      if m.canonical then
         targets[m.canonical] = true
      end
   end
   return targets
end

local function find_machine(machines, name)
   for _, m in ipairs(machines) do
      if m.name == name then
         return m
      end
   end
end

-- The machine an alias stands for, or the machine itself.
local function resolve(machines, m)
   return m.canonical and find_machine(machines, m.canonical) or m
end

local ACCEL_RANK = { kvm = 1, xen = 2, hvf = 3, hyperv = 3, vz = 3, bhyve = 3, vmware = 3, lxc = 4 }

local function domain_rank(t)
   return ACCEL_RANK[t] or (t == "qemu" and 9 or 5)
end

local function describe_domain(t)
   return t == "qemu" and "qemu (TCG)" or t
end

-- ---- choose ----

local WANT = { arch = true, os_type = true, domain = true, machine = true, min_vcpus = true }

local function check_want(caps, want)
   check_table(want, "want", 3)
   check_keys(want, WANT, "choose option", 3)
   for _, k in ipairs { "arch", "os_type", "domain", "machine" } do
      if want[k] ~= nil and type(want[k]) ~= "string" then
         error(string.format("bad option '%s' to 'choose' (string expected, got %s)", k, type(want[k])), 3)
      end
   end
   if want.min_vcpus ~= nil and (math.type(want.min_vcpus) ~= "integer" or want.min_vcpus < 1) then
      error("bad option 'min_vcpus' to 'choose' (positive integer expected)", 3)
   end
   if want.machine then
      -- Lua reads a pattern only as far as a subject takes it: try them all.
      for m in Caps.machines(caps) do
         local ok, err = pcall(string.find, m.name, want.machine)
         if not ok then
            error(string.format("bad option 'machine' to 'choose' (bad pattern: %s)", err), 3)
         end
      end
   end
end

-- Machines for a guest and domain ranked for `want`; the reason when none fits.
local function pick_machine(machines, want, label)
   if #machines == 0 then
      if want.machine then
         return nil, string.format("no machine types for %s, so none matching '%s'", label, want.machine)
      end
      return false -- nothing to choose; fine without a machine
   end
   local targets = canonical_targets(machines)
   local candidates
   local exact = want.machine and find_machine(machines, want.machine)
   if exact then
      candidates = { resolve(machines, exact) }
   else
      candidates = {}
      for i, m in ipairs(machines) do
         if not want.machine or m.name:find(want.machine) then
            candidates[#candidates + 1] = { m = resolve(machines, m), i = i }
         end
      end
      if #candidates == 0 then
         local names = {}
         for i, m in ipairs(machines) do
            names[i] = m.name
         end
         return nil, string.format("no machine matching '%s' for %s; machines: %s", want.machine, label, some(names))
      end
      -- The machines aliases point at first (QEMU's default is listed
      -- first), then the rest in the reference's order, deprecated last.
      table.sort(candidates, function(a, b)
         local ka = (targets[a.m.name] and 0 or 1) + (a.m.deprecated and 2 or 0)
         local kb = (targets[b.m.name] and 0 or 1) + (b.m.deprecated and 2 or 0)
         if ka ~= kb then
            return ka < kb
         end
         return a.i < b.i
      end)
      for i, c in ipairs(candidates) do
         candidates[i] = c.m
      end
   end
   if want.min_vcpus then
      local most
      for _, m in ipairs(candidates) do
         if not m.maxCpus or m.maxCpus >= want.min_vcpus then
            return m
         end
         if not most or m.maxCpus > most.maxCpus then
            most = m
         end
      end
      return nil, string.format("no machine for %s takes %d vCPUs; the most is %d (%s)", label, want.min_vcpus,
         most.maxCpus, most.name)
   end
   return candidates[1]
end

--- The best way to run a guest on this host: hardware acceleration before
-- emulation, and the machine type aliases point at (the reference lists
-- QEMU's default first).
-- @tparam table caps
-- @tparam[opt] table want arch (default: the host's), os_type (default: hvm
-- when there is one), domain, machine (a name, an alias or a Lua pattern),
-- min_vcpus (checked against the machine's maxCpus)
-- @treturn[1] table `{os_type=, arch=, domain=, emulator=, machine=}`
-- @treturn[2] nil
-- @treturn[2] string what is missing, e.g. "no kvm for aarch64 on this x86_64
-- host; qemu (TCG) is available"
-- @usage local how = assert(policy.choose(caps, {arch="x86_64", min_vcpus=4}))
function M.choose(caps, want)
   check_table(caps, "caps", 2)
   want = want or {}
   check_want(caps, want)
   local harch = host_arch(caps)
   local arch = want.arch or harch
   local guests, arches = {}, {}
   for _, g in ipairs(caps.guests or {}) do
      arches[#arches + 1] = g.os_type .. "/" .. g.arch.name
      if g.arch.name == arch then
         guests[#guests + 1] = g
      end
   end
   if #guests == 0 then
      return nil, string.format("no guest of arch %s on this %s host%s", arch, harch,
         #arches > 0 and "; guests: " .. join(arches) or "")
   end
   local os_types, matching = {}, {}
   for _, g in ipairs(guests) do
      os_types[#os_types + 1] = g.os_type
      if (want.os_type or "hvm") == g.os_type then
         matching[#matching + 1] = g
      end
   end
   if #matching == 0 then
      if want.os_type then
         return nil, string.format("no %s guest of arch %s on this %s host; os types: %s", want.os_type, arch, harch,
            join(os_types))
      end
      matching = guests -- no hvm: any os type will do
   end
   local combos, available, seen = {}, {}, {}
   for gi, g in ipairs(matching) do
      for di, d in ipairs(g.arch.domains or {}) do
         if not seen[d.type] then
            seen[d.type] = true
            available[#available + 1] = d.type
         end
         if not want.domain or want.domain == d.type then
            combos[#combos + 1] = { g = g, d = d, key = domain_rank(d.type) * 1e6 + gi * 1e3 + di }
         end
      end
   end
   if #combos == 0 then
      table.sort(available, function(a, b) return domain_rank(a) < domain_rank(b) end)
      local names = {}
      for i, t in ipairs(available) do
         names[i] = describe_domain(t)
      end
      local what = want.domain or "domain type"
      if #names == 0 then
         return nil, string.format("no %s for %s on this %s host", what, arch, harch)
      end
      return nil, string.format("no %s for %s on this %s host; %s %s available", what, arch, harch,
         join(names, " and "), #names == 1 and "is" or "are")
   end
   table.sort(combos, function(a, b) return a.key < b.key end)
   local first_reason
   for _, c in ipairs(combos) do
      local label = string.format("%s (%s)", arch, c.d.type)
      local m, reason = pick_machine(machines_for(c.g, c.d), want, label)
      if m ~= nil then
         return {
            os_type = c.g.os_type,
            arch = arch,
            domain = c.d.type,
            emulator = c.d.emulator or c.g.arch.emulator,
            machine = m and m.name or nil,
         }
      end
      first_reason = first_reason or reason
   end
   return nil, first_reason
end

-- ---- check ----

local function failure(list, rule, wanted, found)
   list[#list + 1] = {
      rule = rule,
      wanted = wanted,
      found = found,
      message = string.format("%s: wanted %s, found %s", rule, wanted, found),
   }
end

local function strings_rule(v, name)
   local list = list_of(v)
   if type(v) == "table" then
      for k in pairs(v) do
         if math.type(k) ~= "integer" or k < 1 or k > #list then
            bad_rule("bad rule '%s': a list expected", name)
         end
      end
      if #list == 0 then
         bad_rule("bad rule '%s': an empty list", name)
      end
   end
   for i, s in ipairs(list) do
      if type(s) ~= "string" then
         bad_rule("bad rule '%s': strings expected, got %s%s", name, type(s),
            type(v) == "table" and string.format(" at [%d]", i) or "")
      end
   end
   return list
end

local function count_rule(v, name)
   if math.type(v) ~= "integer" or v < 0 then
      bad_rule("bad rule '%s': a non-negative integer expected, got %s", name, tostring(v))
   end
   return v
end

local function bool_rule(v, name)
   if type(v) ~= "boolean" then
      bad_rule("bad rule '%s': true or false expected, got %s", name, tostring(v))
   end
   return v
end

local function guest_values(caps, field)
   local seen, list = {}, {}
   for _, g in ipairs(caps.guests or {}) do
      local values
      if field == "arch" then
         values = { g.arch.name }
      elseif field == "os_type" then
         values = { g.os_type }
      elseif field == "domain" then
         values = {}
         for _, d in ipairs(g.arch.domains or {}) do
            values[#values + 1] = d.type
         end
      else
         values = {}
         for m in Caps.machines({ guests = { g } }) do
            values[#values + 1] = m.name
         end
      end
      for _, v in ipairs(values) do
         if not seen[v] then
            seen[v] = true
            list[#list + 1] = v
         end
      end
   end
   return list, seen
end

local function one_of_rule(failures, name, wanted_list, value)
   if not set_of(wanted_list)[value] then
      failure(failures, name, #wanted_list == 1 and wanted_list[1] or "one of " .. join(wanted_list),
         tostring(value or "none"))
   end
end

local function all_of_rule(failures, name, wanted_list, have_list, have_set, noun)
   local missing = {}
   for _, w in ipairs(wanted_list) do
      if not have_set[w] then
         missing[#missing + 1] = w
      end
   end
   if #missing > 0 then
      failure(failures, name, join(wanted_list), #have_list == 0 and "no " .. noun
         or string.format("%s (missing %s)", some(have_list), join(missing)))
   end
end

local function hugepage_rules(v)
   if type(v) ~= "table" then
      bad_rule("bad rule 'hugepages': {size=, count=} or a list of them expected, got %s", type(v))
   end
   local list = v.size ~= nil and { v } or v
   if #list == 0 then
      bad_rule("bad rule 'hugepages': {size=, count=} or a list of them expected")
   end
   local out = {}
   for i, h in ipairs(list) do
      if type(h) ~= "table" then
         bad_rule("bad rule 'hugepages': {size=, count=} expected at [%d]", i)
      end
      for k in pairs(h) do
         if k ~= "size" and k ~= "count" then
            bad_rule("bad rule 'hugepages': unknown field '%s' (known: count, size)", tostring(k))
         end
      end
      local size = rule_size(h.size, "hugepages")
      local count = h.count == nil and 1 or count_rule(h.count, "hugepages")
      out[#out + 1] = { size = size, count = count }
   end
   return out
end

-- Each rule: how its value is checked (raising on misuse) and judged.
local RULES = {}
local RULE_ORDER = {}
local function rule(name, fn)
   RULES[name] = fn
   RULE_ORDER[#RULE_ORDER + 1] = name
end

rule("arch", function(caps, v, failures)
   one_of_rule(failures, "arch", strings_rule(v, "arch"), caps.host.cpu.arch)
end)

rule("cpu_vendor", function(caps, v, failures)
   one_of_rule(failures, "cpu_vendor", strings_rule(v, "cpu_vendor"), caps.host.cpu.vendor)
end)

rule("cpu_model", function(caps, v, failures)
   one_of_rule(failures, "cpu_model", strings_rule(v, "cpu_model"), caps.host.cpu.model)
end)

rule("virtualization", function(caps, v, failures)
   one_of_rule(failures, "virtualization", strings_rule(v, "virtualization"), Caps.virtualization(caps))
end)

rule("guest_arches", function(caps, v, failures)
   local list, set = guest_values(caps, "arch")
   all_of_rule(failures, "guest_arches", strings_rule(v, "guest_arches"), list, set, "guests")
end)

rule("os_types", function(caps, v, failures)
   local list, set = guest_values(caps, "os_type")
   all_of_rule(failures, "os_types", strings_rule(v, "os_types"), list, set, "guests")
end)

rule("domains", function(caps, v, failures)
   local list, set = guest_values(caps, "domain")
   all_of_rule(failures, "domains", strings_rule(v, "domains"), list, set, "guests")
end)

rule("machines", function(caps, v, failures)
   local list, set = guest_values(caps, "machine")
   all_of_rule(failures, "machines", strings_rule(v, "machines"), list, set, "machine types")
end)

rule("features", function(caps, v, failures)
   local list = {}
   for f in Caps.features(caps) do
      list[#list + 1] = f
   end
   all_of_rule(failures, "features", strings_rule(v, "features"), list, set_of(list), "CPU features")
end)

rule("min_cpus", function(caps, v, failures)
   local want = count_rule(v, "min_cpus")
   local n = Caps.cpu_count(caps)
   if not n or n < want then
      failure(failures, "min_cpus", "at least " .. want, n and tostring(n) or "no CPU count in the document")
   end
end)

rule("min_memory", function(caps, v, failures)
   local want = rule_size(v, "min_memory")
   local kib = Caps.total_memory(caps)
   if not kib or kib < want then
      failure(failures, "min_memory", "at least " .. human(want), kib and human(kib) or "no NUMA cell memory in the document")
   end
end)

rule("numa_cells", function(caps, v, failures)
   local want = count_rule(v, "numa_cells")
   local cells = caps.host.topology and caps.host.topology.cells or {}
   if #cells < want then
      failure(failures, "numa_cells", "at least " .. want, tostring(#cells))
   end
end)

rule("hugepages", function(caps, v, failures)
   local counts = pages_by_size(caps)
   local sizes = {}
   for i, size in ipairs(page_sizes(caps)) do
      sizes[i] = human(size)
   end
   for _, h in ipairs(hugepage_rules(v)) do
      local have = counts[h.size]
      if (have or 0) < h.count then
         local wanted = string.format("%s of %s", h.count == 1 and "1 page" or h.count .. " pages", human(h.size))
         failure(failures, "hugepages", wanted, have and tostring(have)
            or string.format("no %s pages (sizes: %s)", human(h.size), join(sizes)))
      end
   end
end)

rule("iommu", function(caps, v, failures)
   local want = bool_rule(v, "iommu")
   local have = caps.host.iommu and caps.host.iommu.support
   if (have == true) ~= want then
      failure(failures, "iommu", want and "supported" or "not supported", have == nil and "not stated"
         or (have and "supported" or "not supported"))
   end
end)

rule("live_migration", function(caps, v, failures)
   local want = bool_rule(v, "live_migration")
   local have = caps.host.migration_features and caps.host.migration_features.live or false
   if have ~= want then
      failure(failures, "live_migration", want and "supported" or "not supported", have and "supported" or "not supported")
   end
end)

rule("secmodels", function(caps, v, failures)
   local list = {}
   for _, s in ipairs(caps.host.secmodels or {}) do
      list[#list + 1] = s.model
   end
   all_of_rule(failures, "secmodels", strings_rule(v, "secmodels"), list, set_of(list), "security models")
end)

--- Checks a host against rules. Rules (all optional): arch, cpu_vendor,
-- cpu_model, virtualization (a value or a list meaning one of); guest_arches,
-- os_types, domains, machines, features, secmodels (lists, all of them
-- needed); min_cpus, numa_cells (at least); min_memory (a size: "64 GiB", or
-- KiB); hugepages ({size=, count=} or a list of them; count defaults to 1);
-- iommu, live_migration (booleans). Unknown rules and bad values raise.
-- @tparam table caps
-- @tparam table rules
-- @treturn boolean whether every rule holds
-- @treturn table failures, in the order above: `{rule=, wanted=, found=, message=}`
-- @usage local ok, failures = policy.check(caps, {domains={"kvm"}, hugepages={size="1 GiB", count=4}})
function M.check(caps, rules)
   check_table(caps, "caps", 2)
   check_table(rules, "rules", 2)
   for k in pairs(rules) do
      if not RULES[k] then
         error(string.format("unknown rule '%s' (known: %s)", tostring(k), join(RULE_ORDER)), 2)
      end
   end
   local failures = {}
   for _, name in ipairs(RULE_ORDER) do
      if rules[name] ~= nil then
         local ok, err = pcall(RULES[name], caps, rules[name], failures)
         if not ok then
            error(type(err) == "table" and err.bad_rule or err, type(err) == "table" and 2 or 0)
         end
      end
   end
   return #failures == 0, failures
end

--- The names of the rules `check` knows, in the order it checks them.
-- @treturn table
function M.rules()
   return table.move(RULE_ORDER, 1, #RULE_ORDER, 1, {})
end

-- ---- fits ----

local DOMAIN_KEYS = set_of { "type", "name", "os", "emulator", "vcpu", "memory", "current_memory", "max_memory",
   "numa", "hugepages", "numatune", "cpu" }

-- A domain table as virtcaps.domain returns it, from one a person wrote
-- (vcpu may be a count, sizes may be strings).
local function normalise_domain(t)
   check_keys(t, DOMAIN_KEYS, "domain field", 3)
   local d = {}
   for k, v in pairs(t) do
      d[k] = v
   end
   if type(d.type) ~= "string" then
      error("bad domain: 'type' (kvm, qemu, xen, ...) expected", 3)
   end
   if d.os ~= nil then
      check_table(d.os, "domain.os", 3)
   end
   d.os = d.os or {}
   if math.type(d.vcpu) == "integer" then
      d.vcpu = { count = d.vcpu }
   elseif d.vcpu ~= nil and (type(d.vcpu) ~= "table" or math.type(d.vcpu.count) ~= "integer") then
      error("bad domain: 'vcpu' must be a count or {count=, cpuset=, ...}", 3)
   end
   for _, k in ipairs { "memory", "current_memory", "max_memory" } do
      if d[k] ~= nil then
         local kib, err = M.size(d[k])
         if not kib then
            error("bad domain: '" .. k .. "': " .. err, 3)
         end
         d[k] = kib
      end
   end
   if d.numa ~= nil then
      check_table(d.numa, "domain.numa", 3)
      local cells = {}
      for i, c in ipairs(d.numa) do
         check_table(c, "domain.numa[" .. i .. "]", 3)
         local kib, err = M.size(c.memory)
         if not kib then
            error(string.format("bad domain: 'numa[%d].memory': %s", i, err), 3)
         end
         cells[i] = { id = c.id or i - 1, cpus = c.cpus, memory = kib }
      end
      d.numa = cells
   end
   if d.hugepages ~= nil then
      check_table(d.hugepages, "domain.hugepages", 3)
      local pages = {}
      for i, p in ipairs(d.hugepages) do
         check_table(p, "domain.hugepages[" .. i .. "]", 3)
         local kib, err = M.size(p.size)
         if not kib then
            error(string.format("bad domain: 'hugepages[%d].size': %s", i, err), 3)
         end
         pages[i] = { size = kib, nodeset = p.nodeset }
      end
      d.hugepages = pages
   end
   if d.numatune ~= nil then
      check_table(d.numatune, "domain.numatune", 3)
   end
   return d
end

local function cpuset_list(set, what, failures)
   local ids, err = virtcaps.cpuset(set)
   if not ids then
      failure(failures, what, "a valid set", err)
   end
   return ids
end

local function host_cell_ids(caps)
   local ids = {}
   for _, c in ipairs(caps.host.topology and caps.host.topology.cells or {}) do
      ids[c.id] = c
   end
   return ids
end

local function host_cpu_ids(caps)
   local ids, any = {}, false
   for cpu in Caps.cpus(caps) do
      ids[cpu.id], any = true, true
   end
   return any and ids or nil
end

-- The host cells memory for guest memory may come from (nil: all).
local function placement_cells(dom, guest_cell)
   local nt = dom.numatune
   if not nt then
      return nil
   end
   if guest_cell then
      for _, m in ipairs(nt.memnodes or {}) do
         if m.cellid == guest_cell and m.nodeset then
            return virtcaps.cpuset(m.nodeset)
         end
      end
   end
   return nt.nodeset and virtcaps.cpuset(nt.nodeset) or nil
end

local function check_numa(caps, dom, failures)
   local nt = dom.numatune
   local hcells = host_cell_ids(caps)
   if nt and nt.nodeset then
      local ids = cpuset_list(nt.nodeset, "numatune", failures)
      local missing, kib = {}, 0
      for _, id in ipairs(ids or {}) do
         if not hcells[id] then
            missing[#missing + 1] = id
         else
            kib = kib + (hcells[id].memory and virtcaps.kib(hcells[id].memory) or 0)
         end
      end
      if #missing > 0 then
         failure(failures, "numatune", "host cells " .. nt.nodeset, string.format("no cell %s; cells: %s",
            join(missing), join(sorted_keys(hcells))))
      elseif dom.memory and (nt.mode or "strict") == "strict" and kib < dom.memory then
         failure(failures, "numatune", string.format("%s in cells %s", human(dom.memory), nt.nodeset), human(kib))
      end
   end
   local guest_cells = {}
   for _, c in ipairs(dom.numa or {}) do
      guest_cells[c.id] = c
   end
   for _, m in ipairs(nt and nt.memnodes or {}) do
      local gc = guest_cells[m.cellid]
      if not gc then
         failure(failures, "numatune", string.format("guest cell %d for memnode", m.cellid),
            "no such guest NUMA cell")
      elseif m.nodeset then
         local ids = cpuset_list(m.nodeset, "numatune", failures) or {}
         local kib, missing = 0, {}
         for _, id in ipairs(ids) do
            if hcells[id] then
               kib = kib + (hcells[id].memory and virtcaps.kib(hcells[id].memory) or 0)
            else
               missing[#missing + 1] = id
            end
         end
         if #missing > 0 then
            failure(failures, "numatune", "host cells " .. m.nodeset, "no cell " .. join(missing))
         elseif (m.mode or "strict") == "strict" and kib < gc.memory then
            failure(failures, "numatune", string.format("%s for guest cell %d in cells %s", human(gc.memory),
               m.cellid, m.nodeset), human(kib))
         end
      end
   end
   local vcpus = dom.vcpu and dom.vcpu.count
   for _, c in ipairs(dom.numa or {}) do
      local ids = c.cpus and cpuset_list(c.cpus, "numa", failures) or {}
      for _, id in ipairs(ids) do
         if vcpus and id >= vcpus then
            failure(failures, "numa", string.format("vCPUs below %d in guest cell %d", vcpus, c.id), "vCPU " .. id)
            break
         end
      end
   end
end

local function check_hugepages(caps, dom, failures)
   if not dom.hugepages then
      return
   end
   local sizes = page_sizes(caps)
   local base = sizes[1]
   local pages = dom.hugepages
   if #pages == 0 then
      -- <hugepages/> without a size: the host's default huge page size, which
      -- the document does not give; any huge page size will do.
      local best
      for _, s in ipairs(sizes) do
         if s ~= base then
            best = best or s
            if (pages_by_size(caps)[s] or 0) * s >= (dom.memory or 0) then
               best = s
               break
            end
         end
      end
      if not best then
         failure(failures, "hugepages", "huge pages", "only " .. (base and human(base) .. " pages" or "no pages"))
         return
      end
      pages = { { size = best } }
   end
   for _, p in ipairs(pages) do
      local need = dom.memory or 0
      if p.nodeset then
         need = 0
         local ids = cpuset_list(p.nodeset, "hugepages", failures) or {}
         local want = set_of(ids)
         for _, c in ipairs(dom.numa or {}) do
            if want[c.id] then
               need = need + c.memory
            end
         end
      end
      local cells = placement_cells(dom)
      local have = (pages_by_size(caps, cells)[p.size] or 0) * p.size
      local where = cells and " in cells " .. join(cells) or ""
      if not set_of(sizes)[p.size] then
         local names = {}
         for i, size in ipairs(sizes) do
            names[i] = human(size)
         end
         failure(failures, "hugepages", human(p.size) .. " pages", "page sizes " .. (#names > 0 and join(names) or "not stated"))
      elseif have < need then
         failure(failures, "hugepages", string.format("%s in %s pages%s", human(need), human(p.size), where),
            string.format("%s (%d pages)", human(have), have // p.size))
      end
   end
end

--- Checks that a domain definition can run here: an os type and arch the host
-- has guests for, its domain type, its emulator and machine type, vCPUs
-- within the machine's maxCpus and the host's CPUs, its cpuset, memory within
-- the host's, and, where it asks for them, NUMA placement and huge pages.
-- What tools such as virt-lint look for with XPath, as one call.
-- @tparam table caps
-- @tparam string|table domain a `<domain>` document, or a table as
-- `virtcaps.domain` returns it (vcpu may be a count, sizes may be "4 GiB")
-- @treturn[1] boolean whether it fits
-- @treturn[1] table failures `{rule=, wanted=, found=, message=}`
-- @treturn[2] nil
-- @treturn[2] string why the domain document cannot be read
function M.fits(caps, domain)
   check_table(caps, "caps", 2)
   local dom
   if type(domain) == "string" then
      local err
      dom, err = virtcaps.domain(domain)
      if not dom then
         return nil, err
      end
      dom.os = dom.os or {}
   elseif type(domain) == "table" then
      dom = normalise_domain(domain)
   else
      error(string.format("bad argument #2 to 'fits' (domain XML or table expected, got %s)", type(domain)), 2)
   end
   local failures = {}
   local harch = host_arch(caps)
   local os_type = dom.os.type or "hvm"
   local arch = dom.os.arch or harch
   local guest
   local names = {}
   for _, g in ipairs(caps.guests or {}) do
      names[#names + 1] = g.os_type .. "/" .. g.arch.name
      if g.os_type == os_type and g.arch.name == arch then
         guest = guest or g
      end
   end
   if not guest then
      failure(failures, "arch", os_type .. "/" .. arch, #names > 0 and join(names) or "no guests")
      return false, failures
   end
   local domain_def
   local types = {}
   for _, d in ipairs(guest.arch.domains or {}) do
      types[#types + 1] = d.type
      if d.type == dom.type then
         domain_def = d
      end
   end
   if not domain_def then
      failure(failures, "type", dom.type, string.format("%s for %s/%s", join(types), os_type, arch))
      return false, failures
   end
   local emulators = set_of { guest.arch.emulator, domain_def.emulator }
   local emulator = domain_def.emulator or guest.arch.emulator
   if dom.emulator and not emulators[dom.emulator] then
      failure(failures, "emulator", dom.emulator, emulator or "none")
   elseif not dom.emulator and not emulator and (dom.type == "kvm" or dom.type == "qemu") then
      failure(failures, "emulator", "an emulator", "none for " .. os_type .. "/" .. arch)
   end
   local machines = machines_for(guest, domain_def)
   local machine
   if dom.os.machine then
      local m = find_machine(machines, dom.os.machine)
      if m then
         machine = resolve(machines, m)
      else
         local list = {}
         for i, mm in ipairs(machines) do
            list[i] = mm.name
         end
         failure(failures, "machine", dom.os.machine, #list > 0 and some(list) or "no machine types")
      end
   else
      machine = pick_machine(machines, {}, arch) or nil
   end
   local vcpus = dom.vcpu and dom.vcpu.count
   if vcpus and machine and machine.maxCpus and vcpus > machine.maxCpus then
      failure(failures, "vcpus", tostring(vcpus), string.format("at most %d for %s", machine.maxCpus, machine.name))
   end
   local host_cpus = Caps.cpu_count(caps)
   if vcpus and host_cpus and vcpus > host_cpus then
      failure(failures, "host_cpus", string.format("%d vCPUs", vcpus), string.format("%d host CPUs", host_cpus))
   end
   if dom.vcpu and dom.vcpu.cpuset then
      local ids = cpuset_list(dom.vcpu.cpuset, "cpuset", failures)
      local present = host_cpu_ids(caps)
      if ids and present then
         local missing = {}
         for _, id in ipairs(ids) do
            if not present[id] then
               missing[#missing + 1] = id
            end
         end
         if #missing > 0 then
            failure(failures, "cpuset", dom.vcpu.cpuset, string.format("host CPUs %s", virtcaps.cpuset_format(sorted_keys(present))))
         end
      end
   end
   local total = Caps.total_memory(caps)
   if dom.memory and total and dom.memory > total then
      failure(failures, "memory", human(dom.memory), human(total))
   end
   check_numa(caps, dom, failures)
   check_hugepages(caps, dom, failures)
   return #failures == 0, failures
end

-- ---- diff ----

local function change(list, kind, what, name, from, to)
   local msg
   if kind == "changed" then
      msg = string.format("changed %s%s: %s -> %s", what, name and " " .. name or "", tostring(from), tostring(to))
   else
      msg = string.format("%s %s %s", kind, what, name)
   end
   list[#list + 1] = { change = kind, what = what, name = name, from = from, to = to, message = msg }
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

local function cells_by_id(caps)
   local byid, ids = {}, {}
   for _, c in ipairs(caps.host.topology and caps.host.topology.cells or {}) do
      byid[c.id] = c
      ids[#ids + 1] = c.id
   end
   return byid, ids
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

--- What changed from one capabilities table to another: the host CPU (arch,
-- vendor, model, microcode, topology, features), CPU count and memory, NUMA
-- cells and their memory and huge pages, IOMMU, live migration, security
-- models, guests, their domain types, emulators and machine types. The host
-- uuid and the count of base-size pages (free memory) are not compared.
-- @tparam table a
-- @tparam table b
-- @treturn table changes in that order, each `{change="added"|"removed"|"changed",
-- what=, name=, from=, to=, message=}`; empty when nothing changed
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
      change(list, "changed", "memory", nil, ma and human(ma) or "none", mb and human(mb) or "none")
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
            change(list, "changed", "cell memory", tostring(id), kx and human(kx) or "none", ky and human(ky) or "none")
         end
         local px, py = pages_by_size({ host = { topology = { cells = { x } } } }), pages_by_size({ host = { topology = { cells = { y } } } })
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
   local sec_a, sec_b = {}, {}
   for i, s in ipairs(a.host.secmodels or {}) do sec_a[i] = s.model end
   for i, s in ipairs(b.host.secmodels or {}) do sec_b[i] = s.model end
   compare_sets(list, "secmodel", sec_a, sec_b)
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
      end
   end
   return list
end

-- ---- migratable ----

local MIGRATE_OPTS = { cpu = true, live = true }

--- Whether the guests src can run could move to dst: every guest (os type
-- and arch) with each of its domain types, every machine type src offers for
-- it, live migration on dst, and the host CPUs through
-- `virtcaps.cpu.compare(dst_cpu, src_cpu)` ("identical" or "superset" pass).
-- @tparam table src
-- @tparam table dst
-- @tparam[opt] table opts cpu=false skips the CPU comparison; live=false
-- accepts a destination without live migration
-- @treturn[1] boolean
-- @treturn[1] table reasons `{rule=, wanted=, found=, message=}`
-- @treturn[2] nil
-- @treturn[2] string when the CPUs cannot be compared (e.g. a CPU model
-- the database does not know); opts.cpu=false goes without
function M.migratable(src, dst, opts)
   check_table(src, "src", 2)
   check_table(dst, "dst", 2)
   opts = opts or {}
   check_table(opts, "opts", 2)
   check_keys(opts, MIGRATE_OPTS, "migratable option", 2)
   local failures = {}
   local dguests = {}
   for _, g in ipairs(dst.guests or {}) do
      dguests[guest_key(g)] = dguests[guest_key(g)] or g
   end
   for _, g in ipairs(src.guests or {}) do
      local k = guest_key(g)
      local d = dguests[k]
      if not d then
         failure(failures, "guest", k, "no " .. k .. " guests on the destination")
      else
         local have = {}
         for _, dd in ipairs(d.arch.domains or {}) do have[#have + 1] = dd.type end
         local hs = set_of(have)
         for _, sd in ipairs(g.arch.domains or {}) do
            if not hs[sd.type] then
               failure(failures, "domain", k .. " " .. sd.type, k .. " " .. join(have))
            end
         end
         local _, src_names = guest_machines(g)
         local dst_machines = guest_machines(d)
         local missing = {}
         for _, name in ipairs(src_names) do
            if not dst_machines[name] then
               missing[#missing + 1] = name
            end
         end
         if #missing > 0 then
            failure(failures, "machines", string.format("%s machine types %s", k, some(src_names, 3)),
               "missing " .. some(missing))
         end
      end
   end
   if opts.live ~= false then
      local live = dst.host and dst.host.migration_features and dst.host.migration_features.live
      if not live then
         failure(failures, "live_migration", "supported on the destination", "not supported")
      end
   end
   if opts.cpu ~= false then
      local result, features = require("virtcaps.cpu").compare(dst.host.cpu, src.host.cpu)
      if not result then
         return nil, "cannot compare the host CPUs: " .. tostring(features)
      end
      if result == "incompatible" then
         failure(failures, "cpu", string.format("a CPU that runs %s guests", src.host.cpu.model or "the source's"),
            type(features) == "table" and #features > 0 and "incompatible: " .. some(features)
            or "incompatible")
      end
   end
   return #failures == 0, failures
end

return M
