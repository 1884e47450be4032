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
   local root = lib.reference_root(io.popen("mkdir -p build/bench-reference-root && realpath build/bench-reference-root"):read("l"))
   -- The first runs fill the reference's capabilities cache; the runs measured are warm.
   lib.command(1, lib.virsh_capabilities(root), false)
   refs[#refs + 1] = { name = "virsh capabilities (warm)", time = lib.command(9, lib.virsh_capabilities(root)) }
else
   print("virsh is not installed (make reference-deps): no ratio to the reference")
end

lib.report("probe, host section (in process)", ours, refs)
lib.report("nodeinfo (in process)", nodeinfo, refs)
