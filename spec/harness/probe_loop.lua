-- Probes COUNT times with the emulators in DIR (qemu_dirs) and the LXC
-- driver, and prints each distinct answer (the document and the warnings)
-- once, with how many probes gave it: run by spec/drivers/host_signals_spec.lua
-- in a child process whose signal settings spec/harness/hostsig.c made
-- hostile. Usage: lua5.4 probe_loop.lua DIR COUNT [TIMEOUT [KVM]]
-- (KVM: what stands for /dev/kvm; default: nothing)
local virtcaps = require "virtcaps"
local dir, count, timeout = arg[1], tonumber(arg[2]), tonumber(arg[3] or "5")
local kvm = arg[4] or dir .. "/no-kvm"
local seen, order = {}, {}
for _ = 1, count do
   local caps = assert(virtcaps.probe { drivers = { "qemu", "lxc" }, qemu_dirs = { dir }, cache = false,
      arch = "x86_64", timeout = timeout, paths = { ["/dev/kvm"] = kvm } })
   local answer = caps:xml() .. table.concat(caps.warnings, "\n")
   if not seen[answer] then
      seen[answer] = 0
      order[#order + 1] = answer
   end
   seen[answer] = seen[answer] + 1
end
for _, answer in ipairs(order) do
   io.write(string.format("== %d probes:\n%s\n", seen[answer], answer))
end
