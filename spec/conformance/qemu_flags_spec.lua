-- The QEMU capability flags the reference derived from each probing record
-- (conformance data domcaps/replies/caps_V.ARCH.replies): virtcaps' flags
-- for the record's first round (build/qemu_flags) must be exactly the
-- <flag name=> set of the reference's cache file domcaps/qemucaps/caps_V.ARCH.xml,
-- and the property queries virtcaps would send after the record's
-- qom-list-types and query-machines must be the record's, in its order.
local support = require "support"

local DOMCAPS = support.conformance_category("domcaps")

local function set_of(list)
   local s = {}
   for _, v in ipairs(list) do s[v] = true end
   return s
end

-- names in a that b lacks, sorted
local function minus(a, b)
   local out = {}
   for _, v in ipairs(a) do
      if not b[v] then out[#out + 1] = v end
   end
   table.sort(out)
   return out
end

local function reference_flags(xml)
   local ok, out = support.tool("xmllint --xpath '//flag/@name' '" .. xml .. "'")
   assert(ok, "xmllint failed on " .. xml .. ": " .. out)
   local flags = {}
   for name in out:gmatch('name="([^"]*)"') do flags[#flags + 1] = name end
   assert(#flags > 0, "no <flag> in " .. xml)
   return flags
end

local function harness_lines(replies, mode)
   local ok, out = support.sh("'" .. support.BUILD .. "/qemu_flags' " .. (mode or "") .. " '" .. replies .. "'")
   assert(ok, "qemu_flags failed on " .. replies .. ": " .. out)
   local flags = {}
   for line in out:gmatch("[^\n]+") do flags[#flags + 1] = line end
   return flags
end

describe("conformance: QEMU capability flags from the reference's probing records", function()
   local dir = DOMCAPS and DOMCAPS .. "/replies"
   for _, name in ipairs(dir and support.require_files(dir, "%.replies$") or {}) do
      it("the reference's flags, no more, no less: " .. name, function()
         local xml = DOMCAPS .. "/qemucaps/" .. name:gsub("%.replies$", ".xml")
         local want, got = reference_flags(xml), harness_lines(dir .. "/" .. name)
         local missing, extra = minus(want, set_of(got)), minus(got, set_of(want))
         assert(#missing == 0 and #extra == 0, string.format("%s: missing %d flag(s): %s; extra %d flag(s): %s",
            name, #missing, table.concat(missing, " "), #extra, table.concat(extra, " ")))
         assert.equal(#want, #got)
      end)

      it("the reference's property queries, in its order: " .. name, function()
         local asked = harness_lines(dir .. "/" .. name, "--asked")
         assert(#asked > 0, "no property queries in " .. name)
         assert.same(asked, harness_lines(dir .. "/" .. name, "--asks"))
      end)
   end
end)
