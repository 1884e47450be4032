-- Xen hosts of the early documents (conformance data xml/seed-*.xml):
-- a fixture host whose hypervisor reports the capabilities string such a
-- host had must give the same guests, in today's layout (today's emulator
-- and machine names, and the PVH guest libxl adds next to each HVM one).
local fake = require "fake_qemu"
local virtcaps = require "virtcaps"
local support = require "support"

local DIR = support.conformance_category("xml")
if not DIR then
   return
end
local XEN_ARCH = { x86_64 = "x86_64", i686 = "x86_32", ia64 = "ia64", ppc64 = "powerpc64", armv7l = "armv7l",
   aarch64 = "aarch64" }

-- The capabilities string a Xen host with these guests reported.
local function caps_string(caps)
   local tokens = {}
   for _, g in ipairs(caps.guests) do
      local xen = false
      for _, d in ipairs(g.arch.domains) do xen = xen or d.type == "xen" end
      if xen then
         local suffix = g.features and g.features.pae and "p" or ""
         tokens[#tokens + 1] = string.format("%s-3.0-%s%s", g.os_type == "hvm" and "hvm" or "xen",
            assert(XEN_ARCH[g.arch.name], g.arch.name), suffix)
      end
   end
   return table.concat(tokens, " ")
end

local seeds = support.require_files(DIR, "^seed%-.*%.xml$")

describe("conformance: Xen hosts of the seed documents", function()
   local xen_seeds = 0
   for _, f in ipairs(seeds) do
      local seed = assert(virtcaps.load(DIR .. "/" .. f))
      local str = caps_string(seed)
      if str ~= "" then
         xen_seeds = xen_seeds + 1
         it(f .. " (" .. str .. ")", function()
            local root = os.tmpname()
            os.remove(root)
            assert(fake.run("mkdir -p " .. root .. "/sys/hypervisor/properties " .. root .. "/proc/xen"))
            support.write(root .. "/sys/hypervisor/properties/capabilities", str .. "\n")
            support.write(root .. "/proc/xen/capabilities", "control_d\n")
            local caps = assert(virtcaps.probe { drivers = { "xen" }, root = root, arch = seed.host.cpu.arch })
            fake.run("rm -r " .. root)
            assert.same({}, support.driver_warnings(caps))
            local used = {}
            for _, want in ipairs(seed.guests) do
               local match
               for i, g in ipairs(caps.guests) do
                  if not used[i] and g.os_type == want.os_type and g.arch.name == want.arch.name then
                     match = i
                     break
                  end
               end
               assert(match, "no " .. want.os_type .. "/" .. want.arch.name .. " guest")
               used[match] = true
               local got = caps.guests[match].arch
               assert.equal(want.arch.wordsize, got.wordsize)
               assert.same({ { type = "xen" } }, got.domains)
               assert.equal(want.arch.loader and "hvmloader", got.loader and got.loader:match("[^/]+$"))
               assert.same({ { name = want.os_type == "hvm" and "xenfv" or "xenpv" } }, got.machines)
            end
            -- what else there is: one PVH guest per HVM architecture
            for i, g in ipairs(caps.guests) do
               if not used[i] then
                  assert.equal("xenpvh", g.os_type)
               end
            end
         end)
      end
   end
   it("has Xen hosts to check", function()
      assert.is_true(xen_seeds > 0, "no seed document describes a Xen host")
   end)
end)
