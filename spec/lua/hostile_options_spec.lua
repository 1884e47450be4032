-- Options tables that fight back: __index functions that collect garbage
-- and answer differently each time, nested tables whose __len, __pairs and
-- __index lie. Each option is read once, into memory the call owns (the
-- memory part of these checks bites under make asan-test).
local virtcaps = require "virtcaps"
local core = require "virtcaps.core"
local cpu = require "virtcaps.cpu"
local support = require "support"

local VM = "spec/fixtures/probe/vm-x86_64"
local CPUID = support.read("spec/fixtures/cpu/x86_64-cpuid-Xeon-VM.xml")

-- A table that answers options through __index, collecting garbage first;
-- values[k] may be a function called on each read. reads[k] counts them.
local function proxy(values)
   local reads = {}
   local t = setmetatable({}, {
      __index = function(_, k)
         reads[k] = (reads[k] or 0) + 1
         collectgarbage()
         local v = values[k]
         if type(v) == "function" then
            return v(reads[k])
         end
         return v
      end,
   })
   return t, reads
end

-- A fresh string each time, that only the __index result holds.
local function fresh(s)
   return function()
      return (s .. "\0"):sub(1, -2)
   end
end

describe("options read through metamethods", function()
   it("survive a collecting __index (the issue's example) and read each option once", function()
      local opts, reads = proxy { root = function() return ("/x"):rep(40) end }
      assert.same(assert(virtcaps.detect_virt { root = ("/x"):rep(40) }), assert(virtcaps.detect_virt(opts)))
      assert.same({ root = 1, paths = 1, cpuid = 1 }, reads)
   end)

   it("are what a plain table gives, for nodeinfo, signature and probe", function()
      local plain = virtcaps.nodeinfo { root = VM, arch = "x86_64" }
      local opts, reads = proxy { root = fresh(VM), arch = fresh("x86_64") }
      assert.same(plain, virtcaps.nodeinfo(opts))
      for _, n in pairs(reads) do
         assert.equal(1, n)
      end
      local keys = {}
      for k in pairs(reads) do
         keys[#keys + 1] = k
      end
      table.sort(keys)
      assert.same({ "arch", "cache", "cache_dir", "clusters", "cpu_map", "cpuid", "drivers", "paths", "qemu_dirs",
         "root", "threads_per_subcore", "timeout" }, keys)
      assert.equal(virtcaps.signature { root = VM, arch = "x86_64" },
         virtcaps.signature((proxy { root = fresh(VM), arch = fresh("x86_64") })))
      local caps = assert(core.probe_xml((proxy { root = fresh(VM), arch = fresh("x86_64"), drivers = {},
         cache = false, cpuid = fresh("spec/fixtures/cpu/x86_64-cpuid-Xeon-VM.xml") })))
      assert.equal(assert(core.probe_xml { root = VM, arch = "x86_64", drivers = {}, cache = false,
         cpuid = "spec/fixtures/cpu/x86_64-cpuid-Xeon-VM.xml" }), caps)
   end)

   it("size and fill paths from one reading, however often __index changes its answer", function()
      -- Each read of paths answers a bigger table: sized from one, filled
      -- from another, this overflowed the heap.
      local opts, reads = proxy {
         root = fresh(VM),
         arch = "x86_64",
         paths = function(n)
            local p = {}
            for i = 1, n * 50 do
               p["/nowhere/" .. i] = "/also/nowhere/" .. i
            end
            return p
         end,
      }
      assert.same(virtcaps.nodeinfo { root = VM, arch = "x86_64" }, virtcaps.nodeinfo(opts))
      assert.equal(1, reads.paths)
   end)

   it("read nested lists and maps raw: their __len, __index and __pairs are not called", function()
      local called = {}
      local function liar(name, base)
         return setmetatable(base, {
            __len = function() called[#called + 1] = name .. ".__len" return 1000 end,
            __index = function() called[#called + 1] = name .. ".__index" collectgarbage() return "qemu" end,
            __pairs = function() called[#called + 1] = name .. ".__pairs" return next, {}, nil end,
         })
      end
      local caps = assert(virtcaps.probe { root = VM, arch = "x86_64", cache = false, drivers = liar("drivers", {}),
         qemu_dirs = liar("qemu_dirs", {}), paths = liar("paths", { ["/etc"] = "spec/fixtures/qemu/etc" }) })
      assert.same({}, called)
      assert.same({}, caps.guests)
   end)

   it("keep rejecting unknown keys, and now NUL bytes, naming the function", function()
      assert.has_error(function() virtcaps.probe { bogus = true } end,
         "bad argument #1 to 'probe' (unknown option 'bogus')")
      assert.has_error(function() virtcaps.nodeinfo { [1] = "x" } end,
         "bad argument #1 to 'nodeinfo' (unknown option '1')")
      assert.has_error(function() virtcaps.nodeinfo { [{}] = "x" } end,
         "bad argument #1 to 'nodeinfo' (unknown option (a table key))")
      assert.has_error(function() virtcaps.nodeinfo { root = VM .. "\0/etc" } end,
         "bad argument #1 to 'nodeinfo' (option 'root': string contains a NUL byte)")
      assert.has_error(function() virtcaps.probe { qemu_dirs = { "/usr/bin", 7 } } end,
         "bad argument #1 to 'probe' (option 'qemu_dirs': strings expected, got number at [2])")
      assert.has_error(function() virtcaps.detect_virt { paths = { etc = "/etc" } } end,
         "bad argument #1 to 'detect_virt' (option 'paths': 'etc' is not an absolute path)")
      -- an __index answer of the wrong type is refused like a plain one
      assert.has_error(function() virtcaps.signature((proxy { arch = function() return {} end })) end,
         "bad argument #1 to 'signature' (option 'arch': string expected, got table)")
   end)

   it("hold for the cpu functions", function()
      local opts, reads = proxy { cpu_map = fresh("/usr/share/libvirt/cpu_map") }
      assert.same(assert(cpu.decode(CPUID)), assert(cpu.decode(CPUID, opts)))
      assert.same({ cpu_map = 1 }, reads)
      local host = assert(cpu.decode(CPUID))
      local bopts, breads = proxy { cpu_map = fresh("/usr/share/libvirt/cpu_map"), expand = true, migratable = true }
      assert.same(assert(cpu.baseline({ host, host }, { expand = true, migratable = true })),
         assert(cpu.baseline({ host, host }, bopts)))
      assert.same({ cpu_map = 1, expand = 1, migratable = 1, models = 1, blockers = 1, features = 1 }, breads)
      assert.has_error(function() core.cpu_compare(CPUID, CPUID, { cpu_map = 1 }) end,
         "bad argument #3 to 'cpu_compare' (option 'cpu_map': string expected, got number)")
   end)
end)
