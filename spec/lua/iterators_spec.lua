-- Methods on capabilities tables: iterators, filters, questions, summaries.
local virtcaps = require "virtcaps"

local FIX = "spec/fixtures/xml/"

-- virsh capabilities on the project's build machine (x86_64, KVM, Debian's
-- qemu-system-x86 and qemu-system-arm), plain and with huge pages reserved;
-- and the output of libvirt's test driver (two NUMA cells, 16 CPUs).
local caps, hugepages, testdrv, hmat

local function collect(iter, ...)
   local out = {}
   for a, b, c in iter, ... do
      out[#out + 1] = { a, b, c }
   end
   return out
end

local function names_of(list, field)
   local out = {}
   for i, row in ipairs(list) do
      out[i] = field and row[1][field] or row[1]
   end
   return out
end

setup(function()
   caps = assert(virtcaps.load(FIX .. "debian12-x86_64-virsh.xml"))
   hugepages = assert(virtcaps.load(FIX .. "debian12-x86_64-hugepages-virsh.xml"))
   testdrv = assert(virtcaps.load(FIX .. "libvirt-test-driver-virsh.xml"))
   hmat = assert(virtcaps.load(FIX .. "hmat-clusters.xml"))
end)

describe("caps:guests", function()
   it("yields every guest and its index without a filter", function()
      local rows = collect(caps:guests())
      assert.equal(5, #rows)
      for i, row in ipairs(rows) do
         assert.equal(caps.guests[i], row[1])
         assert.equal(i, row[2])
      end
   end)

   it("keeps caps.guests a plain array", function()
      assert.equal(5, #caps.guests)
      assert.equal("x86_64", caps.guests[5].arch.name)
      local n = 0
      for _ in ipairs(caps.guests) do n = n + 1 end
      assert.equal(5, n)
   end)

   it("filters on fields, lists and functions", function()
      local function arches(filter)
         local out = {}
         for g, i in caps:guests(filter) do
            out[#out + 1] = g.arch.name .. "@" .. i
         end
         return out
      end
      assert.same({ "i686@4", "x86_64@5" }, arches { domain = "kvm" })
      assert.same({ "x86_64@5" }, arches { os_type = "hvm", arch = "x86_64", domain = "kvm" })
      assert.same({ "armv6l@1", "x86_64@5" }, arches { arch = { "x86_64", "armv6l", "sparc" } })
      assert.same({ "aarch64@3", "x86_64@5" }, arches { wordsize = 64 })
      assert.same({ "armv6l@1", "armv7l@2" }, arches { emulator = "/usr/bin/qemu-system-arm" })
      assert.same({ "armv6l@1", "armv7l@2", "aarch64@3" }, arches { machine = "virt-7.2" })
      assert.same({ "i686@4", "x86_64@5" }, arches { machine = function(m) return m:find("^pc%-q35") ~= nil end })
      assert.same({ "aarch64@3" }, arches(function(g) return g.arch.name:find("^aarch") ~= nil end))
      assert.same({}, arches { domain = "xen" })
      assert.same({ "i686@1", "i686@2" }, (function()
         local out = {}
         for g, i in testdrv:guests { domain = "test" } do out[#out + 1] = g.arch.name .. "@" .. i end
         return out
      end)())
   end)

   it("rejects misuse", function()
      assert.has_error(function() caps:guests { colour = "red" } end,
         "bad argument #1 to 'guests' (unknown filter field 'colour'; fields: arch, domain, emulator, loader, machine, os_type, wordsize)")
      assert.has_error(function() caps:guests("hvm") end,
         "bad argument #1 to 'guests' (filter table or function expected, got string)")
      assert.has_error(function() caps:guests { arch = coroutine.create(print) } end,
         "bad argument #1 to 'guests' (filter field 'arch': value, list or function expected, got thread)")
   end)
end)

describe("caps:machines", function()
   it("yields machines with their index and guest, each list once", function()
      local rows = collect(caps:machines { arch = "x86_64" })
      assert.equal(60, #rows)
      assert.equal("pc-i440fx-7.2", rows[1][1].name)
      assert.equal(1, rows[1][2])
      assert.equal(caps.guests[5], rows[1][3])
      assert.equal("pc", rows[2][1].name)
      assert.equal("pc-i440fx-7.2", rows[2][1].canonical)
   end)

   it("filters by the domain types a list serves", function()
      assert.equal(60, #collect(caps:machines { arch = "x86_64", domain = "kvm" }))
      assert.same({}, collect(caps:machines { arch = "aarch64", domain = "kvm" }))
      local names = names_of(collect(caps:machines { arch = "x86_64", domain = "kvm", deprecated = true }), "name")
      assert.same({ "pc-i440fx-1.5", "pc-i440fx-1.7", "pc-i440fx-1.4", "pc-i440fx-1.6" }, names)
      assert.same({ "pc", "q35" },
         names_of(collect(caps:machines { arch = "x86_64", canonical = function(c) return c ~= nil end }), "name"))
      assert.same({ "microvm", "microvm" }, names_of(collect(caps:machines { name = "microvm" }), "name"))
      assert.same({ "x-remote", "isapc" },
         names_of(collect(caps:machines { arch = "i686", maxCpus = 1 }), "name"))
   end)

   it("uses a domain's own machine list where it has one", function()
      local doc = [[
<capabilities>
  <host><cpu><arch>x86_64</arch></cpu></host>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <machine maxCpus='255'>pc-i440fx-7.2</machine>
      <domain type='qemu'/>
      <domain type='kvm'>
        <machine maxCpus='288'>pc-q35-7.2</machine>
      </domain>
    </arch>
  </guest>
</capabilities>]]
      local c = assert(virtcaps.parse(doc))
      assert.same({ "pc-i440fx-7.2" }, names_of(collect(c:machines { domain = "qemu" }), "name"))
      assert.same({ "pc-q35-7.2" }, names_of(collect(c:machines { domain = "kvm" }), "name"))
      assert.same({ "pc-i440fx-7.2", "pc-q35-7.2" }, names_of(collect(c:machines()), "name"))
   end)

   it("rejects unknown fields", function()
      assert.has_error(function() caps:machines { type = "pc" } end,
         "bad argument #1 to 'machines' (unknown filter field 'type'; fields: arch, canonical, deprecated, domain, maxCpus, name, os_type)")
   end)
end)

describe("caps:cells and caps:cpus", function()
   it("yields the NUMA cells with their index", function()
      local rows = collect(testdrv:cells())
      assert.equal(2, #rows)
      assert.equal(0, rows[1][1].id)
      assert.equal(1, rows[1][2])
      assert.equal(1, rows[2][1].id)
      assert.equal(2, rows[2][2])
      assert.same({ 1 }, (function()
         local out = {}
         for c in testdrv:cells { memory = function(kib) return kib > 3 * 1024 * 1024 end } do out[#out + 1] = c.id end
         return out
      end)())
      assert.same({}, collect(virtcaps.parse("<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>"):cells()))
   end)

   it("yields CPUs with their index in the cell and the cell", function()
      local rows = collect(testdrv:cpus())
      assert.equal(16, #rows)
      assert.equal(8, rows[9][1].id)
      assert.equal(1, rows[9][2])
      assert.equal(1, rows[9][3].id)
      local socket1 = {}
      for cpu in testdrv:cpus { socket_id = 1 } do socket1[#socket1 + 1] = cpu.id end
      assert.same({ 8, 9, 10, 11, 12, 13, 14, 15 }, socket1)
      local cell0 = {}
      for cpu in testdrv:cpus { cell = 0, core_id = { 0, 7 } } do cell0[#cell0 + 1] = cpu.id end
      assert.same({ 0, 7 }, cell0)
      -- hmat-clusters: cell 1 has <cpus num='0'/>
      local ids = {}
      for cpu, _, cell in hmat:cpus { cluster_id = 1 } do ids[#ids + 1] = cpu.id .. "@" .. cell.id end
      assert.same({ "2@0", "3@0" }, ids)
   end)
end)

describe("caps:features and caps:has_feature", function()
   it("yields the host CPU's feature names in document order", function()
      local rows = collect(caps:features())
      assert.equal(56, #rows)
      assert.same({ "vme", 1 }, { rows[1][1], rows[1][2] })
      assert.same({ "taa-no", 56 }, { rows[56][1], rows[56][2] })
      local avx512 = {}
      for f in caps:features(function(name) return name:find("^avx512[a-z]") ~= nil end) do avx512[#avx512 + 1] = f end
      assert.same({ "avx512f", "avx512dq", "avx512ifma", "avx512cd", "avx512bw", "avx512vl", "avx512vbmi",
         "avx512vbmi2", "avx512vnni", "avx512bitalg" }, avx512)
   end)

   it("includes the early <features> block", function()
      assert.same({ "pae", "nonpae" }, names_of(collect(testdrv:features())))
      assert.is_true(testdrv:has_feature("pae"))
   end)

   it("answers has_feature from the document", function()
      assert.is_true(caps:has_feature("avx512f"))
      assert.is_true(caps:has_feature("hypervisor"))
      -- this KVM host's document does not list vmx: the reference lists the
      -- features beyond the CPU model, and nested VMX is not among them here
      assert.is_false(caps:has_feature("vmx"))
      assert.has_error(function() caps:has_feature(1) end, "bad argument #1 to 'has_feature' (string expected, got number)")
      assert.has_error(function() caps:features {} end, "bad argument #1 to 'features' (function expected, got table)")
   end)
end)

describe("caps:virtualization, caps:cpu_count, caps:total_memory", function()
   it("names the strongest kind of virtualization", function()
      assert.equal("kvm", caps:virtualization())
      assert.equal("test", testdrv:virtualization())
      assert.is_nil(hmat:virtualization())
      local arm_only = assert(virtcaps.parse(caps:xml()))
      for i = #arm_only.guests, 4, -1 do table.remove(arm_only.guests, i) end
      assert.equal("qemu", arm_only:virtualization())
   end)

   it("counts CPUs and memory", function()
      assert.equal(2, caps:cpu_count())
      assert.equal(5859104, caps:total_memory())
      assert.equal(16, testdrv:cpu_count())
      assert.equal(6291456, testdrv:total_memory())
      assert.equal(4, hmat:cpu_count())
      assert.equal(25165824, hmat:total_memory())
      local bare = assert(virtcaps.parse("<capabilities><host><cpu><arch>x86_64</arch>"
         .. "<topology sockets='2' dies='1' cores='4' threads='2'/></cpu></host></capabilities>"))
      assert.equal(16, bare:cpu_count())
      assert.is_nil(bare:total_memory())
   end)
end)

describe("summaries for the REPL", function()
   it("describe the parts of the model", function()
      assert.equal("5 guests: hvm/armv6l (qemu), hvm/armv7l (qemu), hvm/aarch64 (qemu), hvm/i686 (qemu, kvm), "
         .. "hvm/x86_64 (qemu, kvm)", tostring(caps.guests))
      assert.equal("hvm/x86_64 guest; 64-bit; domains qemu, kvm; emulator /usr/bin/qemu-system-x86_64; "
         .. "60 machines (first pc-i440fx-7.2)", tostring(caps.guests[5]))
      assert.equal("machine pc (alias of pc-i440fx-7.2), up to 255 vCPUs", tostring(caps.guests[5].arch.machines[2]))
      assert.equal("machine pc-i440fx-1.5, up to 255 vCPUs, deprecated", tostring(caps.guests[5].arch.machines[11]))
      assert.equal("kvm domain", tostring(caps.guests[5].arch.domains[2]))
      assert.equal("x86_64 host: Intel Broadwell, 1 socket x 2 cores x 1 thread; 1 NUMA cell, 5.6 GiB",
         tostring(caps.host))
      assert.equal("x86_64 CPU: Intel Broadwell, 1 socket x 2 cores x 1 thread; 56 features", tostring(caps.host.cpu))
      assert.equal("NUMA cell 0, 5.6 GiB, 2 CPUs (0-1), pages 4 KiB x 932296, 2 MiB x 16, 1 GiB x 2",
         tostring(hugepages.host.topology.cells[1]))
      assert.equal("NUMA cell 1, 4 GiB, 8 CPUs (8-15), pages 8 KiB x 524288, 2 MiB x 0, 1 GiB x 0",
         tostring(testdrv.host.topology.cells[2]))
      assert.equal("NUMA cell 1, 16 GiB, no CPUs, pages 4 KiB x 4194304", tostring(hmat.host.topology.cells[2]))
      assert.equal("CPU 2, socket 0, die 0, cluster 1, core 2, siblings 2", tostring(hmat.host.topology.cells[1].cpus[3]))
      assert.equal("no guests", tostring(hmat.guests))
   end)

   it("do not get in the way of formatting", function()
      local doc = require("support").read(FIX .. "debian12-x86_64-hugepages-virsh.xml")
      assert.equal(doc, virtcaps.format(hugepages))
   end)

   it("list the API in virtcaps.help()", function()
      local path = os.tmpname()
      local f = assert(io.open(path, "w"))
      local old = io.output()
      io.output(f)
      virtcaps.help()
      io.output(old)
      f:close()
      local text = require("support").read(path)
      os.remove(path)
      for _, name in ipairs { "virtcaps.probe", "caps:guests", "caps:machines", "caps:cells", "caps:cpus",
         "caps:features", "caps:has_feature", "caps:virtualization", "caps:xpath", "virtcaps.cpuset",
         "virtcaps.detect_virt", "policy.choose", "policy.check", "policy.fits", "policy.diff", "policy.migratable" } do
         assert.truthy(text:find(name, 1, true), name .. " missing from help")
      end
   end)
end)
