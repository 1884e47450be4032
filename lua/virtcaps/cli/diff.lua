--- virtcaps.cli.diff: `virtcaps diff A.xml B.xml`.
-- @module virtcaps.cli.diff
local policy = require "virtcaps.policy"
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"

return {
   usage = [=[
usage: virtcaps diff A.xml B.xml [--json]

What changed from capabilities document A to B (host CPU, memory, NUMA cells
and huge pages, security models, guests, domain types, machine types, ...),
a change a line. Exit status 1 when something changed.
]=],
   args = { 2, 2, "two files" },
   no_caps = "diff compares the two files it is given",
   run = function(ctx, opts, args)
      local docs = {}
      for i, path in ipairs(args) do
         local err
         docs[i], err = output.load(ctx, path)
         if not docs[i] then
            return output.fail(ctx, 2, err)
         end
      end
      local changes = policy.diff(docs[1], docs[2])
      if opts.json then
         output.write(ctx, output.encode(json.array(changes)), "\n")
      else
         for _, c in ipairs(changes) do
            output.write(ctx, c.message, "\n")
         end
      end
      return #changes > 0 and 1 or 0
   end,
}
