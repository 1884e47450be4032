-- The reference's Xen (libxl) domain capabilities (conformance data
-- domcaps/expected/libxl-MACHINE.xml): its test harness (domaincapstest.c)
-- asks the libxl driver for emulator /usr/bin/qemu-system-x86_64, arch
-- x86_64 and the file's machine type, with the firmware list hvmloader,
-- ovmf.bin. A fixture Xen control domain stands in for the host and the
-- loaders test hook for the harness's list: the bytes must be the same.
local virtcaps = require "virtcaps"
local support = require "support"

local DOMCAPS = support.conformance_category("domcaps")
local HOST = "spec/fixtures/xen/pv-hvm"
local HARNESS_LOADERS = { "/usr/lib/xen/boot/hvmloader", "/usr/lib/xen/boot/ovmf.bin" }

describe("conformance: the Xen driver's domain capabilities", function()
   local dir = DOMCAPS and DOMCAPS .. "/expected"
   for _, name in ipairs(dir and support.require_files(dir, "^libxl%-.*%.xml$") or {}) do
      local machine = name:match("^libxl%-(.*)%.xml$")
      it(name .. ": machine " .. machine .. ", byte for byte", function()
         local dc = assert(virtcaps.domcapabilities {
            virttype = "xen", root = HOST, machine = machine, arch = "x86_64",
            emulatorbin = "/usr/bin/qemu-system-x86_64", loaders = HARNESS_LOADERS,
         })
         assert.equal(support.read(dir .. "/" .. name), dc:xml())
      end)
   end
end)
