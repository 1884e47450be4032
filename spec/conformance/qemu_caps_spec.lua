-- The QEMU capabilities conversation against the reference's probing
-- records (conformance data domcaps/replies): an emulator replaying each
-- record (spec/harness/replay_qemu.lua) must give what the reference
-- concluded from the same conversation (domcaps/qemucaps, read with
-- virtcaps' XPath): version, package, arch, machines and CPU models per
-- accelerator, the host CPU expansion, GIC, SEV, SGX, Hyper-V; the same
-- where /dev/kvm opens, the rounds running at once.
local core = require "virtcaps.core"
local virtcaps = require "virtcaps"
local fake = require "fake_qemu"
local support = require "support"

local DOMCAPS = support.conformance_category("domcaps")
local REPLAY = fake.REPLAY

local function yes(v)
   if v == nil then
      return ""
   end
   return v and "yes" or "no"
end

local function xp(xml, expr)
   local r = assert(virtcaps.xpath(xml, expr))
   return r
end

-- Each element the expression selects, as a row of its attributes (names
-- given) and of its children's names (child).
local function rows(xml, expr, attrs, child)
   local out = {}
   for _, markup in ipairs(xp(xml, expr)) do
      local cols = {}
      for i, a in ipairs(attrs) do
         cols[i] = a .. "=" .. xp(markup, "string(/*/@" .. a .. ")")
      end
      if child then
         cols[#cols + 1] = child .. "=" .. table.concat(xp(markup, "/*/" .. child .. "/@name"), ",")
      end
      out[#out + 1] = table.concat(cols, " ")
   end
   return out
end

local MACHINE = { "name", "alias", "hotplugCpus", "maxCpus", "default", "defaultCPU", "numaMemSupported",
                  "defaultRAMid", "deprecated", "acpi" }
local CPU = { "name", "typename", "usable", "deprecated" }
local PROP = { "name", "type", "value", "migratable" }

local function machine_rows(list)
   local out = {}
   for i, m in ipairs(list or {}) do
      out[i] = table.concat({
         "name=" .. m.name, "alias=" .. (m.alias or ""), "hotplugCpus=" .. (m.hotplug_cpus and "yes" or ""),
         "maxCpus=" .. m.max_cpus, "default=" .. (m.default and "yes" or ""), "defaultCPU=" .. (m.default_cpu or ""),
         "numaMemSupported=" .. (m.numa_mem_supported and "yes" or ""), "defaultRAMid=" .. (m.default_ram_id or ""),
         "deprecated=" .. (m.deprecated and "yes" or ""), "acpi=" .. yes(m.acpi),
      }, " ")
   end
   return out
end

local function cpu_rows(list)
   local out = {}
   for i, c in ipairs(list or {}) do
      out[i] = table.concat({
         "name=" .. c.name, "typename=" .. (c.typename or ""), "usable=" .. yes(c.usable),
         "deprecated=" .. (c.deprecated and "yes" or ""), "blocker=" .. table.concat(c.blockers, ","),
      }, " ")
   end
   return out
end

local function prop_rows(h)
   local out = {}
   for i, p in ipairs(h and h.props or {}) do
      out[i] = table.concat({ "name=" .. p.name, "type=" .. p.type, "value=" .. tostring(p.value),
                              "migratable=" .. yes(p.migratable) }, " ")
   end
   return out
end

local function host_head(h)
   if not h then
      return ""
   end
   return "model=" .. h.model .. " migratability=" .. yes(h.migratability)
end

describe("conformance: the QEMU capabilities conversation, replayed", function()
   local dir, tmp = DOMCAPS and DOMCAPS .. "/replies"
   setup(function()
      tmp = fake.tmpdir()
   end)
   teardown(function()
      fake.remove(tmp)
   end)

   for _, name in ipairs(dir and support.require_files(dir, "%.replies$") or {}) do
      it("gives what the reference concluded: " .. name, function()
         local record = dir .. "/" .. name
         local expected = support.read(DOMCAPS .. "/qemucaps/" .. name:gsub("%.replies$", ".xml"))
         local emulator = fake.script(tmp, name:gsub("%.replies$", ""),
            "exec lua5.4 '" .. REPLAY .. "' '" .. record .. "' \"$@\"")
         local cache = tmp .. "/cache"
         local qc, timing = core.qemu_caps { emulator = emulator, timeout = 60, cache_dir = cache, timing = true }
         assert(qc, timing)
         assert.is_true(timing.bytes > 0)
         -- the same again from the cache: no emulator runs, the same tables
         local again, timing2 = core.qemu_caps { emulator = emulator, cache_dir = cache, timing = true }
         assert.equal(0, timing2.bytes)
         assert.same(qc, again)
         -- where /dev/kvm opens (/dev/null stands for it) the rounds run at once: the same conclusion
         assert.same(qc, core.qemu_caps { emulator = emulator, timeout = 60, cache = false,
                                          paths = { ["/dev/kvm"] = "/dev/null" } })
         assert.equal(emulator, qc.emulator)
         assert.equal(tonumber(xp(expected, "string(/qemuCaps/version)")), qc.version)
         assert.equal(xp(expected, "string(/qemuCaps/package)"), qc.package)
         assert.equal(xp(expected, "string(/qemuCaps/arch)"), qc.arch)
         -- every record was made with KVM: both rounds
         assert.is_true(qc.kvm_supported)
         assert.is_true(qc.tcg_supported)
         for _, accel in ipairs { "kvm", "tcg" } do
            local sel = "[@type='" .. accel .. "']"
            local got = qc[accel]
            assert.is_table(got, accel)
            assert.same(rows(expected, "/qemuCaps/machine" .. sel, MACHINE), machine_rows(got.machines))
            assert.same(rows(expected, "/qemuCaps/cpu" .. sel, CPU, "blocker"), cpu_rows(got.cpus))
            local host = xp(expected, "/qemuCaps/hostCPU" .. sel)
            assert.equal(host[1] and ("model=" .. xp(host[1], "string(/*/@model)") .. " migratability="
               .. xp(host[1], "string(/*/@migratability)")) or "", host_head(got.host_cpu))
            assert.same(rows(expected, "/qemuCaps/hostCPU" .. sel .. "/property", PROP), prop_rows(got.host_cpu))
         end
         local gic = {}
         for i, g in ipairs(qc.gic) do
            gic[i] = "version=" .. g.version .. " kernel=" .. yes(g.kernel) .. " emulated=" .. yes(g.emulated)
         end
         assert.same(rows(expected, "/qemuCaps/gic", { "version", "kernel", "emulated" }), gic)
         local sev = xp(expected, "/qemuCaps/sev")
         if sev[1] then
            assert.is_table(qc.sev)
            assert.equal(tonumber(xp(expected, "string(/qemuCaps/sev/cbitpos)")), qc.sev.cbitpos)
            assert.equal(tonumber(xp(expected, "string(/qemuCaps/sev/reducedPhysBits)")), qc.sev.reduced_phys_bits)
            assert.equal(xp(expected, "string(/qemuCaps/sev/pdh)"), qc.sev.pdh)
            assert.equal(xp(expected, "string(/qemuCaps/sev/certChain)"), qc.sev.cert_chain)
         else
            assert.is_nil(qc.sev)
         end
         local sgx = xp(expected, "/qemuCaps/sgx")
         if sgx[1] then
            assert.is_table(qc.sgx)
            assert.equal(xp(expected, "string(/qemuCaps/sgx/flc)"), yes(qc.sgx.flc))
            assert.equal(xp(expected, "string(/qemuCaps/sgx/sgx1)"), yes(qc.sgx.sgx1))
            assert.equal(xp(expected, "string(/qemuCaps/sgx/sgx2)"), yes(qc.sgx.sgx2))
            assert.equal(tonumber(xp(expected, "string(/qemuCaps/sgx/section_size)")), qc.sgx.section_size)
            local sections = {}
            for i, s in ipairs(qc.sgx.sections) do
               sections[i] = "node=" .. s.node .. " size=" .. s.size
            end
            assert.same(rows(expected, "/qemuCaps/sgx/sections/section", { "node", "size" }), sections)
         else
            assert.is_nil(qc.sgx)
         end
         assert.same(xp(expected, "/qemuCaps/hypervCapabilities/cap/@name"), qc.hyperv or {})
      end)
   end
end)
