-- Shared by the benchmarks: wall-clock medians and side-by-side ratios.
-- Benchmarks print what they measured; they never pass or fail on speed.
local system = require "system"

local M = {}

M.now = system.monotime

--- Median wall time in seconds of fn over `runs` runs (after one warm-up unless warm == false).
function M.median(runs, fn, warm)
   if warm ~= false then fn() end
   local t = {}
   for i = 1, runs do
      local t0 = M.now()
      fn()
      t[i] = M.now() - t0
   end
   table.sort(t)
   local mid = (#t + 1) // 2
   return #t % 2 == 1 and t[mid] or (t[mid] + t[mid + 1]) / 2
end

local SPAWNTIME = (os.getenv("VIRTCAPS_BUILD") or "build") .. "/spawntime"

--- Median wall time of a command (after one untimed run unless warm ==
-- false), its output discarded, its input from the file `input` or
-- /dev/null. The command is words as a shell splits them, with leading
-- VAR=value words for its environment; bench/spawntime.c runs it, so no
-- shell is in the time.
function M.command(runs, cmd, warm, input)
   local env, words = {}, cmd
   while true do
      local assignment, rest = words:match("^([%w_]+=%S*)%s+(.*)$")
      if not assignment then break end
      env[#env + 1], words = assignment .. " ", rest
   end
   local line = string.format("%s%s %s%s%d %s", table.concat(env), SPAWNTIME, warm ~= false and "-w " or "",
      input and ("-i '" .. input .. "' ") or "", runs, words)
   local p = assert(io.popen(line))
   local out = p:read("a")
   local ok = p:close()
   local t = tonumber(out)
   if not ok or not t then error("benchmark command failed: " .. cmd) end
   return t
end

--- A shell command's output, trailing white space dropped.
function M.sh(cmd)
   local p = assert(io.popen(cmd))
   local out = p:read("a")
   p:close()
   return (out:gsub("%s+$", ""))
end

--- Median of runs of cmd, each started once (not warmed) after prepare(i)
-- (not timed) gave what replaces %ARG% in it.
function M.timed(runs, prepare, cmd)
   local t = {}
   for i = 1, runs do
      local arg = prepare and prepare(i) or ""
      t[i] = M.command(1, (cmd:gsub("%%ARG%%", arg)), false)
   end
   table.sort(t)
   local mid = (#t + 1) // 2
   return #t % 2 == 1 and t[mid] or (t[mid] + t[mid + 1]) / 2
end

function M.ms(seconds)
   return string.format("%.3f ms", seconds * 1000)
end

--- One line: what, our time, and the ratio to each reference measured in the same run.
function M.report(what, ours, refs)
   local parts = { string.format("%-44s %12s", what, M.ms(ours)) }
   for _, r in ipairs(refs or {}) do
      parts[#parts + 1] = string.format("%s %s (x%.1f)", r.name, M.ms(r.time), r.time / ours)
   end
   print(table.concat(parts, "   "))
end

--- The machine the numbers come from, for bench/RESULTS.md.
function M.machine()
   local cpu = io.popen("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"):read("l") or "?"
   local n = io.popen("nproc"):read("l") or "?"
   local kernel = io.popen("uname -r"):read("l") or "?"
   return string.format("%s, %s CPUs, Linux %s", cpu:gsub("^%s+", ""), n, kernel)
end

--- A state directory for the reference's embedded QEMU driver (created when
-- missing) whose QEMU runs as root. Its cache of QEMU answers stays valid only
-- while the QEMU user can open /dev/kvm; on this machine /dev/kvm is root's
-- alone (no kvm group), and with Debian's default user (libvirt-qemu) every
-- run would probe the KVM emulators again. A host where that user is in the
-- kvm group behaves like this root.
function M.reference_root(dir)
   assert(os.execute("mkdir -p '" .. dir .. "/etc'"))
   local f = assert(io.open(dir .. "/etc/qemu.conf", "w"))
   f:write('user = "root"\ngroup = "root"\n')
   f:close()
   return dir
end

--- The reference's `virsh capabilities` for an embedded driver state directory.
function M.virsh_capabilities(root)
   return "virsh -c 'qemu:///embed?root=" .. root .. "' capabilities"
end

function M.have(cmd)
   return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true
end

--- Parse and format throughput for the XML document at path, against
-- libxml2's bare parse of the same bytes (build/xmlbare), printed with the
-- ratios. parse(doc) gives what format writes; names = {parse=, format=}
-- label the lines; targets = {parse=, format=} flag the ratios that have the
-- 2x target.
function M.xml_vs_bare(path, runs, parse, format, names, targets)
   local doc = io.open(path, "rb"):read("a")
   local mb = #doc / 1e6
   local t = assert(parse(doc))
   local tp = M.median(runs, function() parse(doc) end)
   local tf = M.median(runs, function() format(t) end)
   local p = io.popen((os.getenv("VIRTCAPS_BUILD") or "build") .. "/xmlbare " .. path .. " " .. runs)
   local bare = tonumber(p:read("l"))
   p:close()
   local width = math.max(#names.parse, #names.format, #"libxml2 bare parse")
   print(string.format("%s (%d bytes)", path:match("[^/]+$"), #doc))
   print(string.format("  %-" .. width .. "s %8.1f MB/s", "libxml2 bare parse", mb / bare))
   for _, k in ipairs { "parse", "format" } do
      local time = k == "parse" and tp or tf
      print(string.format("  %-" .. width .. "s %8.1f MB/s  (%.2fx the bare parse time%s)", names[k], mb / time,
         time / bare, targets[k] and "; target <= 2x" or ""))
   end
end

--- The largest *.xml file in dir, or nil when it has none.
function M.largest_xml(dir)
   local best, size
   for name in io.popen("ls " .. dir .. "/*.xml 2>/dev/null"):lines() do
      local f = io.open(name, "rb")
      local n = f:seek("end")
      f:close()
      if not size or n > size then best, size = name, n end
   end
   return best
end

return M
