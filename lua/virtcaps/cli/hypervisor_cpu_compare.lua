--- virtcaps.cli.hypervisor_cpu_compare: `virtcaps hypervisor-cpu-compare
-- FILE`, as `virsh hypervisor-cpu-compare`.
-- @module virtcaps.cli.hypervisor_cpu_compare
local output = require "virtcaps.cli.output"

-- virsh's lines for each result.
local SAYS = {
   identical = "CPU described in %s is identical to the CPU provided by hypervisor on the host",
   superset = "The CPU provided by hypervisor on the host is a superset of CPU described in %s",
   incompatible = "CPU described in %s is incompatible with the CPU provided by hypervisor on the host",
}

return {
   usage = [=[
usage: virtcaps hypervisor-cpu-compare FILE [--virttype TYPE] [--emulator PATH] [--arch ARCH] [--machine MACHINE] [--json]
       virtcaps hypervisor-cpu-compare FILE --domcaps DC.xml [--json]

Whether the CPU an emulator of this host gives a guest can run the guest
CPU in FILE (a <cpu> element, a domain, a capabilities document's host
CPU, or a domain capabilities document's host-model), printed as `virsh
hypervisor-cpu-compare` prints it. Exit status 1 when it cannot, with the
reason on stderr.

options:
  --virttype TYPE          the virtualization type (kvm, qemu)
  --emulator PATH          the emulator
  --arch ARCH              the guest architecture
  --machine MACHINE        the machine type
                           (chosen as virsh chooses them when left out: the
                           domain capabilities are probed as `virtcaps
                           domcapabilities` probes them)
  --domcaps DC.xml         the emulator's `virsh domcapabilities` document instead
]=],
   options = { domcaps = "value", virttype = "value", emulator = "value", arch = "value", machine = "value" },
   args = { 1, 1, "one FILE" },
   no_caps = "hypervisor-cpu-compare probes domain capabilities, or reads them: --domcaps FILE",
   run = function(ctx, opts, args)
      local cpu = require "virtcaps.cpu"
      local dc, data = output.domcaps_and_file(ctx, opts, args[1])
      if not dc then
         return data
      end
      local result, features, message = cpu.hypervisor_compare(dc, data)
      if not result then
         return output.fail(ctx, 2, args[1] .. ": " .. tostring(features))
      end
      -- virsh ends these lines with an empty one
      return output.comparison(ctx, opts, string.format(SAYS[result], args[1]) .. "\n\n", result, features, message)
   end,
}
