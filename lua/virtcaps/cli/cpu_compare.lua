--- virtcaps.cli.cpu_compare: `virtcaps cpu-compare CPU.xml`, as `virsh cpu-compare`.
-- @module virtcaps.cli.cpu_compare
local output = require "virtcaps.cli.output"

-- virsh's lines for each result.
local SAYS = {
   identical = "CPU described in %s is identical to host CPU",
   superset = "Host CPU is a superset of CPU described in %s",
   incompatible = "CPU described in %s is incompatible with host CPU",
}

return {
   usage = [=[
usage: virtcaps cpu-compare CPU.xml [--caps FILE | -c URI] [--json]

Whether the host CPU (this host's, or FILE's) can run the guest CPU in
CPU.xml (a <cpu> element, or a capabilities document's host CPU), printed
as `virsh cpu-compare` prints it. Exit status 1 when it cannot, with the
features that are missing.
]=],
   args = { 1, 1, "one CPU.xml file" },
   probes = true,
   run = function(ctx, opts, args)
      local cpu = require "virtcaps.cpu"
      local guest, caps = output.file_and_caps(ctx, opts, args[1])
      if not guest then
         return caps
      end
      local result, features, message = cpu.compare(caps, guest)
      if not result then
         return output.fail(ctx, 2, args[1] .. ": " .. tostring(features))
      end
      return output.comparison(ctx, opts, string.format(SAYS[result], args[1]) .. "\n", result, features, message)
   end,
}
