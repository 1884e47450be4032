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
--   migratable (leave out features that block migration), cpu_map
-- @treturn[1] table guest cpu: mode, match, model, fallback, vendor, features
-- @treturn[2] nil
-- @treturn[2] string why there is none (different vendors, no common feature)
M.baseline = core.cpu_baseline

return M
