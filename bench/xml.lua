-- Parse and format throughput against libxml2's bare parse of the same bytes
-- (build/xmlbare). Target: virtcaps within 2x of bare libxml2.
local bench = require "lib"
local virtcaps = require "virtcaps"

local RUNS = 200
local conformance = os.getenv("VIRTCAPS_CONFORMANCE") or "spec/conformance-data"

local docs = { "spec/fixtures/xml/debian12-x86_64-virsh.xml" }
for _, dir in ipairs({ conformance .. "/xml", conformance .. "/caps2xml" }) do
   local l = bench.largest_xml(dir)
   if l then docs[#docs + 1] = l end
end

for _, path in ipairs(docs) do
   bench.xml_vs_bare(path, RUNS, virtcaps.parse, virtcaps.format,
      { parse = "virtcaps.parse", format = "virtcaps.format" }, { parse = true })
end
