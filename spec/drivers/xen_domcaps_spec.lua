-- The Xen (libxl) driver's domain capabilities (virtcaps.domcapabilities
-- with virttype "xen"): libvirt 9.0.0's libxlConnectGetDomainCapabilities
-- and libxlMakeDomainCapabilities. The reference's test data has the xenfv
-- document only (spec/conformance/domcaps_xen_spec.lua); the xenpv and
-- xenpvh documents here are that one changed by the rules of the
-- reference's code, each named where it is applied.
local virtcaps = require "virtcaps"
local domcaps = require "virtcaps.domcaps"
local support = require "support"

local DOM0 = "spec/fixtures/xen/pv-hvm"
local XENFV = support.read(support.DATA .. "/domcaps/expected/libxl-xenfv.xml")
local HARNESS_LOADERS = { "/usr/lib/xen/boot/hvmloader", "/usr/lib/xen/boot/ovmf.bin" }
local NO_DRIVER = "no connection driver available for xen:///system: "
local NO_XEN = NO_DRIVER .. "no Xen hypervisor capabilities in /sys/hypervisor/properties/capabilities"
   .. " or /proc/xen/capabilities"
local MACHINES = "Xen only supports 'xenpv', 'xenpvh' and 'xenfv' machines"

local function xen(opts)
   opts.virttype = opts.virttype or "xen"
   opts.root = opts.root or DOM0
   return virtcaps.domcapabilities(opts)
end

-- Replaces exactly one occurrence of a plain text.
local function replace(s, from, to)
   local i, j = s:find(from, 1, true)
   assert(i and not s:find(from, j + 1, true), "not exactly one " .. from)
   return s:sub(1, i - 1) .. to .. s:sub(j + 1)
end

-- The xenfv document's loader, as the harness's firmware list gives it.
local LOADER = XENFV:match("    <loader supported='yes'>.-    </loader>\n")
local HOSTDEV = XENFV:match("    <hostdev supported='yes'>.-    </hostdev>\n")

-- xenpv: PV_MAX_VCPUS (512) for all but xenfv; libxlMakeDomainOSCaps returns
-- before filling the loader for xenpv and xenpvh, which the formatter
-- writes as <loader supported='no'/>.
local XENPV = replace(replace(replace(XENFV, "<machine>xenfv</machine>", "<machine>xenpv</machine>"),
   "<vcpu max='128'/>", "<vcpu max='512'/>"), LOADER, "    <loader supported='no'/>\n")
-- xenpvh: as xenpv, and libxlMakeDomainCapabilities skips the host devices
-- for it (no <hostdev> at all).
local XENPVH = replace(replace(XENPV, "<machine>xenpv</machine>", "<machine>xenpvh</machine>"), HOSTDEV, "")

local function schema_valid(xml)
   local path = support.temp(xml)
   local ok, out = support.tool("xmllint --noout --relaxng /usr/share/libvirt/schemas/domaincaps.rng " .. path)
   os.remove(path)
   return ok, out
end

describe("Xen domain capabilities", function()
   it("xenfv: the harness's firmware list gives the reference's document", function()
      assert.equal(XENFV, assert(xen { machine = "xenfv", arch = "x86_64", loaders = HARNESS_LOADERS }):xml())
   end)

   it("xenpv and xenpvh: the xenfv document changed by the reference's rules, schema-valid", function()
      assert.equal(XENPV, assert(xen { machine = "xenpv", arch = "x86_64", loaders = HARNESS_LOADERS }):xml())
      assert.equal(XENPVH, assert(xen { machine = "xenpvh", arch = "x86_64", loaders = HARNESS_LOADERS }):xml())
      -- the loader list is the HVM guest's alone
      assert.equal(XENPV, assert(xen { machine = "xenpv", arch = "x86_64" }):xml())
      for _, doc in ipairs { XENPV, XENPVH } do
         assert(schema_valid(doc))
      end
   end)

   it("defaults as the reference's: machine xenpv, /usr/bin/qemu-system-x86_64, the host's architecture", function()
      local dc = assert(xen {})
      assert.equal("xenpv", dc.machine)
      assert.equal("/usr/bin/qemu-system-x86_64", dc.path)
      assert.equal(virtcaps.nodeinfo().model, dc.arch)
      assert.equal("xen", dc.domain)
      -- no virttype, the driver named: the same document
      assert.equal(dc:xml(), assert(virtcaps.domcapabilities { driver = "xen", root = DOM0 }):xml())
   end)

   it("the driver's own firmware list: ovmf.bin, then hvmloader (Debian's build)", function()
      local dc = assert(xen { machine = "xenfv" })
      assert.same({ "/usr/lib/xen/boot/ovmf.bin", "/usr/lib/xen/boot/hvmloader" }, dc.os.loader.values)
      assert.same({ "rom", "pflash" }, dc.os.loader.type)
      assert.same({ "yes" }, dc.os.loader.readonly)
      assert.equal(128, dc.vcpu.max)
   end)

   it("takes the emulator and architecture asked as they are", function()
      local dc = assert(xen { machine = "xenfv", arch = "i686", emulatorbin = "/opt/q&<'e" })
      assert.equal("i686", dc.arch)
      assert.equal("/opt/q&<'e", dc.path)
      assert.matches("<path>/opt/q&amp;&lt;&apos;e</path>", dc:xml(), 1, true)
      assert.same(dc, domcaps.parse(dc:xml()))
   end)

   it("tables with the domain capabilities methods", function()
      local dc = assert(xen { machine = "xenfv" })
      assert.is_true(dc:supports("devices.hostdev.pciBackend", "xen"))
      assert.is_false(dc:supports("devices.hostdev.pciBackend", "vfio"))
      assert.is_false(dc:supports("features.sev"))
      assert.equal("x86_64", assert(xen { machine = "xenpvh", arch = "x86_64" }).arch)
      assert.is_nil(assert(xen { machine = "xenpvh" }).devices.hostdev)
      assert.matches("machine xenfv; up to 128 vCPUs; firmware 2 loaders", tostring(dc), 1, true)
   end)

   it("the reference's errors, in its order: host, virt type, architecture, machine", function()
      assert.same({ nil, MACHINES }, { xen { machine = "pc" } })
      assert.same({ nil, MACHINES }, { xen { machine = "xenfv ", arch = "x86_64" } })
      assert.same({ nil, "unknown architecture: sparc128" }, { xen { arch = "sparc128", machine = "pc" } })
      assert.same({ nil, "unknown virttype: kvm" },
         { virtcaps.domcapabilities { driver = "xen", root = DOM0, virttype = "kvm", arch = "sparc128" } })
      local empty = support.tmpdir()
      assert.same({ nil, NO_XEN }, { xen { root = empty, machine = "pc", arch = "sparc128" } })
      support.rmtree(empty)
   end)

   it("a Xen host: the hypervisor's capabilities and a control domain", function()
      assert.same({ nil, NO_DRIVER .. "not a Xen control domain (dom0): the reference's driver would not load" },
         { xen { root = "spec/fixtures/xen/domu" } })
      -- capabilities in /proc/xen only, or xenstored without "control_d"
      assert(xen { root = "spec/fixtures/xen/proc-only" })
      assert(xen { root = "spec/fixtures/xen/hvm-only" })
   end)

   it("hostile host trees: a FIFO, a link out of root, a huge file", function()
      local root = support.tmpdir()
      assert(support.sh("mkdir -p " .. root .. "/sys/hypervisor/properties " .. root .. "/proc/xen"))
      assert(support.sh("mkfifo " .. root .. "/sys/hypervisor/properties/capabilities"))
      assert(support.sh("ln -s /etc/hostname " .. root .. "/proc/xen/capabilities"))
      local t0 = os.time()
      assert.same({ nil, NO_XEN }, { xen { root = root } })
      assert.is_true(os.time() - t0 < 5, "took too long")
      os.remove(root .. "/proc/xen/capabilities")
      support.write(root .. "/proc/xen/capabilities", "control_d " .. string.rep("x", 1 << 20) .. " xen-3.0-x86_64\n")
      -- the token past the read limit is not seen
      assert.same({ nil, NO_XEN }, { xen { root = root } })
      support.write(root .. "/proc/xen/capabilities", "control_d xen-3.0-x86_64 " .. string.rep("x", 1 << 20))
      assert(xen { root = root })
      support.rmtree(root)
   end)

   it("misuse raises; the loaders hook takes a list, even an empty one", function()
      assert.error_matches(function() xen { machines = "xenfv" } end, "unknown option 'machines'")
      assert.error_matches(function() xen { loaders = "/x" } end, "loaders")
      assert.error_matches(function() xen { machine = 1 } end, "machine")
      assert.error_matches(function() xen { emulatorbin = "/a\0b" } end,
         "option 'emulatorbin': string contains a NUL byte", 1, true)
      assert.error_matches(function() virtcaps.domcapabilities { driver = "lxc" } end,
         "option 'driver': 'qemu' or 'xen' expected, got 'lxc'")
      assert.error_matches(function() virtcaps.domcapabilities("xen") end, "bad argument #1")
      local dc = assert(xen { machine = "xenfv", loaders = {} })
      assert.is_true(dc.os.loader.supported)
      assert.is_nil(dc.os.loader.values)
      assert.matches("<loader supported='yes'>\n      <enum name='type'>", dc:xml(), 1, true)
   end)
end)

describe("virtcaps domcapabilities (Xen)", function()
   -- the command line's answer on this host: the Lua API's, formatted
   local function expect(argv, opts)
      local dc, err = virtcaps.domcapabilities(opts)
      local want = dc and { 0, dc:xml() .. "\n\n", "" } or { 2, "", "virtcaps domcapabilities: " .. err .. "\n" }
      assert.same(want, { support.cli(argv) })
   end

   it("--virttype xen and -c xen ask this host's Xen driver", function()
      expect({ "domcapabilities", "--virttype", "xen" }, { virttype = "xen" })
      expect({ "domcapabilities", "--virttype", "xen", "--machine", "xenfv", "--arch", "i686" },
         { virttype = "xen", machine = "xenfv", arch = "i686" })
      expect({ "domcapabilities", "-c", "xen:///system", "--machine", "bogus" }, { driver = "xen", machine = "bogus" })
      expect({ "domcapabilities", "-c", "xen", "--virttype", "kvm" }, { driver = "xen", virttype = "kvm" })
   end)

   it("the reference's LXC driver has no domain capabilities", function()
      assert.same({ 2, "", "virtcaps domcapabilities: this function is not supported by the connection driver: "
         .. "virConnectGetDomainCapabilities\n" }, { support.cli { "domcapabilities", "-c", "lxc:///" } })
   end)
end)
