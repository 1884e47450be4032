-- virtcaps.cpu.hypervisor_compare and hypervisor_baseline over the
-- reference's domain capabilities (spec/conformance-data/domcaps). The
-- answers asserted for qemu_7.2.0-tcg.x86_64.xml are what `virsh
-- hypervisor-cpu-compare`/`-baseline --virttype qemu` print on a machine
-- whose QEMU 7.2 TCG domain capabilities are that document's (its host-model
-- and custom models): spec/reference/reference_hypervisor_cpu_spec.lua
-- checks the same live.
local cpu = require "virtcaps.cpu"
local domcaps = require "virtcaps.domcaps"
local virtcaps = require "virtcaps"
local support = require "support"

local DC = support.DATA .. "/domcaps/expected/"
local QEMUCAPS = support.DATA .. "/domcaps/qemucaps/"

local function load(name)
   return assert(domcaps.load(DC .. name))
end

local SKYLAKE_TCG = { "vme", "pcid", "x2apic", "tsc-deadline", "hle", "invpcid", "rtm", "rdseed", "xsavec",
   "3dnowprefetch" }

describe("cpu.hypervisor_compare", function()
   local tcg
   setup(function() tcg = load("qemu_7.2.0-tcg.x86_64.xml") end)

   it("compares with the emulator's host-model CPU, not the host", function()
      assert.equal("superset", cpu.hypervisor_compare(tcg, "<cpu match='exact'><model>qemu64</model></cpu>"))
      local r, features, msg = cpu.hypervisor_compare(tcg, "<cpu match='exact'><model>Skylake-Client</model></cpu>")
      assert.equal("incompatible", r)
      assert.same(SKYLAKE_TCG, features)
      assert.equal("Host CPU does not provide required features: " .. table.concat(SKYLAKE_TCG, ", "), msg)
   end)

   it("counts the host-model's disabled features as missing", function()
      local r, features = cpu.hypervisor_compare(tcg,
         "<cpu match='exact'><model>EPYC</model><feature policy='require' name='vme'/></cpu>")
      assert.equal("incompatible", r)
      assert.same({ "vme", "rdseed", "sha-ni", "xsavec", "fxsr_opt", "misalignsse", "3dnowprefetch", "osvw" }, features)
   end)

   it("names forbidden features, the vendor, and takes a domain's CPU", function()
      assert.same({ "incompatible", { "mpx" }, "Host CPU provides forbidden features: mpx" },
         { cpu.hypervisor_compare(tcg, "<cpu match='exact'><model>EPYC</model><feature policy='forbid' name='mpx'/></cpu>") })
      local dom = "<domain type='qemu'><name>x</name><cpu mode='custom' match='exact'><model>Haswell</model>"
         .. "<vendor>Intel</vendor></cpu></domain>"
      assert.same({ "incompatible", {}, "host CPU vendor does not match required CPU vendor Intel" },
         { cpu.hypervisor_compare(tcg, dom) })
   end)

   it("finds host-passthrough a superset and the emulator's own host-model identical", function()
      assert.equal("superset", cpu.hypervisor_compare(tcg, "<cpu mode='host-passthrough'/>"))
      assert.equal("identical", cpu.hypervisor_compare(tcg, support.read(DC .. "qemu_7.2.0-tcg.x86_64.xml")))
      local kvm = load("qemu_7.2.0.x86_64.xml")
      assert.equal("identical", cpu.hypervisor_compare(kvm, support.read(DC .. "qemu_7.2.0.x86_64.xml")))
      -- KVM's host-model (a Skylake-Client-IBRS... per its document) is not TCG's
      assert.equal("incompatible", (cpu.hypervisor_compare(tcg, support.read(DC .. "qemu_7.2.0.x86_64.xml"))))
   end)

   it("takes the first <cpu> of several, as virsh does", function()
      assert.equal("superset", cpu.hypervisor_compare(tcg,
         "<cpu><model>qemu64</model></cpu><cpu><model>Skylake-Client</model></cpu>"))
   end)

   it("fails where the reference has no answer", function()
      assert.same({ nil, "QEMU '/usr/bin/qemu-system-aarch64' does not support reporting CPU model for virttype 'kvm'" },
         { cpu.hypervisor_compare(load("qemu_7.0.0.aarch64.xml"), "<cpu><model>cortex-a57</model></cpu>") })
      -- ppc64's host-model may fall back: the reference does not compare with it
      assert.same({ nil, "QEMU '/usr/bin/qemu-system-ppc64' does not support reporting CPU model for virttype 'kvm'" },
         { cpu.hypervisor_compare(load("qemu_7.0.0.ppc64.xml"), "<cpu><model>POWER8</model></cpu>") })
      assert.same({ nil, "the document does not contain any <cpu> element or valid domain XML, host capabilities XML, "
         .. "or domain capabilities XML" }, { cpu.hypervisor_compare(tcg, "<cpus><cpu><model>qemu64</model></cpu></cpus>") })
      assert.same({ nil, "Unknown CPU model Nonesuch" }, { cpu.hypervisor_compare(tcg, "<cpu><model>Nonesuch</model></cpu>") })
      local r, err = cpu.hypervisor_compare(tcg, "<cpu><model>qemu64")
      assert.is_nil(r)
      assert.matches("^line 1: ", err)
   end)

   it("raises on misuse", function()
      assert.error_matches(function() cpu.hypervisor_compare("dc", "<cpu/>") end,
         "bad argument #1 to 'hypervisor_compare' %(domain capabilities table expected, got string%)")
      assert.error_matches(function() cpu.hypervisor_compare(load("qemu_7.2.0-tcg.x86_64.xml"), 1) end,
         "bad argument #2 to 'hypervisor_compare'")
   end)
end)

describe("cpu.hypervisor_baseline", function()
   local tcg
   setup(function() tcg = support.with_blockers(load("qemu_7.2.0-tcg.x86_64.xml"), support.read(QEMUCAPS .. "caps_7.2.0.x86_64.xml"), "tcg") end)

   it("disables what blocks the model in this emulator", function()
      local out = assert(cpu.hypervisor_baseline(tcg, "<cpu match='exact'><model>Skylake-Client</model></cpu>"))
      assert.equal([[
<cpu mode='custom' match='exact'>
  <model fallback='forbid'>Skylake-Client</model>
  <feature policy='disable' name='pcid'/>
  <feature policy='disable' name='x2apic'/>
  <feature policy='disable' name='tsc-deadline'/>
  <feature policy='disable' name='hle'/>
  <feature policy='disable' name='invpcid'/>
  <feature policy='disable' name='rtm'/>
  <feature policy='disable' name='rdseed'/>
  <feature policy='disable' name='xsavec'/>
  <feature policy='disable' name='3dnowprefetch'/>
</cpu>
]], cpu.format(out))
      local dom = "<domain type='qemu'><name>x</name><cpu mode='custom' match='exact'><model>Haswell</model>"
         .. "<vendor>Intel</vendor></cpu></domain>"
      assert.equal([[
<cpu mode='custom' match='exact'>
  <model fallback='forbid'>Haswell</model>
  <vendor>Intel</vendor>
  <feature policy='disable' name='pcid'/>
  <feature policy='disable' name='x2apic'/>
  <feature policy='disable' name='tsc-deadline'/>
  <feature policy='disable' name='hle'/>
  <feature policy='disable' name='invpcid'/>
  <feature policy='disable' name='rtm'/>
</cpu>
]], cpu.format((assert(cpu.hypervisor_baseline(tcg, dom)))))
   end)

   it("without blockers in the document, the model alone", function()
      local plain = load("qemu_7.2.0-tcg.x86_64.xml")
      assert.same({ mode = "custom", match = "exact", model = "Skylake-Client", fallback = "forbid", features = {} },
         assert(cpu.hypervisor_baseline(plain, "<cpu match='exact'><model>Skylake-Client</model></cpu>")))
   end)

   it("baselines the emulator's own host-model into itself, and expands", function()
      local out = assert(cpu.hypervisor_baseline(tcg, support.read(DC .. "qemu_7.2.0-tcg.x86_64.xml")))
      assert.equal("EPYC", out.model)
      assert.equal("AMD", out.vendor)
      assert.same(tcg.cpu.modes["host-model"].features, out.features)
      local q = assert(cpu.hypervisor_baseline(tcg, "<cpu><model>qemu64</model></cpu>", { expand = true }))
      assert.equal("qemu64", q.model)
      assert.same({ name = "apic", policy = "require" }, q.features[1])
      assert.equal(27, #q.features) -- virsh hypervisor-cpu-baseline --features lists 27
   end)

   it("only picks models the emulator has", function()
      local only = load("qemu_7.2.0-tcg.x86_64.xml")
      only.cpu.modes.custom.models = { { name = "Nehalem", usable = true, vendor = "Intel" } }
      local out = assert(cpu.hypervisor_baseline(only, "<cpu><model>Skylake-Client</model></cpu>"))
      assert.equal("Nehalem", out.model)
      assert.not_equal("Nehalem", cpu.baseline("<cpu><model>Skylake-Client</model></cpu>").model)
   end)

   it("keeps only the features the hypervisor knows, when told them", function()
      -- QEMU has no osxsave: the reference's --features output leaves it out
      local hosts = support.read(support.DATA .. "/cpucompare/x86_64-baseline-Westmere+Nehalem.xml"):gsub("</?cpuTest>", "")
      local known = support.features_from_qemu(assert(virtcaps.xpath(support.read(QEMUCAPS .. "caps_7.2.0.x86_64.xml"),
         "/qemuCaps/hostCPU[@type='tcg']/property/@name")))
      local function names(out)
         local t = {}
         for _, f in ipairs(out.features) do t[f.name] = f.policy end
         return t
      end
      local all = assert(cpu.hypervisor_baseline(tcg, hosts, { expand = true }))
      local some = assert(cpu.hypervisor_baseline(tcg, hosts, { expand = true, features = known }))
      assert.equal("Westmere", some.model)
      assert.equal("require", names(all).osxsave)
      assert.is_nil(names(some).osxsave)
      assert.equal(#all.features - 1, #some.features)
   end)

   it("fails where the reference has no answer", function()
      assert.same({ nil, "computing baseline hypervisor CPU is not supported for arch aarch64" },
         { cpu.hypervisor_baseline(load("qemu_7.0.0.aarch64.xml"), "<cpu><model>cortex-a57</model></cpu>") })
      assert.same({ nil, "cpus[2]: CPU vendors do not match" }, { cpu.hypervisor_baseline(tcg,
         { "<cpu><model>EPYC</model><vendor>AMD</vendor></cpu>", "<cpu><model>Haswell</model><vendor>Intel</vendor></cpu>" }) })
      assert.same({ nil, "CPU vendors do not match" }, { cpu.hypervisor_baseline(tcg,
         "<cpu><model>EPYC</model><vendor>AMD</vendor></cpu><cpu><model>Haswell</model><vendor>Intel</vendor></cpu>") })
      assert.error_matches(function() cpu.hypervisor_baseline(tcg, "<cpu/>", { expnad = true }) end,
         "unknown option expnad")
      assert.error_matches(function() cpu.hypervisor_baseline(tcg, "<cpu><model>qemu64</model></cpu>",
         { features = "avx" }) end, "option 'features': table expected, got string")
   end)
end)
