--- virtcaps.cli.facts: `virtcaps facts`, `virtcaps.facts` as JSON.
-- @module virtcaps.cli.facts
local virtcaps = require "virtcaps"
local facts = require "virtcaps.facts"
local output = require "virtcaps.cli.output"

return {
   usage = [=[
usage: virtcaps facts [--domcaps DC.xml | --no-domcaps] [--caps FILE | -c URI]

One JSON object about this host for configuration management, every key
starting with `virtcaps_`: usable as an Ansible local fact (an executable
/etc/ansible/facts.d/virtcaps.fact) and a Facter external fact. The README
lists the keys. With --caps, the facts are FILE's: virtcaps_vm and
virtcaps_container (what this host runs under) are left out. The
virtcaps_domcaps_ facts (usable CPU models, host-model CPU, firmware, TPM
versions, SEV and SGX of an emulator) are this host's default domain
capabilities (`virtcaps domcapabilities`; a warning when there are none),
--domcaps DC.xml's (a `virsh domcapabilities` document), or left out with
--no-domcaps or --caps FILE.
]=],
   options = { domcaps = "value", ["no-domcaps"] = "flag" },
   probes = true,
   run = function(ctx, opts)
      local dc, dcode = output.domcaps(ctx, opts)
      if dcode then
         return dcode
      end
      local caps, code = output.caps(ctx, opts)
      if not caps then
         return code
      end
      local virt, err
      if not opts.caps then
         virt, err = virtcaps.detect_virt()
         if not virt then
            return output.fail(ctx, 2, err)
         end
      end
      if opts["no-domcaps"] then
         if dc then
            return output.fail(ctx, 2, "--domcaps and --no-domcaps exclude each other")
         end
         dc = false
      elseif not dc and not opts.caps then
         dc, err = virtcaps.domcaps.probe_host(virtcaps.probe_options(caps))
         if not dc then
            ctx.stderr:write(ctx.prog, ": warning: no virtcaps_domcaps_ facts: ", err, "\n")
         end
      end
      output.write(ctx, facts.json(facts.of(caps, virt, dc or false)))
      return 0
   end,
}
