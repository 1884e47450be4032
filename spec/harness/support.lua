-- Shared by the specs: where the conformance data is, and small file helpers.
local M = {}

--- The reference's data carried with the specs (its README says what each
-- folder holds).
M.DATA = "spec/conformance-data"

--- The data the conformance specs check: the carried copy, or another
-- directory of the same shape (`make conformance CONFORMANCE=dir`).
function M.conformance_dir()
   return os.getenv("VIRTCAPS_CONFORMANCE") or M.DATA
end

--- The folder `name` of the data the conformance specs check. When
-- CONFORMANCE=dir lacks it: nil, after a line on stdout naming what is
-- skipped; the carried copy lacking it is an error.
function M.conformance_category(name)
   local root = M.conformance_dir()
   local dir = root .. "/" .. name
   if M.sh("test -d '" .. dir .. "'") then
      return dir
   end
   local ok, here = M.sh("cd '" .. root .. "' && pwd -P")
   assert(ok, "no conformance data in " .. root)
   local _, carried = M.sh("cd '" .. M.DATA .. "' && pwd -P")
   assert(here ~= carried, "the carried conformance data lacks " .. name .. "/")
   print(string.format("conformance: skipped %s/ (not in %s)", name, root))
   return nil
end

function M.read(path)
   local f = assert(io.open(path, "rb"))
   local data = f:read("a")
   f:close()
   return data
end

function M.write(path, data)
   local f = assert(io.open(path, "wb"))
   f:write(data)
   f:close()
end

--- Sorted file names in dir matching a Lua pattern; fails loudly when the
-- directory is missing, so that no data never passes as success.
function M.list(dir, pattern)
   local p = assert(io.popen("ls -1 '" .. dir .. "' 2>/dev/null"))
   local names = {}
   for name in p:lines() do
      if name:match(pattern) then
         names[#names + 1] = name
      end
   end
   p:close()
   table.sort(names)
   return names
end

function M.require_files(dir, pattern)
   local names = M.list(dir, pattern)
   assert(#names > 0, "no files matching " .. pattern .. " in " .. dir .. " (is the conformance data there?)")
   return names
end

--- Asserts two long texts are equal; on a difference the message shows the
-- first differing line of each with its neighbours, not two whole texts
-- cut off by the log.
function M.same_text(want, got)
   if want == got then return end
   local function lines(s)
      local t = {}
      for line in (s .. "\n"):gmatch("([^\n]*)\n") do t[#t + 1] = line end
      return t
   end
   local w, g = lines(want), lines(got)
   local at = 1
   while w[at] == g[at] do at = at + 1 end
   local function around(t)
      return table.concat(t, "\n", math.max(1, at - 3), math.min(#t, at + 3))
   end
   error(string.format("texts differ at line %d (%d lines wanted, %d got)\nwanted:\n%s\ngot:\n%s", at, #w, #g,
      around(w), around(g)), 2)
end

--- Asserts that a compare of ours (result, features, message) agrees with
-- virsh's (ok, out): identical/superset as says' patterns find them in its
-- output, incompatible with its reason, or its error.
function M.agrees_with_virsh(ok, out, says, result, features, message)
   if ok then
      local want = out:match(says.identical) and "identical" or out:match(says.superset) and "superset"
      assert(want, out)
      assert(want == result, string.format("virsh: %s, virtcaps: %s", want, tostring(result)))
   elseif out:match("error: the CPU is incompatible with host CPU: ") then
      assert(result == "incompatible", "virtcaps: " .. tostring(result) .. "; virsh: " .. out)
      assert(type(features) == "table", "no features")
      local why = out:match("incompatible with host CPU: ([^\n]*)")
      assert(why == message, string.format("virsh: %s, virtcaps: %s", why, tostring(message)))
   else
      assert(result == nil, "virtcaps: " .. tostring(result) .. "; virsh: " .. out)
      local why = out:match("\nerror: [%w ]+error: ([^\n]*)") or out
      assert(why == features, string.format("virsh: %s, virtcaps: %s", why, tostring(features)))
   end
end

function M.tmpname()
   return os.tmpname()
end

--- A fresh directory under /tmp (or base, e.g. /dev/shm for trees of
-- many files); remove it with rmtree.
function M.tmpdir(base)
   local ok, out = M.tool("mktemp -d " .. (base or "/tmp") .. "/virtcaps-spec.XXXXXX")
   assert(ok, out)
   return (out:gsub("%s+$", ""))
end

function M.rmtree(dir)
   assert(dir:match("^/tmp/virtcaps%-spec%.") or dir:match("^/dev/shm/virtcaps%-spec%."), "refusing to remove " .. dir)
   M.tool("rm -rf '" .. dir .. "'")
end

--- The conformance data was copied without symbolic links: a link became a
-- file holding its target ("../linux-resctrl/system"). The path it names,
-- relative to the file's directory; the path itself when it is no such file.
function M.follow_copied_link(path)
   local f = io.open(path, "rb")
   local text = f and f:read(4096)
   if f then f:close() end
   if text and text:match("^%.%.?/[^\n%z]*$") then
      return path:match("^(.*)/[^/]*$") .. "/" .. text:gsub("/$", "")
   end
   return path
end

--- Runs a shell command; returns ok, combined output.
function M.sh(cmd)
   local p = assert(io.popen(cmd .. " 2>&1"))
   local out = p:read("a")
   local ok = p:close()
   return ok == true, out
end

-- parse(doc) gives nil and exactly message, within a hang bound.
function M.rejects(parse, doc, message)
   local luassert = require "luassert"
   local t0 = os.clock()
   local model, err = parse(doc)
   luassert.is_nil(model)
   luassert.equal(message, err)
   luassert.is_true(os.clock() - t0 < 2, "took too long")
end

--- The guest drivers' warnings in caps.warnings ("qemu: ...", "xen: ...",
-- "lxc: ..."): specs about the drivers probe fixture hosts whose host
-- section the host probe reports on separately. Those hosts have no KVM;
-- the QEMU driver's note that it left the kvm domain out (M.NO_KVM) is left
-- out here, and looked at by the specs about KVM.
M.NO_KVM = "qemu: no kvm domain: /dev/kvm: No such file or directory"

function M.driver_warnings(caps)
   local out = {}
   for _, w in ipairs(caps.warnings) do
      if (w:find("^qemu: ") or w:find("^xen: ") or w:find("^lxc: ")) and w ~= M.NO_KVM then
         out[#out + 1] = w
      end
   end
   return out
end

--- The warnings about the cache directory in caps.warnings.
function M.cache_warnings(caps)
   local out = {}
   for _, w in ipairs(caps.warnings) do
      if w:find("^cache: ") then
         out[#out + 1] = w
      end
   end
   return out
end

--- The host probe's warnings in caps.warnings: without the drivers' and
-- without the CPU model's for a fixture host (this machine's CPUID cannot
-- name another host's CPU).
function M.host_warnings(caps)
   local out = {}
   for _, w in ipairs(caps.warnings) do
      if not (w:find("^qemu: ") or w:find("^xen: ") or w:find("^lxc: ")
            or w:find("^host CPU model not named: CPUID is read on this machine only")) then
         out[#out + 1] = w
      end
   end
   return out
end

--- The build the specs run against (`make asan-test` sets VIRTCAPS_BUILD).
M.BUILD = os.getenv("VIRTCAPS_BUILD") or "build"

--- The environment assignments that make a child lua5.4 load this tree's
-- modules and build first (dir: the tree; default: the current directory).
function M.lua_env(dir)
   local root = dir and dir .. "/" or ""
   return string.format("LUA_PATH='%slua/?.lua;%slua/?/init.lua;;' LUA_CPATH='%s%s/?.so;;' ", root, root, root, M.BUILD)
end

--- M.sh for tools (mktemp, cp, ...): without the sanitizer runtime that
-- `make asan-test` preloads, which such tools are not built for.
function M.tool(cmd)
   return M.sh("unset LD_PRELOAD; " .. cmd)
end

--- The state directory of the reference's embedded QEMU driver
-- (build/reference-root, kept between runs); fails with what is missing when
-- the reference is not installed.
function M.reference_root()
   local ok, root = M.sh("mkdir -p build/reference-root && realpath build/reference-root")
   assert(ok, root)
   assert(M.sh("command -v virsh"), "the reference is not installed: run `make reference` as root, "
      .. "or install libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86 qemu-system-arm")
   return (root:gsub("%s+$", ""))
end

--- The reference's `virsh capabilities` output on this machine.
function M.reference_capabilities()
   local root = M.reference_root()
   local ok, xml
   ok, xml = M.sh("virsh -c 'qemu:///embed?root=" .. root .. "' capabilities")
   assert(ok, "the reference failed: " .. xml)
   return xml
end

--- The entries of a cache directory whose names match pattern, sorted; none
-- when the directory was never made.
function M.cache_entries(dir, pattern)
   local t = {}
   if not require("lfs").attributes(dir) then
      return t
   end
   for f in require("lfs").dir(dir) do
      if f:match(pattern) then t[#t + 1] = f end
   end
   table.sort(t)
   return t
end

--- The one cache entry whose name matches pattern, decoded, and its path.
function M.cache_entry(dir, pattern)
   local names = M.cache_entries(dir, pattern)
   assert(#names == 1, "one entry expected matching " .. pattern .. ": " .. table.concat(names, ", "))
   local path = dir .. "/" .. names[1]
   return require("cjson").decode(M.read(path)), path
end

--- Rewrites a JSON file through change(decoded document), keeping what
--- change leaves alone as it was: empty arrays stay arrays, null stays null.
function M.rewrite_json(path, change)
   local dkjson = require "dkjson"
   local doc = assert(dkjson.decode(M.read(path), 1, dkjson.null))
   change(doc)
   M.write(path, assert(dkjson.encode(doc)))
end

local function sink(buf)
   return {
      write = function(self, ...)
         for _, s in ipairs { ... } do buf[#buf + 1] = tostring(s) end
         return self
      end,
      flush = function(self) return self end,
   }
end

--- A new temporary file holding content; its name.
function M.temp(content)
   local path = os.tmpname()
   M.write(path, content)
   return path
end

--- Runs the command line in this process: code, stdout, stderr. tty: what
-- isatty answers; stdin: a file for "-"; probe: the options that stand in
-- for this host (ctx.probe).
function M.cli(argv, tty, stdin, probe)
   local out, err = {}, {}
   local code = require("virtcaps.cli").main(argv, { stdout = sink(out), stderr = sink(err), stdin = stdin,
      isatty = function() return tty or false end, probe = probe })
   return code, table.concat(out), table.concat(err)
end

--- Runs a shell command from the project root with this tree's modules and
-- build: code, stdout, stderr.
function M.shell(cmd)
   local errfile = os.tmpname()
   local p = assert(io.popen(M.lua_env() .. "VIRTCAPS_BUILD='" .. M.BUILD .. "' " .. cmd .. " 2>" .. errfile))
   local out = p:read("a")
   local _, _, code = p:close()
   local err = M.read(errfile)
   os.remove(errfile)
   return code, out, err
end

-- QEMU's names of x86 CPU features the reference renames when it reads them
-- (virQEMUCapsCPUFeaturesX86): in its capabilities cache's blockers and
-- host CPU properties.
local FROM_QEMU = { ["cmp-legacy"] = "cmp_legacy", ["ds-cpl"] = "ds_cpl", ["fxsr-opt"] = "fxsr_opt",
   ["kvm-pv-eoi"] = "kvm_pv_eoi", ["kvm-pv-unhalt"] = "kvm_pv_unhalt", ["lahf-lm"] = "lahf_lm",
   ["nodeid-msr"] = "nodeid_msr", pclmulqdq = "pclmuldq", ["perfctr-core"] = "perfctr_core",
   ["perfctr-nb"] = "perfctr_nb", ["tsc-adjust"] = "tsc_adjust" }

--- The list of QEMU feature names in the reference's names, in place.
function M.features_from_qemu(names)
   for i, n in ipairs(names) do
      names[i] = FROM_QEMU[n] or n
   end
   return names
end

--- The blockers of the reference's capabilities cache (qemuCaps XML) for
-- one accelerator, set on the unusable models of domain capabilities
-- (libvirt 9.0.0's documents leave them out).
function M.with_blockers(dc, qemucaps_xml, accel)
   for m in dc:cpu_models { usable = false } do
      m.blockers = M.features_from_qemu(assert(require("virtcaps").xpath(qemucaps_xml, string.format(
         "/qemuCaps/cpu[@type='%s' and @name='%s']/blocker/@name", accel, m.name))))
   end
   return dc
end

--- The entries of t whose keys start with prefix (a plain string).
function M.with_prefix(t, prefix)
   local out = {}
   for k, v in pairs(t) do
      if k:sub(1, #prefix) == prefix then out[k] = v end
   end
   return out
end

--- Calls fn with the name of a temporary file holding text; its results.
function M.with_file(text, fn)
   local path = M.tmpname()
   M.write(path, text)
   local results = table.pack(fn(path))
   os.remove(path)
   return table.unpack(results, 1, results.n)
end

--- The cpucompare guests of the conformance data (not the baselines'),
-- then n guest CPUs made from models and features with a small LCG from
-- seed (the same cases on every run): {name=, xml=} each.
function M.guest_cpus(n, seed, models, features)
   local list = {}
   for _, f in ipairs(M.require_files(M.DATA .. "/cpucompare", "^x86_64%-.+%.xml$")) do
      if not f:match("baseline") then
         list[#list + 1] = { name = f, xml = M.read(M.DATA .. "/cpucompare/" .. f) }
      end
   end
   local policies = { "force", "require", "optional", "disable", "forbid" }
   local function rand(k)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % k + 1
   end
   for i = 1, n do
      local parts = { string.format("<cpu match='%s'>", ({ "exact", "minimum", "strict" })[rand(3)]),
         "<model>" .. models[rand(#models)] .. "</model>" }
      local seen = {}
      for _ = 1, rand(6) - 1 do
         local f = features[rand(#features)]
         if not seen[f] then
            seen[f] = true
            parts[#parts + 1] = string.format("<feature policy='%s' name='%s'/>", policies[rand(5)], f)
         end
      end
      parts[#parts + 1] = "</cpu>"
      list[#list + 1] = { name = "generated guest " .. i, xml = table.concat(parts, "\n") }
   end
   return list
end

--- The inputs of the conformance data's x86 baseline cases: {name=, cpus=}
-- with the <cpuTest> wrapper taken off, as virsh reads them.
function M.baseline_inputs()
   local cases = {}
   for _, f in ipairs(M.require_files(M.DATA .. "/cpucompare", "^x86_64%-baseline%-.+%.xml$")) do
      if not f:match("%-result%.xml$") and not f:match("%-expanded%.xml$") and not f:match("%-migratable%.xml$") then
         cases[#cases + 1] = { name = f, cpus = (M.read(M.DATA .. "/cpucompare/" .. f):gsub("</?cpuTest>", "")) }
      end
   end
   return cases
end

return M
