--- virtcaps.cli_domcaps: the `virtcaps domcapabilities` command. virtcaps.cli
-- loads it when the command is named and hands in its helpers.
-- @module virtcaps.cli_domcaps
local core = require "virtcaps.core"
local domcaps = require "virtcaps.domcaps"

-- The options `virsh domcapabilities` takes to choose what to probe.
local PROBE_OPTIONS = { "emulatorbin", "arch", "machine", "virttype" }

-- Empty tables are arrays to dkjson (enums, lists); these keys hold elements.
local OBJECT_KEYS = { devices = true, features = true, cpu = true, modes = true }

local function to_json(value, key)
   if type(value) ~= "table" then
      return value
   end
   local out = {}
   for k, v in pairs(value) do
      out[k] = to_json(v, k)
   end
   if next(out) == nil and OBJECT_KEYS[key] then
      setmetatable(out, { __jsontype = "object" })
   end
   return out
end

return function(cli)
   return {
      usage = [=[
usage: virtcaps domcapabilities --caps FILE [--json]
       virtcaps domcapabilities [--emulatorbin PATH] [--arch ARCH] [--machine MACHINE] [--virttype TYPE]

What one emulator offers a guest for one architecture, machine type and
virtualization type (CPU modes and models, firmware, devices, features), as
`virsh domcapabilities` prints it.

options:
  --caps FILE              print FILE's domain capabilities document (normalised)
  --json                   the document's table as JSON instead
  --emulatorbin PATH       the emulator to probe
  --arch ARCH              the guest architecture
  --machine MACHINE        the machine type
  --virttype TYPE          the virtualization type (kvm, qemu, ...)

Probing an emulator (the options but --caps and --json) is not available in
this version: it comes with the next release. Exit status 2 until then.
]=],
      options = { emulatorbin = "value", arch = "value", machine = "value", virttype = "value" },
      run = function(ctx, opts, args)
         if #args > 0 then
            return cli.fail(ctx, 2, "domcapabilities takes no arguments, got '" .. args[1] .. "'")
         end
         for _, name in ipairs(PROBE_OPTIONS) do
            if opts[name] and opts.caps then
               return cli.fail(ctx, 2, "--" .. name .. " chooses what to probe; it cannot be combined with --caps")
            end
         end
         if not opts.caps then
            return cli.fail(ctx, 2, "probing an emulator for domain capabilities is not available in this version;"
               .. " give a `virsh domcapabilities` document with --caps FILE")
         end
         local dc, err = domcaps.load(opts.caps)
         if not dc then
            return cli.fail(ctx, 2, err)
         end
         if opts.json then
            cli.write(ctx, cli.encode(to_json(dc)), "\n")
         else
            cli.write(ctx, core.domcaps_format(dc))
         end
         return 0
      end,
   }
end
