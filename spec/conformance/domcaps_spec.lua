-- The reference's domain capabilities documents (conformance data
-- domcaps/expected): byte-exact round trips, idempotent formatting, schema
-- validity.
local domcaps = require "virtcaps.domcaps"
local support = require "support"

local DOMCAPS = support.conformance_category("domcaps")
local SCHEMA = "/usr/share/libvirt/schemas/domaincaps.rng"

local function valid(xml)
   local path = support.tmpname()
   support.write(path, xml)
   local ok, out = support.tool("xmllint --noout --relaxng " .. SCHEMA .. " " .. path)
   os.remove(path)
   return ok, out
end

describe("conformance: domain capabilities the reference formatted", function()
   local dir = DOMCAPS and DOMCAPS .. "/expected"
   for _, name in ipairs(dir and support.require_files(dir, "%.xml$") or {}) do
      it("round-trip byte for byte, idempotently, schema-valid: " .. name, function()
         local doc = support.read(dir .. "/" .. name)
         local dc = assert(domcaps.parse(doc))
         local out = domcaps.format(dc)
         assert.equal(doc, out)
         -- a table that went through format and parse again writes the same bytes
         local again = assert(domcaps.parse(out))
         assert.equal(out, domcaps.format(again))
         assert.equal(out, dc:xml())
         -- libxml2's RelaxNG takes the output as it is: the feature-name quirk
         -- of capability.rng (sse4.1) does not apply to domaincaps.rng
         local ok, msg = valid(out)
         assert(ok, msg)
      end)
   end
end)
