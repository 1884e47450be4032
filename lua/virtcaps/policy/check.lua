--- Checking a host against rules.
-- @submodule virtcaps.policy
local virtcaps = require "virtcaps"
local util = require "virtcaps.policy.util"

local Caps = virtcaps.Capabilities
local human = virtcaps.human
local list_of = util.list_of
local join = util.join
local set_of = util.set_of
local some = util.some
local check_table = util.check_table
local bad_rule = util.bad_rule
local rule_size = util.rule_size
local pages_by_size = util.pages_by_size
local page_sizes = util.page_sizes
local failure = util.failure

local M = {}

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
      failure(failures, "min_cpus", "at least " .. want, n and tostring(n) or "no CPU count in the document",
         { wanted_count = want, found_count = n })
   end
end)

rule("min_memory", function(caps, v, failures)
   local want = rule_size(v, "min_memory")
   local kib = Caps.total_memory(caps)
   if not kib or kib < want then
      failure(failures, "min_memory", "at least " .. human(want),
         kib and human(kib) or "no NUMA cell memory in the document", { wanted_kib = want, found_kib = kib })
   end
end)

rule("numa_cells", function(caps, v, failures)
   local want = count_rule(v, "numa_cells")
   local cells = caps.host.topology and caps.host.topology.cells or {}
   if #cells < want then
      failure(failures, "numa_cells", "at least " .. want, tostring(#cells),
         { wanted_count = want, found_count = #cells })
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
            or string.format("no %s pages (sizes: %s)", human(h.size), join(sizes)),
            { wanted_count = h.count, found_count = have or 0, page_kib = h.size })
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
      failure(failures, "live_migration", want and "supported" or "not supported",
         have and "supported" or "not supported")
   end
end)

rule("secmodels", function(caps, v, failures)
   local list = {}
   for _, s in ipairs(caps.host.secmodels or {}) do
      list[#list + 1] = s.model
   end
   all_of_rule(failures, "secmodels", strings_rule(v, "secmodels"), list, set_of(list), "security models")
end)

-- Rules over domain capabilities: what the emulator offers a guest.
local DC_RULES = {}
local function dc_rule(name, fn)
   DC_RULES[name] = true
   rule(name, fn)
end

local function enum(list)
   return list or {}, set_of(list or {})
end

dc_rule("firmware", function(_, v, failures, dc)
   local list, set = enum(dc.os and dc.os.supported ~= false and dc.os.firmware)
   all_of_rule(failures, "firmware", strings_rule(v, "firmware"), list, set, "firmware")
end)

dc_rule("secure_boot", function(_, v, failures, dc)
   local want = bool_rule(v, "secure_boot")
   local loader = dc.os and dc.os.loader or {}
   local have = loader.supported ~= false and set_of(loader.secure or {}).yes or false
   if have ~= want then
      failure(failures, "secure_boot", want and "supported" or "not supported",
         have and "supported" or "not supported")
   end
end)

dc_rule("cpu_modes", function(_, v, failures, dc)
   local list = {}
   local modes = dc.cpu and dc.cpu.modes or {}
   for _, m in ipairs { "host-passthrough", "maximum", "host-model", "custom" } do
      if modes[m] and modes[m].supported then list[#list + 1] = m end
   end
   all_of_rule(failures, "cpu_modes", strings_rule(v, "cpu_modes"), list, set_of(list), "CPU modes")
end)

dc_rule("cpu_models", function(_, v, failures, dc)
   local wanted = strings_rule(v, "cpu_models")
   local not_usable = {}
   for _, name in ipairs(wanted) do
      local usable, why = virtcaps.domcaps.DomainCapabilities.usable(dc, name)
      if usable == false then
         not_usable[#not_usable + 1] = #why > 0 and string.format("%s (blocked by %s)", name, util.blockers_text(why))
            or name
      elseif usable == nil then
         not_usable[#not_usable + 1] = string.format("%s (%s)", name, why:match("^no custom CPU model") and "not listed"
            or "usability unknown")
      end
   end
   if #not_usable > 0 then
      failure(failures, "cpu_models", join(wanted), "not usable: " .. table.concat(not_usable, ", "))
   end
end)

dc_rule("tpm", function(_, v, failures, dc)
   local tpm = dc.devices and dc.devices.tpm
   local list, set = enum(tpm and tpm.supported and tpm.backendVersion)
   local wanted = strings_rule(v, "tpm")
   if not (tpm and tpm.supported) then
      failure(failures, "tpm", "TPM " .. join(wanted), "no TPM")
   else
      all_of_rule(failures, "tpm", wanted, list, set, "TPM versions")
   end
end)

for _, name in ipairs { "sev", "sgx" } do
   dc_rule(name, function(_, v, failures, dc)
      local want = bool_rule(v, name)
      local f = dc.features and dc.features[name]
      local have = f and f.supported or false
      if have ~= want then
         failure(failures, name, want and "supported" or "not supported", have and "supported" or "not supported")
      end
   end)
end

--- Checks a host against rules. Rules (all optional): arch, cpu_vendor,
-- cpu_model, virtualization (a value or a list meaning one of); guest_arches,
-- os_types, domains, machines, features, secmodels (lists, all of them
-- needed); min_cpus, numa_cells (at least); min_memory (a size: "64 GiB", or
-- KiB); hugepages ({size=, count=} or a list of them; count defaults to 1);
-- iommu, live_migration (booleans). Over domain capabilities (the third
-- argument, `virtcaps.domcaps`): firmware (firmware types, all needed:
-- "efi"), secure_boot (boolean: a loader that can boot securely),
-- cpu_modes (all needed: "host-passthrough", "maximum", "host-model",
-- "custom"), cpu_models (custom models that must all be usable here: the
-- failure names the blockers), tpm (TPM backend versions, all needed:
-- "2.0"), sev, sgx (booleans): without dc, when caps is this host's live
-- probe (`virtcaps.probe`'s very table), the default domain capabilities
-- (`virtcaps domcapabilities` with no arguments, the probe's root and
-- paths) are probed once a rule needs them; a probe that fails is a
-- failure (rule "domcaps") and the rules find nothing offered. Unknown rules
-- and bad values raise, and so does a domain capabilities rule without
-- domain capabilities (dc false, or caps not live).
-- @tparam table caps
-- @tparam table rules
-- @tparam[opt] table|false dc domain capabilities, for their rules (false: none probed)
-- @treturn boolean whether every rule holds
-- @treturn table failures, in the order above: `{rule=, wanted=, found=, message=}`
-- (wanted and found as text), with numbers beside them where the rule is one:
-- wanted_count, found_count (min_cpus, numa_cells, hugepages; page_kib),
-- wanted_kib, found_kib (min_memory)
-- @usage local ok, failures = policy.check(caps, {domains={"kvm"}, hugepages={size="1 GiB", count=4}})
function M.check(caps, rules, dc)
   check_table(caps, "caps", 2)
   check_table(rules, "rules", 2)
   if dc ~= nil and dc ~= false then
      check_table(dc, "dc", 2)
   end
   for k in pairs(rules) do
      if not RULES[k] then
         error(string.format("unknown rule '%s' (known: %s)", tostring(k), join(RULE_ORDER)), 2)
      end
   end
   local dc_rule_given
   for _, name in ipairs(RULE_ORDER) do
      if DC_RULES[name] and rules[name] ~= nil then
         dc_rule_given = dc_rule_given or name
      end
   end
   local failures = {}
   if dc_rule_given and not dc then
      -- probed only now that a rule needs them
      local popts = dc == nil and virtcaps.probe_options(caps)
      if not popts then
         error(string.format("rule '%s' is about domain capabilities: give them (policy.check(caps, rules, dc), "
            .. "virtcaps check --domcaps FILE), or check this host's live probe", dc_rule_given), 2)
      end
      local err
      dc, err = virtcaps.domcaps.probe_host(popts)
      if not dc then
         -- the rules then find nothing offered
         failure(failures, "domcaps", "this host's domain capabilities", "none (" .. err .. ")")
         dc = {}
      end
   end
   for _, name in ipairs(RULE_ORDER) do
      if rules[name] ~= nil then
         local ok, err = pcall(RULES[name], caps, rules[name], failures, dc)
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

return M
