--- virtcaps.cli.check: `virtcaps check RULES`.
-- @module virtcaps.cli.check
local policy = require "virtcaps.policy"
local rules_reader = require "virtcaps.rules"
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"

return {
   usage = [=[
usage: virtcaps check RULES [--domcaps DC.xml] [--caps FILE | -c URI] [--json]

Checks the host against rules. RULES holds one table of rules, as data:
  return { arch = "x86_64", domains = {"kvm"}, min_cpus = 8, min_memory = "64 GiB",
           hugepages = {size = "1 GiB", count = 4}, iommu = true, numa_cells = 2 }
(strings, numbers, booleans and tables, `--` comments; nothing is run).
Rules over an emulator's domain capabilities (firmware = "efi",
secure_boot, cpu_modes, cpu_models = {...}, tpm = "2.0", sev, sgx) probe
this host's (as `virtcaps domcapabilities` with no arguments, only when
such a rule is given), or read --domcaps DC.xml (a `virsh
domcapabilities` document); with --caps FILE they need --domcaps.
Prints each failed rule with what was wanted and found; exit status 1 when
one fails, 2 for unknown rules or a file that cannot be read.
]=],
   options = { domcaps = "value" },
   args = { 1, 1, "one RULES file" },
   probes = true,
   run = function(ctx, opts, args)
      local text, err = output.read_file(ctx, args[1])
      local rules
      if text then
         rules, err = rules_reader.read(text, args[1])
      end
      if not rules then
         return output.fail(ctx, 2, err)
      end
      local dc, dcode = output.domcaps(ctx, opts)
      if dcode then
         return dcode
      end
      local caps, code = output.caps(ctx, opts)
      if not caps then
         return code
      end
      local ok, holds, failures = pcall(policy.check, caps, rules, dc)
      if not ok then
         return output.fail(ctx, 2, args[1] .. ": " .. tostring(holds))
      end
      if opts.json then
         output.write(ctx, output.encode({ ok = holds, failures = json.array(failures),
            warnings = json.array(caps.warnings) }), "\n")
      elseif holds then
         local n = 0
         for _ in pairs(rules) do n = n + 1 end
         output.write(ctx, string.format("ok: %d rule%s hold%s\n", n, n == 1 and "" or "s", n == 1 and "s" or ""))
      else
         for _, f in ipairs(failures) do
            output.write(ctx, f.message, "\n")
         end
      end
      return holds and 0 or 1
   end,
}
