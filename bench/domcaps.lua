-- Domain capabilities: parse and format of the largest expected document
-- against libxml2's bare parse of the same bytes (build/xmlbare). Target:
-- virtcaps within 2x of bare libxml2. Then probing: the whole
-- `bin/virtcaps domcapabilities` cold (empty cache) and warm against
-- `virsh domcapabilities --arch x86_64 --virttype qemu` cold (fresh state
-- directory) and warm and against the slowest single QEMU conversation it
-- needs; and the plain `bin/virtcaps` (capabilities) cold and warm, which
-- must not have become slower.
local bench = require "lib"
local core = require "virtcaps.core"
local domcaps = require "virtcaps.domcaps"

local RUNS = 200
local conformance = os.getenv("VIRTCAPS_CONFORMANCE") or "spec/conformance-data"

local path = bench.largest_xml(conformance .. "/domcaps/expected")
if path then
   local doc = io.open(path, "rb"):read("a")
   assert(domcaps.format(assert(domcaps.parse(doc))) == doc, "the document does not round-trip")
   bench.xml_vs_bare(path, RUNS, domcaps.parse, domcaps.format,
      { parse = "virtcaps.domcaps.parse", format = "virtcaps.domcaps.format" }, { parse = true, format = true })
else
   print("no domain capabilities documents under " .. conformance .. "/domcaps/expected")
end

local scratch = bench.sh("mktemp -d /tmp/virtcaps-bench.XXXXXX")
local function fresh(i) return string.format("%s/cold-%d", scratch, i) end

-- The conversation the default domcapabilities needs: the host's emulator.
local emulator = bench.sh("command -v qemu-system-x86_64 || true")
if emulator == "" then
   print("no qemu-system-x86_64 in PATH: install qemu-system-x86 (make reference-deps)")
   os.execute("rm -rf '" .. scratch .. "'")
   os.exit(1)
end
local conv = {}
for i = 1, 5 do
   local t0 = bench.now()
   assert(core.qemu_caps { emulator = emulator, cache = false })
   conv[i] = bench.now() - t0
end
table.sort(conv)
local slowest = conv[3]
bench.report("one QEMU conversation (qemu-system-x86_64, both rounds it has)", slowest)

-- What any conversation costs QEMU at least: starting, and the one answer
-- every capability flag is derived from (its QMP schema), with the
-- environment virtcaps gives it. The reference cold over this is the most
-- any probe that asks QEMU can gain.
local schema_only = scratch .. "/schema-only.qmp"
local f = assert(io.open(schema_only, "w"))
f:write('{"execute":"qmp_capabilities"}\n{"execute":"query-qmp-schema"}\n{"execute":"quit"}\n')
f:close()
local floor = bench.command(5, "LC_ALL=C GLIBC_TUNABLES=glibc.malloc.hugetlb=1 " .. emulator
   .. " -S -no-user-config -nodefaults -nographic -machine none,accel=tcg -qmp stdio", false, schema_only)
bench.report("QEMU started, asked only its QMP schema", floor)

local virtcaps = "lua5.4 bin/virtcaps domcapabilities"
local cold = bench.timed(5, fresh, "XDG_CACHE_HOME=%ARG% " .. virtcaps)
local warm_dir = scratch .. "/warm"
local warm = bench.command(21, "XDG_CACHE_HOME=" .. warm_dir .. " " .. virtcaps)
local caps_cold = bench.timed(5, fresh, "XDG_CACHE_HOME=%ARG%-caps lua5.4 bin/virtcaps")
local caps_warm = bench.command(21, "XDG_CACHE_HOME=" .. warm_dir .. "-caps lua5.4 bin/virtcaps")

local refs_cold = { { name = "slowest QEMU conversation", time = slowest } }
local refs_warm = {}
if bench.have("virsh") then
   local function virsh(root)
      return "virsh -c 'qemu:///embed?root=" .. root .. "' domcapabilities --arch x86_64 --virttype qemu"
   end
   local function root(i) return string.format("%s/virsh-%d", scratch, i) end
   refs_cold[2] = { name = "virsh cold", time = bench.timed(3, function(i) return bench.reference_root(root(i)) end,
      virsh("%ARG%")) }
   bench.command(1, virsh(root(1)), false)
   refs_warm[1] = { name = "virsh warm", time = bench.command(9, virsh(root(1))) }
else
   print("the reference is not installed (make reference-deps): no virsh times")
end

bench.report("bin/virtcaps domcapabilities, cold (empty cache)", cold, refs_cold)
bench.report("bin/virtcaps domcapabilities, warm (cache hit)", warm, refs_warm)
bench.report("bin/virtcaps (capabilities), cold", caps_cold)
bench.report("bin/virtcaps (capabilities), warm", caps_warm)
print(string.format("targets: cold within 2x the slowest conversation (x%.2f) and 20x faster than virsh cold;"
   .. " warm 5x faster than virsh warm", cold / slowest))
if refs_cold[2] then
   print(string.format("the most any probe asking QEMU could be faster than virsh cold: x%.1f (virsh cold over"
      .. " QEMU's start and schema answer alone)", refs_cold[2].time / floor))
end
os.execute("rm -rf '" .. scratch .. "'")
