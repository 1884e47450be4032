--- virtcaps.cli.fits: `virtcaps fits DOMAIN.xml`.
-- @module virtcaps.cli.fits
local policy = require "virtcaps.policy"
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"
local offers = require "virtcaps.policy.offers"
local virtcaps = require "virtcaps"

-- Whether a domain (a document fits has read) asks anything of its emulator.
local function asks_emulator(xml)
   if assert(virtcaps.xpath(xml, "count(/domain/cpu[@mode or model])")) > 0 then
      return true
   end
   for _, v in pairs(offers.from_xml(xml)) do
      if type(v) ~= "table" or #v > 0 then
         return true
      end
   end
   return false
end

return {
   usage = [=[
usage: virtcaps fits DOMAIN.xml [--no-overcommit] [--domcaps DC.xml] [--caps FILE | -c URI] [--json]

Whether a libvirt domain definition can run on this host: guest arch and
domain type, emulator, machine type, vCPUs, cpuset, memory, NUMA placement
and huge pages. Exit status 1 with the reasons when it cannot; what the
reference accepts but may hurt (more vCPUs than host CPUs) is a warning,
or a failure with --no-overcommit. Also what the domain asks of its
emulator (firmware, loader, secure boot, CPU mode and model, disks,
graphics, video, TPM, host devices, RNGs, SEV/SGX): against this host's
domain capabilities, probed for the domain's emulator, arch, machine and
type as libvirt validates it, or against --domcaps DC.xml (the emulator's
`virsh domcapabilities` document). With --caps FILE and no --domcaps, they
are not checked (a warning says so).
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
      local skipped
      if not dc and opts.caps then
         -- another host's or another time's document: nothing to probe
         dc, skipped = false, { message = "what the domain asks of its emulator is not checked: --caps FILE is not "
            .. "this host's live probe (give --domcaps FILE)" }
      end
      local fits, failures, warnings = policy.fits(caps, xml, dc, { overcommit = not opts["no-overcommit"] })
      if fits == nil then
         return output.fail(ctx, 2, args[1] .. ": " .. failures)
      end
      if skipped and asks_emulator(xml) then
         warnings[#warnings + 1] = skipped
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
