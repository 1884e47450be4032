--- virtcaps.cli.hypervisor_cpu_baseline: `virtcaps hypervisor-cpu-baseline
-- FILE`, as `virsh hypervisor-cpu-baseline`.
-- @module virtcaps.cli.hypervisor_cpu_baseline
local output = require "virtcaps.cli.output"

return {
   usage = [=[
usage: virtcaps hypervisor-cpu-baseline FILE [--virttype TYPE] [--emulator PATH] [--arch ARCH] [--machine MACHINE]
                                        [--features] [--migratable] [--json]
       virtcaps hypervisor-cpu-baseline FILE --domcaps DC.xml [--features] [--migratable] [--json]

The largest guest CPU that every CPU in FILE (<cpu> elements, a domain, a
capabilities document's host CPU, a domain capabilities document's
host-model) can run, in the CPU models an emulator of this host offers
(with what blocks each, and QEMU's host CPU features), printed as `virsh
hypervisor-cpu-baseline` prints it.

options:
  --virttype TYPE          the virtualization type (kvm, qemu)
  --emulator PATH          the emulator
  --arch ARCH              the guest architecture
  --machine MACHINE        the machine type
                           (chosen as virsh chooses them when left out: the
                           domain capabilities are probed as `virtcaps
                           domcapabilities` probes them)
  --domcaps DC.xml         the emulator's `virsh domcapabilities` document
                           instead (9.0's names no model's blockers)
  --features               every feature of the model
  --migratable             leave out features that block migration
]=],
   options = { domcaps = "value", features = "flag", migratable = "flag", virttype = "value", emulator = "value",
      arch = "value", machine = "value" },
   args = { 1, 1, "one FILE" },
   no_caps = "hypervisor-cpu-baseline probes domain capabilities, or reads them: --domcaps FILE",
   run = function(ctx, opts, args)
      local cpu = require "virtcaps.cpu"
      local dc, data = output.domcaps_and_file(ctx, opts, args[1])
      if not dc then
         return data
      end
      local result, err = cpu.hypervisor_baseline(dc, data, { expand = opts.features, migratable = opts.migratable })
      if not result then
         return output.fail(ctx, 1, args[1] .. ": " .. err)
      end
      if opts.json then
         output.write(ctx, output.encode(output.model_json(result, "cpu")), "\n")
      else
         output.write(ctx, cpu.format(result), "\n")
      end
      return 0
   end,
}
