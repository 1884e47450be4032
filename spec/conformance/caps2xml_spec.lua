-- The reference's <topology>, <cache> and <memory_bandwidth> for copies of
-- real machines' /sys/devices/system and /sys/fs/resctrl (conformance
-- caps2xml/): every case the directory holds, byte for byte.
--
-- One exception, which the data forces: the reference's test harness
-- (tests/virnumamock.c) makes up each cell's memory, page counts and
-- distances ((id+1) GiB, fixed page pools, none) instead of reading the
-- copies, so those lines are taken out of both documents before comparing;
-- everything else in the three elements comes from the copies.
local virtcaps = require "virtcaps"
local support = require "support"

local DATA = support.conformance_category("caps2xml")
if not DATA then
   return
end

local function element(doc, name)
   return doc:match("\n(    <" .. name .. ">\n.-\n    </" .. name .. ">\n)")
end

local function without_mocked(text)
   if not text then return nil end
   return (text:gsub("\n *<memory unit='KiB'>%d+</memory>", "")
      :gsub("\n *<pages unit='KiB' size='%d+'>%d+</pages>", "")
      :gsub("\n *<distances>\n.-\n *</distances>", ""))
end

describe("conformance: host topology, caches and resource control (caps2xml/)", function()
   for _, file in ipairs(support.require_files(DATA, "^vircaps%-.+%.xml$")) do
      local arch, name = file:match("^vircaps%-([^-]+)%-(.+)%.xml$")
      local dir = DATA .. "/linux-" .. name
      local opts = {
         arch = arch,
         drivers = {},
         paths = {
            ["/sys/devices/system"] = support.follow_copied_link(dir .. "/system"),
            ["/sys/fs/resctrl"] = support.follow_copied_link(dir .. "/resctrl"),
         },
      }
      local expected = support.read(DATA .. "/" .. file)

      for _, elem in ipairs { "topology", "cache", "memory_bandwidth" } do
         it(elem .. ": " .. arch .. " " .. name, function()
            local caps = assert(virtcaps.probe(opts))
            local got = caps:xml()
            assert.equal(without_mocked(element(expected, elem)), without_mocked(element(got, elem)))
         end)
      end
   end
end)
