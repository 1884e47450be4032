-- virtcaps.core.qemu_caps against emulators that are not what QEMU is:
-- each gets nil and a message saying what was wrong, within a hang bound.
local core = require "virtcaps.core"
local fake = require "fake_qemu"
local support = require "support"

local RECORD = support.DATA .. "/domcaps/replies/caps_7.2.0.x86_64.replies"
local REPLAY = fake.REPLAY

describe("qemu_caps: emulators that misbehave", function()
   local tmp
   setup(function()
      tmp = fake.tmpdir()
   end)
   teardown(function()
      fake.remove(tmp)
   end)

   -- A replay of the 7.2.0 record with one sed edit.
   local function edited(name, sed)
      local record = tmp .. "/" .. name .. ".replies"
      assert(fake.run("sed -e '" .. sed .. "' '" .. RECORD .. "' > '" .. record .. "'"))
      return fake.script(tmp, name, "exec lua5.4 '" .. REPLAY .. "' '" .. record .. "' \"$@\"")
   end

   local function fails(emulator, pattern, opts)
      opts = opts or {}
      opts.emulator = emulator
      opts.cache = false
      local t0 = os.time()
      local qc, err = core.qemu_caps(opts)
      assert.is_nil(qc)
      assert.is_string(err)
      assert.matches(pattern, err)
      assert.is_true(os.time() - t0 < 30)
   end

   it("one that prints nothing", function()
      fails(fake.script(tmp, "silent", "exit 0"), "not a QMP monitor: it printed nothing$")
   end)

   it("one that prints what is not JSON", function()
      fails(fake.script(tmp, "garbage", "echo '{\"QMP\": {}}'; echo '{nope'; cat >/dev/null"), "QMP: .* near byte")
   end)

   it("one that answers with another id", function()
      fails(fake.script(tmp, "badid", "echo '{\"QMP\": {}}'; echo '{\"return\": {}, \"id\": \"x\"}'; cat >/dev/null"),
         'a reply with id "x" where the answer to qmp_capabilities was due')
   end)

   it("one that prints a JSON value that is not an object", function()
      fails(fake.script(tmp, "list", "echo '{\"QMP\": {}}'; echo '[1]'; cat >/dev/null"),
         "a message that is not a JSON object")
   end)

   it("one that never answers, within its timeout", function()
      fails(fake.script(tmp, "hang", "sleep 60"), "did not answer within 500 ms", { timeout = 0.5 })
   end)

   it("a QEMU older than the reference supports", function()
      fails(edited("old", 's/"major": 7$/"major": 3/'), "QEMU version >= 4.2.0 is required, but 3.2.0 found")
   end)

   it("an architecture the reference does not know", function()
      fails(edited("vax", 's/"arch": "x86_64"/"arch": "vax"/'), "query%-target: unknown QEMU arch 'vax'")
   end)

   it("a machine without a name", function()
      fails(edited("noname", 's/"name": "pc-i440fx-7.2",/"nom": 1,/'), "query%-machines: machine %d+: 'name' is missing")
   end)

   it("an unavailable feature that is not a string", function()
      fails(edited("blocker", 's/^        "3dnowext",$/        17,/'),
         "query%-cpu%-definitions: model %d+: 'unavailable%-features' is not a string")
   end)

   it("one that answers the first batch and exits: what went unanswered, every time", function()
      -- the answers and the end of the output may come in one read: the
      -- second batch then came due with the last output
      local answer = tmp .. "/first.lua"
      support.write(answer, [[
local replies = { '{"QMP": {}}' }
for line in io.lines() do
   local id, cmd = line:match('"id":"(vc%-%d+)"'), line:match('"execute":"([%w-]+)"')
   local ret = cmd == "query-target" and '{"arch": "x86_64"}' or cmd == "query-machines" and "[]" or "{}"
   replies[#replies + 1] = '{"return": ' .. ret .. ', "id": "' .. id .. '"}'
   if cmd == "query-migrate-capabilities" then break end
end
io.write(table.concat(replies, "\n"), "\n")
]])
      -- (cat's write and exit come close together: often in one read)
      local emulator = fake.script(tmp, "firstonly", "lua5.4 '" .. answer .. "' > '" .. tmp .. "/first.out' && exec cat '"
         .. tmp .. "/first.out'")
      for _ = 1, 20 do
         fails(emulator, "firstonly stopped before answering qom%-list%-properties$")
      end
   end)

   it("paths that are not an emulator", function()
      fails(tmp .. "/missing", "cannot open .*missing")
      fails("relative/qemu", "must be an absolute path")
   end)

   it("the record itself: both rounds, the conversation's numbers", function()
      local emulator = fake.script(tmp, "good", "exec lua5.4 '" .. REPLAY .. "' '" .. RECORD .. "' \"$@\"")
      local qc, timing = core.qemu_caps { emulator = emulator, timing = true, cache = false }
      assert.is_table(qc, timing)
      assert.equal(7002000, qc.version)
      assert.equal("pc-i440fx-7.2", qc.kvm.machines[1].name)
      assert.equal("pc", qc.kvm.machines[1].alias)
      assert.is_true(timing.run_ms > 0)
      assert.is_true(timing.bytes > 100000)
   end)

   it("the cache: one entry per emulator, asked again when the emulator changes or the entry is bad", function()
      local emulator = fake.script(tmp, "cached", "exec lua5.4 '" .. REPLAY .. "' '" .. RECORD .. "' \"$@\"")
      local cache = tmp .. "/cache"
      local function ask()
         local qc, timing = core.qemu_caps { emulator = emulator, timing = true, cache_dir = cache }
         assert.is_table(qc, timing)
         assert.equal(58, #qc.kvm.machines)
         return timing.bytes > 0
      end
      assert.is_true(ask())
      assert.is_false(ask())
      local entries = support.list(cache, "^qemu%-caps%-.*%.json$")
      assert.equal(1, #entries)
      -- a changed emulator (its mtime and ctime) is asked again
      assert(fake.run("sleep 0.01; touch '" .. emulator .. "'"))
      assert.is_true(ask())
      assert.is_false(ask())
      -- an entry that is not what virtcaps wrote is a miss, then rewritten
      local path = cache .. "/" .. entries[1]
      local text = support.read(path)
      support.write(path, (text:gsub('"pc%-i440fx%-7%.2"', '"pc\\u0001"', 1)))
      assert.is_true(ask())
      assert.is_false(ask())
      support.write(path, "[]")
      assert.is_true(ask())
      -- cache = false neither reads nor writes it
      local qc, timing = core.qemu_caps { emulator = emulator, timing = true, cache_dir = cache, cache = false }
      assert.is_table(qc)
      assert.is_true(timing.bytes > 0)
   end)
end)
