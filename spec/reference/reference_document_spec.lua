-- `virtcaps` with no arguments side by side with the reference's default
-- connection on this machine (libvirt 9.0.0's QEMU driver, embedded): the
-- same bytes but the uuid line (the reference makes one up where the
-- firmware has none). Fails loudly without virsh.
local support = require "support"

local function without_uuid(doc)
   return (doc:gsub("\n *<uuid>[^<]*</uuid>", ""))
end

local function virtcaps(args)
   local ok, out = support.sh(support.lua_env() .. "VIRTCAPS_BUILD=" .. support.BUILD .. " lua5.4 bin/virtcaps " .. args)
   assert(ok, out)
   return out
end

describe("reference: the default document", function()
   local reference = support.reference_capabilities()

   it("is what virsh capabilities prints, but the uuid", function()
      assert.truthy(reference:find("<uuid>", 1, true))
      assert.equal(without_uuid(reference), without_uuid(virtcaps("")))
   end)

   it("is the same through -c qemu:///system and -c qemu", function()
      local ours = without_uuid(virtcaps(""))
      assert.equal(ours, without_uuid(virtcaps("-c qemu:///system")))
      assert.equal(ours, without_uuid(virtcaps("--connect=qemu")))
   end)
end)
