--- Sizes and CPU sets: the units the capabilities model and libvirt use.
-- @submodule virtcaps
local core = require "virtcaps.core"

local M = {}

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

return M
