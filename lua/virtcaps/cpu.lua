--- virtcaps.cpu: CPU models the way libvirt 9.0.0 names, compares and
-- baselines them, with its CPU model database (cpu_map).
--
-- CPUs are tables of the shape `caps.host.cpu` has. A CPU with an `arch` is
-- a host CPU: its `features` are names (strings). A CPU without one is a
-- guest CPU: each feature is a name (policy "require") or
-- `{name=, policy=}` with policy force, require, optional, disable or
-- forbid. Wherever a CPU is expected, a `<cpu>` document, a cpu table or a
-- whole capabilities table (its host CPU) will do.
--
-- Every function takes `opts.cpu_map`, the database's directory (default
-- /usr/share/libvirt/cpu_map); it is loaded once per Lua state, on first use.
-- @module virtcaps.cpu
local core = require "virtcaps.core"

local M = {}

--- Names a host CPU from raw x86 CPUID data (the reference's x86Decode).
-- @function decode
-- @tparam string|table cpudata a `<cpudata arch='x86'>` document or its table
--   (see `parse_cpudata`)
-- @tparam[opt] table opts cpu_map
-- @treturn[1] table host cpu: arch, model, vendor, signature, features
-- @treturn[2] nil
-- @treturn[2] string what is wrong
-- @usage local cpu = assert(virtcaps.cpu.decode(io.open("x86_64-cpuid-Core-i7-8700.xml"):read("a")))
M.decode = core.cpu_decode

--- Reads a `<cpudata arch='x86'>` document.
-- @function parse_cpudata
-- @tparam string xml
-- @treturn[1] table `{arch="x86", cpuid={{eax_in=, ecx_in=, eax=, ebx=, ecx=, edx=}, ...}, msr={{index=, eax=, edx=}, ...}}`
-- @treturn[2] nil
-- @treturn[2] string "line N: what is wrong"
M.parse_cpudata = core.cpu_parse_cpudata

--- Writes a cpudata table as the reference does (all-zero items left out).
-- @function format_cpudata
-- @tparam table cpudata
-- @treturn string
M.format_cpudata = core.cpu_format_cpudata

--- This machine's raw CPU data (x86 only): every CPUID leaf the reference
-- reads, and IA32_ARCH_CAPABILITIES where it can be read.
-- @function host_cpudata
-- @tparam[opt] table opts cpu_map
-- @treturn[1] table cpudata
-- @treturn[1] string|nil why the MSR could not be read, when it could not
-- @treturn[2] nil
-- @treturn[2] string
M.host_cpudata = core.cpu_host_cpudata

--- The reference's standalone `<cpu>` element (virCPUDefFormat): a host CPU
-- as `virsh capabilities` writes it, a guest CPU with its defaults (mode
-- custom, match exact, fallback allow, policy require) written out.
-- @function format
-- @tparam string|table cpu
-- @treturn[1] string
-- @treturn[2] nil
-- @treturn[2] string what is wrong with a document
M.format = core.cpu_format

--- Whether the host CPU can run the guest CPU (`virsh cpu-compare`).
-- @function compare
-- @tparam string|table host
-- @tparam string|table guest
-- @tparam[opt] table opts cpu_map
-- @treturn[1] string "identical" or "superset"
-- @treturn[2] string "incompatible"
-- @treturn[2] table the features that make it incompatible (empty when
--   the reason is the vendor or the architecture)
-- @treturn[2] string the reference's message
-- @treturn[3] nil
-- @treturn[3] string why they cannot be compared (an unknown model or feature)
M.compare = core.cpu_compare

--- The largest guest CPU every given host CPU can run (`virsh cpu-baseline`).
-- @function baseline
-- @tparam string|table cpus a document holding `<cpu>` elements, or a list
--   of `<cpu>` documents, cpu tables and capabilities tables
-- @tparam[opt] table opts expand (list every feature, `--features`),
--   migratable (leave out features that block migration), cpu_map; for a
--   hypervisor's baseline (`hypervisor_baseline` sets them): models (the
--   only candidate model names), blockers ("MODEL:FEATURE" strings: a
--   model's features that block it there, disabled when it is chosen),
--   features (the feature names kept; the others are dropped)
-- @treturn[1] table guest cpu: mode, match, model, fallback, vendor, features
-- @treturn[2] nil
-- @treturn[2] string why there is none (different vendors, no common feature)
M.baseline = core.cpu_baseline

-- ---- against what a hypervisor offers (domain capabilities) ----

local X86 = { x86_64 = true, i686 = true }

-- What virsh's hypervisor-cpu-* commands take from a file: <cpu>
-- elements at the top, in a domain, in a capabilities document's host, or
-- a domain capabilities document's supported host-model mode (as a <cpu>).
local CPU_PATHS = "/container/cpu|/container/domain/cpu|/container/capabilities/host/cpu"
   .. "|/container/domainCapabilities/cpu/mode[@name='host-model' and @supported='yes']"

local function cpus_in(xml)
   local body = xml:match("^<%?xml.-%?>(.*)$") or xml
   local nodes, err = core.xpath("<container>" .. body .. "</container>", CPU_PATHS)
   if not nodes then
      return nil, err
   end
   if #nodes == 0 then
      return nil, "the document does not contain any <cpu> element or valid domain XML, host capabilities XML, "
         .. "or domain capabilities XML"
   end
   for i, n in ipairs(nodes) do
      -- libxml2 writes '>' inside attribute values as &gt;: the first '>' ends the start tag.
      local inner = n:match("^<mode[^>]*/>$") and "" or n:match("^<mode[^>]*>(.*)</mode>$")
      if inner then
         nodes[i] = "<cpu>" .. inner .. "</cpu>"
      end
   end
   return nodes
end

local function check_dc(dc, fname)
   if type(dc) ~= "table" then
      error(string.format("bad argument #1 to '%s' (domain capabilities table expected, got %s)", fname, type(dc)), 3)
   end
end

-- The CPU this emulator gives a host-model guest, as the reference's
-- driver keeps it (a guest CPU whose fallback is forbid).
local function hypervisor_cpu(dc)
   local hm = dc.cpu and dc.cpu.modes and dc.cpu.modes["host-model"]
   if not (hm and hm.supported and hm.model and hm.fallback == "forbid") then
      return nil, string.format("QEMU '%s' does not support reporting CPU model for virttype '%s'",
         tostring(dc.path), tostring(dc.domain))
   end
   return { mode = "custom", match = "exact", model = hm.model, vendor = hm.vendor, features = hm.features or {} }
end

--- Whether the CPU this emulator can give a guest runs the guest CPU
-- (`virsh hypervisor-cpu-compare`): the guest CPU against the domain
-- capabilities' host-model CPU (what QEMU reports for this accelerator),
-- not against the bare host.
-- @tparam table dc domain capabilities (`virtcaps.domcaps`)
-- @tparam string|table cpu a document as virsh takes it (its first `<cpu>`,
--   a domain's, a capabilities document's host CPU, a domain capabilities
--   document's host-model), or a cpu table
-- @tparam[opt] table opts cpu_map
-- @treturn[1] string "identical" or "superset"
-- @treturn[2] string "incompatible"
-- @treturn[2] table the features that make it so (empty for a vendor)
-- @treturn[2] string the reference's message
-- @treturn[3] nil
-- @treturn[3] string why there is no answer (no host-model CPU here, an
--   architecture the reference does not compare, a bad document, an unknown model)
-- @usage virtcaps.cpu.hypervisor_compare(dc, "<cpu><model>Skylake-Client</model></cpu>")
function M.hypervisor_compare(dc, cpu, opts)
   check_dc(dc, "hypervisor_compare")
   if type(cpu) ~= "string" and type(cpu) ~= "table" then
      error(string.format("bad argument #2 to 'hypervisor_compare' (CPU document or table expected, got %s)",
         type(cpu)), 2)
   end
   local hv, err = hypervisor_cpu(dc)
   if not hv then
      return nil, err
   end
   if not X86[dc.arch] then
      return nil, string.format("comparing with the hypervisor CPU is not supported for arch %s", tostring(dc.arch))
   end
   if type(cpu) == "string" then
      local cpus, cerr = cpus_in(cpu)
      if not cpus then
         return nil, cerr
      end
      cpu = cpus[1]
   end
   return M.compare(hv, cpu, opts)
end

local BASELINE_OPTS = { expand = true, migratable = true, features = true, cpu_map = true }

--- The largest guest CPU that every given CPU runs, in this emulator's
-- CPU models (`virsh hypervisor-cpu-baseline`): only the custom mode's
-- models are candidates, each with the features that block it here
-- (the models' `blockers`, where the document names them, or
-- `unavailable_features`, where a probe found them) disabled.
-- @tparam table dc domain capabilities
-- @tparam string|table cpus a document (each `<cpu>` virsh takes from it),
--   or a list of such documents and cpu tables
-- @tparam[opt] table opts expand (`--features`), migratable
--   (`--migratable`: by the CPU model database's marks), features (the
--   CPU features the hypervisor knows, in libvirt's names: others are
--   dropped; the reference takes them from QEMU's host CPU expansion, which
--   a document does not carry, and with `--migratable` only QEMU's
--   migratable ones instead of the database's marks; default: a probe's
--   `dc.hypervisor_cpu`), cpu_map
-- @treturn[1] table guest cpu (fallback forbid), for `format`
-- @treturn[2] nil
-- @treturn[2] string why there is none
-- @usage print(virtcaps.cpu.format(virtcaps.cpu.hypervisor_baseline(dc, {xml1, xml2})))
function M.hypervisor_baseline(dc, cpus, opts)
   check_dc(dc, "hypervisor_baseline")
   if type(cpus) ~= "string" and type(cpus) ~= "table" then
      error(string.format("bad argument #2 to 'hypervisor_baseline' (CPU documents or tables expected, got %s)",
         type(cpus)), 2)
   end
   if opts ~= nil and type(opts) ~= "table" then
      error(string.format("bad argument #3 to 'hypervisor_baseline' (options table expected, got %s)", type(opts)), 2)
   end
   local o = {}
   for k, v in pairs(opts or {}) do
      if not BASELINE_OPTS[k] then
         error(string.format("bad argument #3 to 'hypervisor_baseline' (unknown option %s)", tostring(k)), 2)
      end
      o[k] = v
   end
   if not X86[dc.arch] then
      return nil, string.format("computing baseline hypervisor CPU is not supported for arch %s", tostring(dc.arch))
   end
   -- One document: its CPUs as one (messages name no position); a list:
   -- each item's CPUs in turn.
   local list = {}
   for _, item in ipairs(type(cpus) == "string" and { cpus } or cpus) do
      if type(item) == "string" then
         local found, err = cpus_in(item)
         if not found then
            return nil, err
         end
         list[#list + 1] = "<cpus>" .. table.concat(found) .. "</cpus>"
      else
         list[#list + 1] = item
      end
   end
   if type(cpus) == "string" then
      list = list[1]
   end
   -- a probe's hypervisor CPU: QEMU's own marks of migratability, where it
   -- gives them, instead of the database's (qemuConnectBaselineHypervisorCPU)
   local hv = dc.hypervisor_cpu
   if o.features == nil and type(hv) == "table" and hv.features then
      if o.migratable and hv.migratable then
         o.features, o.migratable = hv.migratable, false
      else
         o.features = hv.features
      end
   end
   o.models, o.blockers = {}, {}
   local custom = dc.cpu and dc.cpu.modes and dc.cpu.modes.custom
   for _, m in ipairs(custom and custom.models or {}) do
      o.models[#o.models + 1] = m.name
      for _, b in ipairs(m.blockers or m.unavailable_features or {}) do
         o.blockers[#o.blockers + 1] = m.name .. ":" .. b
      end
   end
   local result, err = M.baseline(list, o)
   if not result then
      return nil, err
   end
   result.fallback = "forbid"
   return result
end

return M
