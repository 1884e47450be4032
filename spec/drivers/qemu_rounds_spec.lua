-- The QEMU capabilities conversation's two rounds at once: where /dev/kvm
-- opens (a file, through paths) round 1 (-machine none,accel=kvm:tcg) and
-- the TCG round (accel=tcg) run side by side, the TCG round's second batch
-- waiting for round 1's answers. Without /dev/kvm the same record still
-- runs both rounds (it says KVM is enabled), one after the other: the
-- model and the errors must be the same both ways, and nothing is left
-- behind.
local core = require "virtcaps.core"
local fake = require "fake_qemu"
local support = require "support"
local system = require "system"

local RECORD = support.DATA .. "/domcaps/replies/caps_7.2.0.x86_64.replies"
local REPLAY = fake.REPLAY

describe("qemu_caps: the rounds at once where /dev/kvm opens", function()
   local tmp, fds

   setup(function()
      tmp = fake.tmpdir()
      assert(fake.run("touch '" .. tmp .. "/kvm'"))
   end)
   teardown(function()
      fake.remove(tmp)
   end)
   before_each(function()
      assert(fake.run("rm -f '" .. tmp .. "'/r1 '" .. tmp .. "'/r2 '" .. tmp .. "'/*.pid"))
      fds = fake.fds()
   end)

   local function replay(record)
      return "lua5.4 '" .. REPLAY .. "' '" .. (record or RECORD) .. "' \"$@\""
   end

   -- An emulator running round1 (shell) for round 1 and round2 for the TCG round.
   local function emulator(name, round1, round2)
      return fake.script(tmp, name, 'case "$*" in\n*"accel=tcg "*) ' .. round2 .. ";;\n*) " .. round1 .. ";;\nesac")
   end

   -- Marks that this round started (with its pid), then waits until the
   -- other one has: the rounds one after the other never get past this.
   local function meet(mine, other)
      return string.format("echo $$ > %s/%s.pid; touch %s/%s; while [ ! -e %s/%s ]; do sleep 0.01; done; ", tmp, mine,
         tmp, mine, tmp, other)
   end

   -- The record with one sed edit.
   local function edited(name, sed)
      local record = tmp .. "/" .. name .. ".replies"
      assert(fake.run("sed -e '" .. sed .. "' '" .. RECORD .. "' > '" .. record .. "'"))
      return record
   end

   -- qemu_caps with or without /dev/kvm, how long it took; nothing may be left behind.
   local function ask(emu, kvm, timeout)
      local t0 = system.monotime()
      local qc, err = core.qemu_caps { emulator = emu, cache = false, timeout = timeout or 20,
                                       paths = { ["/dev/kvm"] = tmp .. (kvm and "/kvm" or "/no-kvm") } }
      local took = system.monotime() - t0
      assert.same({}, fake.children())
      assert.equal(fds, fake.fds())
      return qc, err, took
   end

   local function pid_gone(round)
      local pid = support.read(tmp .. "/" .. round .. ".pid"):match("%d+")
      assert.is_true(fake.gone(pid), round .. " " .. pid .. " survived")
   end

   it("both emulators run at the same time, and give the model of the rounds one after the other", function()
      local emu = emulator("meet", meet("r1", "r2") .. "exec " .. replay(), meet("r2", "r1") .. "exec " .. replay())
      local together = assert(ask(emu, true))
      assert.is_true(together.kvm_supported)
      assert.equal(58, #together.kvm.machines)
      assert.equal(58, #together.tcg.machines)
      -- the TCG round's second batch: its host CPU expansion
      assert.equal("base", together.tcg.host_cpu.model)
      assert.equal(327, #together.tcg.host_cpu.props)
      local apart = assert(ask(emulator("plain", "exec " .. replay(), "exec " .. replay()), false))
      apart.emulator = together.emulator
      assert.same(apart, together)
      -- without /dev/kvm the rounds run in turn: round 1 waits in vain for the TCG round
      assert(fake.run("rm -f '" .. tmp .. "'/r1 '" .. tmp .. "'/r2"))
      local qc, err = ask(emu, false, 1)
      assert.is_nil(qc)
      assert.equal("qemu: " .. emu .. " did not answer within 1000 ms", err)
   end)

   -- Round 1 as the record edited by sed says, the TCG round a replay that
   -- would wait for its second batch: ended at round 1's word, unheard.
   local function unwanted(name, sed)
      local record = edited(name, sed)
      local emu = emulator(name, meet("r1", "r2") .. "exec " .. replay(record),
         meet("r2", "r1") .. "exec " .. replay(record))
      local together, err, took = ask(emu, true)
      assert(together, err)
      assert.is_true(took < 10, took)
      pid_gone("r2")
      local apart = assert(ask(emulator(name .. "-plain", "exec " .. replay(record), "exec " .. replay(record)), false))
      apart.emulator = together.emulator
      assert.same(apart, together)
      return together
   end

   it("round 1 without KVM after all: the TCG round is ended, the model is round 1's under TCG", function()
      local qc = unwanted("kvm-off", '/"execute": "query-kvm"/,/"present"/s/"enabled": true/"enabled": false/')
      assert.is_false(qc.kvm_supported)
      assert.is_nil(qc.kvm)
      assert.equal(58, #qc.tcg.machines)
   end)

   it("a QEMU without TCG: the TCG round is ended, the model is KVM's alone", function()
      local qc = unwanted("no-tcg", 's/"name": "tcg-accel"/"name": "tcg-gone"/')
      assert.is_true(qc.kvm_supported)
      assert.is_false(qc.tcg_supported)
      assert.equal(58, #qc.kvm.machines)
      assert.is_nil(qc.tcg)
   end)

   it("a TCG round that misbehaves gives the error it gives after round 1", function()
      local cases = {
         { "silent", "exit 0", ": not a QMP monitor: it printed nothing$" },
         { "nogreeting", "echo '{\"hello\": \"world\"}'; cat >/dev/null",
            ': not a QMP monitor: no {"QMP": ...} greeting$' },
         { "garbage", "echo '{\"QMP\": {}}'; echo '{nope'; cat >/dev/null", ": QMP: .* near byte %d+$" },
         { "crash", "echo '{\"QMP\": {}}'; kill -SEGV $$",
            " stopped before answering qmp_capabilities %(it died of signal 11%)$" },
         { "firstonly", "echo '{\"QMP\": {}}'; read l; echo '{\"return\": {}, \"id\": \"vc-0\"}'",
            " stopped before answering query%-cpu%-definitions$" },
         { "hang", "exec sleep 60", " did not answer within 1000 ms$", 1 },
      }
      for _, c in ipairs(cases) do
         local name, body, pattern, timeout = c[1], c[2], c[3], c[4]
         local emu = emulator(name, "exec " .. replay(), body)
         local qc, together = ask(emu, true, timeout)
         assert.is_nil(qc, name)
         assert.matches("^qemu: " .. emu:gsub("%p", "%%%0") .. pattern, together)
         local qc2, apart = ask(emu, false, timeout)
         assert.is_nil(qc2, name)
         assert.equal(apart, together)
      end
   end)

   it("the host process's signals: the same answers with SIGCHLD ignored or reaped, or a timer", function()
      -- a child lua5.4 made hostile by build/hostsig.so (as spec/drivers/host_signals_spec.lua)
      -- asks count times and writes each distinct answer once to a file (the
      -- timer would cut a write to a full pipe short)
      local loop = tmp .. "/rounds_loop.lua"
      support.write(loop, [[
local core = require "virtcaps.core"
local function dump(v, out)
   if type(v) ~= "table" then
      out[#out + 1] = tostring(v)
      return
   end
   local keys = {}
   for k in pairs(v) do keys[#keys + 1] = k end
   table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
   out[#out + 1] = "{"
   for _, k in ipairs(keys) do
      out[#out + 1] = tostring(k) .. "="
      dump(v[k], out)
   end
   out[#out + 1] = "}"
end
local seen, order = {}, {}
for _ = 1, tonumber(arg[3]) do
   local qc, err = core.qemu_caps { emulator = arg[1], cache = false, timeout = 20, paths = { ["/dev/kvm"] = arg[2] } }
   local out = {}
   dump(qc or err, out)
   local answer = table.concat(out, " ")
   if not seen[answer] then
      order[#order + 1] = answer
      seen[answer] = true
   end
end
local f = assert(io.open(arg[4], "w"))
assert(f:write(table.concat(order, "\n"), "\n"))
assert(f:close())
]])
      local function run(mode, emu, count)
         local preload = (os.getenv("LD_PRELOAD") or "") .. " " .. support.BUILD .. "/hostsig.so"
         local answers = tmp .. "/answers"
         local ok, out = support.sh(string.format("%sLD_PRELOAD='%s' %s lua5.4 %s %s %s %d %s", support.lua_env(), preload,
            mode and "VIRTCAPS_HOSTSIG=" .. mode or "", loop, emu, tmp .. "/kvm", count, answers))
         assert(ok, out)
         return support.read(answers)
      end
      local good = emulator("sig-good", "exec " .. replay(), "exec " .. replay())
      -- the TCG round's exit status comes from its pidfd when the host reaped it
      local bad = emulator("sig-bad", "exec " .. replay(), "exit 3")
      local want_good, want_bad = run(nil, good, 1), run(nil, bad, 1)
      assert.truthy(want_good:find("kvm_supported= true", 1, true))
      assert.equal("qemu: " .. bad .. ": not a QMP monitor: it printed nothing (it exited with status 3)\n", want_bad)
      for _, mode in ipairs { "ign", "reap", "itimer" } do
         support.same_text(want_good, run(mode, good, 5))
         support.same_text(want_bad, run(mode, bad, 5))
      end
   end)

   it("round 1 failing ends the TCG round, before or after its word", function()
      -- the TCG round would hold its output open after its answers
      local hold = meet("r2", "r1") .. replay() .. "; exec sleep 60"
      local cases = {
         -- before it gave its word
         { "r1-garbage", meet("r1", "r2") .. "echo '{\"QMP\": {}}'; echo '{nope'; exec cat >/dev/null",
            ": QMP: .* near byte %d+$" },
         { "r1-dies", meet("r1", "r2") .. "kill -SEGV $$", ": not a QMP monitor: it printed nothing %(it died of signal 11%)$" },
         { "r1-vax", meet("r1", "r2") .. "exec " .. replay(edited("vax", 's/"arch": "x86_64"/"arch": "vax"/')),
            ": query%-target: unknown QEMU arch 'vax'$" },
         -- after: its host CPU expansion is not JSON
         { "r1-late", meet("r1", "r2") .. "exec "
            .. replay(edited("late", '0,/"vmx-entry-load-rtit-ctl": false/s//"vmx-entry-load-rtit-ctl": nope/')),
            ": QMP: .* near byte %d+$" },
      }
      for _, c in ipairs(cases) do
         local name, body, pattern = c[1], c[2], c[3]
         assert(fake.run("rm -f '" .. tmp .. "'/r1 '" .. tmp .. "'/r2"))
         local emu = emulator(name, body, hold)
         local qc, err, took = ask(emu, true)
         assert.is_nil(qc, name)
         assert.matches("^qemu: " .. emu:gsub("%p", "%%%0") .. pattern, err)
         assert.is_true(took < 10, name .. " took " .. took)
         pid_gone("r1")
         pid_gone("r2")
      end
      -- round 1 hanging: both end at the deadline
      assert(fake.run("rm -f '" .. tmp .. "'/r1 '" .. tmp .. "'/r2"))
      local emu = emulator("r1-hang", meet("r1", "r2") .. "exec sleep 60", hold)
      local qc, err = ask(emu, true, 1)
      assert.is_nil(qc)
      assert.equal("qemu: " .. emu .. " did not answer within 1000 ms", err)
      pid_gone("r2")
   end)
end)
