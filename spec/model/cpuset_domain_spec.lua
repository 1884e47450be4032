-- Cpusets both ways, and reading domain definitions.
local virtcaps = require "virtcaps"
local support = require "support"

local DOM = "spec/fixtures/domain/"

describe("virtcaps.cpuset", function()
   it("parses the reference's cpuset grammar into a sorted list", function()
      assert.same({ 0, 1, 2, 3, 8, 10, 11 }, virtcaps.cpuset("0-3,8,10-11"))
      assert.same({ 0, 1, 3, 8 }, virtcaps.cpuset("0-3,8,^2"))
      assert.same({ 1, 2, 3 }, virtcaps.cpuset("3,1,2,2"))
      assert.same({ 5 }, virtcaps.cpuset(" 5 "))
      assert.same({ 1048575 }, virtcaps.cpuset("1048575"))
   end)

   it("reads the cpusets of real documents", function()
      local caps = assert(virtcaps.load("spec/fixtures/xml/libvirt-test-driver-virsh.xml"))
      assert.same({ 0, 1, 2, 3, 4, 5, 6, 7 }, virtcaps.cpuset(virtcaps.cpuset_format((function()
         local ids = {}
         for cpu in caps:cpus { cell = 0 } do ids[#ids + 1] = cpu.id end
         return ids
      end)())))
      local debian = assert(virtcaps.load("spec/fixtures/xml/debian12-x86_64-virsh.xml"))
      assert.same({ 0, 1 }, virtcaps.cpuset(debian.host.cache.banks[1].cpus))
   end)

   it("says what is wrong", function()
      local function bad(s, message)
         local ids, err = virtcaps.cpuset(s)
         assert.is_nil(ids)
         assert.equal(message, err)
      end
      bad("", "empty cpuset")
      bad("x", "invalid cpuset 'x': expected a CPU number at 'x'")
      bad("3-1", "invalid cpuset '3-1': range 3-1 goes backwards")
      bad("1,", "invalid cpuset '1,': trailing ','")
      bad("^2-3", "invalid cpuset '^2-3': '^' takes a single CPU")
      bad("1048576", "cpuset '1048576' names CPU 1048576, over the limit of 1048575")
      bad("99999999999999999999", "cpuset '99999999999999999999' names CPU beyond 1048576, over the limit of 1048575")
      assert.has_error(function() virtcaps.cpuset(nil) end, "bad argument #1 to 'cpuset' (string expected, got nil)")
      assert.has_error(function() virtcaps.cpuset("1\0002") end, "bad argument #1 to 'cpuset' (string contains a NUL byte)")
   end)
end)

describe("virtcaps.cpuset_format", function()
   it("writes ranges as the reference does", function()
      assert.equal("0-3,8,10-11", virtcaps.cpuset_format { 0, 1, 2, 3, 8, 10, 11 })
      assert.equal("0-3,8", virtcaps.cpuset_format { 8, 3, 2, 1, 0, 3 })
      assert.equal("1,3", virtcaps.cpuset_format { 3, 1 })
      assert.equal("0-1", virtcaps.cpuset_format { 0, 1 })
      assert.equal("", virtcaps.cpuset_format {})
      for _, s in ipairs { "0", "0-1", "0-3,8", "0,2,4-6", "1048575" } do
         assert.equal(s, virtcaps.cpuset_format(virtcaps.cpuset(s)))
      end
   end)

   it("raises for anything but CPU numbers", function()
      assert.has_error(function() virtcaps.cpuset_format { 1, -1 } end,
         "bad argument #1 to 'cpuset_format' (CPU numbers from 0 to 1048575 expected, got -1 at [2])")
      assert.has_error(function() virtcaps.cpuset_format { 1.5 } end,
         "bad argument #1 to 'cpuset_format' (CPU numbers from 0 to 1048575 expected, got 1.5 at [1])")
      assert.has_error(function() virtcaps.cpuset_format { "2" } end,
         "bad argument #1 to 'cpuset_format' (CPU numbers from 0 to 1048575 expected, got 2 at [1])")
      assert.has_error(function() virtcaps.cpuset_format { 1048576 } end,
         "bad argument #1 to 'cpuset_format' (CPU numbers from 0 to 1048575 expected, got 1048576 at [1])")
      assert.has_error(function() virtcaps.cpuset_format("0-3") end,
         "bad argument #1 to 'cpuset_format' (table expected, got string)")
   end)
end)

describe("virtcaps.domain", function()
   -- Domain definitions the reference wrote back (virsh define + dumpxml on
   -- this machine, and libvirt's test driver).
   it("reads a small KVM guest", function()
      assert.same({
         type = "kvm",
         name = "small",
         os = { type = "hvm", arch = "x86_64", machine = "pc-q35-7.2" },
         emulator = "/usr/bin/qemu-system-x86_64",
         vcpu = { count = 2, placement = "static" },
         memory = 1048576,
         current_memory = 1048576,
         cpu = { mode = "custom", xml = "<cpu mode=\"custom\" match=\"exact\" check=\"none\">\n"
            .. "    <model fallback=\"forbid\">qemu64</model>\n  </cpu>" },
      }, virtcaps.domain(support.read(DOM .. "kvm-q35-small.xml")))
   end)

   it("reads NUMA cells, huge pages and NUMA tuning", function()
      local d = assert(virtcaps.domain(support.read(DOM .. "kvm-hugepages-1g-numa.xml")))
      assert.equal("hugepages-1g", d.name)
      assert.same({ type = "hvm", arch = "x86_64", machine = "pc-i440fx-7.2" }, d.os)
      assert.same({ count = 2, placement = "static", cpuset = "0-1" }, d.vcpu)
      assert.equal(2097152, d.memory)
      assert.same({ { id = 0, cpus = "0-1", memory = 2097152 } }, d.numa)
      assert.same({ { size = 1048576, nodeset = "0" } }, d.hugepages)
      assert.same({ mode = "strict", nodeset = "0", memnodes = { { cellid = 0, mode = "strict", nodeset = "0" } } },
         d.numatune)
      assert.equal("host-passthrough", d.cpu.mode)
   end)

   it("reads other guests", function()
      local arm = assert(virtcaps.domain(support.read(DOM .. "qemu-aarch64-virt.xml")))
      assert.equal("qemu", arm.type)
      assert.same({ type = "hvm", arch = "aarch64", machine = "virt-7.2" }, arm.os)
      assert.equal(524288, arm.memory)
      local test = assert(virtcaps.domain(support.read(DOM .. "test-driver-test.xml")))
      assert.equal("test", test.type)
      assert.same({ type = "hvm", arch = "i686" }, test.os)
      assert.equal(8388608, test.memory)
      assert.equal(2097152, test.current_memory)
      assert.is_nil(test.emulator)
   end)

   it("scales sizes as libvirt does, rounding up to KiB", function()
      local function memory(value, unit)
         local d = assert(virtcaps.domain(string.format("<domain type='kvm'><memory%s>%s</memory></domain>",
            unit and " unit='" .. unit .. "'" or "", value)))
         return d.memory
      end
      assert.equal(4, memory("4"))
      assert.equal(4 * 1024 * 1024, memory("4", "G"))
      assert.equal(4 * 1024 * 1024, memory("4", "GiB"))
      assert.equal(3906250, memory("4", "GB"))
      assert.equal(2, memory("1025", "b"))
      assert.equal(1, memory("1", "bytes"))
      assert.equal(1024, memory("1", "m"))
      assert.equal(1024 ^ 3, memory("1", "TiB"))
      assert.equal(2 ^ 50, memory("1", "E"))
   end)

   it("says what is wrong with a definition", function()
      local function bad(xml, message)
         local d, err = virtcaps.domain(xml)
         assert.is_nil(d)
         assert.equal(message, err)
      end
      bad("<capabilities/>", "line 1: the root element is <capabilities>, expected <domain>")
      bad("<domain><name>x</name></domain>", "line 1: <domain> needs a type attribute")
      bad("<domain type='kvm'>\n<memory unit='Q'>4</memory></domain>", "line 2: <memory>: unknown unit 'Q'")
      bad("<domain type='kvm'><memory>-4</memory></domain>",
         "line 1: <memory>: expected a non-negative integer, got '-4'")
      bad("<domain type='kvm'><memory unit='E'>99999</memory></domain>", "line 1: <memory>: 99999 E is out of range")
      bad("<domain type='kvm'><vcpu>0</vcpu></domain>", "line 1: <vcpu>: a domain needs at least one vCPU")
      bad("<domain type='kvm'><vcpu current='4'>2</vcpu></domain>",
         "line 1: <vcpu> attribute current: 4 is more than the 2 vCPUs")
      bad("<domain type='kvm'><vcpu cpuset='3-1'>2</vcpu></domain>",
         "line 1: <vcpu> attribute cpuset: invalid cpuset '3-1': range 3-1 goes backwards")
      bad("<domain type='kvm'><cpu><numa><cell id='0' cpus='0'/></numa></cpu></domain>",
         "line 1: <cell> in <numa> needs a memory attribute")
      bad("<domain type='kvm'><cpu><numa><cell id='0' cpus='0' memory='1'/><cell id='0' cpus='1' memory='1'/>"
         .. "</numa></cpu></domain>", "line 1: <cell> id 0 appears twice in <numa>")
      bad("<domain type='kvm'><memoryBacking><hugepages><page unit='G'/></hugepages></memoryBacking></domain>",
         "line 1: <page> in <hugepages> needs a size attribute")
      bad("<domain type='kvm'><memoryBacking><hugepages><page size='0'/></hugepages></memoryBacking></domain>",
         "line 1: <page> attribute size: a page size cannot be 0")
      bad("<domain type='kvm'><numatune><memnode mode='strict' nodeset='0'/></numatune></domain>",
         "line 1: <memnode> needs a cellid attribute")
      bad("<domain type='kvm'><os><type arch='x86_64'/></os></domain>", "line 1: <type> in <os> is empty")
      bad("<domain type='kvm'>", "line 1: Premature end of data in tag domain line 1")
      bad('<!DOCTYPE d [<!ENTITY e "x">]><domain type="&e;"/>', "line 1: DOCTYPE declarations are not accepted")
      assert.has_error(function() virtcaps.domain() end, "bad argument #1 to 'domain' (string expected, got no value)")
   end)
end)
