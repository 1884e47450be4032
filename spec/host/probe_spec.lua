-- The host probe on copies of real hosts (spec/fixtures/probe): every
-- field of the host section, nodeinfo, signature, and the options.
local virtcaps = require "virtcaps"
local support = require "support"

local VM = "spec/fixtures/probe/vm-x86_64"
local HMAT = "spec/fixtures/probe/hmat"

local function probe(root, extra)
   local opts = { root = root, arch = "x86_64", drivers = {} }
   for k, v in pairs(extra or {}) do opts[k] = v end
   return assert(virtcaps.probe(opts))
end

-- "Node 0 MemTotal:  5859104 kB" of a fixture file, in KiB.
local function memtotal(path)
   return tonumber(support.read(path):match("MemTotal:%s*(%d+) kB"))
end

describe("probing a copy of the build machine", function()
   local caps = probe(VM)
   local host = caps.host

   it("warns only that it cannot ask KVM for the TSC", function()
      assert.same({ "no TSC counter: /dev/kvm: No such file or directory" }, support.host_warnings(caps))
   end)

   it("derives the uuid from /etc/machine-id as systemd's app-specific id", function()
      -- HMAC-SHA256 keyed with the machine id over the application id,
      -- computed here by openssl, then made a version 4 UUID.
      local mid = support.read(VM .. "/etc/machine-id"):gsub("%s", "")
      local ok, out = support.tool("printf '\\314\\323\\315\\007\\073\\112\\103\\104\\205\\011\\307\\337\\327\\105\\321\\061'"
         .. " | openssl dgst -sha256 -mac HMAC -macopt hexkey:" .. mid)
      assert(ok, out)
      local hex = out:match("(%x+)%s*$"):sub(1, 32)
      local b = {}
      for i = 1, 16 do b[i] = tonumber(hex:sub(2 * i - 1, 2 * i), 16) end
      b[7] = (b[7] & 0x0f) | 0x40
      b[9] = (b[9] & 0x3f) | 0x80
      local s = string.format(("%02x"):rep(16), table.unpack(b))
      assert.equal(s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21),
         host.uuid)
   end)

   it("reads the CPU from /proc/cpuinfo under the reference's names", function()
      local cpu = host.cpu
      assert.equal("x86_64", cpu.arch)
      assert.is_nil(cpu.model)
      assert.equal("Intel", cpu.vendor)
      assert.same({ version = 1 }, cpu.microcode)
      assert.same({ family = 6, model = 167, stepping = 1 }, cpu.signature)
      assert.same({ sockets = 1, dies = 1, cores = 2, threads = 1 }, cpu.topology)
      assert.same({ mode = "emulate", bits = 48 }, cpu.maxphysaddr)
      assert.is_nil(cpu.counter)
      assert.same({ { unit = "KiB", size = 4 }, { unit = "KiB", size = 2048 }, { unit = "KiB", size = 1048576 } },
         cpu.pages)
      -- Linux's sse4_1, pclmulqdq, sha_ni, nonstop_tsc under the reference's
      -- names, in the reference's order; Linux-only flags left out.
      local names = {}
      for i, f in ipairs(cpu.features) do names[f] = i end
      assert.equal(1, names.fpu)
      assert.is_true(names["sse4.1"] < names["sse4.2"] and names["sse4.2"] < names["tsc-deadline"])
      assert.is_truthy(names.pclmuldq and names["sha-ni"] and names.invtsc and names["avx512-vpopcntdq"])
      assert.is_nil(names.sse4_1 or names.pclmulqdq or names.constant_tsc or names.rep_good or names.nopl)
      assert.equal(#cpu.features, names.invtsc)
      assert.equal(101, #cpu.features)
   end)

   it("reports power management, IOMMU and security models", function()
      assert.same({}, host.power_management)
      assert.same({ support = false }, host.iommu)
      -- the host's own model; the QEMU driver adds dac (drivers are off here)
      assert.same({ { model = "none", doi = "0" } }, host.secmodels)
   end)

   it("reads the NUMA cell: memory, pages, distances, CPUs", function()
      local kib = memtotal(VM .. "/sys/devices/system/node/node0/meminfo")
      assert.same({ cells = { {
         id = 0,
         memory = { value = kib, unit = "KiB" },
         pages = { { unit = "KiB", size = 4, count = kib // 4 }, { unit = "KiB", size = 2048, count = 0 },
            { unit = "KiB", size = 1048576, count = 0 } },
         distances = { { id = 0, value = 10 } },
         cpus = { { id = 0, socket_id = 0, die_id = 0, core_id = 0, siblings = "0" },
            { id = 1, socket_id = 0, die_id = 0, core_id = 1, siblings = "1" } },
      } } }, host.topology)
   end)

   it("reads the level 3 cache", function()
      assert.equal("491520K\n", support.read(VM .. "/sys/devices/system/cpu/cpu0/cache/index3/size"))
      assert.same({ banks = { { id = 0, level = 3, type = "both", size = 480, unit = "MiB", cpus = "0-1" } } },
         host.cache)
      assert.is_nil(host.memory_bandwidth)
   end)

   it("formats as a valid document", function()
      local doc = caps:xml()
      assert.matches("<cache>\n      <bank id='0' level='3' type='both' size='480' unit='MiB' cpus='0%-1'/>\n    </cache>",
         doc)
      assert.same(caps.host, assert(virtcaps.parse(doc)).host)
   end)

   it("formats straight from C with core.probe_xml, as probe then format", function()
      local core = require "virtcaps.core"
      local opts = { root = VM, arch = "x86_64", drivers = {} }
      local doc = assert(core.probe_xml(opts))
      assert.equal(caps:xml(), doc)
      assert.matches("<arch>x86_64</arch>", doc, nil, true)
      assert.error_matches(function() core.probe_xml { bogus = true } end, "unknown option 'bogus'", nil, true)
      assert.error_matches(function() core.probe_xml({}, 2) end, "no more than 1 argument expected, got 2", nil, true)
   end)

   it("reports clusters only when asked", function()
      local c = probe(VM, { clusters = true })
      assert.same({ sockets = 1, dies = 1, clusters = 1, cores = 2, threads = 1 }, c.host.cpu.topology)
      -- Linux on x86 numbers the CPUs sharing an L2 cache as a cluster.
      assert.equal("1\n", support.read(VM .. "/sys/devices/system/cpu/cpu1/topology/cluster_id"))
      assert.same({ id = 1, socket_id = 0, die_id = 0, cluster_id = 1, core_id = 1, siblings = "1" },
         c.host.topology.cells[1].cpus[2])
      assert.matches("<cpu id='1' socket_id='0' die_id='0' cluster_id='1' core_id='1' siblings='1'/>", c:xml())
      assert.not_matches("cluster", caps:xml())
   end)

   it("gives nodeinfo and the signature", function()
      assert.same({ model = "x86_64", cpus = 2, maxcpus = 2, mhz = 2600, nodes = 1, sockets = 1, cores = 2, threads = 1,
         -- the NUMA nodes' memory, as the reference adds it up: on this
         -- machine (memory hot-plugged) not /proc/meminfo's MemTotal
         memory = memtotal(VM .. "/sys/devices/system/node/node0/meminfo") },
         virtcaps.nodeinfo { root = VM, arch = "x86_64" })
      assert.is_true(memtotal(VM .. "/proc/meminfo") ~= memtotal(VM .. "/sys/devices/system/node/node0/meminfo"))
      assert.equal("GenuineIntel, Intel(R) Xeon(R) Processor, family: 6, model: 167, stepping: 1",
         virtcaps.signature { root = VM, arch = "x86_64" })
      assert.is_nil(virtcaps.signature { root = VM, arch = "aarch64" })
   end)
end)

describe("probing a host with HMAT", function()
   local caps = probe(HMAT)

   it("writes memory-side caches, interconnects and a CPU-less cell", function()
      local doc = caps:xml()
      assert.equal(support.read("spec/fixtures/probe/hmat-topology.xml"),
         doc:match("\n(    <topology>\n.-\n    </topology>\n)"))
   end)

   it("counts system pages as the memory huge pages leave", function()
      local cell = caps.host.topology.cells[1]
      assert.equal(4194304, cell.memory.value)
      assert.same({ unit = "KiB", size = 4, count = (4194304 - 16 * 2048 - 1048576) // 4 }, cell.pages[1])
      assert.same({}, caps.host.topology.cells[2].cpus)
   end)

   it("says what it could not read", function()
      assert.same({
         "/etc/machine-id: No such file or directory; no uuid",
         "no host CPU topology: cannot read /proc/cpuinfo: No such file or directory",
         "/proc/cpuinfo: No such file or directory; no CPU vendor, signature or features",
      }, support.host_warnings(caps))
   end)
end)

describe("probe options", function()
   it("map paths by their longest prefix", function()
      local caps = assert(virtcaps.probe { arch = "x86_64", drivers = {}, root = "/nonexistent",
         paths = { ["/sys/devices/system"] = HMAT .. "/sys/devices/system", ["/sys/devices/system/node/node1"] = "/nowhere" } })
      assert.equal(1, #caps.host.topology.cells)
      assert.equal("/sys/devices/system/node/node1/cpulist: No such file or directory; node 1 left out",
         support.host_warnings(caps)[4])
   end)

   it("check threads_per_subcore", function()
      assert.error_matches(function() virtcaps.nodeinfo { threads_per_subcore = -1 } end,
         "option 'threads_per_subcore': an integer from 0 to 64 expected", nil, true)
      assert.error_matches(function() virtcaps.nodeinfo { threads_per_subcore = "8" } end,
         "option 'threads_per_subcore': an integer from 0 to 64 expected", nil, true)
      assert.error_matches(function() virtcaps.signature { bogus = true } end, "unknown option 'bogus'", nil, true)
      assert.error_matches(function() virtcaps.nodeinfo({}, 2) end, "no more than 1 argument expected, got 2", nil, true)
   end)

   it("use threads_per_subcore on POWER only", function()
      -- 20 primary threads online, 140 secondary threads offline: with
      -- subcores of 8 threads those count as online (root keeps /dev/kvm away).
      local data = support.DATA .. "/hostcpu"
      local opts = { arch = "ppc64", root = "/nonexistent", paths = {
         ["/proc/cpuinfo"] = data .. "/linux-ppc64-subcores1.cpuinfo",
         ["/sys/devices/system"] = data .. "/linux-subcores1" } }
      local function summary(ni) return { ni.cpus, ni.maxcpus, ni.nodes, ni.sockets, ni.cores, ni.threads } end
      assert.same({ 20, 160, 1, 1, 160, 1 }, summary(assert(virtcaps.nodeinfo(opts))))
      opts.threads_per_subcore = 8
      assert.same({ 160, 160, 4, 1, 5, 8 }, summary(assert(virtcaps.nodeinfo(opts))))
      opts.arch = "x86_64"
      assert.same({ 20, 160, 1, 1, 160, 1 }, summary(assert(virtcaps.nodeinfo(opts))))
   end)
end)
