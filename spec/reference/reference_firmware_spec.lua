-- The firmware offer side by side with the reference on this machine: the
-- <os> section of `virsh domcapabilities` (its <enum name='firmware'>, the
-- loader's <value>s in order and its <enum name='secure'>) for machine types
-- that Debian's ovmf, qemu-efi-aarch64 and qemu-efi-arm describe, and for machines
-- no descriptor matches (aarch64's default, i686: the built-in loader list).
local core = require "virtcaps.core"
local domcaps = require "virtcaps.domcaps"
local support = require "support"

local CASES = {
   { arch = "x86_64", machine = "pc" },
   { arch = "x86_64", machine = "q35" },
   { arch = "aarch64", machine = "virt" },
   { arch = "armv7l", machine = "virt" },
   { arch = "aarch64" },
   { arch = "i686", machine = "q35" },
}

local function args_of(case)
   return "--arch " .. case.arch .. (case.machine and " --machine " .. case.machine or "")
end

describe("reference: the firmware offer", function()
   local root

   setup(function()
      root = support.reference_root()
   end)

   local function reference(case)
      local ok, xml = support.sh(string.format("virsh -c 'qemu:///embed?root=%s' domcapabilities %s", root,
         args_of(case)))
      assert(ok, "the reference failed: " .. xml)
      return assert(domcaps.parse(xml))
   end

   for _, case in ipairs(CASES) do
      it("equals virsh domcapabilities " .. args_of(case), function()
         local dc = reference(case)
         -- the offer is asked for the canonical machine type the reference chose
         local got = assert(core.firmware { arch = case.arch, machine = dc.machine })
         assert.same(dc.os.firmware or {}, got.firmware)
         assert.same(dc.os.loader.values or {}, got.loaders)
         assert.same(dc.os.loader.secure, got.secure and { "yes", "no" } or { "no" })
         assert.same({}, got.warnings)
      end)
   end

   it("has cases that tell the descriptors apart: Debian's firmware packages are installed", function()
      local q35 = assert(core.firmware { arch = "x86_64", machine = reference(CASES[2]).machine })
      assert.is_true(q35.secure, "no x86_64 descriptor requires SMM: is ovmf installed?")
      assert.is_true(#q35.loaders >= 2)
      local virt = assert(core.firmware { arch = "aarch64", machine = reference(CASES[3]).machine })
      assert.same({ "efi" }, virt.firmware, "no aarch64 descriptor: is qemu-efi-aarch64 installed?")
   end)
end)
