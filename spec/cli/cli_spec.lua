-- The command line (virtcaps.cli, bin/virtcaps) and the example hooks.
local virtcaps = require "virtcaps"
local json = require "dkjson"
local support = require "support"

local FIX = "spec/fixtures/xml/"
local CAPS = FIX .. "debian12-x86_64-virsh.xml"
local HUGE = FIX .. "debian12-x86_64-hugepages-virsh.xml"
local TEST = FIX .. "libvirt-test-driver-virsh.xml"

local run, shell = support.cli, support.shell

-- Runs a command with a terminal as its stdin, stdout and stderr (script(1)
-- gives it one): code and what the terminal showed. script itself runs
-- without the sanitizer runtime `make asan-test` preloads (it is not built
-- for it); the command gets it back.
local function on_terminal(cmd)
   local preload = os.getenv("LD_PRELOAD")
   local inner = (preload and "env LD_PRELOAD='" .. preload .. "' " or "") .. cmd
   return shell("env -u LD_PRELOAD script -qec \"" .. inner:gsub('["\\$`]', "\\%0") .. "\" /dev/null")
end

-- Two probes of this host give the same document but for a uuid the probe
-- may make up when the firmware has none (as the reference does).
local function without_uuid(doc)
   return (doc:gsub("\n *<uuid>[^<]*</uuid>", ""))
end

local temp = support.temp

describe("virtcaps (no command)", function()
   it("prints a document as virsh capabilities does", function()
      local code, out, err = run { "--caps", HUGE }
      assert.equal(0, code)
      assert.equal(support.read(HUGE), out)
      assert.equal("", err)
   end)

   it("probes this host without --caps", function()
      local code, out = run {}
      assert.equal(0, code)
      -- the QEMU driver's view, as the reference's default connection
      assert.equal(without_uuid(assert(virtcaps.probe { drivers = { "qemu" } }):xml() .. "\n\n"), without_uuid(out))
   end)

   it("shows progress on a terminal while it probes", function()
      local code, _, err = run({}, true)
      assert.equal(0, code)
      assert.equal("virtcaps: probing this host (the first run asks every QEMU binary; later runs use the cache)..."
         .. "\r\27[K", err)
      code, _, err = run({ "--caps", CAPS }, true)
      assert.equal(0, code)
      assert.equal("", err)
   end)

   it("prints the model as JSON", function()
      local code, out = run { "--json", "--caps", CAPS }
      assert.equal(0, code)
      local t = assert(json.decode(out))
      assert.equal("Broadwell", t.host.cpu.model)
      assert.equal(56, #t.host.cpu.features)
      assert.equal(5, #t.guests)
      assert.equal("pc", t.guests[5].arch.machines[2].name)
      assert.equal(5859104, t.host.topology.cells[1].memory.value)
      -- empty objects stay objects, empty lists lists
      assert.truthy(out:find('"power_management":{%s*}'))
      assert.truthy(out:find('"warnings":[]', 1, true))
      -- large integers stay exact
      assert.truthy(out:find('"frequency":2600000000', 1, true))
      -- the same bytes from run to run: keys are sorted
      assert.equal(out, select(2, run { "--json", "--caps", CAPS }))
   end)

   it("fails clearly on bad usage and bad input", function()
      assert.same({ 2, "", "virtcaps: unknown command 'frobnicate' (try virtcaps --help)\n" }, { run { "frobnicate" } })
      assert.same({ 2, "", "virtcaps: unknown option '--frobnicate'\n" }, { run { "--frobnicate" } })
      assert.same({ 2, "", "virtcaps: option --caps needs a value\n" }, { run { "--caps" } })
      assert.same({ 2, "", "virtcaps: /nonexistent.xml: No such file or directory\n" },
         { run { "--caps", "/nonexistent.xml" } })
      local bad = temp("<capabilities>\n<host/>\n</capabilities>")
      assert.same({ 2, "", "virtcaps: " .. bad .. ": line 2: <host> needs a <cpu> element\n" }, { run { "--caps", bad } })
      os.remove(bad)
   end)

   it("has help for itself and each command", function()
      local code, out = run { "--help" }
      assert.equal(0, code)
      assert.truthy(out:find("usage: virtcaps [--json] [-v] [--caps FILE | -c URI] [COMMAND [ARGS]]", 1, true))
      assert.equal(out, select(2, run { "help" }))
      for _, name in ipairs { "nodeinfo", "guests", "validate", "diff", "check", "choose", "fits", "baseline", "xpath",
         "cpu-compare", "detect-virt", "facts" } do
         assert.truthy(out:find("\n  " .. name .. " ", 1, true), name .. " missing from --help")
         local c, text = run { name, "--help" }
         assert.equal(0, c)
         assert.truthy(text:find("^usage: virtcaps " .. name:gsub("%-", "%%-")), name)
         assert.equal(text, select(2, run { name, "-h" }))
      end
   end)
end)

describe("virtcaps guests", function()
   it("prints an aligned table", function()
      local code, out = run { "guests", "--caps", CAPS }
      assert.equal(0, code)
      assert.equal(table.concat({
         "OS TYPE  ARCH     BITS  DOMAINS   MACHINES  DEFAULT        EMULATOR",
         "hvm      armv6l   32    qemu      104       integratorcp   /usr/bin/qemu-system-arm",
         "hvm      armv7l   32    qemu      104       integratorcp   /usr/bin/qemu-system-arm",
         "hvm      aarch64  64    qemu      109       integratorcp   /usr/bin/qemu-system-aarch64",
         "hvm      i686     32    qemu,kvm  60        pc-i440fx-7.2  /usr/bin/qemu-system-i386",
         "hvm      x86_64   64    qemu,kvm  60        pc-i440fx-7.2  /usr/bin/qemu-system-x86_64",
      }, "\n") .. "\n", out)
   end)

   it("filters by arch, os type and domain", function()
      assert.equal("OS TYPE  ARCH  BITS  DOMAINS  MACHINES  DEFAULT  EMULATOR\n"
         .. "xen      i686  32    test     0                  /usr/bin/test-hv\n",
         select(2, run { "guests", "--os-type", "xen", "--caps", TEST }))
      local code, out = run { "guests", "--domain=kvm", "--arch", "x86_64", "--json", "--caps", CAPS }
      assert.equal(0, code)
      local rows = assert(json.decode(out))
      assert.equal(1, #rows)
      assert.same({ "qemu", "kvm" }, rows[1].domains)
      assert.equal(60, #rows[1].machines)
      assert.equal("pc-i440fx-7.2", rows[1].machines[1])
      assert.equal("pc-i440fx-7.2", rows[1].default_machine)
      assert.equal("[]", select(2, run { "guests", "--domain", "xen", "--json", "--caps", CAPS }):gsub("%s", ""))
   end)

   it("rejects stray arguments", function()
      assert.same({ 2, "", "virtcaps guests: unknown option '--bits'\n" }, { run { "guests", "--bits", "64" } })
      assert.same({ 2, "", "virtcaps guests: unexpected argument 'x86_64'\n" },
         { run { "guests", "x86_64", "--caps", CAPS } })
   end)
end)

describe("virtcaps validate", function()
   it("says which documents are valid", function()
      local bad = temp("<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest/></capabilities>")
      local code, out = run { "validate", CAPS, FIX .. "hmat-clusters.xml", bad }
      assert.equal(1, code)
      assert.equal(CAPS .. ": valid\n" .. FIX .. "hmat-clusters.xml: valid\n"
         .. bad .. ": invalid: line 1: <guest> needs an <os_type> element\n", out)
      local warned = temp("<capabilities><host><cpu><arch>x86_64</arch><colour/></cpu></host></capabilities>")
      code, out = run { "validate", warned }
      assert.equal(0, code)
      assert.equal(warned .. ": valid (1 warning)\n" .. warned .. ": warning: line 1: ignored unknown element <colour> in <cpu>\n",
         out)
      code, out = run { "validate", "--json", warned, bad }
      assert.equal(1, code)
      assert.same({
         { file = warned, valid = true, readable = true, warnings = { "line 1: ignored unknown element <colour> in <cpu>" } },
         { file = bad, valid = false, readable = true, error = "line 1: <guest> needs an <os_type> element", warnings = {} },
      }, json.decode(out))
      os.remove(bad)
      os.remove(warned)
   end)

   it("fails with 2 on unreadable files and without files", function()
      assert.same({ 2, "", "virtcaps validate: /nonexistent.xml: No such file or directory\n" },
         { run { "validate", "/nonexistent.xml" } })
      assert.same({ 2, "", "virtcaps validate: needs at least one FILE, got 0\n" }, { run { "validate" } })
   end)
end)

describe("virtcaps diff", function()
   it("lists the changes and exits 1 when there are some", function()
      assert.same({ 1, "changed pages 2 MiB in cell 0: 0 -> 16\nchanged pages 1 GiB in cell 0: 0 -> 2\n", "" },
         { run { "diff", CAPS, HUGE } })
      assert.same({ 0, "", "" }, { run { "diff", CAPS, CAPS } })
      local code, out = run { "diff", "--json", CAPS, HUGE }
      assert.equal(1, code)
      assert.same({ change = "changed", what = "pages", name = "1 GiB in cell 0", from = 0, to = 2,
         message = "changed pages 1 GiB in cell 0: 0 -> 2" }, json.decode(out)[2])
   end)

   it("needs two readable documents", function()
      assert.same({ 2, "", "virtcaps diff: needs two files, got 1\n" }, { run { "diff", CAPS } })
      assert.same({ 2, "", "virtcaps diff: /nonexistent.xml: No such file or directory\n" },
         { run { "diff", CAPS, "/nonexistent.xml" } })
   end)
end)

describe("virtcaps check", function()
   local files = {}
   local function rules(text)
      local path = temp(text)
      files[#files + 1] = path
      return path
   end
   teardown(function()
      for _, f in ipairs(files) do os.remove(f) end
   end)

   it("passes and fails rules with reasons", function()
      local ok_rules = rules('return { arch = "x86_64", domains = {"kvm"}, min_cpus = 2, min_memory = "4 GiB" }')
      assert.same({ 0, "ok: 4 rules hold\n", "" }, { run { "check", ok_rules, "--caps", CAPS } })
      local strict = rules('return { domains = {"kvm"}, min_cpus = 8, hugepages = {size = "1 GiB", count = 4}, iommu = true }')
      assert.same({ 1, "min_cpus: wanted at least 8, found 2\nhugepages: wanted 4 pages of 1 GiB, found 2\n"
         .. "iommu: wanted supported, found not supported\n", "" }, { run { "check", strict, "--caps", HUGE } })
      local code, out = run { "check", strict, "--json", "--caps", HUGE }
      assert.equal(1, code)
      local t = json.decode(out)
      assert.is_false(t.ok)
      assert.same({ rule = "min_cpus", wanted = "at least 8", found = "2", wanted_count = 8, found_count = 2,
         message = "min_cpus: wanted at least 8, found 2" }, t.failures[1])
   end)

   it("refuses bad rules files", function()
      local unknown = rules('return { min_ram = "4 GiB" }')
      assert.same({ 2, "", "virtcaps check: " .. unknown .. ": unknown rule 'min_ram' (known: arch, cpu_vendor, "
         .. "cpu_model, virtualization, guest_arches, os_types, domains, machines, features, min_cpus, min_memory, "
         .. "numa_cells, hugepages, iommu, live_migration, secmodels, firmware, secure_boot, cpu_modes, cpu_models, tpm, "
         .. "sev, sgx)\n" }, { run { "check", unknown, "--caps", CAPS } })
      local badvalue = rules('return { min_memory = "plenty" }')
      assert.same({ 2, "", "virtcaps check: " .. badvalue
         .. ": bad rule 'min_memory': cannot read 'plenty' as a size (like \"64 GiB\")\n" },
         { run { "check", badvalue, "--caps", CAPS } })
      local syntax = rules("return {")
      local code, _, err = run { "check", syntax, "--caps", CAPS }
      assert.equal(2, code)
      assert.equal("virtcaps check: " .. syntax .. ":1: unexpected 'end of file' where a value belongs (a rules file "
         .. "is data: one table of strings, numbers, booleans and tables)\n", err)
      local notable = rules("return 42")
      assert.same({ 2, "", "virtcaps check: " .. notable .. ":1: expected a table ('{'), got '42' (a rules file is "
         .. "data: one table of strings, numbers, booleans and tables)\n" }, { run { "check", notable, "--caps", CAPS } })
      -- rules files are data: nothing in them runs
      local sneaky = rules('os.execute("touch /tmp/virtcaps-pwned") return {}')
      code, _, err = run { "check", sneaky, "--caps", CAPS }
      assert.equal(2, code)
      assert.equal("virtcaps check: " .. sneaky .. ":1: expected a table ('{'), got 'os' (a rules file is data: one "
         .. "table of strings, numbers, booleans and tables)\n", err)
      assert.same({ 2, "", "virtcaps check: needs one RULES file, got 0\n" }, { run { "check" } })
   end)
end)

describe("virtcaps choose", function()
   it("prints the choice", function()
      assert.same({ 0, "os_type   hvm\narch      x86_64\ndomain    kvm\nmachine   pc-q35-7.2\n"
         .. "emulator  /usr/bin/qemu-system-x86_64\n", "" },
         { run { "choose", "--arch", "x86_64", "--min-vcpus", "256", "--caps", CAPS } })
      local code, out = run { "choose", "--arch", "aarch64", "--machine", "^virt", "--json", "--caps", CAPS }
      assert.equal(0, code)
      assert.same({ os_type = "hvm", arch = "aarch64", domain = "qemu", machine = "virt-7.2",
         emulator = "/usr/bin/qemu-system-aarch64", warnings = {} }, json.decode(out))
   end)

   it("says what is missing, with exit status 1", function()
      assert.same({ 1, "", "virtcaps choose: no kvm for aarch64 on this x86_64 host; qemu (TCG) is available\n" },
         { run { "choose", "--arch", "aarch64", "--domain", "kvm", "--caps", CAPS } })
      assert.same({ 2, "", "virtcaps choose: --min-vcpus needs a positive integer, got 'many'\n" },
         { run { "choose", "--min-vcpus", "many", "--caps", CAPS } })
      assert.same({ 2, "", "virtcaps choose: bad option 'machine' to 'choose' (bad pattern: malformed pattern "
         .. "(missing ']'))\n" }, { run { "choose", "--machine", "pc[", "--caps", CAPS } })
   end)
end)

describe("virtcaps fits", function()
   local SKIPPED = "virtcaps fits: warning: what the domain asks of its emulator is not checked: --caps FILE is not "
      .. "this host's live probe (give --domcaps FILE)\n"

   it("checks a domain definition", function()
      -- it asks for a CPU model: a document is not this host's to probe
      assert.same({ 0, "spec/fixtures/domain/kvm-q35-small.xml: fits\n", SKIPPED },
         { run { "fits", "spec/fixtures/domain/kvm-q35-small.xml", "--caps", CAPS } })
      assert.same({ 1, "hugepages: wanted 2 GiB in 1 GiB pages in cells 0, found 0 KiB (0 pages)\n", SKIPPED },
         { run { "fits", "spec/fixtures/domain/kvm-hugepages-1g-numa.xml", "--caps", CAPS } })
      assert.same({ 0, '{\n  "failures":[],\n  "ok":true,\n  "warnings":["' .. SKIPPED:match(": warning: (.*)\n")
         .. '"]\n}\n', "" }, { run { "fits", "spec/fixtures/domain/kvm-hugepages-1g-numa.xml", "--json", "--caps", HUGE } })
      assert.same({ 2, "", "virtcaps fits: " .. CAPS .. ": line 1: the root element is <capabilities>, expected <domain>\n" },
         { run { "fits", CAPS, "--caps", CAPS } })
   end)
end)

describe("virtcaps xpath", function()
   it("prints results one a line, as xmllint --xpath does", function()
      assert.same({ 0, "i686\nx86_64\n", "" },
         { run { "xpath", "//guest[arch/domain/@type='kvm']/arch/@name", "--caps", CAPS } })
      assert.same({ 0, "437\n", "" }, { run { "xpath", "count(//machine)", "--caps", CAPS } })
      assert.same({ 1, "", "" }, { run { "xpath", "//guest[os_type='xen']", "--caps", CAPS } })
      assert.same({ 2, "", "virtcaps xpath: bad XPath expression '//[': invalid expression at character 3\n" },
         { run { "xpath", "//[", "--caps", CAPS } })
      assert.same({ 0, '["i686","x86_64"]\n', "" },
         { run { "xpath", "--json", "//guest[arch/domain/@type='kvm']/arch/@name", "--caps", CAPS } })
   end)
end)

describe("virtcaps detect-virt and facts", function()
   it("print what the host runs under", function()
      local v = assert(virtcaps.detect_virt())
      assert.same({ 0, "vm: " .. v.vm .. "\ncontainer: " .. v.container .. "\n", "" }, { run { "detect-virt" } })
      assert.same({ 0, v, "" }, (function()
         local code, out, err = run { "detect-virt", "--json" }
         return { code, json.decode(out), err }
      end)())
   end)

   it("give one JSON object for config management, every key in the virtcaps_ namespace", function()
      local code, out, err = run { "facts", "--caps", HUGE }
      assert.equal(0, code)
      assert.equal("", err)
      local facts = assert(json.decode(out))
      local features = {}
      for f in assert(virtcaps.load(HUGE)):features() do features[#features + 1] = f end
      table.sort(features)
      -- a saved document says nothing about what this host runs under
      assert.same({
         virtcaps_version = "0.1.0",
         virtcaps_arch = "x86_64",
         virtcaps_cpu_vendor = "Intel",
         virtcaps_cpu_model = "Broadwell",
         virtcaps_cpu_features = features,
         virtcaps_cpus = 2,
         virtcaps_sockets = 1,
         virtcaps_cores = 2,
         virtcaps_threads = 1,
         virtcaps_numa_cells = 1,
         virtcaps_memory_kib = 5859104,
         virtcaps_iommu = false,
         virtcaps_live_migration = true,
         virtcaps_kvm = true,
         virtcaps_kvm_arches = { "i686", "x86_64" },
         virtcaps_guest_arches = { "aarch64", "armv6l", "armv7l", "i686", "x86_64" },
         virtcaps_os_types = { "hvm" },
         virtcaps_domain_types = { "kvm", "qemu" },
         virtcaps_virtualization = "kvm",
         virtcaps_hugepage_sizes = { "2M", "1G" },
         virtcaps_hugepages_2M = 16,
         virtcaps_hugepages_1G = 2,
      }, facts)
      -- the same bytes every run, whatever --json says
      assert.equal(out, select(2, run { "facts", "--json", "--caps", HUGE }))
   end)

   it("add what this host runs under when they describe this host", function()
      local v = assert(virtcaps.detect_virt())
      local code, out = run { "facts" }
      assert.equal(0, code)
      local facts = assert(json.decode(out))
      assert.equal(v.vm, facts.virtcaps_vm)
      assert.equal(v.container, facts.virtcaps_container)
      assert.equal(assert(virtcaps.probe { drivers = { "qemu" } }).host.cpu.arch, facts.virtcaps_arch)
   end)

   it("are all documented in the README", function()
      local readme = support.read("README.md")
      for _, doc in ipairs { HUGE, TEST, CAPS } do
         local facts = json.decode((select(2, run { "facts", "--caps", doc })))
         for k in pairs(facts) do
            local documented = readme:find("`" .. k .. "`", 1, true) or (k:find("^virtcaps_hugepages_%d+[KMGT]$")
               and readme:find("`virtcaps_hugepages_2M`, `virtcaps_hugepages_1G`, ...", 1, true))
            assert.truthy(documented, k .. " is not in the README's facts table")
         end
      end
   end)

   it("describe hosts without KVM or huge pages, empty lists as []", function()
      local out = select(2, run { "facts", "--caps", TEST })
      local facts = json.decode(out)
      assert.is_false(facts.virtcaps_kvm)
      assert.truthy(out:find('"virtcaps_kvm_arches":[]', 1, true))
      assert.equal("test", facts.virtcaps_virtualization)
      assert.equal(16, facts.virtcaps_cpus)
      assert.same({ "8K", "2M", "1G" }, facts.virtcaps_hugepage_sizes)
      assert.equal(524288, facts.virtcaps_hugepages_8K)
      assert.same({ "hvm", "xen" }, facts.virtcaps_os_types)
      assert.is_nil(facts.virtcaps_cpu_model)
   end)
end)

describe("commands on the probe and the CPU model", function()
   it("nodeinfo prints virtcaps.nodeinfo as virsh nodeinfo does", function()
      local info = assert(virtcaps.nodeinfo())
      assert.same({ 0, string.format([[
CPU model:           %s
CPU(s):              %d
CPU frequency:       %d MHz
CPU socket(s):       %d
Core(s) per socket:  %d
Thread(s) per core:  %d
NUMA cell(s):        %d
Memory size:         %d KiB
]], info.model, info.cpus, info.mhz, info.sockets, info.cores, info.threads, info.nodes, info.memory), "" },
         { run { "nodeinfo" } })
   end)

   it("baseline takes capabilities and <cpu> documents", function()
      -- two documents of the same host: the baseline is its CPU model and features
      local code, out, err = run { "baseline", CAPS, HUGE }
      assert.same({ 0, "" }, { code, err })
      local cpu = require "virtcaps.cpu"
      local expected = assert(cpu.baseline { (assert(virtcaps.load(CAPS))), (assert(virtcaps.load(HUGE))) })
      assert.equal(cpu.format(expected), out)
      assert.truthy(out:find("<model fallback='forbid'>Broadwell</model>", 1, true))
      code, out, err = run { "baseline", support.DATA .. "/cpucompare/x86_64-baseline-incompatible-vendors.xml" }
      assert.same({ 1, "", "virtcaps baseline: cpus[1]: CPU vendors do not match\n" }, { code, out, err })
      assert.same({ 2, "", "virtcaps baseline: needs at least one FILE, got 0\n" }, { run { "baseline" } })
   end)
end)

describe("bin/virtcaps", function()
   it("exits with the command's status and one-line messages", function()
      assert.same({ 0, support.read(HUGE), "" }, { shell("lua5.4 bin/virtcaps --caps " .. HUGE) })
      assert.same({ 1, "", "virtcaps choose: no kvm for aarch64 on this x86_64 host; qemu (TCG) is available\n" },
         { shell("lua5.4 bin/virtcaps choose --arch aarch64 --domain kvm --caps " .. CAPS) })
      assert.same({ 2, "", "virtcaps: unknown command 'nope' (try virtcaps --help)\n" }, { shell("lua5.4 bin/virtcaps nope") })
      local code, out = shell("lua5.4 bin/virtcaps diff " .. CAPS .. " " .. HUGE)
      assert.equal(1, code)
      assert.equal("changed pages 2 MiB in cell 0: 0 -> 16\nchanged pages 1 GiB in cell 0: 0 -> 2\n", out)
   end)

   it("shows no progress when stderr is not a terminal", function()
      local code, out, err = shell("lua5.4 bin/virtcaps")
      assert.equal(0, code)
      assert.equal(without_uuid(assert(virtcaps.probe { drivers = { "qemu" } }):xml() .. "\n\n"), without_uuid(out))
      assert.equal("", err)
   end)

   it("shows progress when stderr is a terminal (script(1) gives it one)", function()
      local code, out, err = on_terminal("lua5.4 bin/virtcaps >/dev/null")
      assert.equal(0, code)
      assert.equal("virtcaps: probing this host (the first run asks every QEMU binary; later runs use the cache)..."
         .. "\r\27[K", out)
      assert.equal("", err)
   end)
end)

describe("virtcaps.core.isatty", function()
   it("tells terminals from other descriptors", function()
      local core = require "virtcaps.core"
      local cmd = "lua5.4 -e 'local c = require [[virtcaps.core]]; io.write(tostring(c.isatty(1)), tostring(c.isatty(7)))'"
      assert.same({ 0, "falsefalse", "" }, { shell(cmd) })
      assert.same({ 0, "truefalse", "" }, { on_terminal(cmd) })
      assert.is_false(core.isatty(-1))
      assert.has_error(function() core.isatty("one") end, "bad argument #1 to 'isatty' (number expected, got string)")
      assert.has_error(function() core.isatty(1, 2) end, "bad argument #2 to 'isatty' (no more than 1 argument expected, got 2)")
   end)
end)

describe("examples/", function()
   it("require-kvm-1g-pages.lua refuses hosts without KVM and 1 GiB pages", function()
      assert.same({ 0, "ok: KVM guests and 2 x 1 GiB pages available\n", "" },
         { shell("lua5.4 examples/require-kvm-1g-pages.lua --pages 2 --caps " .. HUGE) })
      assert.same({ 1, "", "require-kvm-1g-pages: refused: hugepages: wanted 1 page of 1 GiB, found 0\n" },
         { shell("lua5.4 examples/require-kvm-1g-pages.lua --caps " .. CAPS) })
      assert.same({ 1, "", "require-kvm-1g-pages: refused: domains: wanted kvm, found test (missing kvm)\n"
         .. "require-kvm-1g-pages: refused: hugepages: wanted 1 page of 1 GiB, found 0\n" },
         { shell("lua5.4 examples/require-kvm-1g-pages.lua --caps " .. TEST) })
      assert.same({ 2, "", "require-kvm-1g-pages: --pages needs a positive integer\n" },
         { shell("lua5.4 examples/require-kvm-1g-pages.lua --pages 0 --caps " .. HUGE) })
   end)

   it("write-facts.lua writes the facts file once, then leaves it alone", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(support.sh("mkdir " .. dir))
      local path = dir .. "/virtcaps.fact"
      assert.same({ 0, path .. ": updated (virtcaps 0.1.0)\n", "" },
         { shell("lua5.4 examples/write-facts.lua " .. path .. " --caps " .. HUGE) })
      assert.equal(select(2, run { "facts", "--caps", HUGE }), support.read(path))
      assert.same({ 0, path .. ": unchanged\n", "" }, { shell("lua5.4 examples/write-facts.lua " .. path .. " --caps " .. HUGE) })
      assert.same({ 0, path .. ": updated (virtcaps 0.1.0)\n", "" },
         { shell("lua5.4 examples/write-facts.lua " .. path .. " --caps " .. CAPS) })
      assert.equal(0, json.decode(support.read(path)).virtcaps_hugepages_1G)
      assert.same({ 2, "", "write-facts: /nonexistent.xml: No such file or directory\n" },
         { shell("lua5.4 examples/write-facts.lua " .. path .. " --caps /nonexistent.xml") })
      assert(support.sh("rm -rf " .. dir))
   end)
end)
