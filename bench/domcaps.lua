-- Domain capabilities: parse and format of the largest expected document
-- against libxml2's bare parse of the same bytes (build/xmlbare). Target:
-- virtcaps within 2x of bare libxml2.
local bench = require "lib"
local domcaps = require "virtcaps.domcaps"

local RUNS = 200
local conformance = os.getenv("VIRTCAPS_CONFORMANCE") or "spec/conformance-data"
local build = os.getenv("VIRTCAPS_BUILD") or "build"

local path = bench.largest_xml(conformance .. "/domcaps/expected")
if not path then
   print("no domain capabilities documents under " .. conformance .. "/domcaps/expected")
   return
end

local doc = io.open(path, "rb"):read("a")
local mb = #doc / 1e6
local dc = assert(domcaps.parse(doc))
assert(domcaps.format(dc) == doc, "the document does not round-trip")
local parse = bench.median(RUNS, function() domcaps.parse(doc) end)
local format = bench.median(RUNS, function() domcaps.format(dc) end)
local p = io.popen(build .. "/xmlbare " .. path .. " " .. RUNS)
local bare = tonumber(p:read("l"))
p:close()
print(string.format("%s (%d bytes)", path:match("[^/]+$"), #doc))
print(string.format("  libxml2 bare parse      %8.1f MB/s", mb / bare))
local LINE = "  virtcaps.domcaps.%-6s %8.1f MB/s  (%.2fx the bare parse time; target <= 2x)"
print(string.format(LINE, "parse", mb / parse, parse / bare))
print(string.format(LINE, "format", mb / format, format / bare))
