--- virtcaps.cli.nodeinfo: `virtcaps nodeinfo`, as `virsh nodeinfo`.
-- @module virtcaps.cli.nodeinfo
local virtcaps = require "virtcaps"
local output = require "virtcaps.cli.output"

return {
   usage = "usage: virtcaps nodeinfo [--json]\n\nCPU and memory of this host, as `virsh nodeinfo` prints them.\n",
   no_caps = "nodeinfo reads this host's own files, not a capabilities document",
   run = function(ctx, opts)
      local info, err = virtcaps.nodeinfo()
      if not info then
         return output.fail(ctx, 2, err)
      end
      if opts.json then
         output.write(ctx, output.encode(info), "\n")
         return 0
      end
      local rows = {
         { "CPU model:", info.model },
         { "CPU(s):", info.cpus },
         { "CPU frequency:", info.mhz and info.mhz .. " MHz" },
         { "CPU socket(s):", info.sockets },
         { "Core(s) per socket:", info.cores },
         { "Thread(s) per core:", info.threads },
         { "NUMA cell(s):", info.nodes },
         { "Memory size:", info.memory and info.memory .. " KiB" },
      }
      for _, r in ipairs(rows) do
         if r[2] ~= nil then
            output.write(ctx, string.format("%-20s %s\n", r[1], tostring(r[2])))
         end
      end
      return 0
   end,
}
