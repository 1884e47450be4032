-- This machine side by side with the reference (libvirt 9.0.0's embedded
-- QEMU driver): the host section must be the same element for element,
-- except what other parts of virtcaps or chance decide: the uuid (the
-- reference makes a random one where the firmware has none), the CPU model
-- and its feature list (the CPU model's), the security models' base labels
-- and the migration features (the guest drivers').
local virtcaps = require "virtcaps"
local support = require "support"

local function without_exceptions(caps)
   local host = caps.host
   host.uuid = nil
   host.cpu.model = nil
   host.cpu.features = nil
   host.migration_features = nil
   for _, m in ipairs(host.secmodels) do
      m.baselabels = nil
   end
   caps.guests = {}
   caps.trailer = nil -- virsh's blank lines after the document
   return caps
end

describe("reference: the host section on this machine", function()
   local reference_xml = support.reference_capabilities()

   it("is the reference's, element for element", function()
      local reference = without_exceptions(assert(virtcaps.parse(reference_xml)))
      local ours = without_exceptions(assert(virtcaps.probe { drivers = {} }))
      assert.same(reference.host, ours.host)
      assert.equal(virtcaps.format(reference), virtcaps.format(ours))
   end)

   it("has what the exceptions leave out", function()
      local ours = assert(virtcaps.probe { drivers = {} })
      assert.matches("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x+$", ours.host.uuid)
      assert.is_true(#ours.host.cpu.features > 0)
      assert.same({ "none", "dac" }, { ours.host.secmodels[1].model, ours.host.secmodels[2].model })
   end)
end)
