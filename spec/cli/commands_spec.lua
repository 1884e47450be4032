-- Each command keeps its word: --caps honoured or refused, stray arguments
-- refused, every file reported, failed writes noticed, the driver chosen
-- with --connect, warnings that reach the user, virsh's options and forms.
local virtcaps = require "virtcaps"
local json = require "dkjson"
local support = require "support"

local run, shell = support.cli, support.shell
local FIX = "spec/fixtures/xml/"
local CAPS = FIX .. "debian12-x86_64-virsh.xml"
local HUGE = FIX .. "debian12-x86_64-hugepages-virsh.xml"

local temp = support.temp

describe("every command", function()
   it("honours --caps or refuses it", function()
      for _, c in ipairs {
         { "nodeinfo", "nodeinfo reads this host's own files, not a capabilities document" },
         { "detect-virt", "detect-virt reads this host's own files, not a capabilities document" },
         { "validate", "validate reads the FILEs it is given", CAPS },
         { "diff", "diff compares the two files it is given", CAPS, CAPS },
         { "baseline", "baseline reads the FILEs it is given", CAPS },
      } do
         local argv = { c[1], "--caps", CAPS, table.unpack(c, 3) }
         assert.same({ 2, "", "virtcaps " .. c[1] .. ": --caps does not apply here (" .. c[2] .. ")\n" }, { run(argv) })
      end
      -- the commands that honour it answer for FILE, not for this host
      local test = FIX .. "libvirt-test-driver-virsh.xml"
      assert.same({ 0, "16\n", "" }, { run { "xpath", "count(//cpus/cpu)", "--caps", test } })
      assert.equal(16, json.decode((select(2, run { "facts", "--caps", test }))).virtcaps_cpus)
   end)

   it("refuses stray arguments", function()
      for _, argv in ipairs {
         { "nodeinfo", "extra" }, { "detect-virt", "extra" }, { "facts", "extra" }, { "choose", "extra" },
         { "guests", "extra" },
      } do
         assert.same({ 2, "", "virtcaps " .. argv[1] .. ": unexpected argument 'extra'\n" }, { run(argv) })
      end
      assert.same({ 2, "", "virtcaps xpath: needs one expression, got 2\n" }, { run { "xpath", "a", "b" } })
      assert.same({ 2, "", "virtcaps fits: needs one DOMAIN.xml file, got 2\n" }, { run { "fits", "a", "b" } })
      assert.same({ 2, "", "virtcaps check: needs one RULES file, got 2\n" }, { run { "check", "a", "b" } })
      assert.same({ 2, "", "virtcaps cpu-compare: needs one CPU.xml file, got 0\n" }, { run { "cpu-compare" } })
      assert.same({ 2, "", "virtcaps: option --caps is given twice\n" }, { run { "--caps", CAPS, "--caps", HUGE } })
   end)

   it("says when its output cannot be written, with a non-zero status", function()
      local failing = { write = function() return nil, "No space left on device", 28 end }
      local err = {}
      local code = require("virtcaps.cli").main({ "facts", "--caps", CAPS }, {
         stdout = failing, stderr = { write = function(self, ...) for _, s in ipairs { ... } do err[#err + 1] = s end return self end },
      })
      assert.equal(2, code)
      assert.equal("virtcaps facts: cannot write the output: No space left on device\n", table.concat(err))
      for _, cmd in ipairs { "facts --caps " .. CAPS, "--caps " .. CAPS, "guests --caps " .. CAPS, "--version" } do
         local name = cmd:match("^%-") and "virtcaps" or "virtcaps " .. cmd:match("^%S+")
         assert.same({ 2, "", name .. ": cannot write the output: No space left on device\n" },
            { shell("lua5.4 bin/virtcaps " .. cmd .. " > /dev/full") })
      end
      -- a closed pipe, where SIGPIPE is ignored (a daemon's child)
      local c, _, perr = shell("sh -c \"trap '' PIPE; lua5.4 bin/virtcaps --json --caps " .. CAPS .. " | true\"")
      assert.same({ 0, "virtcaps: cannot write the output: Broken pipe\n" }, { c, perr })
   end)
end)

describe("virtcaps validate", function()
   it("reports every file, then exits with the worst status", function()
      local bad = temp("<capabilities><host/></capabilities>")
      local code, out, err = run { "validate", CAPS, bad, "/nonexistent.xml", HUGE }
      assert.equal(2, code)
      assert.equal(CAPS .. ": valid\n" .. bad .. ": invalid: line 1: <host> needs a <cpu> element\n" .. HUGE .. ": valid\n",
         out)
      assert.equal("virtcaps validate: /nonexistent.xml: No such file or directory\n", err)
      assert.same({ 1, CAPS .. ": valid\n" .. bad .. ": invalid: line 1: <host> needs a <cpu> element\n", "" },
         { run { "validate", CAPS, bad } })
      local _, jout = run { "validate", "--json", "/nonexistent.xml", CAPS }
      assert.same({ { file = "/nonexistent.xml", valid = false, readable = false,
         error = "/nonexistent.xml: No such file or directory", warnings = {} },
         { file = CAPS, valid = true, readable = true, warnings = {} } }, json.decode(jout))
      os.remove(bad)
   end)
end)

describe("--connect", function()
   local function guest_kinds(argv)
      local code, out = run(argv)
      assert.equal(0, code)
      local kinds = {}
      for _, g in ipairs(json.decode(out)) do kinds[#kinds + 1] = g.os_type .. "/" .. g.arch .. "/" .. g.domains[1] end
      return kinds
   end

   local function probe_kinds(driver)
      local kinds = {}
      for _, g in ipairs(assert(virtcaps.probe { drivers = { driver } }).guests) do
         kinds[#kinds + 1] = g.os_type .. "/" .. g.arch.name .. "/" .. g.arch.domains[1].type
      end
      return kinds
   end

   it("selects one driver, as virsh -c does; the default is the QEMU driver's view", function()
      local qemu, lxc = probe_kinds("qemu"), probe_kinds("lxc")
      assert.same(qemu, guest_kinds { "guests", "--json" })
      for _, uri in ipairs { "qemu:///system", "qemu" } do
         assert.same(qemu, guest_kinds { "guests", "--json", "-c", uri })
      end
      for _, uri in ipairs { "lxc:///", "lxc:///system", "lxc" } do
         assert.same(lxc, guest_kinds { "-c", uri, "guests", "--json" })
      end
      for _, k in ipairs(guest_kinds { "guests", "--json" }) do
         assert.not_matches("^exe/", k)
      end
      local doc = select(2, run {})
      assert.falsy(doc:find("<os_type>exe</os_type>", 1, true))
      assert.falsy(doc:find("libvirt_lxc", 1, true))
   end)

   it("says why a driver it selects gives no guests", function()
      -- no Xen here: the guests are none, and a note says why
      for _, uri in ipairs { "xen:///", "xen:///system", "xen" } do
         local code, out, err = run { "guests", "--connect", uri }
         assert.same({ 0, "OS TYPE  ARCH  BITS  DOMAINS  MACHINES  DEFAULT  EMULATOR\n" }, { code, out })
         assert.equal("virtcaps guests: warning: xen: no Xen hypervisor capabilities in "
            .. "/sys/hypervisor/properties/capabilities or /proc/xen/capabilities\n", err)
      end
   end)

   it("refuses URIs it does not know, with status 2", function()
      local known = " (known: qemu:///system, lxc:///, lxc:///system, xen:///, xen:///system, or qemu, lxc, xen)\n"
      assert.same({ 2, "", "virtcaps: unsupported connection URI 'vbox:///session'" .. known },
         { run { "-c", "vbox:///session" } })
      assert.same({ 2, "", "virtcaps guests: unsupported connection URI 'qemu+ssh://host/system'" .. known },
         { run { "guests", "-c", "qemu+ssh://host/system" } })
      assert.same({ 2, "", "virtcaps: unsupported connection URI 'qemu:///session': a user's session daemon is not "
         .. "modelled (use qemu:///system)\n" }, { run { "-c", "qemu:///session" } })
      assert.same({ 2, "", "virtcaps choose: --connect and --caps exclude each other\n" },
         { run { "choose", "-c", "qemu", "--caps", CAPS } })
      assert.same({ 2, "", "virtcaps: option --connect needs a value\n" }, { run { "-c" } })
   end)
end)

describe("warnings", function()
   local warned
   setup(function()
      warned = temp("<capabilities><host><cpu><arch>x86_64</arch><colour/></cpu></host></capabilities>")
   end)
   teardown(function() os.remove(warned) end)

   it("all reach stderr with -v, those that change the answer without", function()
      local note = "warning: line 1: ignored unknown element <colour> in <cpu>\n"
      assert.same({ 0, "OS TYPE  ARCH  BITS  DOMAINS  MACHINES  DEFAULT  EMULATOR\n", "" },
         { run { "guests", "--caps", warned } })
      assert.same({ 0, "OS TYPE  ARCH  BITS  DOMAINS  MACHINES  DEFAULT  EMULATOR\n", "virtcaps guests: " .. note },
         { run { "guests", "-v", "--caps", warned } })
      local code, out, err = run { "--verbose", "--caps", warned }
      assert.same({ 0, "virtcaps: " .. note }, { code, err })
      assert.equal(assert(virtcaps.load(warned)):xml(), out)
      -- the document itself is the same with -v, the probe's notes on stderr
      local quiet = select(2, run {})
      code, out, err = run { "-v" }
      assert.equal(0, code)
      assert.equal(quiet:gsub("<uuid>[^<]*</uuid>", ""), (out:gsub("<uuid>[^<]*</uuid>", "")))
      local probed = assert(virtcaps.probe { drivers = { "qemu" } })
      local notes = {}
      for _, w in ipairs(probed.warnings) do notes[#notes + 1] = "virtcaps: warning: " .. w .. "\n" end
      assert.equal(table.concat(notes), err)
   end)

   it("are in the JSON answers", function()
      local code, out = run { "choose", "--json", "--caps", warned }
      assert.equal(1, code)
      assert.same({ error = "no guest of arch x86_64 on this x86_64 host",
         warnings = { "line 1: ignored unknown element <colour> in <cpu>" } }, json.decode(out))
      local probed = assert(virtcaps.probe { drivers = { "xen" } })
      code, out = run { "choose", "--json", "-c", "xen" }
      assert.equal(1, code)
      assert.same(probed.warnings, json.decode(out).warnings)
      assert.is_true(#probed.warnings > 0)
   end)
end)

describe("the QEMU driver's kvm domain", function()
   local fake = require "fake_qemu"
   local dir
   before_each(function() dir = fake.tmpdir() end)
   after_each(function() fake.remove(dir) end)

   local function kvm_warnings(caps)
      local kvm = {}
      for _, w in ipairs(caps.warnings) do
         if w:find("kvm domain", 1, true) then kvm[#kvm + 1] = w end
      end
      return kvm
   end

   it("is left out with a warning that says why", function()
      fake.replay(dir, "qemu-system-x86_64", fake.session { { name = "pc", ["cpu-max"] = 255 } })
      local caps = assert(fake.probe(dir))
      assert.same({ { type = "qemu" } }, caps.guests[1].arch.domains)
      assert.same({ support.NO_KVM }, kvm_warnings(caps))
      -- a /dev/kvm that is no KVM device (a regular file answers no ioctl)
      assert(fake.sh("touch " .. dir .. "/kvm-file"))
      caps = assert(fake.probe(dir, { paths = { ["/dev/kvm"] = dir .. "/kvm-file" } }))
      assert.same({ "qemu: no kvm domain: /dev/kvm does not speak KVM API 12" }, kvm_warnings(caps))
   end)
end)

describe("virtcaps choose --machine", function()
   it("refuses a bad pattern as bad usage, whatever the machines are called", function()
      local bad = {
         ["pc-q35-["] = "malformed pattern (missing ']')", ["zz-["] = "malformed pattern (missing ']')",
         ["q35)"] = "invalid pattern capture", ["(q35"] = "unfinished capture", ["pc%"] = "malformed pattern (ends with '%')",
         ["x%b"] = "malformed pattern (missing arguments to '%b')", ["x%fa"] = "missing '[' after '%f' in pattern",
         ["(x%1)"] = "invalid capture index %1",
      }
      for pattern, why in pairs(bad) do
         assert.same({ 2, "", "virtcaps choose: bad option 'machine' to 'choose' (bad pattern: " .. why .. ")\n" },
            { run { "choose", "--machine", pattern, "--caps", CAPS } }, pattern)
      end
      assert.same({ 1, "", "virtcaps choose: no machine matching 'zz%-[%]]' for x86_64 (kvm); machines: pc-i440fx-7.2, pc, "
         .. "pc-q35-5.2, pc-i440fx-2.12, pc-i440fx-2.0, pc-i440fx-6.2, pc-q35-4.2, pc-i440fx-2.5 and 52 more\n" },
         { run { "choose", "--machine", "zz%-[%]]", "--caps", CAPS } })
      assert.equal(0, (run { "choose", "--machine", "^pc%-q35%-[67]", "--caps", CAPS }))
   end)
end)

describe("virtcaps diff --json", function()
   it("gives sizes as numbers of KiB beside the text", function()
      local more = temp((support.read(CAPS):gsub("<memory unit='KiB'>5859104</memory>", "<memory unit='KiB'>6859104</memory>")))
      local code, out = run { "diff", "--json", CAPS, more }
      assert.equal(1, code)
      assert.same({
         { change = "changed", what = "memory", from = "5.6 GiB", to = "6.5 GiB", from_kib = 5859104, to_kib = 6859104,
            message = "changed memory: 5.6 GiB -> 6.5 GiB" },
         { change = "changed", what = "cell memory", name = "0", from = "5.6 GiB", to = "6.5 GiB", from_kib = 5859104,
            to_kib = 6859104, message = "changed cell memory 0: 5.6 GiB -> 6.5 GiB" },
      }, json.decode(out))
      os.remove(more)
   end)
end)

describe("virtcaps fits", function()
   it("warns of overcommit, which the reference accepts, unless asked for a limit", function()
      local over = temp((support.read("spec/fixtures/domain/kvm-q35-small.xml"):gsub("(<vcpu[^>]*>)2<", "%14<")))
      local skipped = "what the domain asks of its emulator is not checked: --caps FILE is not this host's live "
         .. "probe (give --domcaps FILE)"
      assert.same({ 0, over .. ": fits\n", "virtcaps fits: warning: host_cpus: wanted 4 vCPUs, found 2 host CPUs\n"
         .. "virtcaps fits: warning: " .. skipped .. "\n" }, { run { "fits", over, "--caps", CAPS } })
      assert.same({ 1, "host_cpus: wanted 4 vCPUs, found 2 host CPUs\n", "virtcaps fits: warning: " .. skipped .. "\n" },
         { run { "fits", over, "--no-overcommit", "--caps", CAPS } })
      local code, out = run { "fits", "--json", over, "--caps", CAPS }
      assert.equal(0, code)
      assert.same({ ok = true, failures = {}, warnings = { "host_cpus: wanted 4 vCPUs, found 2 host CPUs", skipped } },
         json.decode(out))
      os.remove(over)
   end)
end)

describe("virsh's options and forms", function()
   it("--version", function()
      assert.same({ 0, virtcaps._VERSION .. "\n", "" }, { run { "--version" } })
      assert.same({ 0, "virtcaps 0.1.0\n", "" }, { shell("lua5.4 bin/virtcaps --version") })
   end)

   it("baseline --features and --migratable", function()
      local cpu = require "virtcaps.cpu"
      local docs = { support.read(CAPS), support.read(HUGE) }
      local plain = select(2, run { "baseline", CAPS, HUGE })
      for flag, opts in pairs { ["--features"] = { expand = true }, ["--migratable"] = { migratable = true } } do
         local code, out, err = run { "baseline", flag, CAPS, HUGE }
         assert.same({ 0, "" }, { code, err })
         assert.equal(cpu.format((assert(cpu.baseline(docs, opts)))), out)
         assert.are_not.equal(plain, out, flag)
      end
      -- invtsc blocks migration
      assert.truthy(plain:find("name='invtsc'", 1, true))
      assert.falsy(select(2, run { "baseline", "--migratable", CAPS }):find("invtsc", 1, true))
   end)

   it("cpu-compare prints what virsh cpu-compare prints", function()
      local same = temp("<cpu match='exact'><model>Broadwell</model></cpu>")
      local newer = temp("<cpu match='exact'><model>Skylake-Client</model></cpu>")
      local host = assert(virtcaps.load(CAPS))
      local result = virtcaps.cpu.compare(host, support.read(same))
      assert.equal("superset", result)
      assert.same({ 0, "Host CPU is a superset of CPU described in " .. same .. "\n", "" },
         { run { "cpu-compare", same, "--caps", CAPS } })
      local _, _, message = virtcaps.cpu.compare(host, support.read(newer))
      assert.same({ 1, "CPU described in " .. newer .. " is incompatible with host CPU\n", "virtcaps cpu-compare: "
         .. message .. "\n" }, { run { "cpu-compare", newer, "--caps", CAPS } })
      assert.matches("^Host CPU does not provide required features: ", message)
      local code, out = run { "cpu-compare", "--json", newer, "--caps", CAPS }
      assert.equal(1, code)
      assert.equal("incompatible", json.decode(out).result)
      assert.same({ 0, "CPU described in " .. CAPS .. " is identical to host CPU\n", "" },
         { run { "cpu-compare", CAPS, "--caps", CAPS } })
      os.remove(same)
      os.remove(newer)
   end)

   it("guests names the default machine and lists one guest's machines", function()
      local code, out = run { "guests", "--machines", "--arch", "x86_64", "--caps", CAPS }
      assert.equal(0, code)
      local lines = {}
      for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.equal(61, #lines)
      assert.matches("^MACHINE +ALIAS OF +MAX CPUS +DEPRECATED$", lines[1])
      assert.matches("^pc%-i440fx%-7%.2 +255 *$", lines[2])
      assert.matches("^pc +pc%-i440fx%-7%.2 +255 *$", lines[3])
      local rows = json.decode((select(2, run { "guests", "--machines", "--arch", "x86_64", "--json", "--caps", CAPS })))
      assert.same({ name = "pc", canonical = "pc-i440fx-7.2", max_cpus = 255, deprecated = false }, rows[2])
      assert.same({ 2, "", "virtcaps guests: --machines lists one guest's machine types; 5 guests match (choose one "
         .. "with --arch, --os-type, --domain)\n" }, { run { "guests", "--machines", "--caps", CAPS } })
   end)
end)
