--- virtcaps.cli.facts: `virtcaps facts`, `virtcaps.facts` as JSON.
-- @module virtcaps.cli.facts
local virtcaps = require "virtcaps"
local facts = require "virtcaps.facts"
local output = require "virtcaps.cli.output"

return {
   usage = [=[
usage: virtcaps facts [--domcaps DC.xml] [--caps FILE | -c URI]

One JSON object about this host for configuration management, every key
starting with `virtcaps_`: usable as an Ansible local fact (an executable
/etc/ansible/facts.d/virtcaps.fact) and a Facter external fact. The README
lists the keys. With --caps, the facts are FILE's: virtcaps_vm and
virtcaps_container (what this host runs under) are left out. With
--domcaps (an emulator's `virsh domcapabilities` document), also the
virtcaps_domcaps_ facts: its usable CPU models, host-model CPU, firmware,
TPM versions, SEV and SGX.
]=],
   options = { domcaps = "value" },
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
      output.write(ctx, facts.json(facts.of(caps, virt, dc)))
      return 0
   end,
}
