-- The reference's host CPU decodes (conformance data cpuid/): raw CPUID
-- data in, the <cpu> element the reference wrote out, byte for byte.
local virtcaps = require "virtcaps"
local support = require "support"

local DIR = support.conformance_category("cpuid")
if not DIR then
   return
end

local cases = {}
for _, f in ipairs(support.require_files(DIR, "^x86_64%-cpuid%-.+%-host%.xml$")) do
   cases[#cases + 1] = f:match("^(.+)%-host%.xml$")
end

describe("conformance: naming host CPUs from CPUID", function()
   for _, case in ipairs(cases) do
      it("decodes " .. case, function()
         local want = support.read(DIR .. "/" .. case .. "-host.xml")
         local cpu = assert(virtcaps.cpu.decode(support.read(DIR .. "/" .. case .. ".xml")))
         assert.equal(want, virtcaps.cpu.format(cpu))
         -- the same through the table form of the data and of the CPU
         local data = assert(virtcaps.cpu.parse_cpudata(support.read(DIR .. "/" .. case .. ".xml")))
         assert.same(cpu, assert(virtcaps.cpu.decode(data)))
         assert.equal(want, virtcaps.cpu.format(want))
      end)
   end

   it("names the same CPUs through the probe (opts.cpuid)", function()
      for _, case in ipairs(cases) do
         local caps = assert(virtcaps.probe {
            arch = "x86_64", cpuid = DIR .. "/" .. case .. ".xml", drivers = {},
            paths = { ["/proc/cpuinfo"] = DIR .. "/" .. case .. ".xml" },
         })
         local want = assert(virtcaps.cpu.decode(support.read(DIR .. "/" .. case .. ".xml")))
         local got = caps.host.cpu
         assert.same({ want.model, want.vendor, want.signature, want.features },
            { got.model, got.vendor, got.signature, got.features }, case)
      end
   end)
end)
