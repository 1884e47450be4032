-- `virtcaps nodeinfo` side by side with `virsh nodeinfo` on this machine.
local support = require "support"

describe("reference: nodeinfo on this machine", function()
   it("prints what virsh nodeinfo prints", function()
      local root = support.reference_root()
      local ok, theirs = support.sh("virsh -c 'qemu:///embed?root=" .. root .. "' nodeinfo")
      assert(ok, "the reference failed: " .. theirs)
      local ours
      ok, ours = support.sh("VIRTCAPS_BUILD=" .. support.BUILD .. " lua5.4 bin/virtcaps nodeinfo")
      assert(ok, ours)
      -- virsh ends with a blank line
      assert.equal(theirs, ours .. "\n")
   end)
end)
