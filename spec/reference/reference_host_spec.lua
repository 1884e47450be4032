-- This machine side by side with the reference (libvirt 9.0.0's embedded
-- QEMU driver): with the QEMU driver, the host section is the reference's
-- byte for byte (CPU model and features, topology, caches, security models
-- with their base labels, migration features), except the uuid: the
-- reference makes a random one where the firmware has none, virtcaps a
-- stable one.
local virtcaps = require "virtcaps"
local support = require "support"

local function host_only(caps)
   caps.host.uuid = nil
   caps.guests = {}
   caps.warnings = {}
   caps.trailer = nil -- virsh's blank lines after the document
   return caps
end

describe("reference: the host section on this machine", function()
   local reference_xml = support.reference_capabilities()

   it("is the reference's, byte for byte but the uuid", function()
      local reference = host_only(assert(virtcaps.parse(reference_xml)))
      local ours = host_only(assert(virtcaps.probe { drivers = { "qemu" } }))
      assert.same(reference.host, ours.host)
      assert.equal(virtcaps.format(reference), virtcaps.format(ours))
   end)

   it("is the host probe's own without drivers, but for what the QEMU driver adds", function()
      local reference = host_only(assert(virtcaps.parse(reference_xml)))
      local ours = host_only(assert(virtcaps.probe { drivers = {} }))
      assert.same({ { model = "none", doi = "0" } }, ours.host.secmodels)
      assert.is_nil(ours.host.migration_features)
      reference.host.secmodels = ours.host.secmodels
      reference.host.migration_features = nil
      assert.same(reference.host, ours.host)
   end)

   it("has a stable uuid", function()
      local uuid = assert(virtcaps.probe { drivers = {} }).host.uuid
      assert.matches("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x+$", uuid)
      assert.equal(uuid, assert(virtcaps.probe { drivers = {} }).host.uuid)
   end)
end)
