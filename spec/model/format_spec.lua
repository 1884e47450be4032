-- Writing tables as documents, and what format says about bad tables.
local virtcaps = require "virtcaps"

local function minimal()
   return { host = { cpu = { arch = "x86_64" } }, guests = {} }
end

local function format_error(t)
   local ok, err = pcall(virtcaps.format, t)
   assert.is_false(ok)
   return err
end

describe("virtcaps.format", function()
   it("writes a hand-built table in the reference's layout", function()
      local t = {
         host = {
            uuid = "2323a2eb-22ec-46ef-a9fb-2fd7a0496ec7",
            cpu = { arch = "x86_64", model = "Skylake-Client-IBRS", vendor = "Intel",
               features = { "ds", "acpi" }, pages = { { unit = "KiB", size = 4 } } },
            power_management = { suspend_mem = true, suspend_disk = false },
            iommu = { support = true },
            migration_features = {},
            secmodels = { { model = "apparmor", doi = "0" } },
         },
         guests = {
            { os_type = "hvm",
               arch = { name = "i686", wordsize = 32, emulator = "/usr/bin/qemu-system-i386",
                  machines = { { name = "pc-i440fx-7.2", maxCpus = 255 },
                     { name = "pc", canonical = "pc-i440fx-7.2", maxCpus = 255, deprecated = false } },
                  domains = { { type = "qemu" },
                     { type = "kvm", emulator = "/usr/bin/kvm", machines = { { name = "old", deprecated = true } } } } },
               features = { apic = { default = true, toggle = false }, pae = true, nonpae = false,
                  acpi = { default = false, toggle = true } } },
         },
      }
      assert.equal([[
<capabilities>

  <host>
    <uuid>2323a2eb-22ec-46ef-a9fb-2fd7a0496ec7</uuid>
    <cpu>
      <arch>x86_64</arch>
      <model>Skylake-Client-IBRS</model>
      <vendor>Intel</vendor>
      <feature name='ds'/>
      <feature name='acpi'/>
      <pages unit='KiB' size='4'/>
    </cpu>
    <power_management>
      <suspend_mem/>
    </power_management>
    <iommu support='yes'/>
    <migration_features>
    </migration_features>
    <secmodel>
      <model>apparmor</model>
      <doi>0</doi>
    </secmodel>
  </host>

  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>/usr/bin/qemu-system-i386</emulator>
      <machine maxCpus='255'>pc-i440fx-7.2</machine>
      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
      <domain type='qemu'/>
      <domain type='kvm'>
        <emulator>/usr/bin/kvm</emulator>
        <machine>old</machine>
      </domain>
    </arch>
    <features>
      <pae/>
      <acpi default='off' toggle='yes'/>
      <apic default='on' toggle='no'/>
    </features>
  </guest>

</capabilities>
]], virtcaps.format(t))
   end)

   it("escapes text and attributes the way the reference does", function()
      local t = minimal()
      t.host.cpu.model = [[a<b>&"c"'d']]
      t.host.secmodels = { { model = "selinux", doi = "0",
         baselabels = { { type = "k'vm", label = "system_u:system_r:svirt_t:s0 & more" } } } }
      local xml = virtcaps.format(t)
      assert.matches("<model>a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;</model>", xml, 1, true)
      assert.matches("<baselabel type='k&apos;vm'>system_u:system_r:svirt_t:s0 &amp; more</baselabel>", xml, 1, true)
      local back = assert(virtcaps.parse(xml))
      assert.equal([[a<b>&"c"'d']], back.host.cpu.model)
      assert.equal("k'vm", back.host.secmodels[1].baselabels[1].type)
   end)

   it("drops the control characters the reference drops, and those it keeps although XML forbids them", function()
      local t = minimal()
      -- the reference writes \27 as it is: a document nothing can parse
      t.host.cpu.vendor = "Int\1el\27"
      assert.matches("<vendor>Intel</vendor>", virtcaps.format(t), 1, true)
   end)

   it("is what caps:xml() does", function()
      local caps = assert(virtcaps.parse(virtcaps.format(minimal())))
      assert.equal(virtcaps.format(minimal()), caps:xml())
   end)

   it("names the path of a wrong type", function()
      assert.equal("host.cpu.arch: expected string, got number", format_error({ host = { cpu = { arch = 1 } } }))
      assert.equal("guests[1].arch.machines[2].maxCpus: expected integer, got string",
         format_error({ host = { cpu = { arch = "x86_64" } }, guests = { { os_type = "hvm", arch = { name = "x86_64",
            wordsize = 64, domains = { { type = "qemu" } }, machines = { { name = "a" }, { name = "b", maxCpus = "8" } } } } } }))
      assert.equal("host.topology.cells[1].memory.value: expected an integer, got 1.5",
         format_error({ host = { cpu = { arch = "x86_64" }, topology = { cells = { { id = 0, memory = { value = 1.5 } } } } } }))
      assert.equal("host.iommu.support: expected boolean, got string",
         format_error({ host = { cpu = { arch = "x86_64" }, iommu = { support = "yes" } } }))
   end)

   it("names missing and unknown fields", function()
      assert.equal("host: missing", format_error({}))
      assert.equal("host.cpu: missing", format_error({ host = {} }))
      assert.equal("host.cpu.arch: missing", format_error({ host = { cpu = {} } }))
      assert.equal("host.uudi: unknown field", format_error({ host = { cpu = { arch = "x86_64" }, uudi = "x" } }))
      assert.equal("guests[1].arch.domains: at least one domain is required",
         format_error({ host = { cpu = { arch = "x86_64" } },
            guests = { { os_type = "hvm", arch = { name = "x86_64", wordsize = 64 } } } }))
      assert.equal("guests[1].arch.wordsize: expected 31, 32 or 64, got 16",
         format_error({ host = { cpu = { arch = "x86_64" } },
            guests = { { os_type = "hvm", arch = { name = "x86_64", wordsize = 16, domains = { { type = "qemu" } } } } } }))
   end)

   it("checks ranges, cpusets and references", function()
      local t = minimal()
      t.host.topology = { cells = { { id = 0, cpus = { { id = 0, socket_id = 0, core_id = 0, siblings = "0-1" } } } } }
      assert.equal("host.topology.cells[1].cpus[1].siblings: CPU 1 is in no cell", format_error(t))
      t.host.topology.cells[1].cpus[1].siblings = "0-"
      assert.equal("host.topology.cells[1].cpus[1].siblings: invalid cpuset '0-': range without an end", format_error(t))
      t.host.topology.cells[1].cpus[1].siblings = "0"
      t.host.topology.cells[2] = { id = 0 }
      assert.equal("host.topology.cells: cell id 0 appears twice", format_error(t))
      t.host.topology.cells[2] = nil
      t.host.topology.cells[1].distances = { { id = 3, value = 10 } }
      assert.equal("host.topology.cells[1].distances[1].id: no cell has id 3", format_error(t))
      t.host.topology = nil
      t.host.cpu.signature = { family = 6, model = 2 ^ 40, stepping = 1 }
      assert.equal("host.cpu.signature.model: 1099511627776 is out of range (0 to 4294967295)", format_error(t))
      t.host.cpu.signature = { family = -1, model = 1, stepping = 1 }
      assert.equal("host.cpu.signature.family: expected a non-negative integer, got -1", format_error(t))
   end)

   it("writes the trailer it read", function()
      local t = minimal()
      t.trailer = "\n\n"
      assert.matches("</capabilities>\n\n\n$", virtcaps.format(t))
      t.trailer = "  "
      assert.equal("trailer: only newlines may follow the document", format_error(t))
   end)

   it("rejects what is not a table", function()
      assert.error_matches(function() virtcaps.format("x") end, "bad argument #1 to '[%w.]*format' %(table expected, got string%)")
   end)
end)
