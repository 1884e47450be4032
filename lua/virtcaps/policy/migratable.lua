--- Whether guests can move between hosts.
-- @submodule virtcaps.policy
local util = require "virtcaps.policy.util"

local join = util.join
local set_of = util.set_of
local some = util.some
local check_table = util.check_table
local check_keys = util.check_keys
local failure = util.failure
local guest_key = util.guest_key
local guest_machines = util.guest_machines

local M = {}

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
