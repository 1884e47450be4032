-- The whole `bin/virtcaps` run, cold (empty QEMU answers cache) and warm,
-- next to the slowest single QEMU start it cannot beat and to the
-- reference's `virsh capabilities`, cold (fresh state directory: it probes
-- every emulator) and warm, all measured in this run.
local lib = require "lib"

local COMMANDS = [[{"execute":"qmp_capabilities"}
{"execute":"query-machines"}
{"execute":"qom-list-types","arguments":{"implements":"accel"}}
{"execute":"quit"}
]]

local scratch = lib.sh("mktemp -d /tmp/virtcaps-bench.XXXXXX")
local function fresh(i) return string.format("%s/cold-%d", scratch, i) end

-- The emulators bin/virtcaps asks: every qemu-system-* in PATH the reference uses.
local emulators = {}
for _, name in ipairs { "arm", "aarch64", "i386", "x86_64" } do
   local path = lib.sh("command -v qemu-system-" .. name .. " || true")
   if path ~= "" then emulators[#emulators + 1] = path end
end
if #emulators == 0 then
   print("no qemu-system-* emulator in PATH: install qemu-system-x86 and qemu-system-arm (make reference-deps)")
   os.exit(1)
end

local input = scratch .. "/qmp-commands"
local f = assert(io.open(input, "w"))
f:write(COMMANDS)
f:close()

local slowest, slowest_name = 0, nil
for _, e in ipairs(emulators) do
   local t = lib.command(9, e .. " -S -no-user-config -nodefaults -nographic -machine none -qmp stdio", true, input)
   lib.report("one QEMU start: " .. e:match("[^/]+$"), t)
   if t > slowest then slowest, slowest_name = t, e:match("[^/]+$") end
end

local virtcaps = "lua5.4 bin/virtcaps"
local cold = lib.timed(9, fresh, "XDG_CACHE_HOME=%ARG% " .. virtcaps)
local warm_dir = scratch .. "/warm"
local warm = lib.command(21, "XDG_CACHE_HOME=" .. warm_dir .. " " .. virtcaps)

local refs_cold, refs_warm = {}, {}
refs_cold[1] = { name = "slowest QEMU (" .. slowest_name .. ")", time = slowest }
if lib.have("virsh") then
   local function root(i) return string.format("%s/virsh-%d", scratch, i) end
   local ref_cold = lib.timed(3, function(i) return lib.reference_root(root(i)) end, lib.virsh_capabilities("%ARG%"))
   -- the second run still probes again: it records /dev/kvm's ctime
   lib.command(1, lib.virsh_capabilities(root(1)), false)
   local ref_warm = lib.command(9, lib.virsh_capabilities(root(1)))
   refs_cold[2] = { name = "virsh cold", time = ref_cold }
   refs_warm[1] = { name = "virsh warm", time = ref_warm }
else
   print("the reference is not installed (make reference-deps): no virsh times")
end

lib.report("bin/virtcaps, cold (empty cache)", cold, refs_cold)
lib.report("bin/virtcaps, warm (cache hit)", warm, refs_warm)
print(string.format("targets: cold under 150 ms (%s), warm under 5 ms (%s)", lib.ms(cold), lib.ms(warm)))
os.execute("rm -rf '" .. scratch .. "'")
