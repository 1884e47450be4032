-- Domain capabilities probed from an emulator, against the reference's test
-- harness (conformance data domcaps): for every expected/qemu_*.xml, an
-- emulator replaying the matching probing record (replies/caps_*.replies,
-- spec/harness/replay_qemu.lua) at the path the document names
-- (/usr/bin/qemu-system-ARCH, through `paths`), the harness's firmware
-- descriptors and its fixed host facts (domcaps/README.md) as options give
-- exactly those bytes. A record the conversation cannot follow fails.
local virtcaps = require "virtcaps"
local core = require "virtcaps.core"
local fake = require "fake_qemu"
local support = require "support"
local harness = require "domcaps_harness"

local DOMCAPS = support.conformance_category("domcaps")
local REPLAY = fake.REPLAY

-- QEMU's name of each architecture the data has.
local QEMU_ARCH = { x86_64 = "x86_64", aarch64 = "aarch64", ppc64 = "ppc64", s390x = "s390x" }

describe("conformance: domain capabilities probed from replayed emulators", function()
   local dir = DOMCAPS and DOMCAPS .. "/expected"
   local names = dir and support.require_files(dir, "^qemu_.*%.xml$") or {}
   local tmp

   setup(function()
      tmp = fake.tmpdir()
   end)

   teardown(function()
      fake.remove(tmp)
   end)

   for _, name in ipairs(names) do
      it("gives the reference's bytes: " .. name, function()
         local version, arch, virttype, machine = harness.case_of(name)
         local record = DOMCAPS .. "/replies/caps_" .. version .. "." .. arch .. ".replies"
         assert(io.open(record), "no probing record for " .. name .. ": " .. record)
         local qarch = assert(QEMU_ARCH[arch], "no QEMU binary name for " .. arch)
         local bin = "/usr/bin/qemu-system-" .. qarch
         local emulator = fake.script(tmp, name, "exec lua5.4 '" .. REPLAY .. "' '" .. record .. "' \"$@\"")
         local paths = harness.firmware_paths(DOMCAPS .. "/firmware")
         paths[bin] = emulator
         local dc, err = virtcaps.domcapabilities {
            emulatorbin = bin, arch = arch, machine = machine, virttype = virttype, paths = paths, timeout = 60,
            host_cpu = harness.HOST_CPU[arch], loaders = harness.LOADERS, tpm_versions = harness.tpm_versions(version), vfio = true,
            kvm_max_vcpus = 0, firmware_privileged = false, firmware_config_home = "/home/user/.config",
            host_arch = arch, s390_secure_guest = true,
            -- the harness's CPUID 0x8000001F: ASIDs 451..509
            sev_max_asid = 509, sev_min_asid = 451,
         }
         assert(dc, err)
         assert.equal(support.read(dir .. "/" .. name), core.domcaps_format(dc))
      end)
   end
end)
