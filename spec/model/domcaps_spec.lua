-- Domain capabilities: the table's shape on real documents, the methods,
-- unknown content kept, hand-built tables checked, hostile documents, the CLI.
local virtcaps = require "virtcaps"
local domcaps = require "virtcaps.domcaps"
local json = require "dkjson"
local support = require "support"

-- single cases of the carried conformance data
local DIR = support.DATA .. "/domcaps/expected/"

local function load(name)
   return assert(domcaps.load(DIR .. name))
end

describe("domain capabilities tables", function()
   it("x86_64 KVM (QEMU 7.2): every part of the document has its place", function()
      local dc = load("qemu_7.2.0.x86_64.xml")
      assert.equal("/usr/bin/qemu-system-x86_64", dc.path)
      assert.equal("kvm", dc.domain)
      assert.equal("pc-i440fx-7.2", dc.machine)
      assert.equal("x86_64", dc.arch)
      assert.same({ max = 255 }, dc.vcpu)
      assert.same({ supported = true }, dc.iothreads)
      assert.same({
         supported = true,
         firmware = { "bios", "efi" },
         loader = {
            supported = true,
            values = { "/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF32_CODE.fd",
               "/usr/share/OVMF/OVMF_CODE.fd" },
            type = { "rom", "pflash" },
            readonly = { "yes", "no" },
            secure = { "no" },
         },
      }, dc.os)
      local modes = dc.cpu.modes
      assert.same({ supported = true, hostPassthroughMigratable = { "on", "off" } }, modes["host-passthrough"])
      assert.same({ supported = true, maximumMigratable = { "on", "off" } }, modes.maximum)
      local hm = modes["host-model"]
      assert.equal(true, hm.supported)
      assert.equal("EPYC-Rome", hm.model)
      assert.equal("forbid", hm.fallback)
      assert.equal("AMD", hm.vendor)
      assert.equal(24, #hm.features)
      assert.same({ policy = "require", name = "x2apic" }, hm.features[1])
      assert.same({ policy = "require", name = "pschange-mc-no" }, hm.features[24])
      local custom = modes.custom
      assert.equal(true, custom.supported)
      assert.equal(53, #custom.models)
      assert.same({ name = "qemu64", usable = true, vendor = "unknown" }, custom.models[1])
      assert.same({ name = "phenom", usable = false, vendor = "AMD" }, custom.models[3])
      assert.same({ name = "486", usable = true, vendor = "unknown" }, custom.models[53])
      assert.same({ supported = true, sourceType = { "file", "anonymous", "memfd" } }, dc.memoryBacking)
      assert.same({ "ide", "fdc", "scsi", "virtio", "usb", "sata" }, dc.devices.disk.bus)
      assert.same({ "disk", "cdrom", "floppy", "lun" }, dc.devices.disk.diskDevice)
      assert.same({}, dc.devices.hostdev.capsType)
      assert.same({ "default", "vfio" }, dc.devices.hostdev.pciBackend)
      assert.same({ "2.0" }, dc.devices.tpm.backendVersion)
      assert.same({ supported = true, type = { "pty", "unix", "spicevmc" } }, dc.devices.channel)
      assert.same({ supported = false }, dc.features.gic)
      assert.same({ supported = true }, dc.features.backup)
      assert.same({ supported = false }, dc.features.sev)
      assert.same({ supported = false }, dc.features.sgx)
      assert.is_nil(dc.features.hyperv)
      assert.is_nil(dc.unknown)
   end)

   it("aarch64 (QEMU 7.0, virt): no host-model, usability unknown, GIC version", function()
      local dc = load("qemu_7.0.0-virt.aarch64.xml")
      assert.equal("virt-7.0", dc.machine)
      assert.equal(512, dc.vcpu.max)
      assert.same({ "efi" }, dc.os.firmware)
      assert.same({ supported = true, hostPassthroughMigratable = { "off" } }, dc.cpu.modes["host-passthrough"])
      assert.same({ supported = false }, dc.cpu.modes["host-model"])
      assert.equal(39, #dc.cpu.modes.custom.models)
      assert.same({ name = "cortex-a9", usable = "unknown", vendor = "unknown" }, dc.cpu.modes.custom.models[1])
      assert.same({ supported = true, version = { "3" } }, dc.features.gic)
      assert.same({ "tpm-tis" }, dc.devices.tpm.model)
   end)

   it("SEV (QEMU 6.0): the platform's numbers as integers", function()
      local dc = load("qemu_6.0.0.x86_64.xml")
      assert.same({ supported = true, cbitpos = 47, reducedPhysBits = 1, maxGuests = 59, maxESGuests = 450 },
         dc.features.sev)
   end)

   it("SGX (QEMU 7.0): yes/no as booleans, the EPC sections per node", function()
      local dc = load("qemu_7.0.0.x86_64.xml")
      assert.same({
         supported = true, flc = false, sgx1 = true, sgx2 = false,
         section_size = { value = 524288, unit = "KiB" },
         sections = { { node = 0, size = 262144, unit = "KiB" }, { node = 1, size = 262144, unit = "KiB" } },
      }, dc.features.sgx)
   end)

   it("Xen (libxl, xenfv): no firmware enum, empty enums as empty lists", function()
      local dc = load("libxl-xenfv.xml")
      assert.equal("xen", dc.domain)
      assert.equal("xenfv", dc.machine)
      assert.same({ max = 128 }, dc.vcpu)
      assert.same({ supported = false }, dc.iothreads)
      assert.is_nil(dc.os.firmware)
      assert.same({ "/usr/lib/xen/boot/hvmloader", "/usr/lib/xen/boot/ovmf.bin" }, dc.os.loader.values)
      assert.same({ "yes" }, dc.os.loader.readonly)
      assert.is_nil(dc.os.loader.secure)
      assert.same({}, dc.devices.disk.model)
      assert.same({ "xen" }, dc.devices.hostdev.pciBackend)
      assert.is_nil(dc.devices.tpm)
      assert.is_nil(dc.memoryBacking)
      assert.same({ supported = false }, dc.cpu.modes.custom)
   end)

   it("deprecated models (QEMU 7.0) and Hyper-V enlightenments (QEMU 8.0)", function()
      local dc = load("qemu_7.0.0.x86_64.xml")
      local deprecated = {}
      for m in dc:cpu_models { deprecated = true } do deprecated[#deprecated + 1] = m.name end
      assert.same({ "Icelake-Client-noTSX", "Icelake-Client" }, deprecated)
      assert.same({ name = "Icelake-Client", usable = false, deprecated = true, vendor = "Intel" },
         dc.cpu.modes.custom.models[select(2, dc:cpu_models { name = "Icelake%-Client" }())])
      dc = load("qemu_8.0.0.x86_64.xml")
      assert.equal(true, dc.features.hyperv.supported)
      assert.same({ "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset", "vendor_id",
         "frequencies", "reenlightenment", "tlbflush", "ipi", "avic" }, dc.features.hyperv.features)
   end)

   it("the empty model", function()
      local dc = load("empty.xml")
      assert.same({}, dc.devices)
      assert.is_nil(dc.vcpu)
      assert.same({ sev = { supported = false }, sgx = { supported = false } }, dc.features)
   end)
end)

describe("domain capabilities methods", function()
   local dc = load("qemu_7.2.0.x86_64.xml")

   it("tostring: one paragraph", function()
      assert.equal("x86_64 kvm guest on /usr/bin/qemu-system-x86_64; machine pc-i440fx-7.2; up to 255 vCPUs;"
         .. " firmware bios, efi; 20 of 53 CPU models usable; devices disk, graphics, video, hostdev, rng, filesystem,"
         .. " tpm, redirdev, channel; security none", tostring(dc))
      assert.equal("x86_64 xen guest on /usr/bin/qemu-system-x86_64; machine xenfv; up to 128 vCPUs;"
         .. " firmware 2 loaders; 0 of 0 CPU models usable; devices disk, graphics, video, hostdev; security none",
         tostring(load("libxl-xenfv.xml")))
      assert.matches("; security SEV$", tostring(load("qemu_6.0.0.x86_64.xml")))
      assert.matches("; security SGX$", tostring(load("qemu_7.0.0.x86_64.xml")))
   end)

   it("xml: the document", function()
      assert.equal(support.read(DIR .. "qemu_7.2.0.x86_64.xml"), dc:xml())
   end)

   it("cpu_models: filters by usable, vendor, name pattern, predicate", function()
      local function names(filter)
         local out = {}
         for m in dc:cpu_models(filter) do out[#out + 1] = m.name end
         return out
      end
      assert.equal(53, #names())
      assert.equal(20, #names { usable = true })
      assert.equal(33, #names { usable = false })
      assert.same({ "Westmere", "SandyBridge", "Penryn", "Nehalem", "Conroe" },
         names { usable = true, vendor = "Intel" })
      assert.same({ "Dhyana" }, names { vendor = "Hygon" })
      assert.same({ "EPYC-Rome", "EPYC-Milan", "EPYC-IBPB", "EPYC" }, names { name = "EPYC.*" })
      assert.same({ "Dhyana" }, names { name = "%u%l+", vendor = { "AMD", "Hygon" } })
      assert.same({ "EPYC" }, names { name = "%u+", vendor = { "AMD", "Hygon" } })
      assert.same({ "qemu64", "qemu32" }, names(function(m) return m.name:find("^qemu") ~= nil end))
      local m, i = dc:cpu_models { name = "Haswell" }()
      assert.equal(39, i)
      assert.equal("Intel", m.vendor)
      assert.has_error(function() dc:cpu_models { colour = "red" } end,
         "bad argument #1 to 'cpu_models' (unknown filter field 'colour'; fields: deprecated, name, usable, vendor)")
      assert.has_error(function() dc:cpu_models(3) end,
         "bad argument #1 to 'cpu_models' (filter table or function expected, got number)")
   end)

   it("supports: enums, lists, flags, elements", function()
      assert.is_true(dc:supports("devices.disk.bus", "virtio"))
      assert.is_false(dc:supports("devices.disk.bus", "xen"))
      assert.is_true(dc:supports("os.firmware", "efi"))
      assert.is_true(dc:supports("os.loader.values", "/usr/share/OVMF/OVMF_CODE.fd"))
      assert.is_false(dc:supports("features.sev"))
      assert.is_true(dc:supports("features.backup"))
      assert.is_true(dc:supports("cpu.modes.host-model"))
      assert.is_true(dc:supports("devices.tpm.backendVersion", "2.0"))
      assert.is_false(dc:supports("devices.tpm.backendVersion", "1.2"))
      assert.is_false(dc:supports("devices.crypto"))
      assert.is_false(dc:supports("devices.disk.bus.virtio"))
      assert.is_true(dc:supports("arch", "x86_64"))
      assert.is_true(load("qemu_6.0.0.x86_64.xml"):supports("features.sev"))
      assert.is_true(load("qemu_7.0.0.x86_64.xml"):supports("features.sgx.sgx1"))
      assert.is_false(load("qemu_7.0.0.x86_64.xml"):supports("features.sgx.flc"))
      assert.has_error(function() dc:supports(nil) end, "bad argument #1 to 'supports' (path string expected, got nil)")
   end)

   it("usable: true, false with blockers, or nil and why", function()
      assert.same({ true }, { dc:usable("Westmere") })
      assert.same({ false, {} }, { dc:usable("Haswell") })
      assert.same({ nil, "no custom CPU model Pentium9 for /usr/bin/qemu-system-x86_64" }, { dc:usable("Pentium9") })
      assert.same({ nil, "the usability of CPU model cortex-a9 is unknown" },
         { load("qemu_7.0.0-virt.aarch64.xml"):usable("cortex-a9") })
   end)

   it("virtcaps.domcaps is the module, loaded on first use", function()
      assert.equal(domcaps, virtcaps.domcaps)
   end)
end)

-- A document as a newer reference writes it: what 9.0.0's schema does not
-- know stays where it was.
local NEWER = [[
<domainCapabilities flavour='newer'>
  <path>/usr/bin/qemu-system-x86_64</path>
  <domain>kvm</domain>
  <machine>pc-q35-9.0</machine>
  <arch>x86_64</arch>
  <vcpu max='4096'/>
  <iothreads supported='yes'/>
  <os supported='yes'>
    <enum name='firmware'>
      <value>efi</value>
    </enum>
    <loader supported='yes'>
      <value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>
      <enum name='type'>
        <value>pflash</value>
      </enum>
      <enum name='format'>
        <value>raw</value>
        <value>qcow2</value>
      </enum>
    </loader>
  </os>
  <cpu>
    <mode name='host-passthrough' supported='yes'/>
    <mode name='maximum' supported='yes'/>
    <mode name='host-model' supported='yes'>
      <model fallback='forbid'>Skylake-Client-IBRS</model>
      <vendor>Intel</vendor>
      <maxphysaddr mode='passthrough' limit='39'/>
      <feature policy='require' name='vmx'/>
    </mode>
    <mode name='custom' supported='yes'>
      <model usable='yes' vendor='Intel' canonical='Skylake-Client-v1'>Skylake-Client</model>
      <model usable='no' vendor='Intel'>Cooperlake</model>
      <blockers model='Cooperlake'>
        <feature name='avx512-bf16'/>
        <feature name='taa-no'/>
      </blockers>
    </mode>
  </cpu>
  <devices>
    <disk supported='yes'>
      <enum name='bus'>
        <value>virtio</value>
      </enum>
    </disk>
    <crypto supported='yes'>
      <enum name='model'>
        <value>virtio</value>
      </enum>
      <note>text &amp; more</note>
    </crypto>
  </devices>
  <features>
    <async-teardown supported='yes'/>
    <sev supported='yes'>
      <cbitpos>51</cbitpos>
      <reducedPhysBits>1</reducedPhysBits>
      <maxGuests>15</maxGuests>
      <maxESGuests>494</maxESGuests>
      <cpu0Id>abcd</cpu0Id>
    </sev>
    <sgx supported='no'/>
  </features>
</domainCapabilities>
]]

describe("domain capabilities from newer versions", function()
   it("keep unknown elements, attributes and enums in place, byte for byte", function()
      local dc = assert(domcaps.parse(NEWER))
      assert.equal(NEWER, dc:xml())
      local again = assert(domcaps.parse(domcaps.format(dc)))
      assert.equal(NEWER, domcaps.format(again))
      assert.same({ { name = "flavour", value = "newer" } }, dc.unknown_attrs)
      assert.same({ "raw", "qcow2" }, dc.os.loader.format)
      assert.same({ { after = "vendor", xml = "<maxphysaddr mode='passthrough' limit='39'/>" } },
         dc.cpu.modes["host-model"].unknown)
      assert.same({ name = "Skylake-Client", usable = true, vendor = "Intel",
         unknown_attrs = { { name = "canonical", value = "Skylake-Client-v1" } } }, dc.cpu.modes.custom.models[1])
      assert.same({ "avx512-bf16", "taa-no" }, dc.cpu.modes.custom.models[2].blockers)
      assert.same({ false, { "avx512-bf16", "taa-no" } }, { dc:usable("Cooperlake") })
      assert.same({ { after = "disk", xml = "<crypto supported='yes'>\n  <enum name='model'>\n"
         .. "    <value>virtio</value>\n  </enum>\n  <note>text &amp; more</note>\n</crypto>" } }, dc.devices.unknown)
      assert.same({ { xml = "<async-teardown supported='yes'/>" } }, dc.features.unknown)
      assert.equal("abcd", dc.features.sev.cpu0Id)
   end)

   it("write a table's unknown content where its anchor puts it", function()
      local dc = load("empty.xml")
      dc.devices.unknown = { { xml = "<panic supported='yes'/>" } }
      dc.features.unknown = { { after = "sev", xml = "<launchSecurity\n supported = \"no\" />" } }
      dc.unknown_attrs = { { name = "x", value = "it's" } }
      assert.equal([[
<domainCapabilities x='it&apos;s'>
  <path>/bin/emulatorbin</path>
  <domain>kvm</domain>
  <machine>my-machine-type</machine>
  <arch>x86_64</arch>
  <cpu>
    <mode name='host-passthrough' supported='no'/>
    <mode name='maximum' supported='no'/>
    <mode name='host-model' supported='no'/>
    <mode name='custom' supported='no'/>
  </cpu>
  <devices>
    <panic supported='yes'/>
  </devices>
  <features>
    <sev supported='no'/>
    <launchSecurity supported='no'/>
    <sgx supported='no'/>
  </features>
</domainCapabilities>
]], domcaps.format(dc))
   end)
end)

describe("hand-built domain capabilities tables", function()
   local function minimal()
      return { path = "/usr/bin/qemu-system-x86_64", domain = "kvm", arch = "x86_64" }
   end

   it("format with what they have, in the reference's order, schema-valid", function()
      local t = minimal()
      t.devices = { tpm = { supported = true, backendVersion = { "2.0" }, model = { "tpm-crb" }, extra = {} },
         disk = { supported = false } }
      t.vcpu = { max = 8 }
      local out = domcaps.format(t)
      assert.equal([[
<domainCapabilities>
  <path>/usr/bin/qemu-system-x86_64</path>
  <domain>kvm</domain>
  <arch>x86_64</arch>
  <vcpu max='8'/>
  <devices>
    <disk supported='no'/>
    <tpm supported='yes'>
      <enum name='model'>
        <value>tpm-crb</value>
      </enum>
      <enum name='backendVersion'>
        <value>2.0</value>
      </enum>
      <enum name='extra'/>
    </tpm>
  </devices>
</domainCapabilities>
]], out)
      local path = support.tmpname()
      support.write(path, out)
      local ok, msg = support.tool("xmllint --noout --relaxng /usr/share/libvirt/schemas/domaincaps.rng " .. path)
      os.remove(path)
      assert(ok, msg)
   end)

   it("with a wrong type or a missing value raise an error naming the path", function()
      local function fails(change, message)
         local t = load("qemu_7.0.0.x86_64.xml")
         change(t)
         assert.has_error(function() domcaps.format(t) end, message)
      end
      fails(function(t) t.path = nil end, "path: missing")
      fails(function(t) t.arch = 64 end, "arch: expected a string, got number")
      fails(function(t) t.vcpu.max = "255" end, "vcpu.max: expected a non-negative integer, got string")
      fails(function(t) t.vcpu.max = -1 end, "vcpu.max: expected a non-negative integer, got -1")
      fails(function(t) t.vcpu.max = 1 << 32 end, "vcpu.max: out of range (at most 4294967295)")
      fails(function(t) t.iothreads.supported = "yes" end, "iothreads.supported: expected a boolean, got string")
      fails(function(t) t.os.supported = nil end, "os.supported: missing")
      fails(function(t) t.os.loader.values[2] = false end, "os.loader.values[2]: expected a string, got boolean")
      fails(function(t) t.os.firmware = "efi" end,
         "os.firmware: unknown field (an enum is a list of strings, got string)")
      fails(function(t) t.devices.disk.bus[1] = 1 end, "devices.disk.bus[1]: expected a string, got number")
      fails(function(t) t.cpu.modes.custom = nil end, "cpu.modes.custom: missing")
      fails(function(t) t.cpu.modes.turbo = {} end, "cpu.modes: unknown mode 'turbo'")
      fails(function(t) t.cpu.modes.custom.models[2].usable = nil end, "cpu.modes.custom.models[2].usable: missing")
      fails(function(t) t.cpu.modes.custom.models[2].usable = "maybe" end,
         "cpu.modes.custom.models[2].usable: expected a boolean or \"unknown\", got string")
      fails(function(t) t.cpu.modes.custom.models[1].name = nil end, "cpu.modes.custom.models[1].name: missing")
      fails(function(t) t.cpu.modes.custom.models[1].blockers = "hle" end,
         "cpu.modes.custom.models[1].blockers: expected a list of feature names, got string")
      fails(function(t) t.cpu.modes["host-model"].model = nil end,
         "cpu.modes.host-model.model: missing (fallback is given)")
      fails(function(t) t.cpu.modes["host-model"].features[3].policy = nil end,
         "cpu.modes.host-model.features[3].policy: missing")
      fails(function(t) t.features.sev.colour = "red" end, "features.sev.colour: unknown field")
      fails(function(t) t.features.sgx.sections[2].unit = "MiB" end,
         "features.sgx.sections[2].unit: not the value the schema allows")
      fails(function(t) t.features.sgx.section_size.value = nil end, "features.sgx.section_size.value: missing")
      fails(function(t) t.features.sgx.flc = "no" end, "features.sgx.flc: expected a boolean, got string")
      fails(function(t) t.devices = "all" end, "devices: expected a table, got string")
      fails(function(t) t.devices.unknown = { { xml = "<a><b></a>" } } end,
         "devices.unknown[1].xml: line 1: Premature end of data in tag a line 1")
      fails(function(t) t.devices.unknown = { { xml = "<disk supported='no'/>" } } end,
         "devices.unknown[1].xml: <disk> has its own place in <devices>")
      fails(function(t) t.cpu.unknown = { { xml = "<mode name='custom' supported='no'/>" } } end,
         "cpu.unknown[1].xml: <mode> has its own place in <cpu>")
      fails(function(t) t.devices.tpm.unknown = { { xml = "<enum name='x'/>" } } end,
         "devices.tpm.unknown[1].xml: <enum> has its own place in <tpm>")
      fails(function(t) t.features.unknown = { { xml = "<a/><b/>" } } end,
         "features.unknown[1].xml: line 1: Extra content at the end of the document")
      fails(function(t) t.devices.unknown = { { after = "gpu", xml = "<a/>" } } end,
         "devices.unknown[1].after: 'gpu' is not a child of <devices>")
      fails(function(t) t.unknown_attrs = { { name = "a b", value = "" } } end,
         "unknown_attrs[1].name: not an attribute name this element can take: 'a b'")
      fails(function(t) t.path = "/usr/bin/q\0" end, "path: the string contains a NUL byte")
      assert.has_error(function() domcaps.format("<domainCapabilities/>") end)
   end)
end)

describe("hostile domain capabilities documents", function()
   local function rejects(doc, message)
      support.rejects(domcaps.parse, doc, message)
   end
   local HEAD = "<domainCapabilities><path>/e</path><domain>kvm</domain><arch>x86_64</arch>"
   local function doc(body)
      return HEAD .. body .. "</domainCapabilities>"
   end

   it("are not XML or some other document", function()
      rejects("", "line 1: Document is empty")
      rejects("<domainCapabilities>\0</domainCapabilities>", "line 1: the document contains a NUL byte")
      rejects("<capabilities/>", "line 1: the root element is <capabilities>, expected <domainCapabilities>")
      rejects("<domainCapabilities/>", "line 1: <domainCapabilities> needs a <path> element")
   end)

   it("are not looked for at a path with a NUL byte (the C string would end there)", function()
      assert.has_error(function() domcaps.load(support.DATA .. "/domcaps/expected/empty.xml\0.bak") end,
         "bad argument #1 to 'domcaps_load' (string contains a NUL byte)")
   end)

   it("declare entities or DTDs", function()
      local lol = '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;">]>\n'
         .. doc("<machine>&lol1;</machine>")
      rejects(lol, "line 2: DOCTYPE declarations are not accepted")
      rejects('<!DOCTYPE d SYSTEM "http://127.0.0.1:9/d.dtd">' .. doc(""),
         "line 1: DOCTYPE declarations are not accepted")
      rejects(doc("<machine>&x;</machine>"), "line 1: Entity 'x' not defined")
   end)

   it("nest too deep, in known or unknown elements", function()
      rejects(HEAD .. ("<a>"):rep(10000) .. ("</a>"):rep(10000) .. "</domainCapabilities>",
         "line 1: Excessive depth in document: 256 use XML_PARSE_HUGE option")
   end)

   it("are too large, as a string or a file", function()
      local big = doc("<!--" .. ("x"):rep(65 * 1024 * 1024) .. "-->")
      rejects(big, "document is " .. #big .. " bytes, over the limit of 67108864")
      local path = support.tmpname()
      support.write(path, big)
      assert.same({ nil, path .. ": larger than the limit of 67108864 bytes" }, { domcaps.load(path) })
      os.remove(path)
      assert.same({ nil, "/nonexistent/dc.xml: No such file or directory" }, { domcaps.load("/nonexistent/dc.xml") })
   end)

   it("hold values the schema refuses", function()
      rejects(doc("<vcpu max='-1'/>"), "line 1: <vcpu max='-1'>: expected a non-negative integer")
      rejects(doc("<vcpu max='4294967296'/>"), "line 1: <vcpu max='4294967296'>: out of range (at most 4294967295)")
      rejects(doc("<vcpu/>"), "line 1: <vcpu> needs a 'max' attribute")
      rejects(doc("<iothreads supported='maybe'/>"), "line 1: <iothreads supported='maybe'>: expected yes or no")
      rejects(doc("<features><sev supported='yes'><cbitpos>x</cbitpos></sev></features>"),
         "line 1: <cbitpos>x</cbitpos>: expected a non-negative integer")
      rejects(doc("<features><sgx supported='yes'><section_size unit='MiB'>1</section_size></sgx></features>"),
         "line 1: <section_size unit='MiB'>: not the value the schema allows")
      rejects(doc("<cpu><mode name='host-passthrough' supported='no'/></cpu>"),
         "line 1: <cpu> needs a <mode name='maximum'> element")
   end)

   it("repeat what is single, or collide with the model's keys", function()
      rejects(doc("<path>/f</path>"), "line 1: <domainCapabilities> has a second <path>")
      rejects(doc("<devices><disk supported='yes'><enum name='bus'/><enum name='bus'/></disk></devices>"),
         "line 1: <disk> has two enums named 'bus'")
      rejects(doc("<devices><disk supported='yes'><enum name='supported'/></disk></devices>"),
         "line 1: <enum name='supported'> in <disk> would replace the key 'supported'")
      rejects(doc("<devices><disk supported='yes'><enum name='bus'><value a='1'>x</value></enum></disk></devices>"),
         "line 1: <enum name='bus'> holds only <value> elements without attributes")
   end)

   it("hold unknown content the model has no place for", function()
      rejects(doc("<machine kind='x'>pc</machine>"),
         "line 1: <machine> has an attribute 'kind' that has no place in the model")
      rejects(doc("<machine><pc/></machine>"), "line 1: <machine> holds text only, found <pc>")
      rejects(doc("<devices><crypto>text<model/></crypto></devices>"),
         "line 1: <crypto> mixes text and elements; virtcaps keeps unknown elements only without")
      rejects(doc("<devices>text</devices>"), "line 1: unexpected text in <devices>")
      rejects(doc("<x:devices xmlns:x='urn:x'/>"), "line 1: <devices> is in a namespace; domain capabilities use none")
      rejects(doc("<cpu><mode name='host-passthrough' supported='no'/><mode name='maximum' supported='no'/>"
         .. "<mode name='host-model' supported='no'/><mode name='custom' supported='yes'>"
         .. "<model usable='no' vendor='Intel'>Haswell</model><blockers model='Broadwell'/></mode></cpu>"),
         "line 1: <blockers model='Broadwell'> must name one listed model, once")
   end)
end)

describe("virtcaps domcapabilities", function()
   -- the command line in this process; stdin: what "-" reads
   local function run(argv, stdin)
      local path = stdin and support.temp(stdin)
      local f = path and assert(io.open(path, "rb"))
      local code, out, err = support.cli(argv, false, f)
      if f then
         f:close()
         os.remove(path)
      end
      return code, out, err
   end
   local XEN = DIR .. "libxl-xenfv.xml"

   it("--caps FILE prints the document, normalised", function()
      assert.same({ 0, support.read(XEN), "" }, { run { "domcapabilities", "--caps", XEN } })
      local path = support.tmpname()
      support.write(path, support.read(XEN):gsub("\n%s*", ""))
      assert.same({ 0, support.read(XEN), "" }, { run { "domcapabilities", "--caps", path } })
      os.remove(path)
      assert.same({ 0, support.read(XEN), "" }, { run({ "domcapabilities", "--caps", "-" }, support.read(XEN)) })
      assert.same({ 2, "", "virtcaps domcapabilities: -: line 1: Document is empty\n" },
         { run({ "domcapabilities", "--caps", "-" }, "") })
   end)

   it("--json prints the table", function()
      local code, out = run { "domcapabilities", "--caps", DIR .. "empty.xml", "--json" }
      assert.equal(0, code)
      assert.matches('"devices":{%s*}', out)
      local t = json.decode(out)
      assert.same(load("empty.xml"), setmetatable(t, getmetatable(load("empty.xml"))))
      code, out = run { "--json", "domcapabilities", "--caps", XEN }
      assert.equal(0, code)
      assert.matches('"model":%[%]', out)
      assert.same({ "xen" }, json.decode(out).devices.hostdev.pciBackend)
   end)

   it("--help lists virsh's options; what cannot be probed exits 2 with the reference's words", function()
      local code, out = run { "domcapabilities", "--help" }
      assert.equal(0, code)
      local options = { "--emulatorbin PATH", "--arch ARCH", "--machine MACHINE", "--virttype TYPE", "--caps FILE" }
      for _, opt in ipairs(options) do
         assert.matches(opt, out, 1, true)
      end
      assert.same({ 2, "", "virtcaps domcapabilities: unknown architecture: sparc128\n" },
         { run { "domcapabilities", "--arch", "sparc128" } })
      assert.same({ 2, "", "virtcaps domcapabilities: qemu: cannot open /nonexistent/qemu: No such file or directory\n" },
         { run { "domcapabilities", "--emulatorbin", "/nonexistent/qemu" } })
      assert.same({ 2, "", "virtcaps domcapabilities: unknown virttype: bogus\n" },
         { run { "domcapabilities", "--virttype", "bogus" } })
      assert.same({ 2, "", "virtcaps domcapabilities: --arch chooses what to probe; it cannot be combined with"
         .. " --caps\n" },
         { run { "domcapabilities", "--caps", XEN, "--arch", "x86_64" } })
      assert.same({ 2, "", "virtcaps domcapabilities: spec/fixtures/xml/debian12-x86_64-virsh.xml: line 1: the root"
         .. " element is <capabilities>, expected <domainCapabilities>\n" },
         { run { "domcapabilities", "--caps", "spec/fixtures/xml/debian12-x86_64-virsh.xml" } })
      assert.same({ 2, "", "virtcaps domcapabilities: /nonexistent: No such file or directory\n" },
         { run { "domcapabilities", "--caps", "/nonexistent" } })
   end)

   it("validate takes domain capabilities documents by their root element", function()
      local bad = support.tmpname()
      support.write(bad, "<domainCapabilities><path>/e</path></domainCapabilities>")
      local code, out = run { "validate", XEN, "spec/fixtures/xml/debian12-x86_64-virsh.xml", bad }
      assert.equal(1, code)
      assert.equal(XEN .. ": valid\nspec/fixtures/xml/debian12-x86_64-virsh.xml: valid\n" .. bad
         .. ": invalid: line 1: <domainCapabilities> needs a <domain> element\n", out)
      os.remove(bad)
   end)
end)
