-- Domain capabilities probed where none are given: hypervisor-cpu-compare
-- and -baseline without --domcaps, policy.fits, policy.check and facts over
-- a live capabilities table (virtcaps.probe's). The host is a directory
-- holding one emulator, qemu-system-x86_64: the capabilities probe's
-- conversation (-machine none) gets a fake session listing machine types;
-- the domain capabilities probe's (-machine none,accel=...) replays the
-- reference's probing record of QEMU 7.2 (conformance domcaps/replies), so
-- the CPU models, their blockers and QEMU's host CPU expansion are the
-- reference's, checked against its own capabilities cache
-- (domcaps/qemucaps/caps_7.2.0.x86_64.xml) and TCG document.
local virtcaps = require "virtcaps"
local cpu = require "virtcaps.cpu"
local facts = require "virtcaps.facts"
local policy = require "virtcaps.policy"
local json = require "dkjson"
local fake = require "fake_qemu"
local support = require "support"

local DATA = support.DATA .. "/domcaps/"
local RECORD = DATA .. "replies/caps_7.2.0.x86_64.replies"
local QEMUCAPS = support.read(DATA .. "qemucaps/caps_7.2.0.x86_64.xml")
local MACHINES = {
   { name = "pc-i440fx-7.2", alias = "pc", ["cpu-max"] = 255, ["is-default"] = true },
   { name = "pc-q35-7.2", alias = "q35", ["cpu-max"] = 288 },
}
local SKYLAKE = "<cpu match='exact'><model>Skylake-Client</model></cpu>"

-- The reference's document for TCG or KVM (its default here), with the
-- blockers of its capabilities cache.
local function reference(accel)
   local dc = assert(virtcaps.domcaps.load(DATA .. "expected/qemu_7.2.0" .. (accel == "tcg" and "-tcg" or "")
      .. ".x86_64.xml"))
   return support.with_blockers(dc, QEMUCAPS, accel)
end

local function reference_tcg()
   return reference("tcg")
end

-- QEMU's host CPU properties (TCG's unless accel says), in libvirt's names.
local function host_cpu_props(filter, accel)
   return support.features_from_qemu(assert(virtcaps.xpath(QEMUCAPS,
      "/qemuCaps/hostCPU[@type='" .. (accel or "tcg") .. "']/property" .. (filter or "") .. "/@name")))
end

-- What virsh hypervisor-cpu-baseline --virttype qemu prints for SKYLAKE
-- with QEMU 7.2 under TCG, from the reference's document, its cache's
-- blockers and QEMU's host CPU features (spec/cpu/hypervisor_cpu_spec.lua
-- shows its bytes; spec/reference/reference_hypervisor_cpu_spec.lua checks
-- it live): Skylake-Client with what blocks it disabled.
local function skylake_baseline()
   local text = cpu.format((assert(cpu.hypervisor_baseline(reference_tcg(), SKYLAKE, { features = host_cpu_props() }))))
   assert(text:find("<feature policy='disable' name='pcid'/>", 1, true), text)
   return text
end

-- What blocks Skylake-Client under TCG, in QEMU's order (the cache's).
local SKYLAKE_BLOCKERS = { "pcid", "x2apic", "tsc-deadline", "hle", "invpcid", "rtm", "rdseed", "3dnowprefetch",
   "xsavec" }

local function lines(path)
   local f = io.open(path)
   if not f then
      return 0
   end
   local n = select(2, f:read("a"):gsub("\n", ""))
   f:close()
   return n
end

describe("domain capabilities probed where none are given", function()
   local dir, bin, host

   setup(function()
      dir = fake.tmpdir()
      support.write(dir .. "/session", fake.session(MACHINES, { accels = { "tcg-accel" } }))
      bin = fake.script(dir, "qemu-system-x86_64", "echo \"$@\" >> '" .. dir .. "/runs'\ncase \"$*\" in\n"
         .. "*accel=*) exec lua5.4 '" .. fake.REPLAY .. "' '" .. RECORD .. "' \"$@\" ;;\n"
         .. "*) exec cat '" .. dir .. "/session' ;;\nesac")
      -- what stands in for the host, as virtcaps.probe takes it: QEMU's
      -- record says KVM is there, so /dev/kvm opens (KVM's vCPU limit is
      -- unknown on /dev/null)
      host = { drivers = { "qemu" }, qemu_dirs = { dir }, cache = false, arch = "x86_64", timeout = 60,
         paths = { ["/dev/kvm"] = "/dev/null", ["/etc"] = fake.ETC } }
   end)

   teardown(function()
      fake.remove(dir)
   end)

   local function live()
      local caps = assert(virtcaps.probe(host))
      assert.equal(bin, caps.guests[1].arch.emulator)
      return caps
   end

   describe("a probe", function()
      local dc
      setup(function()
         dc = assert(virtcaps.domcapabilities { emulatorbin = bin, virttype = "qemu", cache = false, timeout = 60,
            paths = host.paths })
      end)

      it("carries each unusable model's blockers and QEMU's host CPU features, as the reference's cache has them",
         function()
            local ref = reference_tcg()
            local blocked = 0
            for m in ref:cpu_models() do
               local ours = assert(dc:cpu_models { name = m.name:gsub("%p", "%%%0") }())
               assert.equal(m.usable, ours.usable, m.name)
               assert.same(m.blockers, ours.unavailable_features, m.name)
               blocked = blocked + #(m.blockers or {})
            end
            assert.is_true(blocked > 50)
            assert.same(SKYLAKE_BLOCKERS, ref:cpu_models { name = "Skylake%-Client" }().blockers)
            assert.same({ false, SKYLAKE_BLOCKERS }, { dc:usable("Skylake-Client") })
            assert.same(host_cpu_props(), dc.hypervisor_cpu.features)
            assert.same(host_cpu_props("[not(@migratable='no')]"), dc.hypervisor_cpu.migratable)
            assert.is_true(#dc.hypervisor_cpu.features > 100)
         end)

      it("keeps them through the cache", function()
         local opts = { emulatorbin = bin, virttype = "qemu", cache_dir = dir .. "/cache", timeout = 60,
            paths = host.paths }
         local cold = assert(virtcaps.domcapabilities(opts))
         local runs = lines(dir .. "/runs")
         local warm = assert(virtcaps.domcapabilities(opts))
         assert.equal(runs, lines(dir .. "/runs"))
         for _, t in ipairs { cold, warm } do
            assert.same(dc.hypervisor_cpu, t.hypervisor_cpu)
            assert.same(dc.cpu.modes.custom.models, t.cpu.modes.custom.models)
         end
      end)

      it("formats without them: the document as the reference writes it", function()
         local xml = virtcaps.domcaps.format(dc)
         assert.falsy(xml:find("<blockers", 1, true))
         local copy = assert(virtcaps.domcaps.parse(xml))
         assert.is_nil(copy.hypervisor_cpu)
         for m in copy:cpu_models() do
            assert.is_nil(m.unavailable_features)
         end
         assert.equal(xml, virtcaps.domcaps.format(copy))
         -- a document's own blockers are still written
         copy.cpu.modes.custom.models[1].blockers = { "hle" }
         assert.truthy(virtcaps.domcaps.format(copy):find("<blockers model='"
            .. copy.cpu.modes.custom.models[1].name .. "'>\n        <feature name='hle'/>", 1, true))
      end)

      it("gives hypervisor_baseline the reference's answers without options", function()
         local ref = reference_tcg()
         assert.equal(skylake_baseline(), cpu.format((assert(cpu.hypervisor_baseline(dc, SKYLAKE)))))
         local two = "<cpu><model>Westmere</model><feature name='avx'/></cpu><cpu><model>Haswell-noTSX</model></cpu>"
         for _, o in ipairs { {}, { expand = true } } do
            assert.same(cpu.hypervisor_baseline(ref, two, { expand = o.expand, features = host_cpu_props() }),
               cpu.hypervisor_baseline(dc, two, o))
         end
         assert.same(cpu.hypervisor_baseline(ref, two, { features = host_cpu_props("[not(@migratable='no')]") }),
            cpu.hypervisor_baseline(dc, two, { migratable = true }))
         -- the probe's features leave out what QEMU does not know (pconfig), and
         -- QEMU's migratability keeps invtsc, which the database marks as blocking migration
         local g = "<cpu><model>Westmere</model><vendor>Intel</vendor><feature name='pconfig'/>"
            .. "<feature name='invtsc'/></cpu>"
         local want = "<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>Westmere</model>\n"
            .. "  <vendor>Intel</vendor>\n  <feature policy='require' name='invtsc'/>\n</cpu>\n"
         assert.equal(want, cpu.format((assert(cpu.hypervisor_baseline(dc, g)))))
         assert.equal(want, cpu.format((assert(cpu.hypervisor_baseline(dc, g, { migratable = true })))))
         -- a document alone has neither
         assert.not_equal(want, cpu.format((assert(cpu.hypervisor_baseline(ref, g)))))
         assert.not_equal(want, cpu.format((assert(cpu.hypervisor_baseline(ref, g, { migratable = true })))))
      end)
   end)

   describe("the command line without --domcaps", function()
      it("hypervisor-cpu-baseline and -compare probe with virsh's options", function()
         local g = support.temp(SKYLAKE)
         local args = { "--emulator", bin, "--virttype", "qemu" }
         assert.same({ 0, skylake_baseline() .. "\n", "" },
            { support.cli({ "hypervisor-cpu-baseline", g, table.unpack(args) }, false, nil, host) })
         assert.same({ 1, "CPU described in " .. g .. " is incompatible with the CPU provided by hypervisor on the "
            .. "host\n\n", "virtcaps hypervisor-cpu-compare: Host CPU does not provide required features: vme, pcid, "
            .. "x2apic, tsc-deadline, hle, invpcid, rtm, rdseed, xsavec, 3dnowprefetch\n" },
            { support.cli({ "hypervisor-cpu-compare", g, table.unpack(args) }, false, nil, host) })
         -- the defaults: this host's emulator for its arch, KVM (QEMU's record has it): the reference's
         -- KVM answer
         local kvm = cpu.hypervisor_baseline(reference("kvm"), SKYLAKE, { features = host_cpu_props(nil, "kvm") })
         assert.same({ 0, cpu.format(kvm) .. "\n", "" },
            { support.cli({ "hypervisor-cpu-baseline", g }, false, nil, host) })
         assert.not_equal(skylake_baseline(), cpu.format(kvm))
         assert.same({ 2, "", "virtcaps hypervisor-cpu-baseline: the machine 'bogus' is not supported by emulator '"
            .. bin .. "'\n" }, { support.cli({ "hypervisor-cpu-baseline", g, "--machine", "bogus" }, false, nil, host) })
         os.remove(g)
      end)
   end)

   describe("policy.fits", function()
      local function domain(model, emulator)
         return "<domain type='qemu'><name>d</name><memory>1048576</memory><vcpu>1</vcpu><os><type arch='x86_64' "
            .. "machine='pc'>hvm</type></os><cpu mode='custom' match='exact'><model>" .. model .. "</model></cpu>"
            .. "<devices><emulator>" .. (emulator or bin) .. "</emulator></devices></domain>"
      end
      local BLOCKED = "cpu: wanted CPU model Skylake-Client, found not usable here, blocked by "
         .. table.concat(SKYLAKE_BLOCKERS, ", ")

      it("probes the domain's emulator when caps are live", function()
         local caps = live()
         local ok, failures = policy.fits(caps, domain("Skylake-Client"))
         assert.is_false(ok)
         assert.same({ BLOCKED }, { failures[1].message })
         assert.is_true((policy.fits(caps, domain("qemu64"))))
         -- the same answer as the reference's document with its cache's blockers
         local _, with_ref = policy.fits(caps, domain("Skylake-Client"), reference_tcg())
         assert.equal(BLOCKED, with_ref[1].message)
      end)

      it("does not probe for dc = false, nor for a document", function()
         local caps = live()
         local before = lines(dir .. "/runs")
         assert.is_true((policy.fits(caps, domain("Skylake-Client"), false)))
         assert.is_true((policy.fits(assert(virtcaps.parse(caps:xml())), domain("Skylake-Client"))))
         assert.equal(before, lines(dir .. "/runs"))
         assert.has_error(function() policy.fits(caps, domain("qemu64"), 7) end)
      end)

      it("warns when the probe fails, and checks the rest", function()
         local broken = fake.tmpdir()
         support.write(broken .. "/session", fake.session(MACHINES, { accels = { "tcg-accel" } }))
         local b = fake.script(broken, "qemu-system-x86_64", "case \"$*\" in\n*accel=*) exit 3 ;;\n"
            .. "*) exec cat '" .. broken .. "/session' ;;\nesac")
         local caps = assert(virtcaps.probe { drivers = { "qemu" }, qemu_dirs = { broken }, cache = false,
            arch = "x86_64", paths = host.paths })
         local ok, failures, warnings = policy.fits(caps, domain("Skylake-Client", b))
         assert.is_true(ok)
         assert.same({}, failures)
         assert.equal(1, #warnings)
         assert.equal("domcaps", warnings[1].rule)
         assert.matches("^domcaps: wanted the emulator's domain capabilities, found none %(.+%): what the domain "
            .. "asks of the emulator is not checked$", warnings[1].message)
         fake.remove(broken)
      end)

      it("virtcaps fits probes when the capabilities are live", function()
         local path = support.temp(domain("Skylake-Client"))
         assert.same({ 1, BLOCKED .. "\n", "" }, { support.cli({ "fits", path }, false, nil, host) })
         os.remove(path)
      end)
   end)

   describe("policy.check", function()
      it("probes the default domain capabilities, and only for their rules", function()
         local caps = live()
         local before = lines(dir .. "/runs")
         assert.same({ true, {} }, { policy.check(caps, { arch = "x86_64", min_cpus = 1 }) })
         assert.equal(before, lines(dir .. "/runs"))
         local rules = { cpu_models = { "qemu64", "Skylake-Client" }, sev = false }
         local ok, failures = policy.check(caps, rules)
         assert.is_false(ok)
         -- the default: KVM, where the record's host blocks less
         assert.same({ "cpu_models: wanted qemu64, Skylake-Client, found not usable: Skylake-Client (blocked by "
            .. "pcid, hle, erms, invpcid, rtm)" }, { failures[1].message })
         assert.same(select(2, policy.check(caps, rules, reference("kvm"))), failures)
         assert.is_true(lines(dir .. "/runs") > before)
      end)

      it("needs domain capabilities for a document, or with dc = false", function()
         local caps = live()
         local doc = assert(virtcaps.parse(caps:xml()))
         assert.has_error(function() policy.check(doc, { sev = false }) end, "rule 'sev' is about domain "
            .. "capabilities: give them (policy.check(caps, rules, dc), virtcaps check --domcaps FILE), or check this "
            .. "host's live probe")
         assert.has_error(function() policy.check(caps, { tpm = "2.0", sev = false }, false) end, "rule 'tpm' is "
            .. "about domain capabilities: give them (policy.check(caps, rules, dc), virtcaps check --domcaps FILE), "
            .. "or check this host's live probe")
      end)

      it("fails the rules with why when the probe fails", function()
         local empty = fake.tmpdir()
         local caps = assert(virtcaps.probe { drivers = { "qemu" }, qemu_dirs = { empty }, cache = false,
            arch = "x86_64", paths = { ["/dev/kvm"] = empty .. "/no-kvm", ["/etc"] = fake.ETC,
               ["/usr/bin"] = empty, ["/usr/local/bin"] = empty, ["/bin"] = empty } })
         local ok, failures = policy.check(caps, { sev = true })
         assert.is_false(ok)
         assert.matches("^domcaps: wanted this host's domain capabilities, found none %(.+%)$", failures[1].message)
         assert.equal("sev: wanted supported, found not supported", failures[2].message)
         fake.remove(empty)
      end)

      it("virtcaps check probes when the capabilities are live", function()
         local rules = support.temp('return { cpu_models = { "qemu64" }, sev = false }')
         assert.same({ 0, "ok: 2 rules hold\n", "" }, { support.cli({ "check", rules }, false, nil, host) })
         os.remove(rules)
      end)
   end)

   describe("facts", function()
      local function domcaps_keys(f)
         return support.with_prefix(f, "virtcaps_domcaps_")
      end

      it("of a live table have the default domain capabilities' facts", function()
         local caps = live()
         local f = domcaps_keys(facts.of(caps))
         local ref = domcaps_keys(facts.of(caps, nil, reference("kvm")))
         assert.same(ref.virtcaps_domcaps_cpu_models_usable, f.virtcaps_domcaps_cpu_models_usable)
         assert.equal(20, #f.virtcaps_domcaps_cpu_models_usable)
         assert.equal("EPYC-Rome", f.virtcaps_domcaps_host_model)
         assert.equal(bin, f.virtcaps_domcaps_emulator)
         assert.equal("kvm", f.virtcaps_domcaps_domain_type)
         assert.same({}, domcaps_keys(facts.of(caps, nil, false)))
         assert.same({}, domcaps_keys(facts.of(assert(virtcaps.parse(caps:xml())))))
      end)

      it("virtcaps facts has them by default on a live host; not with --no-domcaps or --caps", function()
         local code, out = support.cli({ "facts" }, false, nil, host)
         assert.equal(0, code)
         assert.equal("EPYC-Rome", json.decode(out).virtcaps_domcaps_host_model)
         code, out = support.cli({ "facts", "--no-domcaps" }, false, nil, host)
         assert.equal(0, code)
         assert.same({}, domcaps_keys(json.decode(out)))
         local caps = support.temp(live():xml())
         code, out = support.cli({ "facts", "--caps", caps }, false, nil, host)
         assert.equal(0, code)
         assert.same({}, domcaps_keys(json.decode(out)))
         assert.same({ 2, "", "virtcaps facts: --domcaps and --no-domcaps exclude each other\n" },
            { support.cli({ "facts", "--no-domcaps", "--domcaps", DATA .. "expected/qemu_7.2.0-tcg.x86_64.xml" },
               false, nil, host) })
         os.remove(caps)
      end)
   end)
end)
