-- The commands over domain capabilities (--domcaps): hypervisor-cpu-compare
-- and hypervisor-cpu-baseline with virsh's lines and exit statuses over the
-- reference's domain capabilities (the answers are what virsh printed for
-- the same QEMU 7.2 TCG document), and fits --domcaps.
local json = require "dkjson"
local support = require "support"

local run, temp = support.cli, support.temp
local TCG = support.DATA .. "/domcaps/expected/qemu_7.2.0-tcg.x86_64.xml"
local ARM = support.DATA .. "/domcaps/expected/qemu_7.0.0.aarch64.xml"

describe("virtcaps hypervisor-cpu-compare", function()
   it("prints what virsh hypervisor-cpu-compare prints", function()
      local qemu64 = temp("<cpu match='exact'><model>qemu64</model></cpu>")
      assert.same({ 0, "The CPU provided by hypervisor on the host is a superset of CPU described in " .. qemu64
         .. "\n\n", "" }, { run { "hypervisor-cpu-compare", qemu64, "--domcaps", TCG } })
      assert.same({ 0, "CPU described in " .. TCG .. " is identical to the CPU provided by hypervisor on the host\n\n",
         "" }, { run { "hypervisor-cpu-compare", TCG, "--domcaps", TCG } })
      local sky = temp("<cpu match='exact'><model>Skylake-Client</model></cpu>")
      assert.same({ 1, "CPU described in " .. sky .. " is incompatible with the CPU provided by hypervisor on the host"
         .. "\n\n", "virtcaps hypervisor-cpu-compare: Host CPU does not provide required features: vme, pcid, x2apic, "
         .. "tsc-deadline, hle, invpcid, rtm, rdseed, xsavec, 3dnowprefetch\n" },
         { run { "hypervisor-cpu-compare", sky, "--domcaps", TCG } })
      local code, out = run { "hypervisor-cpu-compare", sky, "--domcaps", TCG, "--json" }
      assert.equal(1, code)
      assert.same({ "vme", "pcid" }, { json.decode(out).features[1], json.decode(out).features[2] })
      os.remove(qemu64)
      os.remove(sky)
   end)

   it("says why there is no answer", function()
      local g = temp("<cpu><model>cortex-a57</model></cpu>")
      assert.same({ 2, "", "virtcaps hypervisor-cpu-compare: " .. g .. ": QEMU '/usr/bin/qemu-system-aarch64' does "
         .. "not support reporting CPU model for virttype 'kvm'\n" },
         { run { "hypervisor-cpu-compare", g, "--domcaps", ARM } })
      -- without --domcaps, the probe's errors, as virtcaps domcapabilities says them
      for _, cmd in ipairs { "hypervisor-cpu-compare", "hypervisor-cpu-baseline" } do
         assert.same({ 2, "", "virtcaps " .. cmd .. ": qemu: cannot open /nonexistent/qemu: No such file or directory\n" },
            { run { cmd, g, "--emulator", "/nonexistent/qemu" } })
         assert.same({ 2, "", "virtcaps " .. cmd .. ": unknown architecture: sparc128\n" },
            { run { cmd, g, "--arch", "sparc128" } })
         assert.same({ 2, "", "virtcaps " .. cmd .. ": unknown virttype: bogus\n" },
            { run { cmd, g, "--virttype", "bogus" } })
         assert.same({ 2, "", "virtcaps " .. cmd .. ": --machine chooses what to probe; it cannot be combined with "
            .. "--domcaps\n" }, { run { cmd, g, "--machine", "q35", "--domcaps", TCG } })
         assert.same({ 2, "", "virtcaps " .. cmd .. ": /nonexistent: No such file or directory\n" },
            { run { cmd, "/nonexistent", "--arch", "sparc128" } })
      end
      assert.same({ 2, "", "virtcaps hypervisor-cpu-compare: needs one FILE, got 0\n" },
         { run { "hypervisor-cpu-compare", "--domcaps", TCG } })
      local code, _, err = run { "hypervisor-cpu-compare", g, "--domcaps", "/nonexistent" }
      assert.equal(2, code)
      assert.matches("^virtcaps hypervisor%-cpu%-compare: /nonexistent: ", err)
      assert.same({ 2, "", "virtcaps hypervisor-cpu-compare: --caps does not apply here (hypervisor-cpu-compare "
         .. "probes domain capabilities, or reads them: --domcaps FILE)\n" },
         { run { "hypervisor-cpu-compare", g, "--caps", TCG } })
      os.remove(g)
   end)
end)

describe("virtcaps hypervisor-cpu-baseline", function()
   it("prints the CPU as virsh hypervisor-cpu-baseline does", function()
      local g = temp("<cpu match='exact'><model>qemu64</model></cpu>")
      assert.same({ 0, "<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>qemu64</model>\n</cpu>\n\n", "" },
         { run { "hypervisor-cpu-baseline", g, "--domcaps", TCG } })
      local code, out = run { "hypervisor-cpu-baseline", g, "--domcaps", TCG, "--features" }
      assert.equal(0, code)
      local n = select(2, out:gsub("<feature policy='require'", ""))
      assert.equal(27, n)
      assert.matches("^<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>qemu64</model>\n  <feature "
         .. "policy='require' name='apic'/>\n", out)
      os.remove(g)
   end)

   it("fails as the reference does", function()
      local g = temp("<cpu><model>cortex-a57</model></cpu>")
      assert.same({ 1, "", "virtcaps hypervisor-cpu-baseline: " .. g .. ": computing baseline hypervisor CPU is not "
         .. "supported for arch aarch64\n" }, { run { "hypervisor-cpu-baseline", g, "--domcaps", ARM } })
      local two = temp("<cpu><model>EPYC</model><vendor>AMD</vendor></cpu><cpu><model>Haswell</model>"
         .. "<vendor>Intel</vendor></cpu>")
      assert.same({ 1, "", "virtcaps hypervisor-cpu-baseline: " .. two .. ": CPU vendors do not match\n" },
         { run { "hypervisor-cpu-baseline", two, "--domcaps", TCG } })
      os.remove(g)
      os.remove(two)
   end)
end)

describe("virtcaps fits --domcaps", function()
   it("adds what the domain asks of the emulator", function()
      local caps = "spec/fixtures/xml/debian12-x86_64-virsh.xml"
      local q35 = support.DATA .. "/domcaps/expected/qemu_7.2.0-q35.x86_64.xml"
      local small = "spec/fixtures/domain/kvm-q35-small.xml"
      assert.same({ 0, small .. ": fits\n", "" }, { run { "fits", small, "--caps", caps, "--domcaps", q35 } })
      local code, out = run { "fits", "spec/fixtures/domain/kvm-q35-devices.xml", "--caps", caps, "--domcaps", q35 }
      assert.equal(1, code)
      assert.matches("\ntpm: wanted TPM version 1.2, found 2.0\n", out)
      assert.matches("cpu: wanted CPU model Icelake%-Server, found not usable here\n", out)
      local bad = temp("<domainCapabilities/>")
      code, out = run { "fits", small, "--caps", caps, "--domcaps", bad }
      assert.same({ 2, "" }, { code, out })
      os.remove(bad)
   end)
end)
