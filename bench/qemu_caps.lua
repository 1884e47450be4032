-- One binary's QEMU capabilities conversation (virtcaps.qemu_caps): the
-- real qemu-system-x86_64 next to its short capabilities conversation (one
-- QEMU start, what the capabilities probe asks), and a replayed record
-- (spec/harness/replay_qemu.lua) with the share spent reading the replies.
local lib = require "lib"
local core = require "virtcaps.core"

local function sh(cmd)
   local p = assert(io.popen(cmd))
   local out = p:read("a")
   p:close()
   return (out:gsub("%s+$", ""))
end

local scratch = sh("mktemp -d /tmp/virtcaps-bench.XXXXXX")

-- Medians of the wall time and of the conversation's own run and parse times
-- (paths: as qemu_caps takes them).
local function conversation(emulator, runs, paths)
   local walls, parses, bytes = {}, {}, 0
   for i = 1, runs do
      local t0 = lib.now()
      local qc, timing = core.qemu_caps { emulator = emulator, timing = true, cache = false, paths = paths }
      walls[i] = lib.now() - t0
      assert(qc, timing)
      parses[i] = timing.parse_ms / 1000
      bytes = timing.bytes
   end
   table.sort(walls)
   table.sort(parses)
   local mid = (runs + 1) // 2
   return walls[mid], parses[mid], bytes
end

local qemu = sh("command -v qemu-system-x86_64 || true")
if qemu ~= "" then
   local input = scratch .. "/short"
   local f = assert(io.open(input, "w"))
   f:write('{"execute":"qmp_capabilities"}\n{"execute":"query-machines"}\n'
      .. '{"execute":"qom-list-types","arguments":{"implements":"accel"}}\n{"execute":"quit"}\n')
   f:close()
   local short = lib.command(5, qemu .. " -S -no-user-config -nodefaults -nographic -machine none -qmp stdio", true,
      input)
   local wall, parse, bytes = conversation(qemu, 5)
   lib.report("qemu_caps, qemu-system-x86_64 (" .. bytes // 1024 .. " KiB)", wall,
      { { name = "short conversation", time = short } })
   lib.report("  of which reading the replies", parse)
else
   print("no qemu-system-x86_64 in PATH: the live conversation is not measured")
end

local record = "spec/conformance-data/domcaps/replies/caps_8.0.0.x86_64.replies"
local replay = scratch .. "/qemu-replay"
local f = assert(io.open(replay, "w"))
f:write("#!/bin/sh\nexec lua5.4 '" .. sh("realpath spec/harness/replay_qemu.lua") .. "' '" .. sh("realpath " .. record)
   .. "' \"$@\"\n")
f:close()
sh("chmod 755 '" .. replay .. "'")
local wall, parse, bytes = conversation(replay, 5)
lib.report("qemu_caps, replayed 8.0.0 x86_64, 2 rounds (" .. bytes // 1024 .. " KiB)", wall)
lib.report("  of which reading the replies", parse)
-- where /dev/kvm opens (here a file) the TCG round runs alongside round 1
sh("touch '" .. scratch .. "/kvm'")
lib.report("  the same, with /dev/kvm: the rounds at once", conversation(replay, 5, { ["/dev/kvm"] = scratch .. "/kvm" }),
   { { name = "one after the other", time = wall } })
local cache = scratch .. "/cache"
local warm = lib.median(9, function()
   assert(core.qemu_caps { emulator = replay, cache_dir = cache })
end)
lib.report("qemu_caps, the same from the cache", warm, { { name = "asking", time = wall } })
sh("rm -rf '" .. scratch .. "'")
