--- virtcaps.cli.detect_virt: `virtcaps detect-virt`.
-- @module virtcaps.cli.detect_virt
local virtcaps = require "virtcaps"
local output = require "virtcaps.cli.output"

return {
   usage = [=[
usage: virtcaps detect-virt [--json]

The virtual machine and the container this host runs in, named as
`systemd-detect-virt --vm` and `--container` name them ("none" for none).
]=],
   no_caps = "detect-virt reads this host's own files, not a capabilities document",
   run = function(ctx, opts)
      local v, err = virtcaps.detect_virt()
      if not v then
         return output.fail(ctx, 2, err)
      end
      if opts.json then
         output.write(ctx, output.encode(v), "\n")
      else
         output.write(ctx, "vm: ", v.vm, "\ncontainer: ", v.container, "\n")
      end
      return 0
   end,
}
