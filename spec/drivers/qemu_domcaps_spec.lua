-- Domain capabilities from a QEMU capabilities cache file: hostile files
-- get clear messages, wrong choices the reference's errors, host facts
-- change what they should.
local core = require "virtcaps.core"
local support = require "support"

local QEMUCAPS = support.DATA .. "/domcaps/qemucaps/"
local X86 = QEMUCAPS .. "caps_7.2.0.x86_64.xml"

local function with_file(content, fn)
   local path = support.temp(content)
   local ok, err = pcall(fn, path)
   os.remove(path)
   assert(ok, err)
end

local function fails(content, message)
   with_file(content, function(path)
      local dc, err = core.domcaps_qemu { qemucaps = path }
      assert.is_nil(dc)
      assert.matches(message, err, 1, true)
   end)
end

describe("domain capabilities from QEMU capabilities", function()
   it("refuses hostile or broken cache files with clear messages", function()
      fails("<capabilities/>", "expected <qemuCaps>")
      fails("<qemuCaps><flag name='kvm'/></qemuCaps>", "names no <arch>")
      fails("<qemuCaps><arch>x86_64</arch><version>7x</version></qemuCaps>", "'7x' is not a whole number")
      fails("<qemuCaps><arch>x86_64</arch><machine type='xen' name='a'/></qemuCaps>", "is not kvm, tcg or hvf")
      fails("<qemuCaps><arch>x86_64</arch><machine type='kvm' name='a' maxCpus='99999999999'/></qemuCaps>",
         "maxCpus '99999999999' is not a whole number from 0 to 4294967295")
      fails("<qemuCaps><arch>x86_64</arch><cpu type='kvm' name='a' usable='maybe'/></qemuCaps>",
         "usable='maybe' is neither yes nor no")
      fails("<qemuCaps><arch>x86_64</arch><hostCPU type='kvm' model='base'>"
         .. "<property name='x' type='boolean' value='1'/></hostCPU></qemuCaps>", "neither true nor false")
      fails("<qemuCaps><arch>x86_64</arch><flag/></qemuCaps>", "<flag> lacks its name attribute")
      fails("<!DOCTYPE a [<!ENTITY e 'x'>]><qemuCaps><arch>&e;</arch></qemuCaps>", "line")
      local dc, err = core.domcaps_qemu { qemucaps = "/nonexistent/caps.xml" }
      assert.is_nil(dc)
      assert.matches("/nonexistent/caps.xml", err, 1, true)
   end)

   it("fills what a binary without machine types or CPU models gives", function()
      with_file("<qemuCaps><arch>x86_64</arch><flag name='kvm'/><flag name='vnc'/></qemuCaps>", function(path)
         local dc = assert(core.domcaps_qemu { qemucaps = path })
         assert.is_nil(dc.machine)
         assert.is_nil(dc.vcpu)
         assert.is_false(dc.cpu.modes.custom.supported)
         assert.same({ "vnc" }, dc.devices.graphics.type)
         assert.is_false(dc.devices.tpm.supported)
      end)
   end)

   it("refuses machines and virt types the binary does not offer, as the reference does", function()
      local function refused(opts, message)
         opts.qemucaps = X86
         local dc, err = core.domcaps_qemu(opts)
         assert.is_nil(dc)
         assert.equal(message, err)
      end
      refused({ machine = "virt" }, "the machine 'virt' is not supported by emulator '/usr/bin/qemu-system-x86_64'")
      refused({ virttype = "hvf" }, "the accel 'hvf' is not supported by '/usr/bin/qemu-system-x86_64' on this host")
      refused({ virttype = "kvmm" }, "unknown virttype: kvmm")
      refused({ arch = "aarch64" }, "architecture from emulator 'x86_64' doesn't match given architecture 'aarch64'")
      refused({ arch = "x86" }, "unknown architecture: x86")
      assert.has_error(function() core.domcaps_qemu {} end)
      assert.has_error(function() core.domcaps_qemu { qemucaps = X86, kvm_max_vcpus = -1 } end)
      assert.has_error(function() core.domcaps_qemu { qemucaps = X86, tpm_versions = { "3.0" } } end)
   end)

   it("writes an alias as its canonical machine and takes the preferred one by default", function()
      assert.equal("pc-q35-7.2", assert(core.domcaps_qemu { qemucaps = X86, machine = "q35" }).machine)
      assert.equal("pc-i440fx-7.2", assert(core.domcaps_qemu { qemucaps = X86 }).machine)
      assert.equal("qemu", assert(core.domcaps_qemu { qemucaps = X86, virttype = "qemu" }).domain)
      -- a 32-bit guest of the 64-bit binary: the same models, the guest's arch
      local dc = assert(core.domcaps_qemu { qemucaps = X86, arch = "i686", host_arch = "x86_64" })
      assert.equal("i686", dc.arch)
      assert.equal("EPYC-Rome", dc.cpu.modes["host-model"].model)
   end)

   it("combines the host facts: KVM's vCPU limit, VFIO, swtpm, firmware", function()
      local dc = assert(core.domcaps_qemu { qemucaps = X86, machine = "q35", kvm_max_vcpus = 16 })
      assert.equal(16, dc.vcpu.max)
      assert.same({}, dc.devices.hostdev.pciBackend)
      assert.is_nil(dc.devices.tpm.backendVersion)
      assert.same({ "passthrough" }, dc.devices.tpm.backendModel)
      assert.same({}, dc.os.firmware)
      dc = assert(core.domcaps_qemu { qemucaps = X86, machine = "q35", vfio = true, swtpm = true,
         tpm_versions = { "2.0" }, firmware_efi = true, firmware_secure = true,
         firmware_loaders = { "/a.fd", "/b.fd", "/a.fd" } })
      assert.equal(288, dc.vcpu.max)
      assert.same({ "default", "vfio" }, dc.devices.hostdev.pciBackend)
      assert.same({ "2.0" }, dc.devices.tpm.backendVersion)
      assert.same({ "efi" }, dc.os.firmware)
      assert.same({ "/a.fd", "/b.fd" }, dc.os.loader.values)
      assert.same({ "yes", "no" }, dc.os.loader.secure)
   end)

   it("names the host-model CPU from QEMU's expansion, or from the host CPU when QEMU gives none", function()
      local dc = assert(core.domcaps_qemu { qemucaps = X86, host_arch = "x86_64" })
      local hm = dc.cpu.modes["host-model"]
      assert.equal("EPYC-Rome", hm.model)
      assert.equal("forbid", hm.fallback)
      local ppc = QEMUCAPS .. "caps_7.0.0.ppc64.xml"
      hm = assert(core.domcaps_qemu { qemucaps = ppc, host_arch = "ppc64" }).cpu.modes["host-model"]
      assert.is_false(hm.supported)
      hm = assert(core.domcaps_qemu { qemucaps = ppc, host_arch = "ppc64",
         host_cpu = "<cpu><arch>ppc64</arch><model>POWER9</model></cpu>" }).cpu.modes["host-model"]
      assert.equal("POWER9", hm.model)
      assert.equal("allow", hm.fallback)
      -- without a CPU model database: neither host-model nor custom models, as the reference
      local empty = support.tmpdir()
      dc = assert(core.domcaps_qemu { qemucaps = X86, host_arch = "x86_64", cpu_map = empty })
      support.rmtree(empty)
      assert.is_false(dc.cpu.modes["host-model"].supported)
      assert.is_false(dc.cpu.modes.custom.supported)
      assert.is_true(dc.cpu.modes.maximum.supported)
      -- not native: no host-passthrough nor host-model
      dc = assert(core.domcaps_qemu { qemucaps = X86, host_arch = "aarch64" })
      assert.is_false(dc.cpu.modes["host-passthrough"].supported)
      assert.is_false(dc.cpu.modes["host-model"].supported)
      -- by default the host is this machine
      local uname = assert(io.popen("uname -m"))
      local here = uname:read("l")
      uname:close()
      dc = assert(core.domcaps_qemu { qemucaps = X86 })
      assert.equal(here == "x86_64", dc.cpu.modes["host-passthrough"].supported)
   end)
end)

describe("virtcaps.domcapabilities and `virtcaps domcapabilities --qemucaps`", function()
   local virtcaps = require "virtcaps"

   it("gives the table with the domain capabilities methods", function()
      local dc = assert(virtcaps.domcapabilities { qemucaps = X86, machine = "q35" })
      assert.equal("pc-q35-7.2", dc.machine)
      assert.is_true(dc:supports("devices.disk.bus", "sata"))
      local none, err = virtcaps.domcapabilities { qemucaps = "/nonexistent.xml" }
      assert.is_nil(none)
      assert.matches("/nonexistent.xml", err, 1, true)
   end)

   it("prints the document, and fails with status 2 for what the binary does not offer", function()
      local code, out = support.cli { "domcapabilities", "--qemucaps", X86, "--virttype", "qemu" }
      assert.equal(0, code)
      assert.matches("<domain>qemu</domain>\n  <machine>pc-i440fx-7.2</machine>", out, 1, true)
      local err
      code, out, err = support.cli { "domcapabilities", "--qemucaps", X86, "--machine", "foo" }
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("the machine 'foo' is not supported", err, 1, true)
      code, out = support.cli { "domcapabilities", "--qemucaps", X86, "--arch", "i686" }
      assert.equal(0, code)
      assert.matches("<arch>i686</arch>", out, 1, true)
      code = support.cli { "domcapabilities", "--qemucaps", X86, "--emulatorbin", "/usr/bin/qemu-system-x86_64" }
      assert.equal(2, code)
   end)
end)
