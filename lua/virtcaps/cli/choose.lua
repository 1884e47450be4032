--- virtcaps.cli.choose: `virtcaps choose`.
-- @module virtcaps.cli.choose
local policy = require "virtcaps.policy"
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"

return {
   usage = [=[
usage: virtcaps choose [--arch A] [--os-type T] [--domain D] [--machine M]
                       [--min-vcpus N] [--caps FILE | -c URI] [--json]

The best way to run a guest: os type, arch, domain type (hardware
acceleration first), machine type (aliases resolved; M may be a Lua
pattern) and emulator. Exit status 1, with the reason, when there is none.
]=],
   options = { arch = "value", ["os-type"] = "value", domain = "value", machine = "value", ["min-vcpus"] = "value" },
   probes = true,
   run = function(ctx, opts)
      local want = { arch = opts.arch, os_type = opts["os-type"], domain = opts.domain, machine = opts.machine }
      if opts["min-vcpus"] then
         want.min_vcpus = math.tointeger(tonumber(opts["min-vcpus"]))
         if not want.min_vcpus or want.min_vcpus < 1 then
            return output.fail(ctx, 2, "--min-vcpus needs a positive integer, got '" .. opts["min-vcpus"] .. "'")
         end
      end
      local caps, code = output.caps(ctx, opts)
      if not caps then
         return code
      end
      local ok, choice, reason = pcall(policy.choose, caps, want)
      if not ok then
         return output.fail(ctx, 2, choice)
      end
      if opts.json then
         local answer = choice or { error = reason }
         answer.warnings = json.array(caps.warnings)
         output.write(ctx, output.encode(answer), "\n")
      elseif choice then
         for _, k in ipairs { "os_type", "arch", "domain", "machine", "emulator" } do
            if choice[k] then
               output.write(ctx, string.format("%-9s %s\n", k, choice[k]))
            end
         end
      end
      if not choice then
         return output.fail(ctx, 1, reason)
      end
      return 0
   end,
}
