--- virtcaps.cli.validate: `virtcaps validate FILE...`.
-- @module virtcaps.cli.validate
local virtcaps = require "virtcaps"
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"

return {
   usage = [=[
usage: virtcaps validate FILE... [--json]

Reads each capabilities document the way `virtcaps.load` does (each domain
capabilities document, by its root element, as `virtcaps.domcaps.load`) and says
whether it is valid (with the reader's warnings). Every file is reported;
the exit status is the worst: 1 when one is not valid, 2 when one cannot be
read.
]=],
   args = { 1, nil, "at least one FILE" },
   no_caps = "validate reads the FILEs it is given",
   run = function(ctx, opts, args)
      local results, code = {}, 0
      for _, path in ipairs(args) do
         local data, rerr = output.read_file(ctx, path)
         local caps, err
         if data then
            local domain = virtcaps.xpath(data, "name(/*)") == "domainCapabilities"
            caps, err = (domain and virtcaps.domcaps.parse or virtcaps.parse)(data)
         end
         results[#results + 1] = { file = path, valid = caps ~= nil, readable = data ~= nil, error = err or rerr,
            warnings = json.array(caps and caps.warnings or {}) }
         code = math.max(code, data == nil and 2 or caps == nil and 1 or 0)
      end
      if opts.json then
         output.write(ctx, output.encode(json.array(results)), "\n")
         return code
      end
      for _, r in ipairs(results) do
         if r.valid then
            output.write(ctx, string.format("%s: valid%s\n", r.file,
               #r.warnings > 0 and string.format(" (%d warning%s)", #r.warnings, #r.warnings == 1 and "" or "s") or ""))
            for _, w in ipairs(r.warnings) do
               output.write(ctx, string.format("%s: warning: %s\n", r.file, w))
            end
         elseif r.readable then
            output.write(ctx, string.format("%s: invalid: %s\n", r.file, r.error))
         else
            output.fail(ctx, 2, r.error)
         end
      end
      return code
   end,
}
