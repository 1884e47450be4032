-- N probe/parse/format cycles (capabilities and domain capabilities) in one Lua state; prints the resident set size
-- after the first tenth and at the end (KiB). `make valgrind` runs it under
-- valgrind's leak check; spec/lua/cycles_spec.lua checks that RSS stays flat.
local n = tonumber(arg[1]) or 1000
local virtcaps = require "virtcaps"

local function rss_kib()
   for line in io.lines("/proc/self/status") do
      local kib = line:match("^VmRSS:%s+(%d+)")
      if kib then return tonumber(kib) end
   end
end

local doc = assert(io.open("spec/fixtures/xml/debian12-x86_64-virsh.xml")):read("a")
local domcaps = require "virtcaps.domcaps"
local dcdoc = assert(io.open("spec/conformance-data/domcaps/expected/qemu_7.2.0.x86_64.xml")):read("a")
local early
for i = 1, n do
   local probed = assert(virtcaps.probe())
   assert(virtcaps.parse(probed:xml()))
   assert(virtcaps.parse(assert(virtcaps.probe_xml())))
   local caps = assert(virtcaps.parse(doc))
   assert(virtcaps.format(caps) == doc)
   assert(not virtcaps.parse(doc:sub(1, #doc // 2)))
   assert(not pcall(virtcaps.format, { host = { cpu = { arch = false } } }))
   assert(domcaps.format(assert(domcaps.parse(dcdoc))) == dcdoc)
   assert(not domcaps.parse(dcdoc:sub(1, #dcdoc // 2)))
   if i == n // 10 then
      collectgarbage()
      early = rss_kib()
   end
end
collectgarbage()
print(string.format("cycles=%d rss_early_kib=%d rss_end_kib=%d", n, early, rss_kib()))
