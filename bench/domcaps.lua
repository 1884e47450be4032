-- Domain capabilities: parse and format of the largest expected document
-- against libxml2's bare parse of the same bytes (build/xmlbare). Target:
-- virtcaps within 2x of bare libxml2.
local bench = require "lib"
local domcaps = require "virtcaps.domcaps"

local RUNS = 200
local conformance = os.getenv("VIRTCAPS_CONFORMANCE") or "spec/conformance-data"

local path = bench.largest_xml(conformance .. "/domcaps/expected")
if not path then
   print("no domain capabilities documents under " .. conformance .. "/domcaps/expected")
   return
end

local doc = io.open(path, "rb"):read("a")
assert(domcaps.format(assert(domcaps.parse(doc))) == doc, "the document does not round-trip")
bench.xml_vs_bare(path, RUNS, domcaps.parse, domcaps.format,
   { parse = "virtcaps.domcaps.parse", format = "virtcaps.domcaps.format" }, { parse = true, format = true })
