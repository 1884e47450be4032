--- Choosing how to run a guest.
-- @submodule virtcaps.policy
local util = require "virtcaps.policy.util"
local machine_types = require "virtcaps.policy.machines"

local join, host_arch, check_table, check_keys = util.join, util.host_arch, util.check_table, util.check_keys
local machines_for, pick_machine = machine_types.machines_for, machine_types.pick_machine

local M = {}

local ACCEL_RANK = { kvm = 1, xen = 2, hvf = 3, hyperv = 3, vz = 3, bhyve = 3, vmware = 3, lxc = 4 }

local function domain_rank(t)
   return ACCEL_RANK[t] or (t == "qemu" and 9 or 5)
end

local function describe_domain(t)
   return t == "qemu" and "qemu (TCG)" or t
end

-- ---- choose ----

local WANT = { arch = true, os_type = true, domain = true, machine = true, min_vcpus = true }

local function check_want(want)
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
   local bad = want.machine and util.pattern_error(want.machine)
   if bad then
      error(string.format("bad option 'machine' to 'choose' (bad pattern: %s)", bad), 3)
   end
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
   check_want(want)
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

return M
