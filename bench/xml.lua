-- Parse and format throughput against libxml2's bare parse of the same bytes
-- (build/xmlbare). Target: virtcaps within 2x of bare libxml2.
local bench = require "lib"
local virtcaps = require "virtcaps"

local RUNS = 200
local conformance = os.getenv("VIRTCAPS_CONFORMANCE") or "spec/conformance-data"
local build = os.getenv("VIRTCAPS_BUILD") or "build"

local function largest(dir)
   local best, size
   for name in io.popen("ls " .. dir .. "/*.xml 2>/dev/null"):lines() do
      local f = io.open(name, "rb")
      local n = f:seek("end")
      f:close()
      if not size or n > size then best, size = name, n end
   end
   return best
end

local docs = { "spec/fixtures/xml/debian12-x86_64-virsh.xml" }
for _, dir in ipairs({ conformance .. "/xml", conformance .. "/caps2xml" }) do
   local l = largest(dir)
   if l then docs[#docs + 1] = l end
end

for _, path in ipairs(docs) do
   local doc = io.open(path, "rb"):read("a")
   local mb = #doc / 1e6
   local caps = assert(virtcaps.parse(doc))
   local parse = bench.median(RUNS, function() virtcaps.parse(doc) end)
   local format = bench.median(RUNS, function() virtcaps.format(caps) end)
   local p = io.popen(build .. "/xmlbare " .. path .. " " .. RUNS)
   local bare = tonumber(p:read("l"))
   p:close()
   print(string.format("%s (%d bytes)", path:match("[^/]+$"), #doc))
   print(string.format("  libxml2 bare parse  %8.1f MB/s", mb / bare))
   print(string.format("  virtcaps.parse      %8.1f MB/s  (%.2fx the bare parse time; target <= 2x)", mb / parse, parse / bare))
   print(string.format("  virtcaps.format     %8.1f MB/s  (%.2fx the bare parse time)", mb / format, format / bare))
end
