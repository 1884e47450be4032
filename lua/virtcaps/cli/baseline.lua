--- virtcaps.cli.baseline: `virtcaps baseline FILE...`, as `virsh cpu-baseline`.
-- @module virtcaps.cli.baseline
local output = require "virtcaps.cli.output"

return {
   usage = [=[
usage: virtcaps baseline [--features] [--migratable] FILE... [--json]

The largest CPU definition every given host can run (`virsh cpu-baseline`),
from capabilities documents or <cpu> documents. --features lists every
feature of the model, --migratable leaves out features that block
migration, as virsh's options of the same names do.
]=],
   options = { features = "flag", migratable = "flag" },
   args = { 1, nil, "at least one FILE" },
   no_caps = "baseline reads the FILEs it is given",
   run = function(ctx, opts, args)
      local cpu = require "virtcaps.cpu"
      -- Capabilities documents give their host CPU; <cpu> documents their CPUs.
      local inputs = {}
      for _, path in ipairs(args) do
         local data, rerr = output.read_file(ctx, path)
         if not data then
            return output.fail(ctx, 2, rerr)
         end
         inputs[#inputs + 1] = data
      end
      local result, err = cpu.baseline(inputs, { expand = opts.features, migratable = opts.migratable })
      if not result then
         return output.fail(ctx, 1, err)
      end
      if opts.json then
         output.write(ctx, output.encode(output.model_json(result, "cpu")), "\n")
      else
         output.write(ctx, cpu.format(result))
      end
      return 0
   end,
}
