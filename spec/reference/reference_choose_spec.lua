-- policy.choose side by side with the reference on this machine: the machine
-- type and emulator libvirt defaults to (virsh domcapabilities) for the
-- guests `virsh capabilities` lists here.
local virtcaps = require "virtcaps"
local policy = require "virtcaps.policy"
local support = require "support"

-- The reference's default machine and emulator for an arch and domain type.
local function domcapabilities(arch, virttype)
   local ok, root = support.sh("realpath build/reference-root")
   assert(ok, root)
   root = root:gsub("%s+$", "")
   local xml
   ok, xml = support.sh(string.format("virsh -c 'qemu:///embed?root=%s' domcapabilities --arch %s --virttype %s",
      root, arch, virttype))
   assert(ok, "the reference failed: " .. xml)
   return virtcaps.xpath(xml, "string(/domainCapabilities/machine)"), virtcaps.xpath(xml, "string(/domainCapabilities/path)")
end

describe("reference: policy.choose", function()
   local caps

   setup(function()
      caps = assert(virtcaps.parse(support.reference_capabilities()))
   end)

   it("picks the reference's default machine where an alias points at it", function()
      -- The host's arch with every domain type, and one emulated arch.
      local cases = {}
      for g in caps:guests { arch = caps.host.cpu.arch } do
         for _, d in ipairs(g.arch.domains) do
            cases[#cases + 1] = { arch = g.arch.name, domain = d.type }
         end
      end
      assert.is_true(#cases > 0, "the reference lists no guest for the host's arch")
      for _, case in ipairs(cases) do
         local machine, emulator = domcapabilities(case.arch, case.domain)
         local choice = assert(policy.choose(caps, case))
         assert.equal(emulator, choice.emulator)
         local aliased = caps:xpath(string.format("boolean(//arch[@name='%s']/machine[@canonical='%s'])", case.arch, machine))
         assert.is_true(aliased, "the reference's default " .. machine .. " is no alias target")
         assert.equal(machine, choice.machine, case.arch .. " " .. case.domain)
      end
   end)

   it("prefers the machine an alias points at where the reference takes the first listed", function()
      -- QEMU names no default machine for Arm; the reference then takes the
      -- first one listed (an old board); choose takes what "virt" stands for.
      local arm = caps:guests { arch = "aarch64" }()
      assert.is_not_nil(arm, "the reference lists no aarch64 guest: is qemu-system-arm installed?")
      local machine = domcapabilities("aarch64", "qemu")
      assert.equal(arm.arch.machines[1].name, machine)
      local choice = assert(policy.choose(caps, { arch = "aarch64" }))
      assert.equal(caps:xpath("string(//arch[@name='aarch64']/machine[text()='virt']/@canonical)"), choice.machine)
   end)
end)
