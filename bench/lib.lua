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

--- Median wall time of a shell command (stdout and stderr discarded).
function M.command(runs, cmd, warm)
   return M.median(runs, function()
      local ok = os.execute(cmd .. " >/dev/null 2>&1")
      if not ok then error("benchmark command failed: " .. cmd) end
   end, warm)
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

function M.have(cmd)
   return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true
end

return M
