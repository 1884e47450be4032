--- virtcaps.cli.xpath: `virtcaps xpath EXPR`.
-- @module virtcaps.cli.xpath
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"

return {
   usage = [=[
usage: virtcaps xpath EXPR [--caps FILE | -c URI] [--json]

XPath 1.0 over the capabilities document (as `virsh capabilities | xmllint
--xpath EXPR -` would): one result a line, attribute and text values as they
are, elements as markup. Exit status 1 when a node-set is empty.
]=],
   args = { 1, 1, "one expression" },
   probes = true,
   run = function(ctx, opts, args)
      local caps, code = output.caps(ctx, opts)
      if not caps then
         return code
      end
      local result, xerr = caps:xpath(args[1])
      if result == nil then
         return output.fail(ctx, 2, xerr)
      end
      if opts.json then
         output.write(ctx, output.encode(type(result) == "table" and json.array(result) or result), "\n")
      elseif type(result) == "table" then
         for _, s in ipairs(result) do
            output.write(ctx, s, "\n")
         end
      else
         output.write(ctx, tostring(result), "\n")
      end
      return type(result) == "table" and #result == 0 and 1 or 0
   end,
}
