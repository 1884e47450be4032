-- Emulators that hang, crash, flood, lie or are not QEMU: each costs at
-- most its timeout, yields a warning, and leaves no process, zombie or
-- descriptor behind.
local fake = require "fake_qemu"
local support = require "support"
local system = require "system"

local GOOD = fake.session { { name = "pc-i440fx-7.2", alias = "pc", ["cpu-max"] = 255, ["is-default"] = true } }

local function reply(machines_json)
   return fake.session(machines_json)
end

describe("hostile emulators", function()
   local dir, fds
   before_each(function()
      dir = fake.tmpdir()
      fds = fake.fds()
   end)
   after_each(function()
      fake.remove(dir)
   end)

   -- Probes with the emulators in dir; checks the time bound and that
   -- nothing is left behind; returns the caps.
   local function probe(seconds, bound)
      local t0 = system.monotime()
      local caps = assert(fake.probe(dir, { timeout = seconds }))
      local took = system.monotime() - t0
      assert.is_true(took < bound, string.format("took %.2f s, more than %.2f s", took, bound))
      assert.same({}, fake.children())
      assert.equal(fds, fake.fds())
      return caps, took
   end

   local function emulator(body, name)
      return fake.script(dir, name or "qemu-system-x86_64", body)
   end

   local function warning_for(caps, text)
      assert.same({ "qemu: " .. dir .. "/qemu-system-x86_64" .. text }, support.driver_warnings(caps))
      assert.same({}, caps.guests)
   end

   it("hangs: ended at its timeout, with its whole process group", function()
      emulator("echo $$ > " .. dir .. "/pid; sleep 1000 & echo $! > " .. dir .. "/child; exec sleep 1000")
      local caps, took = probe(0.5, 1.5)
      assert.is_true(took >= 0.45)
      warning_for(caps, " did not answer within 500 ms")
      for _, f in ipairs { "pid", "child" } do
         local pid = support.read(dir .. "/" .. f):match("%d+")
         assert.is_true(fake.gone(pid), f .. " " .. pid .. " survived")
      end
   end)

   it("closes its output and hangs: over at once", function()
      emulator("exec >&-; exec sleep 1000")
      local caps = probe(5, 1)
      warning_for(caps, ": not a QMP monitor: it printed nothing")
   end)

   it("crashes, before and after greeting", function()
      emulator("kill -SEGV $$")
      warning_for(probe(5, 1), ": not a QMP monitor: it printed nothing (it died of signal 11)")
      emulator("printf '%s\\r\\n' '" .. fake.GREETING .. "'; kill -SEGV $$")
      warning_for(probe(5, 1), ": QEMU stopped before answering query-machines (it died of signal 11)")
   end)

   it("exits at once, with or without an error status", function()
      emulator("exit 0")
      warning_for(probe(5, 1), ": not a QMP monitor: it printed nothing")
      emulator("echo 'qemu: unsupported option' >&2; exit 3")
      warning_for(probe(5, 1), ": not a QMP monitor: it printed nothing (it exited with status 3)")
   end)

   it("prints garbage or is some other program", function()
      emulator("printf 'hello world\\n'")
      warning_for(probe(5, 1), ": QMP: unexpected character at byte 0")
      emulator("printf '\\377\\376\\375{}'")
      warning_for(probe(5, 1), ": QMP: invalid utf-8 string at byte 0")
      emulator("echo '{\"hello\": \"world\"}'")
      warning_for(probe(5, 1), ": not a QMP monitor: no {\"QMP\": ...} greeting")
      emulator("printf '[1, 2]'")
      warning_for(probe(5, 1), ": QMP: a message that is not a JSON object")
      local path = dir .. "/qemu-system-x86_64"
      local f = io.open(path, "wb")
      f:write("\127ELF\2\1\1 not really an executable")
      f:close()
      local caps = probe(5, 1)
      assert.same({ "qemu: cannot run " .. path .. ": Exec format error" }, support.driver_warnings(caps))
   end)

   it("is slow but within its timeout", function()
      fake.replay(dir, "session", GOOD)
      emulator("sleep 0.3; exec cat " .. dir .. "/session.session")
      local caps, took = probe(5, 2)
      assert.is_true(took >= 0.3)
      assert.same({}, support.driver_warnings(caps))
      assert.equal("pc-i440fx-7.2", caps.guests[1].arch.machines[1].name)
   end)

   it("floods its output", function()
      emulator("exec yes '{\"QMP\": {}}'")
      warning_for(probe(5, 3), " printed more than 1048576 bytes")
   end)

   it("forks children and leaves them holding its output", function()
      fake.replay(dir, "session", GOOD)
      emulator("sleep 1000 & echo $! > " .. dir .. "/child; exec cat " .. dir .. "/session.session")
      local caps = probe(5, 1)
      assert.same({}, support.driver_warnings(caps))
      assert.equal(2, #caps.guests)
      assert.is_true(fake.gone(support.read(dir .. "/child"):match("%d+")))
   end)

   it("leaves a child that escaped its process group: done shortly after it exits", function()
      fake.replay(dir, "session", GOOD)
      emulator("setsid sleep 1000 & echo $! > " .. dir .. "/child; exec cat " .. dir .. "/session.session")
      local caps = probe(5, 1.5)
      assert.same({}, support.driver_warnings(caps))
      assert.equal(2, #caps.guests)
      -- not ours to end (it is init's child now), but the spec cleans up
      fake.run("kill " .. support.read(dir .. "/child"):match("%d+"))
   end)

   it("lies in QMP", function()
      local lies = {
         { '{"return": {"name": "pc"}, "id": "machines"}', "query-machines: the reply is not a list" },
         { '{"return": [{"cpu-max": 1}]}', "query-machines: machine 1: 'name' is missing" },
         { '{"return": [{"name": "pc", "cpu-max": "many"}]}', "query-machines: machine 1: 'cpu-max' is not an integer" },
         { '{"return": [{"name": "pc", "cpu-max": 99999999999}]}',
            "query-machines: machine 1: 'cpu-max' 99999999999 is out of range" },
         { '{"return": [{"name": "pc", "cpu-max": -1}]}', "query-machines: machine 1: 'cpu-max' -1 is out of range" },
         { '{"return": [{"name": "pc", "deprecated": "yes"}]}', "query-machines: machine 1: 'deprecated' is not a boolean" },
         { '{"return": [{"name": ""}]}', "query-machines: machine 1: 'name' is empty or longer than 256 bytes" },
         { '{"return": [{"name": "pc\\u0007"}]}', "query-machines: machine 1: 'name' holds control characters" },
         { '{"return": [{"name": "pc\\u0000x"}]}', "query-machines: machine 1: 'name' holds control characters" },
         { '{"return": [{"name": "pc", "alias": 7}]}', "query-machines: machine 1: 'alias' is not a string" },
         { '{"return": [7]}', "query-machines: machine 1 is not an object" },
         { '{"return": [], "id": "accels"}', 'QMP: a reply with id "accels" where the answer to query-machines was due' },
         { '{"error": {"class": "CommandNotFound", "desc": "The command query-machines has not been found"}}',
            "QEMU refused query-machines: The command query-machines has not been found" },
         { '{"hello": 1}', "QMP: a message that is neither a reply nor an event where the answer to query-machines was due" },
         { '{"return": [' .. string.rep('{"name": "m"},', 4096) .. '{"name": "m"}]}',
            "query-machines: 4097 machines, over the limit of 4096" },
         -- json-c stops at depth 32: the object and 31 lists; offsets count from the session's start
         { '{"return": ' .. string.rep("[", 100) .. string.rep("]", 100) .. "}",
            "QMP: nesting too deep at byte " .. (#fake.GREETING + #'{"return": {}, "id": "caps"}' + 4 + 11 + 31) },
      }
      for _, lie in ipairs(lies) do
         fake.replay(dir, "qemu-system-x86_64", reply(lie[1]))
         warning_for(probe(5, 1), ": " .. lie[2])
      end
      -- a QEMU that never says what it emulates, then stops
      fake.replay(dir, "qemu-system-x86_64", fake.GREETING .. '\r\n{"return": {}}\r\n{"return": []}\r\n')
      warning_for(probe(5, 1), ": QEMU stopped before answering qom-list-types")
   end)

   it("is no emulator at all: not executable, a directory", function()
      local f = io.open(dir .. "/qemu-system-x86_64", "w")
      f:write("#!/bin/sh\n")
      f:close()
      assert(fake.run("mkdir " .. dir .. "/qemu-system-aarch64"))
      local caps = probe(5, 1)
      assert.same({ "qemu: no qemu-system-* emulator in qemu_dirs" }, support.driver_warnings(caps))
   end)

   it("misbehave all at once: the good one is still heard, in about one timeout", function()
      fake.replay(dir, "qemu-system-x86_64", GOOD)
      emulator("exec sleep 1000", "qemu-system-aarch64")
      emulator("exec yes", "qemu-system-arm")
      emulator("kill -SEGV $$", "qemu-system-ppc64")
      fake.replay(dir, "session", GOOD)
      emulator("sleep 1000 & exec cat " .. dir .. "/session.session", "qemu-system-riscv64")
      local caps = probe(1, 2)
      table.sort(caps.warnings)
      assert.same({
         "qemu: " .. dir .. "/qemu-system-aarch64 did not answer within 1000 ms",
         "qemu: " .. dir .. "/qemu-system-arm printed more than 1048576 bytes",
         "qemu: " .. dir .. "/qemu-system-ppc64: not a QMP monitor: it printed nothing (it died of signal 11)",
      }, support.driver_warnings(caps))
      local got = {}
      for _, g in ipairs(caps.guests) do got[#got + 1] = g.arch.name end
      assert.same({ "i686", "riscv64", "x86_64" }, got)
   end)
end)
