-- The host facts kept in the cache directory: the host CPU's name (keyed by
-- the CPU model database's files, the CPUID leaves it reads, the MSR and the
-- build) and the TSC frequency (keyed by the boot and /dev/kvm). Each entry
-- is shown to be used (a doctored value comes back) and to be dropped when
-- a part of its key changes. The CPU name checks run on this machine's CPU;
-- the TSC checks give the probe a /dev/kvm stand-in, so that they hold on
-- any machine (spec/kvm/kvm_tsc_cache_spec.lua, `make kvm-test`, asks a real KVM).
local cjson = require "cjson"
local lfs = require "lfs"
local support = require "support"
local virtcaps = require "virtcaps"

local BOOT_ID = "/proc/sys/kernel/random/boot_id"

local entries, entry, rewrite = support.cache_entries, support.cache_entry, support.rewrite_json

local function probe(opts)
   local o = { drivers = {} }
   for k, v in pairs(opts) do o[k] = v end
   return assert(virtcaps.probe(o))
end

-- The model a new process's probe names (prefix: a command to run it under).
local function model_in_new_process(opts, prefix)
   local script = string.format("print(assert(require('virtcaps').probe{drivers={}, %s}).host.cpu.model)", opts)
   local ok, out = support.sh((prefix or "") .. " env " .. support.lua_env() .. "lua5.4 -e \"" .. script .. "\"")
   assert(ok, out)
   return (out:gsub("\n$", ""))
end

-- The host CPU as the probe reports it, as plain data.
local function cpu_of(caps)
   local c = {}
   for k, v in pairs(caps.host.cpu) do c[k] = v end
   return c
end

describe("host CPU name cache", function()
   local dir, cache
   before_each(function()
      dir = support.tmpdir()
      cache = dir .. "/cache"
   end)
   after_each(function() support.rmtree(dir) end)

   it("names the CPU as a probe without a cache does, from one entry", function()
      local fresh = probe { cache = false }
      assert.truthy(fresh.host.cpu.model, "this machine's CPU has a name")
      local cold = probe { cache_dir = cache }
      local warm = probe { cache_dir = cache }
      assert.same(cpu_of(fresh), cpu_of(cold))
      assert.same(cpu_of(fresh), cpu_of(warm))
      assert.same(fresh.warnings, warm.warnings)
      local e = entry(cache, "^host%-cpu%-" .. ("%x"):rep(16) .. "%.json$")
      assert.equal(fresh.host.cpu.model, e.model)
      assert.equal("/usr/share/libvirt/cpu_map", e.cpu_map)
      assert.equal(virtcaps._VERSION:match("[%d.]+$"), e.build.version)
      assert.matches("^" .. ("%x"):rep(64) .. "$", e.key)
      -- the leaves the database reads, with the ranges' first leaves, 1 and 7
      for _, leaf in ipairs { 0, 1, 7, 0x80000000 } do
         assert.truthy(e.leaves[1] <= leaf, leaf)
         local found = false
         for _, l in ipairs(e.leaves) do found = found or l == leaf end
         assert.truthy(found, string.format("leaf %#x listed", leaf))
      end
      for i = 2, #e.leaves do assert.truthy(e.leaves[i - 1] < e.leaves[i]) end
   end)

   it("uses the entry while nothing it depends on changed", function()
      probe { cache_dir = cache }
      local _, path = entry(cache, "^host%-cpu%-")
      rewrite(path, function(e)
         e.model = "Doctored"
         e.features = { "doctored" }
      end)
      local caps = probe { cache_dir = cache }
      assert.equal("Doctored", caps.host.cpu.model)
      assert.same({ "doctored" }, caps.host.cpu.features)
   end)

   it("uses the entry on whichever CPU the probe runs (leaf 1 carries that CPU's APIC ID)", function()
      local ncpus = tonumber(io.popen("nproc"):read("l"))
      assert.truthy(ncpus >= 2, "this check needs two CPUs: CI runs on a 2-core machine")
      probe { cache_dir = cache }
      local _, path = entry(cache, "^host%-cpu%-")
      rewrite(path, function(e) e.model = "Doctored" end)
      for cpu = 0, ncpus - 1 do
         assert.equal("Doctored", model_in_new_process("cache_dir='" .. cache .. "'", "taskset -c " .. cpu), "on CPU " .. cpu)
      end
   end)

   it("keeps no name found with a database loaded before its files changed (a long-lived state)", function()
      local map = dir .. "/cpu_map"
      assert(support.tool("cp -a /usr/share/libvirt/cpu_map " .. map))
      local opts = { cache_dir = cache, cpu_map = map }
      local name = probe(opts).host.cpu.model
      assert(support.tool(string.format("sed -i \"s/<model name='%s'>/<model name='Renamed'>/\" %s/x86_%s.xml", name, map,
         name)))
      -- this state keeps the database it loaded: the old name
      assert.equal(name, probe(opts).host.cpu.model)
      -- a new one reads the files as they are, and is not handed the old name from the cache
      local new = string.format("cache_dir='%s', cpu_map='%s'", cache, map)
      assert.equal("Renamed", model_in_new_process(new))
      assert.equal("Renamed", model_in_new_process(new))
      assert.equal("Renamed", entry(cache, "^host%-cpu%-").model)
      -- nor is this state handed the new files' name: it keeps to its database
      assert.equal(name, probe(opts).host.cpu.model)
   end)

   it("says once, whoever asked, why the cache directory is not used", function()
      assert(lfs.mkdir(cache))
      assert(support.tool("chmod 777 " .. cache))
      assert.same({ "cache: not using the cache directory '" .. cache .. "': it must belong to this user and be "
         .. "writable by nobody else; probing without a cache" }, support.cache_warnings(probe { cache_dir = cache }))
      assert.same({}, entries(cache, "^[^.]"))
      assert.same({}, support.cache_warnings(probe { cache = false, cache_dir = cache }))
   end)

   it("names the CPU afresh when the entry's key, leaves, MSR flag or build differ", function()
      local fresh = probe { cache = false }
      probe { cache_dir = cache }
      local _, path = entry(cache, "^host%-cpu%-")
      local good = support.read(path)
      local changes = {
         function(e) e.key = ("0"):rep(64) end,
         function(e) table.remove(e.leaves) end,
         function(e) e.leaves[#e.leaves + 1] = 0x80000099 end,
         function(e) e.msr = not e.msr end,
         function(e) e.build.build_id = ("0"):rep(40) end,
         function(e) e.build.version = "0.0.1" end,
         function(e) e.format = 2 end,
         function(e) e.cpu_map = "/elsewhere" end,
      }
      for i, change in ipairs(changes) do
         support.write(path, good)
         rewrite(path, function(e)
            change(e)
            e.model = "Doctored"
         end)
         local caps = probe { cache_dir = cache }
         assert.equal(fresh.host.cpu.model, caps.host.cpu.model, "change " .. i)
         assert.equal(fresh.host.cpu.model, cjson.decode(support.read(path)).model, "change " .. i .. " rewritten")
      end
      for i, bad in ipairs { "", "[", "{}", string.rep("[", 5000), good:gsub('"leaves":%[', '"leaves":["x",') } do
         support.write(path, bad)
         assert.same(cpu_of(fresh), cpu_of(probe { cache_dir = cache }), "bad entry " .. i)
      end
   end)

   it("ignores an entry that is not a regular file, without waiting on it", function()
      local fresh = probe { cache = false }
      probe { cache_dir = cache }
      local _, path = entry(cache, "^host%-cpu%-")
      assert(support.tool("rm " .. path .. " && mkfifo " .. path))
      assert.same(cpu_of(fresh), cpu_of(probe { cache_dir = cache }))
      assert.equal("file", lfs.attributes(path, "mode"), "the FIFO is replaced by an entry")
      assert(support.tool("rm " .. path .. " && mkdir " .. path))
      assert.same(cpu_of(fresh), cpu_of(probe { cache_dir = cache }))
      assert.equal("directory", lfs.attributes(path, "mode"))
   end)

   it("names the CPU afresh when a file of the database changes, appears or goes", function()
      local map = dir .. "/cpu_map"
      assert(support.tool("cp -a /usr/share/libvirt/cpu_map " .. map))
      local fresh = probe { cache = false, cpu_map = map }
      local function doctored_hit()
         local _, path = entry(cache, "^host%-cpu%-")
         rewrite(path, function(e) e.model = "Doctored" end)
         return probe({ cache_dir = cache, cpu_map = map }).host.cpu.model == "Doctored"
      end
      probe { cache_dir = cache, cpu_map = map }
      assert.is_true(doctored_hit())
      local edits = {
         "touch -m -d '2001-01-01' " .. map .. "/x86_Nehalem.xml",        -- mtime
         "chmod 600 " .. map .. "/index.xml",                           -- ctime (and mode)
         "echo '<!-- -->' >> " .. map .. "/x86_features.xml",           -- size
         "touch " .. map .. "/extra.xml",                               -- a new file
         "rm " .. map .. "/extra.xml",                                  -- and gone again
         "cp -p " .. map .. "/x86_Haswell.xml " .. map .. "/h && mv " .. map .. "/h " .. map .. "/x86_Haswell.xml",
      }
      -- new states from here: this one keeps the database it loaded
      local new = string.format("cache_dir='%s', cpu_map='%s'", cache, map)
      local function doctor()
         rewrite(select(2, entry(cache, "^host%-cpu%-")), function(e) e.model = "Doctored" end)
      end
      for _, edit in ipairs(edits) do
         doctor()
         assert(support.tool(edit))
         -- the doctored entry is not used: the CPU is named afresh, and kept
         assert.equal(fresh.host.cpu.model, model_in_new_process(new), edit)
         doctor()
         assert.equal("Doctored", model_in_new_process(new), "the entry is used again after: " .. edit)
         -- this state no longer uses the cache: its database is not the files'
         assert.equal(fresh.host.cpu.model, probe({ cache_dir = cache, cpu_map = map }).host.cpu.model, edit)
      end
      -- another database directory has its own entry
      probe { cache_dir = cache }
      assert.equal(2, #entries(cache, "^host%-cpu%-"))
   end)

   it("keeps nothing with cache = false, nor for another machine's CPUID dump", function()
      probe { cache = false, cache_dir = cache }
      assert.is_nil(lfs.attributes(cache))
      local caps = probe { cache_dir = cache, cpuid = "spec/fixtures/cpu/x86_64-cpuid-Xeon-VM.xml" }
      assert.equal("Broadwell", caps.host.cpu.model)
      assert.same({}, entries(cache, "^host%-cpu%-"))
   end)
end)

describe("TSC frequency cache", function()
   -- A host whose CPU has an invariant TSC, so that the probe asks /dev/kvm.
   local CPUINFO = support.DATA .. "/hostcpu/linux-x86_64-test3.cpuinfo"
   local dir, cache, kvm, boot

   local function tsc_probe()
      return probe { arch = "x86_64", cache_dir = cache,
         paths = { ["/proc/cpuinfo"] = CPUINFO, ["/dev/kvm"] = kvm, [BOOT_ID] = boot } }
   end

   local function tsc_warnings(caps)
      local out = {}
      for _, w in ipairs(caps.warnings) do
         if w:find("^no TSC counter") then out[#out + 1] = w end
      end
      return out
   end

   -- The entry the probe looks for: its key is the boot and the node's
   -- device number, inode and ctime.
   local function write_entry(khz)
      local ok, out = support.tool("stat -c '%i %Z %z' " .. kvm)
      assert(ok, out)
      local inode, ctime, ns = out:match("^(%d+) (%d+) %S+ [%d:]+%.(%d+)")
      support.write(cache .. "/host-tsc.json", cjson.encode {
         format = 1, boot_id = support.read(boot):gsub("\n$", ""), kvm = kvm, rdev = 0,
         inode = tonumber(inode), ctime = tonumber(ctime), ctime_ns = tonumber(ns), khz = khz })
   end

   before_each(function()
      dir = support.tmpdir()
      cache = dir .. "/cache"
      kvm = dir .. "/kvm"
      boot = dir .. "/boot_id"
      support.write(boot, "11111111-1111-4111-8111-111111111111\n")
   end)
   after_each(function() support.rmtree(dir) end)

   it("says why there is no counter without /dev/kvm, and keeps nothing", function()
      local caps = tsc_probe()
      assert.is_nil(caps.host.cpu.counter)
      assert.same({ "no TSC counter: /dev/kvm: No such file or directory" }, tsc_warnings(caps))
      assert.same({}, entries(cache, "^host%-tsc"))
   end)

   it("keeps no failure: a /dev/kvm that is not KVM is asked every time", function()
      support.write(kvm, "")
      probe { arch = "x86_64", cache = false, cache_dir = cache, paths = { ["/proc/cpuinfo"] = CPUINFO,
         ["/dev/kvm"] = kvm, [BOOT_ID] = boot } }
      assert.is_nil(lfs.attributes(cache))
      for _ = 1, 2 do
         local caps = tsc_probe()
         assert.is_nil(caps.host.cpu.counter)
         assert.same({ "no TSC counter: cannot create a KVM vCPU: Inappropriate ioctl for device" },
            tsc_warnings(caps))
         assert.same({}, entries(cache, "^host%-tsc"))
      end
   end)

   -- A hit skips creating a vCPU: the frequency comes from the entry, and only
   -- the scaling question reaches the stand-in (which cannot answer it).
   it("uses an entry only for its boot and /dev/kvm node", function()
      support.write(kvm, "")
      assert(lfs.mkdir(cache))
      write_entry(2400000)
      local hit = { "no TSC counter: KVM does not tell the TSC frequency" }
      local miss = { "no TSC counter: cannot create a KVM vCPU: Inappropriate ioctl for device" }
      assert.same(hit, tsc_warnings(tsc_probe()))
      -- another boot
      support.write(boot, "22222222-2222-4222-8222-222222222222\n")
      assert.same(miss, tsc_warnings(tsc_probe()))
      write_entry(2400000)
      assert.same(hit, tsc_warnings(tsc_probe()))
      -- a new node (the module loaded again): another inode
      assert(support.tool("rm " .. kvm .. " && touch " .. kvm))
      assert.same(miss, tsc_warnings(tsc_probe()))
      write_entry(2400000)
      assert.same(hit, tsc_warnings(tsc_probe()))
      -- no frequency, or a bad one, is no entry
      for _, khz in ipairs { 0, -1, "2400000" } do
         write_entry(khz)
         assert.same(miss, tsc_warnings(tsc_probe()), tostring(khz))
      end
   end)
end)
