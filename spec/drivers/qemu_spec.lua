-- The QEMU driver with fake emulators: which emulator serves which guest
-- architecture, the machine list's order and aliases, features, domains and
-- the host parts the reference's QEMU driver adds.
local fake = require "fake_qemu"
local support = require "support"

local function machines(list)
   return fake.session(list)
end

-- A small x86 list: QEMU's default is aliased "pc", "none" is dropped.
local X86 = {
   { name = "pc-q35-7.2", alias = "q35", ["cpu-max"] = 288 },
   { name = "none", ["cpu-max"] = 1 },
   { name = "pc-i440fx-1.4", ["cpu-max"] = 255, deprecated = true },
   { name = "pc-i440fx-7.2", alias = "pc", ["cpu-max"] = 255, ["is-default"] = true },
   { name = "isapc", ["cpu-max"] = 1 },
}
local X86_CAPS = {
   { name = "pc-i440fx-7.2", maxCpus = 255 },
   { name = "pc", canonical = "pc-i440fx-7.2", maxCpus = 255 },
   { name = "pc-q35-7.2", maxCpus = 288 },
   { name = "q35", canonical = "pc-q35-7.2", maxCpus = 288 },
   { name = "pc-i440fx-1.4", maxCpus = 255, deprecated = true },
   { name = "isapc", maxCpus = 1 },
}
local ARM = {
   { name = "virt-7.2", alias = "virt", ["cpu-max"] = 512 },
   { name = "integratorcp", ["cpu-max"] = 1 },
   { name = "raspi0" },
}

local function archs(caps)
   local t = {}
   for _, g in ipairs(caps.guests) do
      t[#t + 1] = g.arch.name .. "=" .. g.arch.emulator:match("[^/]+$")
   end
   return t
end

describe("qemu driver", function()
   local dir
   before_each(function() dir = fake.tmpdir() end)
   after_each(function() fake.remove(dir) end)

   it("picks the emulator for each architecture as the reference does", function()
      fake.replay(dir, "qemu-system-x86_64", machines(X86))
      fake.replay(dir, "qemu-system-arm", machines(ARM))
      fake.replay(dir, "qemu-system-aarch64", machines(ARM))
      fake.replay(dir, "qemu-system-ppc64", machines { { name = "pseries-7.2", alias = "pseries" } })
      fake.replay(dir, "qemu-system-riscv64", machines { { name = "virt" } })
      fake.replay(dir, "qemu-system-x86_64-microvm", machines(X86))
      local caps = assert(fake.probe(dir))
      assert.same({}, support.driver_warnings(caps))
      -- guests in libvirt's architecture order; x86_64 serves i686 when there
      -- is no i386 emulator, ppc64 serves ppc64le; the microvm build serves nothing
      assert.same({ "armv6l=qemu-system-arm", "armv7l=qemu-system-arm", "aarch64=qemu-system-aarch64",
         "i686=qemu-system-x86_64", "ppc64=qemu-system-ppc64", "ppc64le=qemu-system-ppc64",
         "riscv64=qemu-system-riscv64", "x86_64=qemu-system-x86_64" }, archs(caps))
      assert.equal(dir .. "/qemu-system-arm", caps.guests[1].arch.emulator)

      fake.replay(dir, "qemu-system-i386", machines(X86))
      caps = assert(fake.probe(dir))
      assert.equal("i686=qemu-system-i386", archs(caps)[4])
      -- an aarch64 host runs armv7l guests with qemu-system-aarch64 (KVM)
      caps = assert(fake.probe(dir, { arch = "aarch64" }))
      assert.same({ "armv6l=qemu-system-arm", "armv7l=qemu-system-aarch64", "aarch64=qemu-system-aarch64" },
         { archs(caps)[1], archs(caps)[2], archs(caps)[3] })
   end)

   it("looks in $PATH as a host given by root sees it, and names emulators as that host does", function()
      assert(fake.run("mkdir -p " .. dir .. "/usr/bin"))
      fake.replay(dir, "usr/bin/qemu-system-x86_64", machines(X86))
      local caps = assert(require("virtcaps").probe { drivers = { "qemu" }, root = dir, arch = "x86_64", cache = false,
         paths = { ["/etc"] = "spec/fixtures/qemu/etc" } })
      assert.same({}, support.driver_warnings(caps))
      -- this machine's own emulators stay out of it
      assert.same({ "i686=qemu-system-x86_64", "x86_64=qemu-system-x86_64" }, archs(caps))
      assert.equal("/usr/bin/qemu-system-x86_64", caps.guests[2].arch.emulator)
      assert.same(X86_CAPS, caps.guests[2].arch.machines)
   end)

   it("as root, runs no emulator another user could replace", function()
      assert(io.popen("id -u"):read("l") == "0", "this check needs root: CI runs the specs as root")
      fake.replay(dir, "qemu-system-x86_64", machines(X86))
      assert(fake.run("chmod 777 " .. dir))
      local caps = assert(fake.probe(dir))
      assert.same({}, caps.guests)
      assert.same({ "qemu: not running " .. dir .. "/qemu-system-x86_64: users other than root can change " .. dir,
         "qemu: no qemu-system-* emulator in qemu_dirs" }, support.driver_warnings(caps))
      -- sticky, like /tmp: fine on the way, not as the emulator's own directory
      assert(fake.run("chmod 1777 " .. dir))
      caps = assert(fake.probe(dir))
      assert.same({}, caps.guests)
      assert.equal(2, #support.driver_warnings(caps))
      assert(fake.run("chmod 700 " .. dir .. " && chown 65534 " .. dir .. "/qemu-system-x86_64"))
      caps = assert(fake.probe(dir))
      assert.same({}, caps.guests)
      assert.same({ "qemu: not running " .. dir .. "/qemu-system-x86_64: users other than root can change " .. dir
         .. "/qemu-system-x86_64", "qemu: no qemu-system-* emulator in qemu_dirs" }, support.driver_warnings(caps))
   end)

   it("writes the canonical path of an emulator found through a link", function()
      fake.replay(dir, "real-qemu", machines(X86))
      assert(fake.run("mkdir " .. dir .. "/bin && ln -s ../real-qemu " .. dir .. "/bin/qemu-system-x86_64"))
      local caps = assert(fake.probe(dir .. "/bin"))
      assert.equal(dir .. "/real-qemu", caps.guests[1].arch.emulator)
   end)

   it("orders machines as the reference: preferred or default first, aliases after their machine", function()
      fake.replay(dir, "qemu-system-x86_64", machines(X86))
      local caps = assert(fake.probe(dir))
      assert.same(X86_CAPS, caps.guests[2].arch.machines)
      assert.same(X86_CAPS, caps.guests[1].arch.machines)
      -- integratorcp is the reference's choice for ARM, whatever QEMU says
      fake.replay(dir, "qemu-system-aarch64", machines(ARM))
      caps = assert(fake.probe(dir))
      assert.same({ { name = "integratorcp", maxCpus = 1 }, { name = "virt-7.2", maxCpus = 512 },
         { name = "virt", canonical = "virt-7.2", maxCpus = 512 }, { name = "raspi0" } }, caps.guests[1].arch.machines)
      -- without the preferred machine, QEMU's default leads
      fake.replay(dir, "qemu-system-riscv64", machines { { name = "sifive_u" }, { name = "virt", ["is-default"] = true } })
      caps = assert(fake.probe(dir))
      assert.same({ { name = "virt" }, { name = "sifive_u" } }, caps.guests[3].arch.machines)
   end)

   it("adds the features of each architecture and the domains the emulator offers", function()
      fake.replay(dir, "qemu-system-x86_64", machines(X86))
      fake.replay(dir, "qemu-system-aarch64", machines(ARM))
      fake.replay(dir, "qemu-system-arm", machines(ARM))
      local caps = assert(fake.probe(dir))
      local common = { cpuselection = true, deviceboot = true, disksnapshot = { default = true, toggle = false } }
      local acpi, apic = { default = true, toggle = true }, { default = true, toggle = false }
      assert.same(common, caps.guests[2].features) -- armv7l
      assert.same({ acpi = acpi, cpuselection = true, deviceboot = true, disksnapshot = common.disksnapshot },
         caps.guests[3].features) -- aarch64
      assert.same({ pae = true, nonpae = true, acpi = acpi, apic = apic, cpuselection = true, deviceboot = true,
         disksnapshot = common.disksnapshot }, caps.guests[4].features) -- i686
      assert.same({ acpi = acpi, apic = apic, cpuselection = true, deviceboot = true,
         disksnapshot = common.disksnapshot }, caps.guests[5].features) -- x86_64
      -- no usable /dev/kvm here (a regular file answers no ioctl): TCG only
      for _, g in ipairs(caps.guests) do
         assert.same({ { type = "qemu" } }, g.arch.domains)
      end
   end)

   it("leaves out a guest the emulator can neither emulate nor accelerate", function()
      fake.replay(dir, "qemu-system-x86_64", fake.session(X86, { accels = { "kvm-accel" } }))
      local caps = assert(fake.probe(dir))
      assert.same({}, caps.guests)
      assert.same({
         "qemu: " .. dir .. "/qemu-system-x86_64 offers neither TCG nor a usable KVM for i686",
         "qemu: " .. dir .. "/qemu-system-x86_64 offers neither TCG nor a usable KVM for x86_64",
      }, support.driver_warnings(caps))
   end)

   it("refuses a QEMU older than the reference supports", function()
      local old = '{"QMP": {"version": {"qemu": {"micro": 1, "minor": 1, "major": 4}, "package": ""}, "capabilities": []}}'
      fake.replay(dir, "qemu-system-x86_64", fake.session(X86, { greeting = old }))
      local caps = assert(fake.probe(dir))
      assert.same({}, caps.guests)
      assert.same({ "qemu: " .. dir .. "/qemu-system-x86_64 is QEMU 4.1.1; the reference needs 4.2.0 or later" },
         support.driver_warnings(caps))
   end)

   it("adds live migration over tcp and rdma, and the security models", function()
      fake.replay(dir, "qemu-system-x86_64", machines(X86))
      local root = io.popen("id -u"):read("l") == "0"
      local caps = assert(fake.probe(dir, { paths = { ["/dev/kvm"] = dir .. "/none", ["/etc"] = fake.ETC } }))
      assert.same({ live = true, uri_transports = { "tcp", "rdma" } }, caps.host.migration_features)
      local none = { model = "none", doi = "0" }
      local dac = { model = "dac", doi = "0", baselabels = { { type = "kvm", label = "+64055:+994" },
         { type = "qemu", label = "+64055:+994" } } }
      assert.same(root and { none, dac } or { none }, caps.host.secmodels)
      caps = assert(fake.probe(dir, { paths = { ["/dev/kvm"] = dir .. "/none",
         ["/etc"] = "spec/fixtures/qemu/etc-without-user" } }))
      assert.same({ none }, caps.host.secmodels)
      assert.same(root and { "qemu: no user and group 'libvirt-qemu': the reference's QEMU driver refuses to start "
         .. "without them; no dac security model" } or {}, support.driver_warnings(caps))
   end)

   it("reports host parts but no guests when asked for and no emulator exists", function()
      local caps = assert(fake.probe(dir))
      assert.same({}, caps.guests)
      assert.same({ "qemu: no qemu-system-* emulator in qemu_dirs" }, support.driver_warnings(caps))
      assert.same({ live = true, uri_transports = { "tcp", "rdma" } }, caps.host.migration_features)
   end)

   it("reads sessions recorded from Debian's QEMU 7.2", function()
      fake.replay(dir, "qemu-system-x86_64", support.read("spec/fixtures/qmp/qemu-7.2-x86_64.session"))
      fake.replay(dir, "qemu-system-arm", support.read("spec/fixtures/qmp/qemu-7.2-arm.session"))
      local caps = assert(fake.probe(dir))
      assert.same({}, support.driver_warnings(caps))
      local x86 = caps.guests[4].arch
      assert.equal("x86_64", x86.name)
      -- 59 types, "none" dropped, "pc" and "q35" aliases added
      assert.equal(60, #x86.machines)
      assert.same({ { name = "pc-i440fx-7.2", maxCpus = 255 }, { name = "pc", canonical = "pc-i440fx-7.2", maxCpus = 255 } },
         { x86.machines[1], x86.machines[2] })
      local deprecated = 0
      for _, m in ipairs(x86.machines) do deprecated = deprecated + (m.deprecated and 1 or 0) end
      assert.equal(4, deprecated)
      assert.same({ name = "integratorcp", maxCpus = 1 }, caps.guests[1].arch.machines[1])
      assert.same(caps.guests[1].arch.machines, caps.guests[2].arch.machines)
   end)

   it("formats what it found in the reference's layout", function()
      fake.replay(dir, "qemu-system-i386", machines(X86))
      local caps = assert(fake.probe(dir))
      local xml = caps:xml()
      assert.truthy(xml:find([[
  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>]] .. dir .. [[/qemu-system-i386</emulator>
      <machine maxCpus='255'>pc-i440fx-7.2</machine>
      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
      <machine maxCpus='288'>pc-q35-7.2</machine>
      <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
      <machine maxCpus='255' deprecated='yes'>pc-i440fx-1.4</machine>
      <machine maxCpus='1'>isapc</machine>
      <domain type='qemu'/>
    </arch>
    <features>
      <pae/>
      <nonpae/>
      <acpi default='on' toggle='yes'/>
      <apic default='on' toggle='no'/>
      <cpuselection/>
      <deviceboot/>
      <disksnapshot default='on' toggle='no'/>
    </features>
  </guest>
]], 1, true))
      -- the document holds everything but the probe's warnings
      local again = assert(require("virtcaps").parse(xml))
      again.warnings = caps.warnings
      assert.same(caps, again)
   end)
end)
