-- The host process's signal settings do not change the answer: SIGCHLD
-- ignored (children reaped by the kernel), a SIGCHLD handler that reaps
-- every child, and a 50 us interval timer whose handler lacks SA_RESTART.
-- Each runs in a child lua5.4 (spec/harness/probe_loop.lua) made hostile
-- by build/hostsig.so, so that nothing leaks into busted; the shim fails
-- the child when SIGCHLD's disposition changed.
local fake = require "fake_qemu"
local support = require "support"

local GOOD = fake.session { { name = "pc-i440fx-7.2", alias = "pc", ["cpu-max"] = 255, ["is-default"] = true } }

describe("the host process's signals", function()
   local dir
   before_each(function()
      dir = fake.tmpdir()
      fake.replay(dir, "qemu-system-x86_64", GOOD)
      -- exits with a status: the warning says which, also when the host reaped it
      fake.script(dir, "qemu-system-arm", "exit 3")
   end)
   after_each(function()
      fake.remove(dir)
   end)

   -- The distinct answers of `count` probes under mode (nil: the default
   -- settings), and how many signals the host's handler took.
   local function run(mode, count, timeout, kvm)
      local preload = (os.getenv("LD_PRELOAD") or "") .. " " .. support.BUILD .. "/hostsig.so"
      local ok, out = support.sh(string.format("%sLD_PRELOAD='%s' %s lua5.4 spec/harness/probe_loop.lua %s %d %s %s",
         support.lua_env(), preload, mode and "VIRTCAPS_HOSTSIG=" .. mode or "", dir, count, timeout or 5, kvm or ""))
      assert(ok, out)
      local taken = tonumber(out:match("hostsig: (%d+) signals taken\n") or "0")
      return (out:gsub("hostsig: [^\n]*\n", "")), taken
   end

   it("SIGCHLD ignored or reaped by a host handler: the same answer 200 times, the disposition kept", function()
      local want = run(nil, 1)
      -- the answer has what the waits decide: LXC's namespace check, an emulator's status
      assert.truthy(want:find("<domain type='lxc'/>", 1, true))
      assert.truthy(want:find("qemu: " .. dir .. "/qemu-system-arm: not a QMP monitor: it printed nothing (it exited "
         .. "with status 3)", 1, true))
      want = want:gsub("^== 1 probes", "== 200 probes")
      support.same_text(want, (run("ign", 200)))
      local answer, taken = run("reap", 200)
      support.same_text(want, answer)
      assert.is_true(taken > 0)
   end)

   it("an emulator whose child keeps its output open ends at its exit, also when the host reaped it", function()
      fake.script(dir, "qemu-system-aarch64", "cat " .. dir .. "/qemu-system-x86_64.session; sleep 30 &")
      local want = run(nil, 1, 3)
      assert.truthy(want:find("qemu-system-aarch64</emulator>", 1, true))
      want = want:gsub("^== 1 probes", "== 5 probes")
      support.same_text(want, (run("ign", 5, 3)))
      support.same_text(want, (run("reap", 5, 3)))
   end)

   it("a 50 us interval timer without SA_RESTART: the same answers, a blocking open of /dev/kvm included", function()
      -- /dev/kvm is a FIFO that a writer opens every 10 ms: the TSC probe's
      -- open waits for it, and the timer interrupts the wait many times
      local fifo, pidfile = dir .. "/kvm", dir .. "/writer.pid"
      assert(fake.run("mkfifo " .. fifo))
      assert(support.tool(string.format("(sh -c 'while :; do sleep 0.01; : > %s; done' >/dev/null 2>&1 & echo $! > %s)",
         fifo, pidfile)))
      local ok, err = pcall(function()
         local want = run(nil, 1, 5, fifo)
         assert.truthy(want:find("<domain type='lxc'/>", 1, true))
         -- the TSC probe (this host's CPU has an invariant TSC) opened it and asked
         assert.truthy(want:find("no TSC counter: cannot create a KVM vCPU: Inappropriate ioctl for device", 1, true))
         want = want:gsub("^== 1 probes", "== 20 probes")
         local answer, taken = run("itimer", 20, 5, fifo)
         support.same_text(want, answer)
         assert.is_true(taken > 1000, taken .. " signals")
      end)
      local pid = support.read(pidfile):match("%d+")
      assert(support.tool("kill " .. pid))
      assert(ok, err)
   end)
end)
