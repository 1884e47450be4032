-- Fake emulators for the QEMU driver's specs: shell scripts named
-- qemu-system-ARCH that replay a QMP session, or misbehave on purpose, and
-- helpers to look at what the probe left behind in this process.
local cjson = require "cjson"
local lfs = require "lfs"
local support = require "support"

local M = {}

M.GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "fake"}, '
   .. '"capabilities": ["oob"]}}'

--- A monitor session as QEMU prints it for the probe's commands, around a
-- query-machines reply given as JSON text (or a list of machine tables).
-- opts.accels: accelerator type names (default tcg-accel, kvm-accel);
-- opts.greeting: replaces the greeting.
function M.session(machines, opts)
   opts = opts or {}
   if type(machines) == "table" then
      machines = cjson.encode({ ["return"] = machines })
   end
   local accels = {}
   for _, a in ipairs(opts.accels or { "tcg-accel", "kvm-accel" }) do
      accels[#accels + 1] = string.format('{"name": "%s", "parent": "accel"}', a)
   end
   accels[#accels + 1] = '{"name": "accel", "parent": "object"}'
   return table.concat({
      opts.greeting or M.GREETING,
      '{"return": {}, "id": "caps"}',
      machines,
      '{"return": [' .. table.concat(accels, ", ") .. '], "id": "accels"}',
      '{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": false}}',
      '{"return": {}, "id": "quit"}',
      "",
   }, "\r\n")
end

local function quote(s)
   return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- Runs a helper command (mkdir, chmod, ...) without the sanitizer runtime
-- `make asan-test` preloads: its leak checker fails such programs at exit.
function M.sh(cmd)
   return support.sh("env -u LD_PRELOAD sh -c " .. quote(cmd))
end

function M.run(cmd)
   return (M.sh(cmd))
end

function M.tmpdir()
   local ok, dir = M.sh("mktemp -d /tmp/virtcaps-spec.XXXXXX")
   assert(ok, dir)
   return (dir:gsub("%s+$", ""))
end

function M.remove(dir)
   assert(dir:match("^/tmp/virtcaps%-spec%."), dir)
   assert(M.run("rm -rf '" .. dir .. "'"))
end

--- Writes an executable shell script dir/name.
function M.script(dir, name, body)
   local path = dir .. "/" .. name
   support.write(path, "#!/bin/sh\n" .. body .. "\n")
   assert(M.run("chmod 755 '" .. path .. "'"))
   return path
end

--- An emulator that prints a recorded session and exits.
function M.replay(dir, name, session)
   support.write(dir .. "/" .. name .. ".session", session)
   return M.script(dir, name, "exec cat '" .. dir .. "/" .. name .. ".session'")
end

--- A host /etc with the user and group the QEMU driver runs QEMU as, so that
-- specs do not depend on whether this machine has them.
M.ETC = "spec/fixtures/qemu/etc"

--- The absolute path of the emulator that replays one of the reference's
-- probing records (spec/harness/replay_qemu.lua).
M.REPLAY = select(2, support.sh("realpath spec/harness/replay_qemu.lua")):gsub("%s+$", "")

--- Probes with only the emulators in dir, no cache, no KVM and the fixture
-- /etc unless opts say otherwise (opts.paths add to those paths).
function M.probe(dir, opts)
   local o = { drivers = { "qemu" }, qemu_dirs = { dir }, cache = false, arch = "x86_64" }
   local paths = { ["/dev/kvm"] = dir .. "/no-kvm", ["/etc"] = M.ETC }
   for k, v in pairs(opts or {}) do o[k] = v end
   for k, v in pairs(opts and opts.paths or {}) do paths[k] = v end
   o.paths = paths
   return require("virtcaps").probe(o)
end

local function own_pid()
   local f = assert(io.open("/proc/self/stat"))
   local pid = f:read("a"):match("^(%d+)")
   f:close()
   return pid
end

--- The descriptors this process has open and what they point to (read
-- in-process: a forked lister would race with Lua's own popen pipes).
function M.fds()
   collectgarbage()
   collectgarbage()
   local list = {}
   for fd in lfs.dir("/proc/self/fd") do
      if fd ~= "." and fd ~= ".." then
         local attr = lfs.symlinkattributes("/proc/self/fd/" .. fd)
         list[#list + 1] = fd .. "=" .. tostring(attr and attr.target)
      end
   end
   table.sort(list)
   return table.concat(list, " ")
end

--- This process's children (running or zombies), from /proc (Lua runs
-- in one thread, whose id is the process id).
function M.children()
   local pid = own_pid()
   local f = assert(io.open("/proc/" .. pid .. "/task/" .. pid .. "/children"))
   local kids = {}
   for k in f:read("a"):gmatch("%d+") do kids[#kids + 1] = k end
   f:close()
   return kids
end

--- Whether a process still exists (not counting zombies).
function M.alive(pid)
   local f = io.open("/proc/" .. pid .. "/stat")
   if not f then return false end
   local stat = f:read("a")
   f:close()
   return stat:match("^%d+ %b() (%a)") ~= "Z"
end

--- Whether a process is gone within a second (SIGKILL takes effect when
-- the process next runs).
function M.gone(pid)
   local system = require "system"
   local deadline = system.monotime() + 1
   while M.alive(pid) and system.monotime() < deadline do
      system.sleep(0.01)
   end
   return not M.alive(pid)
end

return M
