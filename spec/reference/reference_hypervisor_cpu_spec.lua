-- Side by side with the reference on this machine: `virsh
-- hypervisor-cpu-compare` and `hypervisor-cpu-baseline --virttype qemu`
-- (libvirt 9.0.0's QEMU driver, embedded, with Debian's QEMU under TCG:
-- no KVM needed) against virtcaps.cpu.hypervisor_compare/_baseline over the
-- reference's own `virsh domcapabilities --virttype qemu`. The blockers of
-- its models, which 9.0.0's document leaves out, come from the reference's
-- capabilities cache (what probing QEMU gives virtcaps). Fails loudly
-- without virsh.
local virtcaps = require "virtcaps"
local support = require "support"

local function virsh(args)
   return support.sh("virsh -c 'qemu:///embed?root=" .. support.reference_root() .. "' " .. args)
end

local with_file = support.with_file

-- The reference's domain capabilities for --virttype qemu and ARCH, with
-- the blockers of its capabilities cache for TCG; the document's text; and
-- the features of QEMU's host CPU expansion under TCG (all, migratable).
local dcs = {}
local function reference_dc(arch)
   if not dcs[arch] then
      local ok, xml = virsh("domcapabilities --virttype qemu --arch " .. arch)
      assert(ok, "the reference failed: " .. xml)
      local dc = assert(virtcaps.domcaps.parse(xml))
      local dir = support.reference_root() .. "/cache/qemu/capabilities"
      local cache
      for _, f in ipairs(support.cache_entries(dir, "%.xml$")) do
         local text = support.read(dir .. "/" .. f)
         if text:find("<emulator>" .. dc.path .. "</emulator>", 1, true) then cache = text end
      end
      assert(cache, "no capabilities cache of the reference for " .. dc.path)
      support.with_blockers(dc, cache, "tcg")
      local props = "/qemuCaps/hostCPU[@type='tcg']/property"
      dcs[arch] = { dc = dc, xml = xml, features = support.features_from_qemu(assert(virtcaps.xpath(cache, props .. "/@name"))),
         migratable = support.features_from_qemu(assert(virtcaps.xpath(cache, props .. "[not(@migratable='no')]/@name"))) }
      assert(#dcs[arch].features > 100, "no host CPU expansion in the reference's cache")
   end
   return dcs[arch].dc, dcs[arch].xml, dcs[arch]
end

local FEATURES = { "vmx", "svm", "pcid", "x2apic", "avx", "avx2", "avx512f", "rtm", "hle", "pdpe1gb", "3dnowext",
   "sse4.2", "aes", "tsc-deadline", "xsaves", "la57", "ssbd", "hypervisor", "monitor", "mpx", "vme", "rdseed",
   "sha-ni", "npt", "lm", "nx" }
local MODELS = { "qemu64", "qemu32", "Penryn", "Nehalem", "Westmere", "SandyBridge", "Haswell-noTSX", "Broadwell",
   "Skylake-Client", "Icelake-Server", "EPYC", "EPYC-Rome", "Opteron_G3", "kvm64", "core2duo", "Conroe" }

local function guests()
   local list = support.guest_cpus(40, 11, MODELS, FEATURES)
   list[#list + 1] = { name = "a domain", xml = "<domain type='qemu'><name>d</name><memory>1024</memory>"
      .. "<os><type>hvm</type></os><cpu mode='custom' match='exact'><model>Westmere</model></cpu></domain>" }
   list[#list + 1] = { name = "host-passthrough", xml = "<cpu mode='host-passthrough'/>" }
   return list
end

-- The baseline inputs: the conformance data's, then generated ones, 30 in all.
local function baseline_cases()
   local cases = support.baseline_inputs()
   for _, g in ipairs(guests()) do
      if g.name:match("^generated") and #cases < 30 then
         cases[#cases + 1] = { name = g.name, cpus = g.xml }
      end
   end
   return cases
end

local SAYS = {
   identical = "is identical to the CPU provided by hypervisor on the host",
   superset = "^The CPU provided by hypervisor on the host is a superset",
}

for _, arch in ipairs { "x86_64", "i686" } do
   describe("reference: virsh hypervisor-cpu-compare --virttype qemu --arch " .. arch, function()
      it("on its own domain capabilities", function()
         local dc, xml = reference_dc(arch)
         local ok, out = with_file(xml, function(path)
            return virsh("hypervisor-cpu-compare --virttype qemu --arch " .. arch .. " " .. path)
         end)
         assert.is_true(ok, out)
         assert.matches(SAYS.identical, out)
         assert.equal("identical", virtcaps.cpu.hypervisor_compare(dc, xml))
      end)
      for _, g in ipairs(guests()) do
         it(g.name, function()
            local dc = reference_dc(arch)
            local ok, out = with_file(g.xml, function(path)
               return virsh("hypervisor-cpu-compare --error --virttype qemu --arch " .. arch .. " " .. path)
            end)
            support.agrees_with_virsh(ok, out, SAYS, virtcaps.cpu.hypervisor_compare(dc, g.xml))
         end)
      end
   end)
end

describe("reference: virsh hypervisor-cpu-baseline --virttype qemu", function()
   local cases = baseline_cases()
   for _, c in ipairs(cases) do
      it(c.name, function()
         local dc, _, known = reference_dc("x86_64")
         -- QEMU reports migratability: the reference keeps its migratable
         -- features instead of filtering by the database's marks.
         local flags = { [""] = { features = known.features },
            ["--features"] = { expand = true, features = known.features },
            ["--migratable"] = { features = known.migratable } }
         for flag, opts in pairs(flags) do
            local ok, out = with_file(c.cpus, function(path)
               return virsh("hypervisor-cpu-baseline --virttype qemu " .. flag .. " " .. path)
            end)
            local cpu, err = virtcaps.cpu.hypervisor_baseline(dc, c.cpus, opts)
            if ok then
               assert.equal(out, virtcaps.cpu.format((assert(cpu, err))) .. "\n", flag)
            else
               assert.is_nil(cpu, flag)
               assert.equal(out:match("error: [%w ]+failed: ([^\n]*)") or out, err, flag)
            end
         end
      end)
   end

   it("is not computed for aarch64, as the reference says", function()
      local ok, out = with_file("<cpu><model>cortex-a57</model></cpu>", function(path)
         return virsh("hypervisor-cpu-baseline --virttype qemu --arch aarch64 " .. path)
      end)
      assert.is_false(ok)
      local ok2, xml = virsh("domcapabilities --virttype qemu --arch aarch64")
      assert(ok2, xml)
      local dc = assert(virtcaps.domcaps.parse(xml))
      local _, err = virtcaps.cpu.hypervisor_baseline(dc, "<cpu><model>cortex-a57</model></cpu>")
      assert.equal(out:match("Operation not supported: ([^\n]*)"), err)
      local _, cerr = virtcaps.cpu.hypervisor_compare(dc, "<cpu><model>cortex-a57</model></cpu>")
      local ok3, cout = with_file("<cpu><model>cortex-a57</model></cpu>", function(path)
         return virsh("hypervisor-cpu-compare --virttype qemu --arch aarch64 " .. path)
      end)
      assert.is_false(ok3)
      assert.equal(cout:match("Operation not supported: ([^\n]*)"), cerr)
   end)
end)

describe("reference: the command lines print what virsh prints", function()
   it("hypervisor-cpu-compare and hypervisor-cpu-baseline", function()
      local _, xml = reference_dc("x86_64")
      local dcfile = support.tmpname()
      support.write(dcfile, xml)
      for _, g in ipairs { "<cpu><model>qemu64</model></cpu>", "<cpu><model>Skylake-Client</model></cpu>" } do
         with_file(g, function(path)
            for _, cmd in ipairs { "hypervisor-cpu-compare", "hypervisor-cpu-baseline" } do
               local _, want = support.sh("virsh -c 'qemu:///embed?root=" .. support.reference_root() .. "' " .. cmd
                  .. " --virttype qemu " .. path .. " 2>/dev/null")
               local _, out = support.cli { cmd, path, "--domcaps", dcfile }
               if cmd == "hypervisor-cpu-baseline" and g:match("Skylake") then
                  -- the document carries no blockers: the model alone, where virsh disables them
                  assert.matches("<model fallback='forbid'>Skylake%-Client</model>", out)
               else
                  assert.equal(want, out, cmd)
               end
            end
         end)
      end
      os.remove(dcfile)
   end)
end)

-- Without --domcaps the command lines probe this host's domain capabilities
-- for virsh's --virttype, --emulator, --arch and --machine, and so does the
-- API (virtcaps.domcapabilities): the blockers of each model and QEMU's
-- host CPU features come from the probe, not from a document.
describe("reference: hypervisor-cpu-compare and -baseline probing, as virsh does", function()
   local OPTION_SETS = { {}, { "--virttype", "qemu", "--arch", "i686" }, { "--machine", "pc" },
      { "--emulator", "/usr/bin/qemu-system-x86_64" } }
   -- domcapabilities' names for virsh's options
   local KEYS = { ["--virttype"] = "virttype", ["--emulator"] = "emulatorbin", ["--arch"] = "arch",
      ["--machine"] = "machine" }

   local function probed(args)
      local want = {}
      for i = 1, #args, 2 do
         want[KEYS[args[i]]] = args[i + 1]
      end
      return assert(virtcaps.domcapabilities(want))
   end

   -- virsh's stdout and status for cmd with args on the file holding text,
   -- and ours (the command line, in this process).
   local function both(cmd, args, text)
      return with_file(text, function(path)
         local argv = table.concat(args, " ")
         local vok, vout = support.sh("{ virsh -c 'qemu:///embed?root=" .. support.reference_root() .. "' " .. cmd
            .. " " .. argv .. " " .. path .. " 2>/dev/null; }")
         local code, out = support.cli { cmd, path, table.unpack(args) }
         return vok, vout, code, out
      end)
   end

   -- The same lines on stdout, and the same success; where virsh fails
   -- (it prints an empty line) the command line fails too, with status 1
   -- (incompatible, or no baseline) or 2 (the input).
   local function agree(vok, vout, code, ours, name)
      if vout == "\n" and not vok then
         assert.is_true(code == 1 or code == 2, name)
         assert.equal("", ours, name)
      else
         assert.equal(vout, ours, name)
         assert.equal(vok, code == 0, name)
      end
   end

   for _, args in ipairs(OPTION_SETS) do
      local label = #args > 0 and table.concat(args, " ") or "no options"
      it("hypervisor-cpu-compare, " .. label, function()
         local dc = probed(args)
         -- all guests for the defaults, every third for the other options
         for i, g in ipairs(guests()) do
            if #args > 0 and i % 3 ~= 0 then
               goto next
            end
            local ok, out = with_file(g.xml, function(path)
               return virsh("hypervisor-cpu-compare --error " .. table.concat(args, " ") .. " " .. path)
            end)
            support.agrees_with_virsh(ok, out, SAYS, virtcaps.cpu.hypervisor_compare(dc, g.xml))
            local vok, vout, code, ours = both("hypervisor-cpu-compare", args, g.xml)
            agree(vok, vout, code, ours, g.name)
            ::next::
         end
      end)
   end

   local cases = baseline_cases()
   -- QEMU's host CPU features: pconfig is not one of them; QEMU marks invtsc migratable
   cases[#cases + 1] = { name = "pconfig and invtsc", cpus = "<cpu><model>Westmere</model><vendor>Intel</vendor>"
      .. "<feature name='pconfig'/><feature name='invtsc'/></cpu>" }
   for _, args in ipairs { {}, { "--arch", "i686" } } do
      it("hypervisor-cpu-baseline, " .. (#args > 0 and table.concat(args, " ") or "no options"), function()
         local disabled = 0
         for _, c in ipairs(cases) do
            for _, flag in ipairs { "", "--features", "--migratable" } do
               local argv = table.move(args, 1, #args, 1, {})
               argv[#argv + 1] = flag ~= "" and flag or nil
               local vok, vout, code, ours = both("hypervisor-cpu-baseline", argv, c.cpus)
               agree(vok, vout, code, ours, c.name .. " " .. flag)
               disabled = disabled + select(2, vout:gsub("policy='disable'", ""))
            end
         end
         -- the models' blockers shaped some answers
         assert.is_true(disabled > 0, "no case where a model's blockers matter")
      end)
   end

   it("hypervisor-cpu-baseline: the probe's blockers are what agree, a document's lack of them does not", function()
      local sky = "<cpu><model>Skylake-Client</model></cpu>"
      local dc = probed {}
      local blocked = 0
      for m in dc:cpu_models { usable = false } do
         assert.is_table(m.unavailable_features, m.name)
         blocked = blocked + #m.unavailable_features
      end
      assert.is_true(blocked > 0, "no blockers probed")
      -- what the probe carries besides the document leaves the document as virsh prints it
      local ok, xml = virsh("domcapabilities")
      assert(ok, xml)
      assert.equal(xml, virtcaps.domcaps.format(dc) .. "\n\n") -- as virtcaps domcapabilities ends it
      local _, vout, _, ours = both("hypervisor-cpu-baseline", {}, sky)
      assert.matches("<feature policy='disable' name='hle'/>", vout)
      assert.equal(vout, ours)
      -- the same emulator's document, which names no blockers: the model alone
      local doc = assert(virtcaps.domcaps.parse(virtcaps.domcaps.format(dc)))
      assert.is_nil(doc.hypervisor_cpu)
      assert.not_equal(vout, virtcaps.cpu.format((assert(virtcaps.cpu.hypervisor_baseline(doc, sky)))) .. "\n")
      assert.equal(vout, virtcaps.cpu.format((assert(virtcaps.cpu.hypervisor_baseline(dc, sky)))) .. "\n")
   end)

   it("says what virsh says when there is no answer", function()
      local g = "<cpu><model>Skylake-Client</model></cpu>"
      for _, case in ipairs {
         { "hypervisor-cpu-baseline", { "--arch", "aarch64" }, 1 },
         { "hypervisor-cpu-compare", { "--arch", "aarch64" }, 2 },
         { "hypervisor-cpu-compare", { "--machine", "bogus" }, 2 },
         { "hypervisor-cpu-baseline", { "--arch", "sparc" }, 2 },
      } do
         local cmd, args, status = table.unpack(case)
         local ok, out = with_file(g, function(path)
            return virsh(cmd .. " " .. table.concat(args, " ") .. " " .. path)
         end)
         assert.is_false(ok)
         local code, _, err = with_file(g, function(path) return support.cli { cmd, path, table.unpack(args) } end)
         assert.equal(status, code)
         -- virsh's last line: its error's category, then the reason
         local last
         for line in out:gmatch("error: ([^\n]*)") do last = line end
         local why = assert(last:match("^[%w ]+: (.*)$"), out)
         assert.equal(why .. "\n", err:sub(-(#why + 1)))
      end
   end)
end)
