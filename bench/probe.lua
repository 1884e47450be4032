-- The host probe (virtcaps.probe{drivers = {}}: the host section only), in
-- process, against lscpu and the reference's warm `virsh capabilities`
-- (libvirt 9.0.0's embedded QEMU driver), all measured in this run.
local lib = require "lib"
local virtcaps = require "virtcaps"

local ours = lib.median(200, function()
   assert(virtcaps.probe { drivers = {} })
end)
local nodeinfo = lib.median(200, function()
   assert(virtcaps.nodeinfo())
end)

local refs = {}
if lib.have("lscpu") then
   refs[#refs + 1] = { name = "lscpu", time = lib.command(20, "lscpu") }
end
if lib.have("virsh") then
   local root = io.popen("mkdir -p build/reference-root && realpath build/reference-root"):read("l")
   -- The first run fills the reference's capabilities cache; the runs measured are warm.
   refs[#refs + 1] = { name = "virsh capabilities (warm)",
      time = lib.command(3, "virsh -c 'qemu:///embed?root=" .. root .. "' capabilities") }
else
   print("virsh is not installed (make reference-deps): no ratio to the reference")
end

lib.report("probe, host section (in process)", ours, refs)
lib.report("nodeinfo (in process)", nodeinfo, refs)
