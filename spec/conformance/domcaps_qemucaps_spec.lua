-- Domain capabilities from the reference's QEMU capabilities cache files
-- (conformance data domcaps/qemucaps): for every expected/qemu_*.xml, the
-- matching caps_*.xml with the reference's test harness's host facts
-- (domcaps/README.md) gives exactly those bytes.
local core = require "virtcaps.core"
local support = require "support"
local harness = require "domcaps_harness"

local DOMCAPS = support.conformance_category("domcaps")

-- What the harness's firmware descriptors (domcaps/firmware) offer, by
-- architecture and machine type: the targets their JSON files name (bios
-- for i440fx and q35, OVMF for both, a secure-boot OVMF for q35 only, AAVMF
-- for virt). Stands in until the firmware descriptor reader gives
-- vc_firmware_offer.
local FIRMWARE = {
   { arch = "x86_64", machine = "^pc%-q35%-", bios = true, efi = true, secure = true },
   { arch = "x86_64", machine = "^pc%-i440fx%-", bios = true, efi = true },
   { arch = "aarch64", machine = "^virt%-", efi = true },
}

local function firmware(opts, arch, machine)
   for _, f in ipairs(FIRMWARE) do
      if f.arch == arch and machine:match(f.machine) then
         opts.firmware_bios, opts.firmware_efi, opts.firmware_secure = f.bios, f.efi, f.secure
      end
   end
end

describe("conformance: domain capabilities from QEMU capabilities cache files", function()
   local dir = DOMCAPS and DOMCAPS .. "/expected"
   for _, name in ipairs(dir and support.require_files(dir, "^qemu_.*%.xml$") or {}) do
      it("gives the reference's bytes: " .. name, function()
         local version, arch, virttype, machine = harness.case_of(name)
         local caps = DOMCAPS .. "/qemucaps/caps_" .. version .. "." .. arch .. ".xml"
         assert(io.open(caps), "no QEMU capabilities for " .. name .. ": " .. caps)
         local opts = {
            qemucaps = caps, machine = machine, virttype = virttype, host_arch = arch,
            host_cpu = harness.HOST_CPU[arch], loaders = harness.LOADERS, swtpm = true,
            tpm_versions = harness.tpm_versions(version),
            vfio = true, kvm_max_vcpus = 0, s390_secure_guest = true,
            -- the harness's CPUID 0x8000001F: ASIDs 451..509
            sev_max_asid = 509, sev_min_asid = 451,
         }
         -- the offer depends on the canonical machine the emulator picks
         local first = assert(core.domcaps_qemu(opts))
         firmware(opts, arch, first.machine)
         local dc = assert(core.domcaps_qemu(opts))
         assert.equal(support.read(dir .. "/" .. name), core.domcaps_format(dc))
      end)
   end
end)
