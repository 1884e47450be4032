-- The firmware offer against the reference's test harness (conformance data
-- domcaps/firmware and domcaps/expected): for every QEMU document, the
-- descriptors the harness installs give that document's architecture and
-- machine type the <enum name='firmware'> values and the loader's
-- <enum name='secure'> values it shows. The harness reads them as an
-- unprivileged user whose $HOME is /home/user (tests/domaincapstest.c);
-- its loader <value>s are its own and not checked here.
local core = require "virtcaps.core"
local domcaps = require "virtcaps.domcaps"
local support = require "support"
local harness = require "domcaps_harness"

local DOMCAPS = support.conformance_category("domcaps")

describe("conformance: firmware descriptors the reference's harness installs", function()
   local expected = DOMCAPS and DOMCAPS .. "/expected"
   local names = expected and support.require_files(expected, "^qemu_.*%.xml$") or {}
   local paths = DOMCAPS and harness.firmware_paths(DOMCAPS .. "/firmware")

   local function offer(arch, machine)
      return assert(core.firmware { paths = paths, arch = arch, machine = machine, privileged = false,
         config_home = "/home/user/.config" })
   end

   for _, name in ipairs(names) do
      it("give the firmware and secure enums of " .. name, function()
         local dc = assert(domcaps.parse(support.read(expected .. "/" .. name)))
         local got = offer(dc.arch, dc.machine)
         assert.same(dc.os.firmware or {}, got.firmware)
         assert.same(dc.os.loader.secure, got.secure and { "yes", "no" } or { "no" })
      end)
   end

   if DOMCAPS then
      it("are read in the reference's precedence: sorted names, the later directory winning, empty files hiding", function()
         local winner, all = {}, {}
         for _, dir in ipairs(harness.FIRMWARE_DIRS) do
            for _, name in ipairs(support.list(paths[dir], "^[^.]")) do
               if not winner[name] then
                  all[#all + 1] = name
               end
               winner[name] = dir
            end
         end
         table.sort(all)
         local want = {}
         for _, name in ipairs(all) do
            local f = assert(io.open(paths[winner[name] .. "/" .. name] or paths[winner[name]] .. "/" .. name, "rb"))
            if f:seek("end") > 0 then
               want[#want + 1] = winner[name] .. "/" .. name
            end
            f:close()
         end
         local got = offer("x86_64", "pc-q35-7.2")
         local order = {}
         for i, d in ipairs(got.descriptors) do
            order[i] = d.path
         end
         assert.is_true(#want > 0)
         assert.same(want, order)
         assert.same({}, got.warnings)
      end)
   end
end)
