-- virtcaps.domcapabilities reads the host CPU where the reference consults
-- it (the host-model of a native guest when QEMU gives no expansion, as
-- on ppc64), through root and paths like the probe, when no host_cpu
-- hook stands in for it. The emulator replays the reference's 7.0 ppc64
-- record; the harness's other facts are given.
local virtcaps = require "virtcaps"
local core = require "virtcaps.core"
local fake = require "fake_qemu"
local support = require "support"
local harness = require "domcaps_harness"

local DATA = "spec/conformance-data/domcaps"
local FIX = "spec/fixtures/cpu/"
local BIN = "/usr/bin/qemu-system-ppc64"

describe("virtcaps.domcapabilities: the host CPU read from the host", function()
   local tmp, emulator

   setup(function()
      tmp = fake.tmpdir()
      local record = select(2, support.sh("realpath " .. DATA .. "/replies/caps_7.0.0.ppc64.replies")):gsub("%s+$", "")
      emulator = fake.script(tmp, "qemu", "exec lua5.4 '" .. fake.REPLAY .. "' '" .. record .. "' \"$@\"")
   end)

   teardown(function()
      fake.remove(tmp)
   end)

   local function probe(cpuinfo)
      local paths = harness.firmware_paths(DATA .. "/firmware")
      paths[BIN] = emulator
      paths["/proc/cpuinfo"] = cpuinfo
      return virtcaps.domcapabilities {
         emulatorbin = BIN, arch = "ppc64", virttype = "kvm", paths = paths, timeout = 60, cache = false,
         loaders = harness.LOADERS, tpm_versions = harness.tpm_versions("7.0.0"), vfio = true, kvm_max_vcpus = 0,
         firmware_privileged = false, firmware_config_home = "/home/user/.config", host_arch = "ppc64",
      }
   end

   it("a POWER8 host gives the reference's document, with the vendor the host's CPU has", function()
      local dc = assert(probe(FIX .. "ppc64-power8.cpuinfo"))
      -- the harness's fixed POWER8 names no vendor; a real host's decoded PVR
      -- does (ppc64DriverDecode), and virCPUDefCopyModelFilter copies it
      local expected = support.read(DATA .. "/expected/qemu_7.0.0.ppc64.xml"):gsub(
         "(<model fallback='allow'>POWER8</model>\n)", "%1      <vendor>IBM</vendor>\n")
      assert.equal(expected, core.domcaps_format(dc))
   end)

   it("names the host-model after the host's PVR", function()
      local dc = assert(probe(FIX .. "ppc64le-power9.cpuinfo"))
      assert.equal("POWER9", dc.cpu.modes["host-model"].model)
      assert.is_true(dc.cpu.modes["host-model"].supported)
   end)

   it("offers no host-model when the host CPU cannot be told, or QEMU does not offer its model", function()
      local bad, power6 = tmp .. "/no-pvr.cpuinfo", tmp .. "/power6.cpuinfo"
      support.write(bad, "processor\t: 0\ncpu\t\t: POWER8 (raw), altivec supported\n")
      support.write(power6, "processor\t: 0\ncpu\t\t: POWER6 (raw), altivec supported\n"
         .. "revision\t: 2.1 (pvr 003e 0201)\n")
      for _, cpuinfo in ipairs { bad, tmp .. "/missing", power6 } do
         local dc = assert(probe(cpuinfo))
         assert.is_false(dc.cpu.modes["host-model"].supported)
         assert.is_nil(dc.cpu.modes["host-model"].model)
      end
   end)
end)
