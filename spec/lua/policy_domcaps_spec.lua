-- policy.fits with domain capabilities: what a domain asks of its emulator
-- against what the reference's domain capabilities documents offer.
local virtcaps = require "virtcaps"
local policy = require "virtcaps.policy"
local support = require "support"

local DC = support.DATA .. "/domcaps/expected/"
local QEMUCAPS = support.DATA .. "/domcaps/qemucaps/"
local DOM = "spec/fixtures/domain/"

local caps

setup(function()
   caps = assert(virtcaps.load("spec/fixtures/xml/debian12-x86_64-virsh.xml"))
end)

local function dc(name)
   return assert(virtcaps.domcaps.load(DC .. name))
end

local function messages(list)
   local t = {}
   for i, f in ipairs(list) do t[i] = f.message end
   return t
end

describe("policy.fits with domain capabilities", function()
   it("passes a domain that asks nothing the emulator lacks", function()
      local small = support.read(DOM .. "kvm-q35-small.xml")
      assert.same({ true, {}, {} }, { policy.fits(caps, small, dc("qemu_7.2.0-q35.x86_64.xml")) })
      -- the options still come third without domain capabilities, or fourth with them
      assert.same({ true, {}, {} }, { policy.fits(caps, small, { overcommit = false }) })
      assert.same({ true, {}, {} }, { policy.fits(caps, small, dc("qemu_7.2.0-q35.x86_64.xml"), { overcommit = false }) })
   end)

   it("names each thing asked that the emulator does not offer, and what it offers", function()
      local q35 = support.with_blockers(dc("qemu_7.2.0-q35.x86_64.xml"),
         support.read(QEMUCAPS .. "caps_7.2.0.x86_64.xml"), "kvm")
      local ok, failures, warnings = policy.fits(caps, support.read(DOM .. "kvm-q35-devices.xml"), q35)
      assert.is_false(ok)
      assert.same({}, warnings)
      assert.same({
         "loader: wanted loader /usr/share/OVMF/OVMF_CODE.secboot.fd, found /usr/share/AAVMF/AAVMF_CODE.fd, "
            .. "/usr/share/AAVMF/AAVMF32_CODE.fd, /usr/share/OVMF/OVMF_CODE.fd",
         "cpu: wanted CPU model Icelake-Server, found not usable here, blocked by pcid, hle, erms, invpcid, rtm, "
            .. "avx512f, avx512dq, avx512cd, avx512bw, avx512vl, avx512vbmi, pku, avx512vbmi2, gfni, vaes, vpclmulqdq, "
            .. "avx512vnni, avx512bitalg, avx512-vpopcntdq, la57, spec-ctrl",
         "disk: wanted disk bus ide, found fdc, scsi, virtio, usb, sata",
         "graphics: wanted graphics rdp, found sdl, vnc, spice, egl-headless, dbus",
         "video: wanted video model xen, found vga, cirrus, vmvga, qxl, virtio, none, bochs, ramfb",
         "tpm: wanted TPM version 1.2, found 2.0",
         "hostdev: wanted hostdev type mdev, found usb, pci, scsi",
         "launch_security: wanted launch security sev, found none",
         "sgx: wanted SGX EPC memory, found no SGX",
      }, messages(failures))
      assert.same({ rule = "tpm", wanted = "TPM version 1.2", found = "2.0", message = "tpm: wanted TPM version 1.2, found 2.0" },
         failures[6])
   end)

   it("finds SEV and SGX where the emulator has them", function()
      local xml = support.read(DOM .. "kvm-q35-small.xml")
      local sev = xml:gsub("</devices>", "</devices>\n<launchSecurity type='sev'><policy>0x0003</policy></launchSecurity>")
      sev = sev:gsub("pc%-q35%-7%.2", "pc-q35-6.0")
      assert.same({ true, {}, {} }, { policy.fits(caps, sev, dc("qemu_6.0.0-q35.x86_64.xml")) })
      assert.same({ "launch_security: wanted launch security sev, found none" },
         messages(select(2, policy.fits(caps, sev, dc("qemu_7.0.0-q35.x86_64.xml")))))
      local sgx = xml:gsub("</devices>", "<memory model='sgx-epc'><target><size unit='KiB'>16384</size></target>"
         .. "</memory></devices>")
      assert.same({ true, {}, {} }, { policy.fits(caps, sgx, dc("qemu_7.0.0-q35.x86_64.xml")) })
   end)

   it("checks firmware, secure boot and the CPU mode and model", function()
      local tcg = dc("qemu_7.2.0-tcg.x86_64.xml")
      local function asks(t)
         local d = { type = "qemu", os = { arch = "x86_64" } }
         for k, v in pairs(t) do d[k] = v end
         return messages(select(2, policy.fits(caps, d, tcg)))
      end
      assert.same({}, asks { firmware = "efi", secure_boot = false, cpu = { mode = "host-model" } })
      assert.same({ "secure_boot: wanted secure boot, found loader secure no" }, asks { secure_boot = true })
      assert.same({ "loader: wanted loader type nvram, found rom, pflash" }, asks { loader = { type = "nvram" } })
      -- TCG has no host-passthrough
      assert.same({ "cpu: wanted CPU mode host-passthrough, found modes maximum, host-model, custom" },
         asks { cpu = { mode = "host-passthrough" } })
      -- 9.0.0's documents name no blockers
      assert.same({ "cpu: wanted CPU model Skylake-Client, found not usable here" },
         asks { cpu = { model = "Skylake-Client" } })
      assert.same({}, asks { cpu = { mode = "custom", model = "qemu64" } })
      local _, failures = policy.fits(caps, { type = "qemu", os = { arch = "x86_64" }, cpu = { model = "Nonesuch" } }, tcg)
      assert.matches("^cpu: wanted CPU model Nonesuch, found usable models qemu64, qemu32, pentium3, ", failures[1].message)
      tcg.os.firmware = {}
      assert.same({ "firmware: wanted firmware efi, found none" }, asks { firmware = "efi" })
   end)

   it("checks disks, graphics, video, TPMs, host devices and RNGs given as a table", function()
      local d = { type = "kvm", os = { arch = "x86_64" }, disks = { { bus = "virtio", device = "lun" },
         { bus = "sata", model = "virtio-scsi" } }, graphics = { "vnc" }, video = { "qxl" },
         tpms = { { model = "tpm-spapr", backend = "emulator", version = "2.0" } },
         hostdevs = { { mode = "capabilities", type = "storage" } }, rngs = { { model = "virtio", backend = "tpm" } } }
      assert.same({
         "disk: wanted disk model virtio-scsi, found virtio, virtio-transitional, virtio-non-transitional",
         "tpm: wanted TPM model tpm-spapr, found tpm-tis, tpm-crb",
         "hostdev: wanted hostdev mode capabilities, found subsystem",
         "hostdev: wanted hostdev type storage, found none",
         "rng: wanted RNG backend tpm, found random, egd, builtin",
      }, messages(select(2, policy.fits(caps, d, dc("qemu_7.2.0.x86_64.xml")))))
      assert.error_matches(function() policy.fits(caps, { type = "kvm", disks = "virtio" }, dc("qemu_7.2.0.x86_64.xml")) end,
         "domain.disks")
   end)

   it("says when the domain capabilities are another guest's", function()
      local small = support.read(DOM .. "kvm-q35-small.xml")
      assert.same({ "domcaps: wanted x86_64 kvm guest, found domain capabilities for x86_64 qemu" },
         messages(select(2, policy.fits(caps, small, dc("qemu_7.2.0-tcg.x86_64.xml")))))
      local other = small:gsub("/usr/bin/qemu%-system%-x86_64", "/usr/local/bin/qemu-system-x86_64")
      local ok, _, warnings = policy.fits(caps, other, dc("qemu_7.2.0-q35.x86_64.xml"))
      assert.is_false(ok) -- the host has no such emulator
      assert.same({ "domcaps: wanted emulator /usr/local/bin/qemu-system-x86_64, found domain capabilities of "
         .. "/usr/bin/qemu-system-x86_64" }, messages(warnings))
   end)
end)

describe("policy.check over domain capabilities", function()
   it("holds where the emulator offers what the rules ask", function()
      assert.same({ true, {} }, { policy.check(caps, { domains = { "kvm" }, firmware = "efi", secure_boot = true,
         cpu_modes = { "host-passthrough", "host-model" }, cpu_models = { "EPYC", "qemu64" }, tpm = "2.0",
         sev = false, sgx = false }, dc("qemu_7.2.0-q35.x86_64.xml")) })
      assert.same({ true, {} }, { policy.check(caps, { sev = true }, dc("qemu_6.0.0-q35.x86_64.xml")) })
      assert.same({ true, {} }, { policy.check(caps, { sgx = true, tpm = "2.0" }, dc("qemu_7.0.0-q35.x86_64.xml")) })
   end)

   it("says what the emulator offers instead", function()
      local q35 = support.with_blockers(dc("qemu_7.2.0-q35.x86_64.xml"),
         support.read(QEMUCAPS .. "caps_7.2.0.x86_64.xml"), "kvm")
      local ok, failures = policy.check(caps, { firmware = { "efi", "xen" }, cpu_modes = "maximum",
         cpu_models = { "EPYC", "Cascadelake-Server-noTSX", "Nonesuch" }, tpm = "1.2", sev = true, sgx = true }, q35)
      assert.is_false(ok)
      assert.same({
         "firmware: wanted efi, xen, found bios, efi (missing xen)",
         "cpu_models: wanted EPYC, Cascadelake-Server-noTSX, Nonesuch, found not usable: Cascadelake-Server-noTSX "
            .. "(blocked by pcid, erms, invpcid, avx512f, avx512dq, avx512cd, avx512bw, avx512vl, pku, avx512vnni, "
            .. "spec-ctrl, ibrs-all), Nonesuch (not listed)",
         "tpm: wanted 1.2, found 2.0 (missing 1.2)",
         "sev: wanted supported, found not supported",
         "sgx: wanted supported, found not supported",
      }, messages(failures))
      assert.same({ false, { { rule = "cpu_modes", wanted = "host-passthrough", found = "maximum, host-model, custom "
         .. "(missing host-passthrough)", message = "cpu_modes: wanted host-passthrough, found maximum, host-model, "
         .. "custom (missing host-passthrough)" } } },
         { policy.check(caps, { cpu_modes = "host-passthrough" }, dc("qemu_7.2.0-tcg.x86_64.xml")) })
      assert.same({ "secure_boot: wanted supported, found not supported" },
         messages(select(2, policy.check(caps, { secure_boot = true }, dc("qemu_7.2.0-tcg.x86_64.xml")))))
      assert.same({ "firmware: wanted efi, found no firmware" },
         messages(select(2, policy.check(caps, { firmware = "efi" }, dc("qemu_7.0.0.aarch64.xml")))))
   end)

   it("raises for a domain capabilities rule without them, and bad values", function()
      assert.error_matches(function() policy.check(caps, { tpm = "2.0" }) end,
         "rule 'tpm' is about domain capabilities: give them")
      assert.error_matches(function() policy.check(caps, { sev = "yes" }, dc("qemu_7.2.0.x86_64.xml")) end,
         "bad rule 'sev': true or false expected, got yes")
      assert.error_matches(function() policy.check(caps, { cpu_models = {} }, dc("qemu_7.2.0.x86_64.xml")) end,
         "bad rule 'cpu_models': an empty list")
      assert.same({ "arch", "cpu_vendor", "cpu_model", "virtualization", "guest_arches", "os_types", "domains",
         "machines", "features", "min_cpus", "min_memory", "numa_cells", "hugepages", "iommu", "live_migration",
         "secmodels", "firmware", "secure_boot", "cpu_modes", "cpu_models", "tpm", "sev", "sgx" }, policy.rules())
   end)

   it("reads the rules from a rules file on the command line", function()
      local rules = support.temp('return { firmware = "efi", cpu_models = {"EPYC", "Skylake-Client"}, tpm = "2.0" }\n')
      local caps_file = "spec/fixtures/xml/debian12-x86_64-virsh.xml"
      assert.same({ 1, "cpu_models: wanted EPYC, Skylake-Client, found not usable: Skylake-Client\n", "" },
         { support.cli { "check", rules, "--caps", caps_file, "--domcaps", DC .. "qemu_7.2.0-q35.x86_64.xml" } })
      local code, out, err = support.cli { "check", rules, "--caps", caps_file }
      assert.same({ 2, "" }, { code, out })
      assert.matches("rule '[%w_]+' is about domain capabilities", err)
      os.remove(rules)
   end)
end)
