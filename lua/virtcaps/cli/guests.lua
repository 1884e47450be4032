--- virtcaps.cli.guests: `virtcaps guests`, the guests as a table, or one
-- guest's machine types.
-- @module virtcaps.cli.guests
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"
local Caps = require("virtcaps").Capabilities

local function guest_row(g)
   local domains, machines = {}, {}
   for _, d in ipairs(g.arch.domains) do
      domains[#domains + 1] = d.type
   end
   for m in Caps.machines({ guests = { g } }) do
      machines[#machines + 1] = m.name
   end
   return {
      os_type = g.os_type,
      arch = g.arch.name,
      wordsize = g.arch.wordsize,
      domains = json.array(domains),
      machines = json.array(machines),
      -- the reference's default: the first listed (QEMU's own default, when it names one)
      default_machine = machines[1],
      emulator = g.arch.emulator,
   }
end

-- One guest's machine types: name, what it stands for, vCPUs, deprecation.
local function machine_list(ctx, opts, g)
   local rows = {}
   for m in Caps.machines({ guests = { g } }) do
      rows[#rows + 1] = { name = m.name, canonical = m.canonical, max_cpus = m.maxCpus, deprecated = m.deprecated or false }
   end
   return output.rows(ctx, opts, rows, { "MACHINE", "ALIAS OF", "MAX CPUS", "DEPRECATED" }, function(r)
      return { r.name, r.canonical or "", tostring(r.max_cpus or ""), r.deprecated and "yes" or "" }
   end)
end

return {
   usage = [=[
usage: virtcaps guests [--arch A] [--os-type T] [--domain D] [--machines]
                       [--caps FILE | -c URI] [--json]

The guests this host can run: os type, arch, word size, domain types, count
of machine types, the default machine type (the first listed, as the
reference takes it) and emulator, one guest a line. --machines lists the
machine types of the one guest the filters select instead.
]=],
   options = { arch = "value", ["os-type"] = "value", domain = "value", machines = "flag" },
   probes = true,
   run = function(ctx, opts)
      local caps, code = output.caps(ctx, opts)
      if not caps then
         return code
      end
      local selected = {}
      for g in caps:guests { arch = opts.arch, os_type = opts["os-type"], domain = opts.domain } do
         selected[#selected + 1] = g
      end
      if opts.machines then
         if #selected ~= 1 then
            return output.fail(ctx, #selected == 0 and 1 or 2, string.format(
               "--machines lists one guest's machine types; %d guests match (choose one with --arch, --os-type, --domain)",
               #selected))
         end
         return machine_list(ctx, opts, selected[1])
      end
      local rows = {}
      for i, g in ipairs(selected) do
         rows[i] = guest_row(g)
      end
      return output.rows(ctx, opts, rows, { "OS TYPE", "ARCH", "BITS", "DOMAINS", "MACHINES", "DEFAULT", "EMULATOR" },
         function(r)
            return { r.os_type, r.arch, tostring(r.wordsize or ""), table.concat(r.domains, ","), tostring(#r.machines),
               r.default_machine or "", r.emulator or "" }
         end)
   end,
}
