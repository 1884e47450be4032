-- Guest drivers: choosing them, and the Xen and LXC drivers on fixture hosts.
local fake = require "fake_qemu"
local virtcaps = require "virtcaps"
local support = require "support"

local XEN = "spec/fixtures/xen/"
local LXC = "spec/fixtures/lxc/"

local function guests_xml(caps)
   return caps:xml():match("\n(  <guest>.*</guest>\n)")
end

local function kinds(caps)
   local t = {}
   for _, g in ipairs(caps.guests) do
      t[#t + 1] = g.os_type .. "/" .. g.arch.name
   end
   return t
end

describe("probe options for drivers", function()
   it("refuse unknown drivers and repeated ones as misuse", function()
      assert.has_error(function() virtcaps.probe { drivers = { "qemu", "vbox" } } end,
         "bad argument #1 to 'probe' (option 'drivers': unknown driver 'vbox' (known: qemu, xen, lxc))")
      assert.has_error(function() virtcaps.probe { drivers = { "xen", "xen" } } end,
         "bad argument #1 to 'probe' (option 'drivers': 'xen' is named twice)")
      assert.has_error(function() virtcaps.probe { drivers = "qemu" } end,
         "bad argument #1 to 'probe' (option 'drivers': table expected, got string)")
   end)

   it("run none for an empty list: no guests and no host parts of theirs", function()
      local caps = assert(virtcaps.probe { drivers = {} })
      assert.same({}, caps.guests)
      assert.same({}, support.driver_warnings(caps))
      -- the host's own security model only: no dac, which the QEMU driver adds
      assert.same({ { model = "none", doi = "0" } }, caps.host.secmodels)
      assert.is_nil(caps.host.migration_features)
   end)

   it("by default run every driver whose hypervisor is there, silently", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(fake.run("mkdir " .. dir))
      -- an empty host: no emulators, no Xen, no namespaces
      local caps = assert(virtcaps.probe { root = dir, arch = "x86_64" })
      assert.same({}, caps.guests)
      assert.same({}, support.driver_warnings(caps))
      -- the same host with Xen and LXC fixtures merged in by paths
      caps = assert(virtcaps.probe { root = dir, arch = "x86_64", paths = {
         ["/sys/hypervisor"] = XEN .. "pvh/sys/hypervisor", ["/proc/xen"] = XEN .. "pvh/proc/xen",
         ["/proc/self/ns"] = LXC .. "v2/proc/self/ns", ["/sys/fs/cgroup"] = LXC .. "v2/sys/fs/cgroup" } })
      assert.same({ "hvm/x86_64", "xenpvh/x86_64", "exe/x86_64", "exe/i686" }, kinds(caps))
      assert.same({}, support.driver_warnings(caps))
      fake.run("rmdir " .. dir)
   end)

   it("say why a driver that was asked for found nothing", function()
      local caps = assert(virtcaps.probe { drivers = { "xen", "lxc" }, root = LXC .. "no-pidns", arch = "x86_64" })
      assert.same({}, caps.guests)
      assert.same({
         "xen: no Xen hypervisor capabilities in /sys/hypervisor/properties/capabilities or /proc/xen/capabilities",
         "lxc: the kernel offers no pid namespace",
      }, support.driver_warnings(caps))
   end)
end)

describe("xen driver", function()
   it("describes a PV and HVM host as libxl does, PVH next to each HVM guest", function()
      local caps = assert(virtcaps.probe { drivers = { "xen" }, root = XEN .. "pv-hvm", arch = "x86_64" })
      assert.same({}, support.driver_warnings(caps))
      assert.equal(support.read(XEN .. "pv-hvm/guests.xml"), guests_xml(caps))
      assert.same({ live = true }, caps.host.migration_features)
      assert.equal("vif", caps.host.netprefix)
      assert.same({ { model = "none", doi = "0" } }, caps.host.secmodels)
   end)

   it("gives a host of 2007 the seed document's guests, in today's layout", function()
      local caps = assert(virtcaps.probe { drivers = { "xen" }, root = XEN .. "seed-2007", arch = "x86_64" })
      assert.same({ "xen/x86_64", "hvm/i686", "xenpvh/i686" }, kinds(caps))
      local pv, hvm = caps.guests[1], caps.guests[2]
      assert.same({ name = "x86_64", wordsize = 64, emulator = "/usr/lib/xen/bin/qemu-system-i386",
         machines = { { name = "xenpv" } }, domains = { { type = "xen" } } }, pv.arch)
      assert.is_nil(pv.features)
      assert.same({ name = "i686", wordsize = 32, emulator = "/usr/lib/xen/bin/qemu-system-i386",
         loader = "/usr/lib/xen/boot/hvmloader", machines = { { name = "xenfv" } }, domains = { { type = "xen" } } },
         hvm.arch)
      assert.same({ nonpae = true, acpi = { default = true, toggle = true }, apic = { default = true, toggle = false },
         hap = { default = true, toggle = true } }, hvm.features)
   end)

   it("describes a PVH host without PV, and a 32-bit HVM-only host", function()
      local caps = assert(virtcaps.probe { drivers = { "xen" }, root = XEN .. "pvh", arch = "x86_64" })
      assert.same({ "hvm/x86_64", "xenpvh/x86_64" }, kinds(caps))
      assert.same({ { name = "xenpvh" } }, caps.guests[2].arch.machines)
      assert.is_nil(caps.guests[2].arch.loader)
      assert.same({ hap = { default = true, toggle = true } }, caps.guests[2].features)

      caps = assert(virtcaps.probe { drivers = { "xen" }, root = XEN .. "hvm-only", arch = "x86_64" })
      assert.same({ "hvm/i686", "xenpvh/i686" }, kinds(caps))
      assert.is_true(caps.guests[1].features.pae and caps.guests[1].features.nonpae)
      assert.same({}, support.driver_warnings(caps))
   end)

   it("keeps libxl's merging quirk: a PV token after an HVM one joins its PVH entry", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(fake.run("mkdir -p " .. dir .. "/sys/hypervisor/properties " .. dir .. "/proc/xen"))
      support.write(dir .. "/sys/hypervisor/properties/capabilities", "hvm-3.0-x86_64 xen-3.0-x86_64\n")
      support.write(dir .. "/proc/xen/capabilities", "control_d\n")
      local caps = assert(virtcaps.probe { drivers = { "xen" }, root = dir, arch = "x86_64" })
      assert.same({ "hvm/x86_64", "xenpvh/x86_64" }, kinds(caps))
      fake.run("rm -r " .. dir)
   end)

   it("reads the string from /proc/xen/capabilities too, skipping what is not a guest type", function()
      local caps = assert(virtcaps.probe { drivers = { "xen" }, root = XEN .. "proc-only", arch = "x86_64" })
      assert.same({ "xen/x86_64", "hvm/x86_64", "xenpvh/x86_64" }, kinds(caps))
   end)

   it("names Xen on ARM without migration, and a guest domain with a warning", function()
      local caps = assert(virtcaps.probe { drivers = { "xen" }, root = XEN .. "arm", arch = "aarch64" })
      assert.same({ "xen/aarch64", "xen/armv7l" }, kinds(caps))
      assert.equal(32, caps.guests[2].arch.wordsize)
      assert.is_nil(caps.host.migration_features)

      caps = assert(virtcaps.probe { drivers = { "xen" }, root = XEN .. "domu", arch = "x86_64" })
      assert.same({ "xen/x86_64", "hvm/x86_64", "xenpvh/x86_64" }, kinds(caps))
      assert.same({ "xen: not a Xen control domain (dom0): the reference's driver would not load" }, support.driver_warnings(caps))
      -- not asked for: a guest domain is no Xen host
      caps = assert(virtcaps.probe { root = XEN .. "domu", arch = "x86_64" })
      assert.same({}, caps.guests)
   end)
end)

describe("lxc driver", function()
   it("lists the host architecture and its 32-bit personality as the reference does", function()
      for _, host in ipairs { "v2", "v1" } do
         local caps = assert(virtcaps.probe { drivers = { "lxc" }, root = LXC .. host, arch = "x86_64" })
         assert.same({}, support.driver_warnings(caps))
         -- what `virsh -c lxc:///system capabilities` printed on an x86_64 Debian 12 host
         assert.equal(support.read(LXC .. "virsh-lxc-x86_64-guests.xml"), guests_xml(caps))
         assert.same({ { model = "none", doi = "0" } }, caps.host.secmodels)
         assert.is_nil(caps.host.migration_features)
      end
   end)

   it("knows the other 32-bit personalities", function()
      local expect = { aarch64 = { "aarch64", "armv7l" }, s390x = { "s390x", "s390" }, ppc64 = { "ppc64", "ppc" },
         mips64el = { "mips64el", "mipsel" }, riscv64 = { "riscv64" }, ppc64le = { "ppc64le" } }
      for arch, want in pairs(expect) do
         local caps = assert(virtcaps.probe { drivers = { "lxc" }, root = LXC .. "v2", arch = arch })
         local got = {}
         for _, g in ipairs(caps.guests) do got[#got + 1] = g.arch.name end
         assert.same(want, got)
      end
   end)

   it("needs the namespaces and the cgroup controllers containers use", function()
      local cases = {
         ["no-pidns"] = "lxc: the kernel offers no pid namespace",
         ["no-memory"] = "lxc: no memory cgroup controller",
         ["v1-no-devices"] = "lxc: no devices cgroup controller",
      }
      for host, warning in pairs(cases) do
         local caps = assert(virtcaps.probe { drivers = { "lxc" }, root = LXC .. host, arch = "x86_64" })
         assert.same({}, caps.guests)
         assert.same({ warning }, support.driver_warnings(caps))
      end
      local caps = assert(virtcaps.probe { drivers = { "lxc" }, root = LXC .. "v2", arch = "loongarch64" })
      assert.same({ "lxc: the host architecture is unknown to the reference" }, support.driver_warnings(caps))
   end)

   it("shares the none security model with the QEMU driver", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(fake.run("mkdir " .. dir))
      local caps = assert(virtcaps.probe { drivers = { "qemu", "lxc" }, root = LXC .. "v2", arch = "x86_64",
         qemu_dirs = { dir }, paths = { ["/etc"] = "spec/fixtures/qemu/etc" } })
      local root = io.popen("id -u"):read("l") == "0"
      -- the reference's QEMU driver stacks DAC under "none" when privileged
      local dac = { model = "dac", doi = "0", baselabels = { { type = "kvm", label = "+64055:+994" },
         { type = "qemu", label = "+64055:+994" } } }
      assert.same(root and { { model = "none", doi = "0" }, dac } or { { model = "none", doi = "0" } },
         caps.host.secmodels)
      fake.run("rmdir " .. dir)
   end)
end)
