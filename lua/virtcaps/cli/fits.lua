--- virtcaps.cli.fits: `virtcaps fits DOMAIN.xml`.
-- @module virtcaps.cli.fits
local policy = require "virtcaps.policy"
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"

return {
   usage = [=[
usage: virtcaps fits DOMAIN.xml [--no-overcommit] [--domcaps DC.xml] [--caps FILE | -c URI] [--json]

Whether a libvirt domain definition can run on this host: guest arch and
domain type, emulator, machine type, vCPUs, cpuset, memory, NUMA placement
and huge pages. Exit status 1 with the reasons when it cannot; what the
reference accepts but may hurt (more vCPUs than host CPUs) is a warning,
or a failure with --no-overcommit. With --domcaps (the emulator's `virsh
domcapabilities` document), also what the domain asks of the emulator:
firmware, loader, secure boot, CPU mode and model, disks, graphics, video,
TPM, host devices, RNGs, SEV/SGX.
]=],
   options = { ["no-overcommit"] = "flag", domcaps = "value" },
   args = { 1, 1, "one DOMAIN.xml file" },
   probes = true,
   run = function(ctx, opts, args)
      local xml, caps = output.file_and_caps(ctx, opts, args[1])
      if not xml then
         return caps
      end
      local dc, dcode = output.domcaps(ctx, opts)
      if dcode then
         return dcode
      end
      local fits, failures, warnings = policy.fits(caps, xml, dc, { overcommit = not opts["no-overcommit"] })
      if fits == nil then
         return output.fail(ctx, 2, args[1] .. ": " .. failures)
      end
      if opts.json then
         local all = table.move(caps.warnings, 1, #caps.warnings, 1, {})
         for _, w in ipairs(warnings) do
            all[#all + 1] = w.message
         end
         output.write(ctx, output.encode({ ok = fits, failures = json.array(failures), warnings = json.array(all) }),
            "\n")
      else
         for _, w in ipairs(warnings) do
            ctx.stderr:write(ctx.prog, ": warning: ", w.message, "\n")
         end
         if fits then
            output.write(ctx, args[1], ": fits\n")
         else
            for _, f in ipairs(failures) do
               output.write(ctx, f.message, "\n")
            end
         end
      end
      return fits and 0 or 1
   end,
}
