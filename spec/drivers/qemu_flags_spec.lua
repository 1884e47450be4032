-- QEMU capability flags from replies of any shape (build/qemu_flags reads a
-- probing record made here): the schema query language on small schemas,
-- and hostile replies (wrong JSON types, malformed or endless schemas, huge
-- lists) ignored or refused with a message, never a crash or a hang.
local cjson = require "cjson"
local support = require "support"

-- A record: the greeting-less conversation of qmp_capabilities,
-- query-version (QEMU 7.2.0), query-target (x86_64), then `extra`: a list
-- of { command, arguments or nil, return value }.
local function record(extra)
   local parts = {}
   local function add(cmd, args, ret)
      local id = "libvirt-" .. (#parts // 2 + 1)
      parts[#parts + 1] = cjson.encode { execute = cmd, arguments = args, id = id }
      parts[#parts + 1] = cjson.encode { ["return"] = ret, id = id }
   end
   add("qmp_capabilities", nil, {})
   add("query-version", nil, { qemu = { major = 7, minor = 2, micro = 0 }, package = "" })
   add("query-target", nil, { arch = "x86_64" })
   for _, e in ipairs(extra) do add(e[1], e[2], e[3]) end
   return table.concat(parts, "\n\n")
end

-- Runs the harness on a record: ok, its flags (a set) or its message, seconds.
local function flags(extra)
   local path = support.temp(record(extra))
   local t0 = os.time()
   local ok, out = support.sh("'" .. support.BUILD .. "/qemu_flags' '" .. path .. "'")
   os.remove(path)
   local took = os.time() - t0
   if not ok then return false, out, took end
   local set = {}
   for line in out:gmatch("[^\n]+") do set[line] = true end
   return true, set, took
end

local function list_of(set)
   local t = {}
   for k in pairs(set) do t[#t + 1] = k end
   table.sort(t)
   return t
end

-- what x86_64 QEMU 7.2 gets from the architecture and version alone
local BASE = { "no-acpi", "no-hpet" }

local function with(...)
   local t = { table.unpack(BASE) }
   for _, f in ipairs { ... } do t[#t + 1] = f end
   table.sort(t)
   return t
end

local function schema(entries)
   return { "query-qmp-schema", nil, entries }
end

describe("QEMU capability flags", function()
   it("from the architecture and version alone", function()
      local ok, set = flags {}
      assert.is_true(ok, set)
      assert.same(BASE, list_of(set))
   end)

   it("from types, properties, commands, options and their conditions", function()
      local ok, set = flags {
         { "query-kvm", nil, { enabled = true, present = true } },
         { "query-commands", nil, { { name = "query-vnc" }, { name = "quit" }, { name = "query-cpu-model-expansion" } } },
         { "qom-list-types", nil, { { name = "VGA" }, { name = "virtio-scsi-pci" }, { name = "sev-guest" } } },
         { "device-list-properties", { typename = "virtio-blk-pci" },
            { { name = "scsi", type = "bool", ["default-value"] = false } } },
         { "device-list-properties", { typename = "VGA" }, { { name = "vgamem_mb", type = "uint32" } } },
         -- asked although qom-list-types has no qxl: the reference would not look
         { "device-list-properties", { typename = "qxl" }, { { name = "vgamem_mb", type = "uint32" } } },
         { "query-command-line-options", nil, { { option = "spice", parameters = { { name = "gl" } } },
            { option = "machine", parameters = { { name = "hpet" } } } } },
         { "query-migrate-capabilities", nil, { { capability = "rdma-pin-all", state = false } } },
         { "query-tpm-models", nil, { "tpm-crb" } },
         { "query-tpm-types", nil, { "emulator" } },
      }
      assert.is_true(ok, set)
      -- machine-hpet replaces no-hpet; sev-guest is gone without SEV capabilities
      assert.same({ "VGA", "VGA.vgamem_mb", "cpu-cache", "kvm", "machine-hpet", "migrate-rdma", "no-acpi",
         "query-cpu-model-expansion", "spice",
         "spice-gl", "tpm-crb", "tpm-emulator", "virtio-blk-pci.scsi", "virtio-blk-pci.scsi.default.disabled",
         "virtio-scsi-pci", "vnc" }, list_of(set))
   end)

   it("follows the QAPI schema: arguments, returns, arrays, variants, enums, features, alternates", function()
      local ok, set = flags { schema {
         { name = "query-iothreads", ["meta-type"] = "command", ["arg-type"] = "0", ["ret-type"] = "[1]" },
         { name = "0", ["meta-type"] = "object", members = {} },
         { name = "[1]", ["meta-type"] = "array", ["element-type"] = "1" },
         { name = "1", ["meta-type"] = "object", members = { { name = "poll-max-ns", type = "int" } } },
         { name = "int", ["meta-type"] = "builtin", ["json-type"] = "int" },
         { name = "device_add", ["meta-type"] = "command", ["arg-type"] = "0", ["ret-type"] = "0",
            features = { "json-cli-hotplug" } },
         { name = "netdev_add", ["meta-type"] = "command", ["arg-type"] = "2", ["ret-type"] = "0" },
         { name = "2", ["meta-type"] = "object", members = { { name = "type", type = "3" } }, tag = "type",
            variants = { { case = "stream", type = "0" } } },
         { name = "3", ["meta-type"] = "enum", values = { "user", "dgram" } },
         { name = "query-display-options", ["meta-type"] = "command", ["arg-type"] = "0", ["ret-type"] = "4" },
         { name = "4", ["meta-type"] = "alternate", members = { { type = "int" }, { type = "5" } } },
         { name = "5", ["meta-type"] = "object", members = {}, variants = { { case = "sdl", type = "0" } } },
         -- a feature must end the query: device_add has it, blockdev-snapshot not
         { name = "blockdev-snapshot", ["meta-type"] = "command", ["arg-type"] = "0", ["ret-type"] = "0" },
      } }
      assert.is_true(ok, set)
      assert.same(with("device.json+hotplug", "iothread.poll-max-ns", "netdev.json", "netdev.stream", "sdl"),
         list_of(set))
   end)

   it("ignores replies of the wrong JSON types", function()
      local ok, set = flags {
         { "query-kvm", nil, { enabled = "yes", present = 1 } },
         { "query-commands", nil, "query-vnc" },
         { "qom-list-types", nil, { name = "VGA" } },
         { "device-list-properties", { typename = "virtio-blk-pci" }, { "scsi", 7, { name = 3 } } },
         { "qom-list-properties", { typename = "memory-backend-file" }, 5 },
         { "query-command-line-options", nil, { { option = 3 }, { option = "spice", parameters = "gl" }, "vnc" } },
         { "query-migrate-capabilities", nil, { capability = "rdma-pin-all" } },
         { "query-tpm-models", nil, { 1, { "tpm-tis" } } },
         { "query-sev-capabilities", nil, "yes" },
         schema { { name = "query-iothreads", ["meta-type"] = "command", ["ret-type"] = { "x" } } },
      }
      assert.is_true(ok, set)
      assert.same(with("spice"), list_of(set))
   end)

   it("refuses a malformed schema with its reason", function()
      local ok, msg = flags { schema { { ["meta-type"] = "command" } } }
      assert.is_false(ok)
      assert.matches("malformed schema: entry 0 has no name", msg, 1, true)
      ok, msg = flags { schema { { name = "query-iothreads", ["meta-type"] = "command" },
         { name = "query-iothreads", ["meta-type"] = "event" } } }
      assert.is_false(ok)
      assert.matches("'query-iothreads' is there twice", msg, 1, true)
      -- ret-type names a type the schema lacks
      ok, msg = flags { schema { { name = "query-iothreads", ["meta-type"] = "command", ["ret-type"] = "9" } } }
      assert.is_false(ok)
      assert.matches("malformed schema when querying query-iothreads/ret-type/poll-max-ns", msg, 1, true)
      -- a type without a meta-type
      ok, msg = flags { schema { { name = "query-iothreads", ["meta-type"] = 7 } } }
      assert.is_false(ok)
      assert.matches("malformed schema when querying query-iothreads/ret-type/poll-max-ns", msg, 1, true)
   end)

   it("ends schema loops and branching alternates within bounds", function()
      local ok, msg = flags { schema {
         { name = "query-iothreads", ["meta-type"] = "command", ["ret-type"] = "A" },
         { name = "A", ["meta-type"] = "array", ["element-type"] = "A" },
      } }
      assert.is_false(ok)
      assert.matches("malformed schema when querying query-iothreads", msg, 1, true)
      -- 2^40 ways through alternates of alternates, none leading anywhere
      local entries = { { name = "query-iothreads", ["meta-type"] = "command", ["ret-type"] = "B1" },
         { name = "B41", ["meta-type"] = "object", members = {} } }
      for i = 1, 40 do
         local next = { type = "B" .. (i + 1) }
         entries[#entries + 1] = { name = "B" .. i, ["meta-type"] = "alternate", members = { next, next } }
      end
      local took
      ok, msg, took = flags { schema(entries) }
      assert.is_false(ok)
      assert.matches("takes more than 100000 steps", msg, 1, true)
      assert.is_true(took < 10, "took " .. took .. " s")
   end)

   it("refuses lists longer than its bound", function()
      local types = {}
      for i = 1, 65537 do types[i] = { name = "t" .. i } end
      local ok, msg = flags { { "qom-list-types", nil, types } }
      assert.is_false(ok)
      assert.matches("qom-list-types lists more than 65536 entries", msg, 1, true)
   end)
end)
