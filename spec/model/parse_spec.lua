-- Reading capabilities documents into plain tables.
local virtcaps = require "virtcaps"
local support = require "support"

local FIX = "spec/fixtures/xml/"

describe("virtcaps.parse", function()
   local caps

   setup(function()
      -- virsh capabilities on this project's build machine (Debian 12, libvirt 9.0.0)
      caps = assert(virtcaps.load(FIX .. "debian12-x86_64-virsh.xml"))
   end)

   it("reads the host CPU", function()
      local cpu = caps.host.cpu
      assert.equal("x86_64", cpu.arch)
      assert.equal("Broadwell", cpu.model)
      assert.equal("Intel", cpu.vendor)
      assert.same({ version = 1 }, cpu.microcode)
      assert.same({ family = 6, model = 167, stepping = 1 }, cpu.signature)
      assert.same({ name = "tsc", frequency = 2600000000, scaling = false }, cpu.counter)
      assert.same({ sockets = 1, dies = 1, cores = 2, threads = 1 }, cpu.topology)
      assert.same({ mode = "emulate", bits = 48 }, cpu.maxphysaddr)
      assert.equal(56, #cpu.features)
      assert.equal("vme", cpu.features[1])
      assert.equal("taa-no", cpu.features[56])
      assert.same({ { unit = "KiB", size = 4 }, { unit = "KiB", size = 2048 }, { unit = "KiB", size = 1048576 } },
         cpu.pages)
      assert.is_nil(cpu.legacy_features)
   end)

   it("reads the host sections", function()
      local host = caps.host
      assert.equal("b84cbdc9-a2dc-456d-9a49-105b571239f3", host.uuid)
      assert.same({}, host.power_management)
      assert.same({ support = false }, host.iommu)
      assert.same({ live = true, uri_transports = { "tcp", "rdma" } }, host.migration_features)
      assert.same({
         id = 0,
         memory = { value = 5859104, unit = "KiB" },
         pages = {
            { unit = "KiB", size = 4, count = 1464776 },
            { unit = "KiB", size = 2048, count = 0 },
            { unit = "KiB", size = 1048576, count = 0 },
         },
         distances = { { id = 0, value = 10 } },
         cpus = {
            { id = 0, socket_id = 0, die_id = 0, core_id = 0, siblings = "0" },
            { id = 1, socket_id = 0, die_id = 0, core_id = 1, siblings = "1" },
         },
      }, host.topology.cells[1])
      assert.same({ banks = { { id = 0, level = 3, type = "both", size = 480, unit = "MiB", cpus = "0-1" } } },
         host.cache)
      assert.same({
         { model = "none", doi = "0" },
         { model = "dac", doi = "0", baselabels = { { type = "kvm", label = "+999:+995" },
            { type = "qemu", label = "+999:+995" } } },
      }, host.secmodels)
   end)

   it("reads guests with machines in document order", function()
      assert.equal(5, #caps.guests)
      local arches = {}
      for i, g in ipairs(caps.guests) do
         arches[i] = g.arch.name
      end
      assert.same({ "armv6l", "armv7l", "aarch64", "i686", "x86_64" }, arches)
      local x86 = caps.guests[5]
      assert.equal("hvm", x86.os_type)
      assert.equal(64, x86.arch.wordsize)
      assert.equal("/usr/bin/qemu-system-x86_64", x86.arch.emulator)
      assert.same({ name = "pc-i440fx-7.2", maxCpus = 255 }, x86.arch.machines[1])
      assert.same({ name = "pc", canonical = "pc-i440fx-7.2", maxCpus = 255 }, x86.arch.machines[2])
      assert.same({ { type = "qemu" }, { type = "kvm" } }, x86.arch.domains)
      assert.same({
         acpi = { default = true, toggle = true },
         apic = { default = true, toggle = false },
         cpuselection = true,
         deviceboot = true,
         disksnapshot = { default = true, toggle = false },
      }, x86.features)
      local deprecated = 0
      for _, m in ipairs(x86.arch.machines) do
         if m.deprecated then deprecated = deprecated + 1 end
      end
      assert.equal(4, deprecated)
   end)

   it("keeps the blank lines virsh prints after the document", function()
      assert.equal("\n\n", caps.trailer)
      assert.same({}, caps.warnings)
   end)

   it("formats back to the same bytes", function()
      assert.equal(support.read(FIX .. "debian12-x86_64-virsh.xml"), caps:xml())
   end)

   it("accepts the early layout and keeps every value", function()
      local doc = [[<capabilities>
  <host><cpu><arch>x86_64</arch><features><vmx/><pae/></features></cpu></host>
  <!-- a comment -->
  <guest>
    <os_type>hvm</os_type>
    <arch name="i686">
      <wordsize>32</wordsize>
      <domain type="xen"></domain>
      <emulator>/usr/lib/xen/bin/qemu-dm</emulator>
      <machine>pc</machine>
      <loader>/usr/lib/xen/boot/hvmloader</loader>
    </arch>
    <features>
    </features>
  </guest>
</capabilities>]]
      local c = assert(virtcaps.parse(doc))
      assert.same({ "vmx", "pae" }, c.host.cpu.legacy_features)
      assert.same({
         os_type = "hvm",
         arch = {
            name = "i686", wordsize = 32,
            emulator = "/usr/lib/xen/bin/qemu-dm", loader = "/usr/lib/xen/boot/hvmloader",
            machines = { { name = "pc" } }, domains = { { type = "xen" } },
         },
         features = {},
      }, c.guests[1])
   end)

   it("warns about elements and attributes it does not know, and keeps going", function()
      local c = assert(virtcaps.parse([[<capabilities>
<host>
  <cpu><arch>aarch64</arch><cache level='3' mode='emulate'/></cpu>
  <iommu support='yes' extra='1'/>
</host>
<pool/>
</capabilities>]]))
      assert.same({ support = true }, c.host.iommu)
      assert.same({
         "line 3: ignored unknown element <cache> in <cpu>",
         "line 4: ignored unknown attribute extra of <iommu>",
         "line 6: ignored unknown element <pool> in <capabilities>",
      }, c.warnings)
   end)

   it("reads newer layouts: clusters, HMAT caches and interconnects", function()
      local c = assert(virtcaps.load(FIX .. "hmat-clusters.xml"))
      local cell = c.host.topology.cells[1]
      assert.same({ level = 1, associativity = "direct", policy = "writeback",
         size = { value = 10, unit = "KiB" }, line = { value = 8, unit = "B" } }, cell.caches[1])
      assert.same({ id = 0, socket_id = 0, die_id = 0, cluster_id = 0, core_id = 0, siblings = "0" }, cell.cpus[1])
      assert.same({}, c.host.topology.cells[2].cpus)
      assert.same({ initiator = 0, target = 1, type = "write", value = 12 },
         c.host.topology.interconnects.latencies[4])
      assert.same({ initiator = 0, target = 0, type = "read", value = 205824, unit = "KiB" },
         c.host.topology.interconnects.bandwidths[1])
      assert.equal(support.read(FIX .. "hmat-clusters.xml"), c:xml())
   end)
end)

describe("virtcaps.load", function()
   it("names the file and the line", function()
      local path = support.tmpname()
      support.write(path, "<capabilities>\n<host>\n<cpu><arch>x86_64</arch></cpu>\n<uuid>nope</uuid>\n</host>\n</capabilities>\n")
      local c, err = virtcaps.load(path)
      os.remove(path)
      assert.is_nil(c)
      assert.equal(path .. ": line 2: host.uuid: invalid UUID 'nope'", err)
   end)

   it("reports files it cannot read", function()
      assert.same({ nil, "/nonexistent/caps.xml: No such file or directory" },
         { virtcaps.load("/nonexistent/caps.xml") })
      assert.same({ nil, "/: not a regular file" }, { virtcaps.load("/") })
   end)
end)
