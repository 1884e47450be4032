-- Machine types of a guest: aliases, lookup, and the one to pick for a request.
local util = require "virtcaps.policy.util"

local some = util.some

local M = {}

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

M.machines_for, M.find_machine, M.resolve, M.pick_machine = machines_for, find_machine, resolve, pick_machine

return M
