-- As root, an emulator runs only when no other user can change any part of
-- its path up to "/", and what runs is the very file that passed: swapping
-- a directory on the way between the check and the run changes nothing.
local fake = require "fake_qemu"
local support = require "support"

local GOOD = fake.session { { name = "pc-i440fx-7.2", alias = "pc", ["cpu-max"] = 255, ["is-default"] = true } }
local ROOT = io.popen("id -u"):read("l") == "0"
local NOBODY = 65534

describe("emulators root runs", function()
   local dir
   before_each(function()
      assert(ROOT, "these checks need root: CI runs the specs as root")
      dir = fake.tmpdir()
   end)
   after_each(function()
      fake.remove(dir)
   end)

   local function qemu_warnings(caps)
      local list = {}
      for _, w in ipairs(support.driver_warnings(caps)) do
         if w:match("^qemu: not running") then list[#list + 1] = w end
      end
      return list
   end

   -- sub/qemu-system-x86_64 replaying a good session (kept out of the
   -- directories a race swaps)
   local function good(sub)
      assert(fake.run("mkdir -p " .. dir .. "/" .. sub))
      support.write(dir .. "/session", GOOD)
      fake.script(dir, sub .. "/qemu-system-x86_64", "exec cat " .. dir .. "/session")
   end

   -- sub/qemu-system-x86_64 that leaves a mark when it runs
   local function evil(sub)
      assert(fake.run("mkdir -p " .. dir .. "/" .. sub))
      fake.script(dir, sub .. "/qemu-system-x86_64", "echo $(id -u) >> " .. dir .. "/evil-ran; exec cat " .. dir
         .. "/session")
   end

   -- Probes `times` times while a child process exchanges a and b in a
   -- loop; returns the answers' warnings as a set.
   local function race(a, b, times, search)
      local pidfile = dir .. "/swapper.pid"
      assert(support.tool(string.format("(%s/swapdirs %s %s 100000000 >/dev/null 2>&1 & echo $! > %s)",
         support.BUILD, a, b, pidfile)))
      local seen = {}
      for _ = 1, times do
         local caps = assert(fake.probe(search))
         local key = #caps.guests .. " guests; " .. table.concat(qemu_warnings(caps), "; ")
         seen[key] = (seen[key] or 0) + 1
      end
      local pid = support.read(pidfile):match("%d+")
      assert(support.tool("kill " .. pid))
      assert.is_true(fake.gone(pid))
      return seen
   end

   it("refuses one below a directory another user owns, naming it, and never runs theirs while they swap it", function()
      good("user/a")
      evil("user/b")
      assert(fake.run("chown " .. NOBODY .. " " .. dir .. "/user"))
      local seen = race(dir .. "/user/a", dir .. "/user/b", 100, dir .. "/user/a")
      assert.is_nil(io.open(dir .. "/evil-ran"))
      assert.same({ ["0 guests; qemu: not running " .. dir .. "/user/a/qemu-system-x86_64: users other than root "
         .. "can change " .. dir .. "/user"] = 100 }, seen)
   end)

   it("runs what passed when root's own directories are swapped between the check and the run", function()
      -- a: root's emulator; b: one in a group-writable directory, never to run
      good("sw/a")
      evil("sw/b")
      assert(fake.run("chmod 775 " .. dir .. "/sw/b"))
      local seen = race(dir .. "/sw/a", dir .. "/sw/b", 200, dir .. "/sw/a")
      assert.is_nil(io.open(dir .. "/evil-ran"))
      -- each look saw one or the other (a probe looks once per guest
      -- architecture), and only root's ran
      local refused = "qemu: not running " .. dir .. "/sw/a/qemu-system-x86_64: users other than root can change "
         .. dir .. "/sw/a"
      for key in pairs(seen) do
         assert.is_true(key == "2 guests; " or key:find(refused, 1, true) ~= nil, key)
      end
   end)

   it("follows root's links in root's directories, refuses another user's link", function()
      good("real")
      assert(fake.run("ln -s real " .. dir .. "/bin && ln -s real " .. dir .. "/ubin && chown -h " .. NOBODY .. " "
         .. dir .. "/ubin"))
      local caps = assert(fake.probe(dir .. "/bin"))
      assert.same({}, qemu_warnings(caps))
      assert.equal(dir .. "/real/qemu-system-x86_64", caps.guests[1].arch.emulator)
      caps = assert(fake.probe(dir .. "/ubin"))
      assert.same({}, caps.guests)
      assert.same({ "qemu: not running " .. dir .. "/ubin/qemu-system-x86_64: users other than root can change " .. dir
         .. "/ubin" }, qemu_warnings(caps))
   end)

   it("refuses a group- or world-writable directory anywhere on the way; a sticky one passes above", function()
      good("g/e")
      assert(fake.run("chmod 775 " .. dir .. "/g"))
      local caps = assert(fake.probe(dir .. "/g/e"))
      assert.same({}, caps.guests)
      assert.same({ "qemu: not running " .. dir .. "/g/e/qemu-system-x86_64: users other than root can change " .. dir
         .. "/g" }, qemu_warnings(caps))
      assert(fake.run("chmod 757 " .. dir .. "/g"))
      caps = assert(fake.probe(dir .. "/g/e"))
      assert.same({}, caps.guests)
      -- sticky and world-writable, like /tmp: others cannot rename root's e
      assert(fake.run("chmod 1777 " .. dir .. "/g"))
      caps = assert(fake.probe(dir .. "/g/e"))
      assert.same({}, qemu_warnings(caps))
      assert.equal(2, #caps.guests)
      -- and the emulator itself
      assert(fake.run("chmod 755 " .. dir .. "/g && chmod 775 " .. dir .. "/g/e/qemu-system-x86_64"))
      caps = assert(fake.probe(dir .. "/g/e"))
      assert.same({ "qemu: not running " .. dir .. "/g/e/qemu-system-x86_64: users other than root can change " .. dir
         .. "/g/e/qemu-system-x86_64" }, qemu_warnings(caps))
   end)
end)
