-- The reference's machine lists from recorded QMP replies
-- (conformance data qmp/): a fake emulator replays each recorded
-- query-machines reply, and the guest's <machine> list must be what the
-- reference derived (query-machines-VERSION.ARCH.expected.json), written
-- the way the reference writes machine types.
local cjson = require "cjson"
local fake = require "fake_qemu"
local support = require "support"

local DIR = support.conformance_category("qmp")
if not DIR then
   return
end

-- qemu-system-* names and guest architectures for the file names' ARCH
local EMULATOR = { i686 = "i386", i386 = "i386", armv7l = "arm", armv6l = "arm", arm = "arm" }
local GUEST = { i386 = "i686", arm = "armv7l" }

-- The reference's <machine> list for its machine types (virQEMUCapsGetMachineTypesCaps):
-- an aliased type is written as its alias with canonical=, and its own name
-- goes right before unless the list already names it.
local function caps_machines(types)
   local list = {}
   for _, t in ipairs(types) do
      local max = tonumber(t.maxCpus)
      list[#list + 1] = { name = t.alias or t.name, canonical = t.alias and t.name or nil,
         maxCpus = max and max > 0 and max or nil, deprecated = t.deprecated == "yes" or nil }
   end
   local i = 1
   while i <= #list do
      local m = list[i]
      if m.canonical then
         local found = false
         for _, other in ipairs(list) do found = found or other.name == m.canonical end
         if not found then
            table.insert(list, i, { name = m.canonical, maxCpus = m.maxCpus, deprecated = m.deprecated })
            i = i + 1
         end
      end
      i = i + 1
   end
   return list
end

local cases = support.require_files(DIR, "^query%-machines%-.*%.json$")
local replies = {}
for _, f in ipairs(cases) do
   if not f:match("%.expected%.json$") then replies[#replies + 1] = f end
end
assert(#replies > 0, "no query-machines replies in " .. DIR)

describe("conformance: machine types from recorded QMP replies", function()
   for _, f in ipairs(replies) do
      it(f, function()
         local version, arch = f:match("^query%-machines%-(.+)%.([^.]+)%.json$")
         assert(version and arch, "unexpected file name " .. f)
         arch = arch:gsub("%+.*$", "") -- variants such as x86_64+hvf probe the same emulator
         local expected = cjson.decode(support.read(DIR .. "/" .. f:gsub("%.json$", ".expected.json")))
         -- the guest lists the machines probed with TCG (no KVM here)
         local types, accel = {}, nil
         for _, t in ipairs(expected) do
            if t.type == "tcg" then accel = "tcg" end
         end
         accel = accel or expected[1].type
         for _, t in ipairs(expected) do
            if t.type == accel then types[#types + 1] = t end
         end
         local suffix = EMULATOR[arch] or arch
         local guest = GUEST[suffix] or arch
         local dir = fake.tmpdir()
         -- the recording answered libvirt's command id; a QEMU echoes the probe's
         local reply = support.read(DIR .. "/" .. f):gsub('"id"%s*:%s*"[^"]*"', '"id": "machines"')
         fake.replay(dir, "qemu-system-" .. suffix, fake.session(reply))
         local caps = assert(fake.probe(dir, { arch = guest }))
         fake.remove(dir)
         assert.same({}, support.driver_warnings(caps))
         local found
         for _, g in ipairs(caps.guests) do
            if g.arch.name == guest then found = g end
         end
         assert(found, "no " .. guest .. " guest")
         assert.same(caps_machines(types), found.arch.machines)
      end)
   end
end)
