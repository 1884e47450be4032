-- Domain capabilities from the reference's QEMU capabilities cache files
-- (conformance data domcaps/qemucaps): for every expected/qemu_*.xml, the
-- matching caps_*.xml with the reference's test harness's host facts
-- (domcaps/README.md) gives exactly those bytes.
local core = require "virtcaps.core"
local support = require "support"

local DOMCAPS = support.conformance_category("domcaps")

-- The harness's fixed host CPUs, where the reference consults one.
local HOST_CPU = {
   x86_64 = "<cpu><arch>x86_64</arch><model>Broadwell</model>"
      .. "<topology sockets='1' cores='2' threads='2'/></cpu>",
   ppc64 = "<cpu><arch>ppc64</arch><model>POWER8</model>"
      .. "<topology sockets='1' cores='8' threads='8'/></cpu>",
}

local LOADERS = {
   "/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF32_CODE.fd", "/usr/share/OVMF/OVMF_CODE.fd",
}

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

-- swtpm's TPM versions by QEMU version, as the harness sets them.
local function tpm_versions(version)
   local major = tonumber(version:match("^(%d+)%."))
   if major < 6 then
      return { "1.2" }
   elseif major == 6 then
      return { "1.2", "2.0" }
   end
   return { "2.0" }
end

-- qemu_VERSION[-tcg|-MACHINE].ARCH.xml: the case the file stands for.
local function case_of(name)
   local version, variant, arch = name:match("^qemu_(%d+%.%d+%.%d+)(.-)%.([%w_]+)%.xml$")
   assert(version, "cannot tell the case of " .. name)
   local virttype, machine = "kvm", nil
   if variant == "-tcg" then
      virttype = "qemu"
   elseif variant ~= "" then
      machine = variant:sub(2)
   end
   return version, arch, virttype, machine
end

describe("conformance: domain capabilities from QEMU capabilities cache files", function()
   local dir = DOMCAPS and DOMCAPS .. "/expected"
   for _, name in ipairs(dir and support.require_files(dir, "^qemu_.*%.xml$") or {}) do
      it("gives the reference's bytes: " .. name, function()
         local version, arch, virttype, machine = case_of(name)
         local caps = DOMCAPS .. "/qemucaps/caps_" .. version .. "." .. arch .. ".xml"
         assert(io.open(caps), "no QEMU capabilities for " .. name .. ": " .. caps)
         local opts = {
            qemucaps = caps, machine = machine, virttype = virttype, host_arch = arch,
            host_cpu = HOST_CPU[arch], loaders = LOADERS, swtpm = true, tpm_versions = tpm_versions(version),
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
