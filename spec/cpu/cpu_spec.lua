-- virtcaps.cpu: naming, formatting, comparing and baselining CPUs with the
-- reference's CPU model database.
local virtcaps = require "virtcaps"
local support = require "support"

local cpu = virtcaps.cpu
local FIX = "spec/fixtures/cpu/"
local DATA = support.DATA
local VM = support.read(FIX .. "x86_64-cpuid-Xeon-VM.xml")

local function names(features)
   local out = {}
   for i, f in ipairs(features) do
      out[i] = type(f) == "table" and (f.policy .. ":" .. f.name) or f
   end
   return out
end

local function tmpdir()
   local path = os.tmpname()
   os.remove(path)
   assert(support.sh("mkdir -p " .. path))
   return path
end

-- Plain Lua file operations: shell tools misbehave under the sanitizers' LD_PRELOAD.
local function rmdir(dir)
   for _, f in ipairs(support.list(dir, ".")) do
      assert(os.remove(dir .. "/" .. f))
   end
   assert(os.remove(dir))
end

describe("virtcaps.cpu.decode", function()
   it("names this machine's CPU as the reference does", function()
      local c = assert(cpu.decode(VM))
      assert.equal("x86_64", c.arch)
      assert.equal("Broadwell", c.model)
      assert.equal("Intel", c.vendor)
      assert.same({ family = 6, model = 167, stepping = 1 }, c.signature)
      assert.equal(56, #c.features)
      assert.same({ "vme", "ss", "ht", "osxsave" }, { table.unpack(c.features, 1, 4) })
      -- the last ones come from IA32_ARCH_CAPABILITIES
      assert.same({ "rsba", "skip-l1dfl-vmentry", "mds-no", "pschange-mc-no", "taa-no" },
         { table.unpack(c.features, 52, 56) })
      assert.equal(support.read(FIX .. "x86_64-cpuid-Xeon-VM-host.xml"), cpu.format(c))
   end)

   it("takes the data as a table too, and round-trips it", function()
      local data = assert(cpu.parse_cpudata(VM))
      assert.equal("x86", data.arch)
      assert.equal(32, #data.cpuid)
      assert.same({ eax_in = 0, ecx_in = 0, eax = 0x24, ebx = 0x756e6547, ecx = 0x6c65746e, edx = 0x49656e69 },
         data.cpuid[1])
      assert.same({ { index = 0x10a, eax = 0x0c00e16d, edx = 0 } }, data.msr)
      assert.same(assert(cpu.decode(VM)), assert(cpu.decode(data)))
      assert.equal(VM:gsub("^<!%-%-.-%-%->\n", ""), cpu.format_cpudata(data))
   end)

   it("merges leaves given twice, as the reference does", function()
      local data = assert(cpu.parse_cpudata([[<cpudata arch='x86'>
  <cpuid eax_in='1' ecx='0x1'/>
  <cpuid eax_in='0x1' ecx_in='0' ecx='0x2' edx='010'/>
  <alias name='ignored'/>
</cpudata>]]))
      assert.same({ { eax_in = 1, ecx_in = 0, eax = 0, ebx = 0, ecx = 3, edx = 8 } }, data.cpuid)
   end)

   it("refuses data no model fits, and malformed data", function()
      local function fails(xml, msg)
         local c, err = cpu.decode(xml)
         assert.is_nil(c)
         assert.equal(msg, err)
      end
      fails([[<cpudata arch='x86'><cpuid eax_in='0' ebx='0x756e6547' ecx='0x6c65746e' edx='0x49656e69'/>
<cpuid eax_in='1' edx='0x1'/></cpudata>]], "Cannot find suitable CPU model for given data")
      fails("", "line 1: Document is empty")
      fails("<cpu/>", "line 1: the root element is <cpu>, expected <cpudata>")
      fails("<cpudata/>", "line 1: missing CPU data architecture")
      fails("<cpudata arch='ppc64'><pvr value='0x4b0201'/></cpudata>",
         "line 1: CPU data of architecture 'ppc64' is not supported (only x86)")
      fails("<cpudata arch='x86'/>", "line 1: no x86 CPU data found")
      fails("<cpudata arch='x86'>\n<cpuid ecx_in='1'/></cpudata>", "line 2: <cpuid> needs a eax_in attribute")
      fails("<cpudata arch='x86'><cpuid eax_in='-1'/></cpudata>",
         "line 1: <cpuid> attribute eax_in: expected an unsigned 32-bit number, got '-1'")
      fails("<cpudata arch='x86'><cpuid eax_in='0x100000000'/></cpudata>",
         "line 1: <cpuid> attribute eax_in: expected an unsigned 32-bit number, got '0x100000000'")
      fails("<cpudata arch='x86'><cpuid eax_in='1' ebx='12abc'/></cpudata>",
         "line 1: <cpuid> attribute ebx: expected an unsigned 32-bit number, got '12abc'")
      fails("<cpudata arch='x86'><msr index='0x10a' eax='1'/></cpudata>", "line 1: <msr> needs a edx attribute")
      fails("<cpudata arch='x86'><leaf/></cpudata>",
         "line 1: unexpected <leaf> in <cpudata>: expected <cpuid> or <msr>")
      fails("<cpudata arch='x86'>" .. ("<cpuid eax_in='1'/>"):rep(4097) .. "</cpudata>",
         "line 1: more than 4096 CPU data items")
   end)

   it("raises for a malformed table", function()
      local function raises(t, msg)
         local ok, err = pcall(cpu.decode, t)
         assert.is_false(ok)
         assert.matches(msg, err, 1, true)
         -- argument errors one way: the function's name, the table's path inside
         assert.matches("^bad argument #1 to '[%w._]+' %(", err)
      end
      raises({ cpuid = { { eax_in = -1 } } }, "cpudata.cpuid[1].eax_in: expected an integer from 0 to 4294967295, got -1")
      raises({ cpuid = { { ecx = 1 } } }, "cpudata.cpuid[1].eax_in: expected an integer from 0 to 4294967295, got nothing")
      raises({ cpuid = { { eax_in = 1, eax = 2 ^ 32 } } }, "cpudata.cpuid[1].eax: expected an integer")
      raises({ cpuid = { "leaf" } }, "cpudata.cpuid[1]: expected a table, got string")
      raises({ msr = { { index = 0x10a, eax = 1 } } }, "cpudata.msr[1].edx: expected an integer")
      raises({ arch = "arm", cpuid = {} }, "cpudata.arch: only 'x86' data can be decoded")
      raises({ leaves = {} }, "cpudata.leaves: unknown field")
      raises({}, "cpudata: no x86 CPU data found")
      raises(42, "(string or table expected, got number)")
      local ok, err = pcall(cpu.decode, VM, {}, {})
      assert.is_false(ok)
      assert.matches("bad argument #3 to '[%w._]+' %(no more than 2 arguments expected, got 3%)", err)
      ok, err = pcall(cpu.decode, VM, { cpu_map = 42 })
      assert.is_false(ok)
      assert.matches("option 'cpu_map': string expected", err, 1, true)
   end)

   it("reads the live CPU the way the probe does", function()
      local data, why = assert(cpu.host_cpudata())
      assert.is_nil(why)
      local live = assert(cpu.decode(data))
      local caps = assert(virtcaps.probe { drivers = {} })
      assert.same(live.model, caps.host.cpu.model)
      assert.same(live.features, caps.host.cpu.features)
      assert.same(live.signature, caps.host.cpu.signature)
   end)
end)

describe("virtcaps.cpu.format", function()
   it("writes a guest CPU with the reference's defaults", function()
      assert.equal("<cpu mode='custom' match='exact'>\n  <model fallback='allow'>Penryn</model>\n</cpu>\n",
         cpu.format("<cpu match='exact'><model>Penryn</model></cpu>"))
      assert.equal("<cpu mode='custom' match='minimum'>\n  <model fallback='forbid'>Penryn</model>\n"
         .. "  <vendor>Intel</vendor>\n  <topology sockets='2' dies='1' cores='4' threads='1'/>\n"
         .. "  <feature policy='require' name='vmx'/>\n  <feature policy='disable' name='ds'/>\n</cpu>\n",
         cpu.format { match = "minimum", model = "Penryn", fallback = "forbid", vendor = "Intel",
            topology = { sockets = 2, cores = 4, threads = 1 },
            features = { "vmx", { name = "ds", policy = "disable" } } })
      assert.equal("<cpu mode='host-passthrough' check='none' migratable='on'/>\n",
         cpu.format { mode = "host-passthrough", check = "none", migratable = "on" })
      assert.equal("<cpu mode='host-model' check='partial'>\n  <model fallback='allow'>Skylake-Client</model>\n</cpu>\n",
         cpu.format { mode = "host-model", check = "partial", model = "Skylake-Client" })
      assert.equal("<cpu>\n  <topology sockets='1' dies='1' cores='2' threads='2'/>\n</cpu>\n",
         cpu.format { topology = { sockets = 1, cores = 2, threads = 2 } })
   end)

   it("writes a host CPU as capabilities show it, from a whole capabilities table too", function()
      local caps = assert(virtcaps.load("spec/fixtures/xml/debian12-x86_64-virsh.xml"))
      local text = cpu.format(caps)
      assert.matches("^<cpu>\n  <arch>x86_64</arch>\n  <model>Broadwell</model>\n  <vendor>Intel</vendor>\n", text)
      assert.matches("\n  <feature name='vme'/>\n", text, 1, true)
      assert.not_matches("pages", text)
      assert.equal(text, cpu.format(caps.host.cpu))
      assert.equal(text, cpu.format(caps:xml()))
   end)

   it("refuses what the reference's parser refuses", function()
      local function fails(xml, msg)
         local text, err = cpu.format(xml)
         assert.is_nil(text)
         assert.equal(msg, err)
      end
      fails("<cpu mode='custom'><arch>x86_64</arch><model>Penryn</model></cpu>",
         "Attribute mode is only allowed for guest CPU")
      fails("<cpu match='exact'><arch>x86_64</arch><model>Penryn</model></cpu>",
         "'arch' element cannot be used inside 'cpu' element with 'match' attribute")
      fails("<cpu><arch>pdp11</arch><model>Penryn</model></cpu>", "Unknown architecture pdp11")
      fails("<cpu><vendor>Intel</vendor></cpu>", "CPU vendor specified without CPU model")
      fails("<cpu><feature name='vmx'/></cpu>", "Non-empty feature list specified without CPU model")
      fails("<cpu><model>Penryn</model><feature name='vmx'/><feature name='vmx' policy='disable'/></cpu>",
         "CPU feature 'vmx' specified more than once")
      fails("<cpu migratable='on'><model>Penryn</model></cpu>",
         "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode")
      fails("<cpu><model vendor_id='Intel'>Penryn</model></cpu>", "vendor_id must be exactly 12 characters long")
      fails("<cpu><model>Penryn</model><topology sockets='0' cores='1' threads='1'/></cpu>", "Invalid CPU topology")
      fails("<cpus/>", "line 1: no <cpu> element in <cpus>")
      fails("<cpuTest><cpu/><cpu/></cpuTest>", "cpu: expected one <cpu>, the document has 2")
      local ok, err = pcall(cpu.format, { vendor = "Intel" })
      assert.is_false(ok)
      assert.matches("CPU vendor specified without CPU model", err, 1, true)
      ok, err = pcall(cpu.format, { model = 42 })
      assert.is_false(ok)
      assert.matches("cpu.model: expected string, got number", err, 1, true)
   end)
end)

describe("hostile CPUs", function()
   local function quick(fn, ...)
      local t0 = os.clock()
      local results = table.pack(fn(...))
      -- quadratic work on these inputs would take minutes
      assert.is_true(os.clock() - t0 < 10, "took too long")
      return table.unpack(results, 1, results.n)
   end

   it("name the feature the reference finds twice first", function()
      local function doc(list)
         local parts = { "<cpu><model>Penryn</model>" }
         for _, f in ipairs(list) do parts[#parts + 1] = "<feature name='" .. f .. "'/>" end
         return table.concat(parts) .. "</cpu>"
      end
      assert.same({ nil, "CPU feature 'b' specified more than once" }, { cpu.format(doc { "a", "b", "b", "a" }) })
      assert.same({ nil, "CPU feature 'a' specified more than once" }, { cpu.format(doc { "a", "b", "a", "b" }) })
      assert.same({ nil, "CPU feature 'c' specified more than once" }, { cpu.format(doc { "c", "a", "b", "c", "c" }) })
   end)

   it("with 200,000 features get an answer quickly", function()
      local parts = { "<cpu><model>Penryn</model>" }
      for i = 1, 200000 do parts[#parts + 1] = "<feature name='f" .. i .. "'/>" end
      local many = table.concat(parts) .. "</cpu>"
      assert.same({ nil, "Unknown CPU feature f1" }, { quick(cpu.compare, "<cpu><arch>x86_64</arch><model>Penryn</model></cpu>", many) })
      parts[#parts + 1] = "<feature name='f1'/>"
      assert.same({ nil, "CPU feature 'f1' specified more than once" }, { quick(cpu.format, table.concat(parts) .. "</cpu>") })
   end)

   it("in a database are refused", function()
      local dir = tmpdir()
      support.write(dir .. "/index.xml", "<cpus><arch name='x86'><feature name='f'>"
         .. ("<cpuid eax_in='1' edx='1'/>"):rep(65) .. "</feature></arch></cpus>")
      assert.same({ nil, dir .. "/index.xml: line 1: feature f has more than 64 CPUID and MSR items" },
         { quick(cpu.decode, VM, { cpu_map = dir }) })
      local parts = { "<cpus><arch name='x86'>" }
      for i = 1, 1100 do
         parts[#parts + 1] = string.format("<feature name='f%d'><cpuid eax_in='%d' eax='1' ebx='1' ecx='1' edx='1'/></feature>", i, i)
      end
      support.write(dir .. "/index.xml", table.concat(parts) .. "</arch></cpus>")
      assert.same({ nil, dir .. ": the CPU map uses more than 4096 register words" }, { quick(cpu.decode, VM, { cpu_map = dir }) })
      rmdir(dir)
   end)
end)

describe("virtcaps.cpu.compare", function()
   local host = "<cpu><arch>x86_64</arch><model>Penryn</model><vendor>Intel</vendor>"
      .. "<feature name='vmx'/><feature name='ds'/></cpu>"

   it("answers with the reference's result, features and message", function()
      assert.equal("superset", cpu.compare(host, "<cpu match='minimum'><model>Penryn</model></cpu>"))
      assert.equal("identical", cpu.compare(host, host))
      local r, features, message = cpu.compare(host, "<cpu><model>Nehalem</model></cpu>")
      assert.equal("incompatible", r)
      assert.same({ "sse4.2", "popcnt" }, features)
      assert.equal("Host CPU does not provide required features: sse4.2, popcnt", message)
      r, features, message = cpu.compare(host,
         { model = "Penryn", features = { { name = "vmx", policy = "forbid" }, { name = "ds", policy = "forbid" } } })
      assert.same({ "incompatible", { "ds", "vmx" }, "Host CPU provides forbidden features: ds, vmx" },
         { r, features, message })
      r, features, message = cpu.compare(host, { model = "Penryn", match = "strict" })
      assert.same({ "incompatible", { "ds", "vmx" }, "Host CPU does not strictly match guest CPU: Extra features: ds, vmx" },
         { r, features, message })
      assert.same({ "incompatible", {}, "host CPU vendor does not match required CPU vendor AMD" },
         { cpu.compare(host, { model = "Penryn", vendor = "AMD" }) })
      assert.same({ "incompatible", {}, "CPU arch ppc64 does not match host arch" },
         { cpu.compare(host, { arch = "ppc64", model = "POWER8" }) })
      assert.same({ "incompatible", {}, "unknown host CPU" }, { cpu.compare({ arch = "x86_64" }, host) })
   end)

   it("takes capabilities tables, the probe's included", function()
      local caps = assert(virtcaps.load("spec/fixtures/xml/debian12-x86_64-virsh.xml"))
      assert.equal("superset", cpu.compare(caps, "<cpu><model>Westmere</model></cpu>"))
      assert.equal("identical", cpu.compare(caps, caps))
      local live = assert(virtcaps.probe { drivers = {} })
      assert.equal("identical", cpu.compare(live, live.host.cpu))
   end)

   it("returns nil and a message for CPUs it cannot compare", function()
      assert.same({ nil, "Unknown CPU model Bogus" }, { cpu.compare(host, "<cpu><model>Bogus</model></cpu>") })
      assert.same({ nil, "Unknown CPU feature bogus" },
         { cpu.compare(host, { model = "Penryn", features = { { name = "bogus", policy = "optional" } } }) })
      assert.same({ nil, "Unknown CPU feature sse4_1" }, { cpu.compare(host, { model = "Penryn", features = { "sse4_1" } }) })
      assert.same({ nil, "line 1: Premature end of data in tag cpu line 1" }, { cpu.compare(host, "<cpu>") })
      assert.same({ nil, "'mips64' architecture is not supported by CPU driver" },
         { cpu.compare({ arch = "mips64", model = "5KEc" }, host) })
      assert.same({ nil, "Unknown architecture pdp11" }, { cpu.compare({ arch = "pdp11", model = "KA11" }, host) })
   end)

   it("follows the reference for other architectures", function()
      local p8 = { arch = "ppc64le", model = "POWER8", vendor = "IBM" }
      assert.equal("identical", cpu.compare(p8, { model = "POWER8" }))
      assert.equal("identical", cpu.compare(p8, { model = "POWER8_v1.0" }))
      assert.same({ "incompatible", {}, "host CPU model does not match required CPU model POWER9" },
         { cpu.compare(p8, { model = "POWER9" }) })
      assert.equal("identical", cpu.compare(p8, { mode = "host-model", model = "power7" }))
      assert.equal("incompatible", cpu.compare(p8, { mode = "host-model", model = "power9" }))
      assert.same({ nil, "Unknown compatibility mode power5" }, { cpu.compare(p8, { mode = "host-model", model = "power5" }) })
      assert.same({ nil, "Unknown CPU model POWER42" }, { cpu.compare(p8, { model = "POWER42" }) })
      local n1 = { arch = "aarch64", model = "Neoverse-N1", vendor = "ARM" }
      assert.equal("identical", cpu.compare(n1, { model = "cortex-a53" })) -- guests always fit
      assert.equal("identical", cpu.compare(n1, n1))
      assert.same({ "incompatible", {}, "Host CPU model does not match required CPU vendor ARM or(and) model cortex-a72" },
         { cpu.compare(n1, { arch = "aarch64", model = "cortex-a72", vendor = "ARM" }) })
      assert.equal("identical", cpu.compare({ arch = "s390x", model = "z14" }, { model = "z15" }))
   end)
end)

describe("virtcaps.cpu.baseline", function()
   local westmere = { arch = "x86_64", model = "Westmere", vendor = "Intel", features = { "vme", "x2apic" } }
   local nehalem = { arch = "x86_64", model = "Nehalem", vendor = "Intel", features = { "vme", "aes", "x2apic" } }

   it("computes the largest common guest CPU", function()
      assert.same({ mode = "custom", match = "exact", model = "Westmere", fallback = "allow", vendor = "Intel",
         features = { { name = "vme", policy = "require" }, { name = "x2apic", policy = "require" } } },
         assert(cpu.baseline { westmere, nehalem }))
      local one = assert(cpu.baseline { westmere })
      assert.equal("forbid", one.fallback)
      local expanded = assert(cpu.baseline({ westmere }, { expand = true }))
      assert.equal(34, #expanded.features)
      assert.same({ name = "aes", policy = "require" }, expanded.features[1])
      assert.same({ name = "x2apic", policy = "require" }, expanded.features[34])
   end)

   it("disables what QEMU removed from a model", function()
      local epyc = assert(cpu.baseline { { arch = "x86_64", model = "EPYC", vendor = "AMD" } })
      assert.same({ { name = "monitor", policy = "disable" } }, epyc.features)
      local full = assert(cpu.baseline({ { arch = "x86_64", model = "EPYC", vendor = "AMD" } }, { expand = true }))
      assert.matches("disable:monitor", table.concat(names(full.features), " "), 1, true)
   end)

   it("leaves out features that block migration on request", function()
      local a = { arch = "x86_64", model = "Westmere", vendor = "Intel", features = { "invtsc", "vme" } }
      assert.same({ "require:vme", "require:invtsc" }, names(assert(cpu.baseline { a, a }).features))
      assert.same({ "require:vme" }, names(assert(cpu.baseline({ a, a }, { migratable = true })).features))
   end)

   it("takes documents, capabilities tables and fleets of them", function()
      local caps = assert(virtcaps.load("spec/fixtures/xml/debian12-x86_64-virsh.xml"))
      local fleet = { caps, assert(virtcaps.cpu.decode(VM)), support.read(FIX .. "x86_64-cpuid-Xeon-VM-host.xml") }
      local b = assert(cpu.baseline(fleet))
      assert.equal("Broadwell", b.model)
      assert.equal("forbid", b.fallback)
      for _, host in ipairs(fleet) do
         assert.is_true(cpu.compare(host, b) ~= "incompatible")
      end
      local doc = "<cpuTest>" .. cpu.format(westmere) .. cpu.format(nehalem) .. "</cpuTest>"
      assert.same(assert(cpu.baseline { westmere, nehalem }), assert(cpu.baseline(doc)))
      assert.same(assert(cpu.baseline { westmere, nehalem }), assert(cpu.baseline { cpu.format(westmere), nehalem }))
   end)

   it("refuses CPUs without a common model or vendor", function()
      local amd = { arch = "x86_64", model = "Opteron_G3", vendor = "AMD" }
      assert.same({ nil, "cpus[2]: CPU vendors do not match" }, { cpu.baseline { westmere, amd } })
      assert.same({ nil, "cpus[2]: CPU vendor AMD of model Opteron_G3 differs from vendor Intel" },
         { cpu.baseline { westmere, { arch = "x86_64", model = "Opteron_G3", vendor = "Intel" } } })
      assert.same({ nil, "cpus[1]: Unknown CPU vendor VIA" },
         { cpu.baseline { { arch = "x86_64", model = "Westmere", vendor = "VIA" } } })
      assert.same({ nil, "cpus[2]: Unknown CPU model Bogus" }, { cpu.baseline { westmere, { arch = "x86_64", model = "Bogus" } } })
      assert.same({ nil, "cpus[2]: no CPU model specified at index 1" }, { cpu.baseline { westmere, { arch = "x86_64" } } })
      assert.same({ nil, "no CPUs given" }, { cpu.baseline {} })
      assert.same({ nil, "cpus[2]: line 1: Start tag expected, '<' not found" }, { cpu.baseline { westmere, "x" } })
      local ok, err = pcall(cpu.baseline, westmere)
      assert.is_false(ok)
      assert.matches("a list of CPUs expected", err, 1, true)
      ok, err = pcall(cpu.baseline, { westmere, 42 })
      assert.is_false(ok)
      assert.matches("cpus[2]: expected a <cpu> document, a cpu table or a capabilities table, got number", err, 1, true)
      assert.matches("^bad argument #1 to '[%w._]+' %(cpus%[2%]", err)
      ok, err = pcall(cpu.compare, "<cpu/>", true)
      assert.is_false(ok)
      assert.matches("^bad argument #2 to '[%w._]+' %(guest: expected a <cpu> document, a cpu table or a capabilities table, got boolean%)", err)
      ok, err = pcall(cpu.baseline, { westmere }, { expnad = true })
      assert.is_false(ok)
      assert.matches("unknown option 'expnad'", err, 1, true)
   end)

   it("follows the reference for other architectures", function()
      -- the vendor comes from the CPUs only when the model has none
      assert.same({ mode = "custom", match = "exact", model = "POWER9", fallback = "forbid", features = {} },
         assert(cpu.baseline { { arch = "ppc64le", model = "POWER9" }, { arch = "ppc64le", model = "POWER9", vendor = "IBM" } }))
      assert.same({ nil, "cpus[2]: CPUs are incompatible" },
         { cpu.baseline { { arch = "ppc64le", model = "POWER9" }, { arch = "ppc64le", model = "POWER8" } } })
      assert.same({ mode = "custom", match = "exact", model = "Neoverse-N1", fallback = "allow", features = {} },
         assert(cpu.baseline { { arch = "aarch64", model = "Neoverse-N1" }, { arch = "aarch64", model = "cortex-a72" } }))
      assert.same({ nil, "cpus[1]: cannot compute baseline CPU of s390x architecture" },
         { cpu.baseline { { arch = "s390x", model = "z14" } } })
   end)
end)

describe("the CPU model database", function()
   it("is read from opts.cpu_map, once per Lua state and directory", function()
      local dir = tmpdir()
      for _, f in ipairs(support.require_files("/usr/share/libvirt/cpu_map", "%.xml$")) do
         support.write(dir .. "/" .. f, support.read("/usr/share/libvirt/cpu_map/" .. f))
      end
      local probed = assert(virtcaps.probe { drivers = {}, cpu_map = dir, cache = false })
      rmdir(dir)
      -- the probe loaded it for the state: the functions still have it
      local first = assert(cpu.decode(VM, { cpu_map = dir }))
      assert.equal(first.model, "Broadwell")
      assert.same(assert(cpu.decode(assert(cpu.host_cpudata { cpu_map = dir }), { cpu_map = dir })).features,
         probed.host.cpu.features)
      assert.same({ nil, "CPU model database not found: " .. dir .. "-gone/index.xml: No such file or directory" },
         { cpu.decode(VM, { cpu_map = dir .. "-gone" }) })
   end)

   it("reports what is wrong with a broken one", function()
      local cases = {
         { { ["index.xml"] = "<cpus><arch name='ppc64'/></cpus>" }, "%s/index.xml: cannot find CPU map for x86 architecture" },
         { { ["index.xml"] = "<cpus><arch name='x86'><include filename='x86_gone.xml'/></arch></cpus>" },
            "%s/x86_gone.xml: No such file or directory" },
         { { ["index.xml"] = "<cpus><arch name='x86'><include filename='../index.xml'/></arch></cpus>" },
            "%s/index.xml: line 1: include '../index.xml' is not a file name in the map directory" },
         { { ["index.xml"] = "<cpus><arch name='x86'><vendor name='Intel' string='Intel'/></arch></cpus>" },
            "%s/index.xml: line 1: Invalid CPU vendor string 'Intel'" },
         { { ["index.xml"] = "<cpus><arch name='x86'><feature name='a'><cpuid eax_in='1' edx='1'/></feature>"
            .. "<feature name='a'><cpuid eax_in='1' edx='2'/></feature></arch></cpus>" },
            "%s/index.xml: line 1: CPU feature a already defined" },
         { { ["index.xml"] = "<cpus><arch name='x86'><feature name='a'><cpuid eax_in='1' edx='0x1g'/></feature></arch></cpus>" },
            "%s/index.xml: line 1: <cpuid> attribute edx: invalid number '0x1g'" },
         { { ["index.xml"] = "<cpus><arch name='x86'><model name='m'><decode host='on' guest='on'/>"
            .. "<feature name='b'/></model></arch></cpus>" },
            "%s/index.xml: line 1: Feature b required by CPU model m not found" },
         { { ["index.xml"] = "<cpus><arch name='x86'><model name='m'/></arch></cpus>" },
            "%s/index.xml: line 1: missing decode element in CPU model m" },
         { { ["index.xml"] = "<cpus><arch name='x86'><model name='m'><decode host='on' guest='on'/>"
            .. "<signature family='6' model='1' stepping='16'/></model></arch></cpus>" },
            "%s/index.xml: line 1: stepping 16 out of range 0-15 in model m" },
         { { ["index.xml"] = "<cpus><arch name='x86'><model name='m'><decode host='on' guest='on'/>"
            .. "<model name='parent'/></model></arch></cpus>" },
            "%s/index.xml: line 1: Ancestor model parent not found for CPU model m" },
         { { ["index.xml"] = "<cpus><arch name='x86'>" },
            "%s/index.xml: line 1: Premature end of data in tag arch line 1" },
      }
      for _, c in ipairs(cases) do
         local dir = tmpdir()
         for file, text in pairs(c[1]) do
            support.write(dir .. "/" .. file, text)
         end
         assert.same({ nil, c[2]:format(dir) }, { cpu.decode(VM, { cpu_map = dir }) })
         rmdir(dir)
      end
   end)

   it("takes a database with models built on other models", function()
      local dir = tmpdir()
      support.write(dir .. "/index.xml", [[<cpus><arch name='x86'>
  <vendor name='Intel' string='GenuineIntel'/>
  <feature name='fpu'><cpuid eax_in='0x01' edx='0x00000001'/></feature>
  <feature name='vme'><cpuid eax_in='0x01' edx='0x00000002'/></feature>
  <feature name='ibrs'><msr index='0x10a' edx='0' eax='0x2'/></feature>
  <include filename='models.xml'/>
</arch></cpus>]])
      support.write(dir .. "/models.xml", [[<cpus>
  <model name='base'><decode host='on' guest='on'/><signature family='6' model='1'/><vendor name='Intel'/>
    <feature name='fpu'/></model>
  <model name='more'><decode host='on' guest='on'/><model name='base'/><feature name='vme'/></model>
</cpus>]])
      local c = assert(cpu.decode({ cpuid = { { eax_in = 0, ebx = 0x756e6547, ecx = 0x6c65746e, edx = 0x49656e69 },
         { eax_in = 1, eax = 0x610, edx = 3 } }, msr = { { index = 0x10a, eax = 2, edx = 0 } } }, { cpu_map = dir }))
      assert.same({ arch = "x86_64", model = "more", vendor = "Intel", signature = { family = 6, model = 1, stepping = 0 },
         features = { "ibrs" } }, c)
      rmdir(dir)
   end)
end)

describe("the host probe's CPU model", function()
   local conformance_cpuinfo = DATA .. "/hostcpu/"

   it("decodes a CPUID dump for another machine (opts.cpuid)", function()
      local caps = assert(virtcaps.probe { arch = "x86_64", drivers = {}, cpuid = FIX .. "x86_64-cpuid-Xeon-VM.xml",
         paths = { ["/proc/cpuinfo"] = conformance_cpuinfo .. "linux-x86_64-test1.cpuinfo" } })
      assert.equal("Broadwell", caps.host.cpu.model)
      assert.same({}, caps.warnings)
      assert.same({ nil, "/nonexistent.xml: No such file or directory" },
         { virtcaps.probe { arch = "x86_64", drivers = {}, cpuid = "/nonexistent.xml" } })
      assert.same({ nil, FIX .. "ppc64le-power9.cpuinfo: line 1: Start tag expected, '<' not found" },
         { virtcaps.probe { arch = "x86_64", drivers = {}, cpuid = FIX .. "ppc64le-power9.cpuinfo" } })
   end)

   it("does not name another machine's x86 CPU without its CPUID", function()
      local caps = assert(virtcaps.probe { arch = "x86_64", drivers = {},
         paths = { ["/proc/cpuinfo"] = conformance_cpuinfo .. "linux-x86_64-test1.cpuinfo" } })
      assert.is_nil(caps.host.cpu.model)
      assert.same({ "host CPU model not named: CPUID is read on this machine only, and the probe looks at another "
         .. "(give opts.cpuid)" }, caps.warnings)
   end)

   it("reports no model, and says why, without the database", function()
      local caps = assert(virtcaps.probe { drivers = {}, cpu_map = "/nonexistent" })
      assert.is_nil(caps.host.cpu.model)
      -- (this machine's other warnings, e.g. about its TSC, are not this check's)
      local model_warnings = {}
      for _, w in ipairs(caps.warnings) do
         if w:find("^host CPU model") then model_warnings[#model_warnings + 1] = w end
      end
      assert.same({ "host CPU model not named: CPU model database not found: /nonexistent/index.xml: "
         .. "No such file or directory" }, model_warnings)
   end)

   it("names ppc64 CPUs from the PVR", function()
      local caps = assert(virtcaps.probe { arch = "ppc64le", drivers = {},
         paths = { ["/proc/cpuinfo"] = FIX .. "ppc64le-power9.cpuinfo" } })
      assert.same({ "POWER9", "IBM", {} }, { caps.host.cpu.model, caps.host.cpu.vendor, caps.host.cpu.features })
      caps = assert(virtcaps.probe { arch = "ppc64", drivers = {},
         paths = { ["/proc/cpuinfo"] = conformance_cpuinfo .. "linux-ppc64-subcores1.cpuinfo" } })
      assert.same({ "POWER8", "IBM" }, { caps.host.cpu.model, caps.host.cpu.vendor })
      caps = assert(virtcaps.probe { arch = "ppc64", drivers = {},
         paths = { ["/proc/cpuinfo"] = FIX .. "aarch64-ampere-altra.cpuinfo" } })
      assert.is_nil(caps.host.cpu.model)
      assert.same({ "host CPU model not named: cannot read the PVR from /proc/cpuinfo" }, caps.warnings)
   end)

   it("names aarch64 CPUs from MIDR, with the hwcaps as features", function()
      local caps = assert(virtcaps.probe { arch = "aarch64", drivers = {},
         paths = { ["/proc/cpuinfo"] = FIX .. "aarch64-ampere-altra.cpuinfo" } })
      local c = caps.host.cpu
      assert.same({ "Neoverse-N1", "ARM" }, { c.model, c.vendor })
      assert.same({ "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp",
         "cpuid", "asimdrdm", "lrcpc", "dcpop", "asimddp", "ssbs" }, c.features)
      -- X-Gene: the reference knows no model with part 0x000, so it names none
      caps = assert(virtcaps.probe { arch = "aarch64", drivers = {},
         paths = { ["/proc/cpuinfo"] = conformance_cpuinfo .. "linux-aarch64-rhel74-moonshot.cpuinfo" } })
      assert.same({ nil, nil, {} }, { caps.host.cpu.model, caps.host.cpu.vendor, caps.host.cpu.features })
      assert.same({ "host CPU model not named: Cannot find CPU model with PVR 0x000" }, caps.warnings)
      -- old kernels: no "cpuid" hwcap, no MIDR
      caps = assert(virtcaps.probe { arch = "aarch64", drivers = {},
         paths = { ["/proc/cpuinfo"] = conformance_cpuinfo .. "linux-aarch64-f21-mustang.cpuinfo" } })
      assert.same({ "host CPU model not named: CPUID registers unavailable" }, caps.warnings)
      -- without the database the hwcaps still have their names
      caps = assert(virtcaps.probe { arch = "aarch64", drivers = {}, cpu_map = "/nonexistent",
         paths = { ["/proc/cpuinfo"] = FIX .. "aarch64-ampere-altra.cpuinfo" } })
      assert.is_nil(caps.host.cpu.model)
      assert.equal(17, #caps.host.cpu.features)
   end)

   it("names no s390x CPU, as the reference does not", function()
      local caps = assert(virtcaps.probe { arch = "s390x", drivers = {},
         paths = { ["/proc/cpuinfo"] = conformance_cpuinfo .. "linux-s390x-with-frequency.cpuinfo" } })
      assert.same({ nil, nil, {} }, { caps.host.cpu.model, caps.host.cpu.vendor, caps.host.cpu.features })
      assert.same({}, caps.warnings)
   end)
end)
