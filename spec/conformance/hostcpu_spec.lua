-- The reference's virsh nodeinfo numbers and CPU signature lines for real
-- machines' /proc/cpuinfo and /sys/devices/system (conformance hostcpu/):
-- every case the directory holds.
local virtcaps = require "virtcaps"
local support = require "support"

local DATA = support.conformance_category("hostcpu")
if not DATA then
   return
end

local function line(ni)
   return string.format("CPUs: %d/%d, MHz: %d, Nodes: %d, Sockets: %d, Cores: %d, Threads: %d",
      ni.cpus, ni.maxcpus, ni.mhz, ni.nodes, ni.sockets, ni.cores, ni.threads)
end

describe("conformance: host CPU (hostcpu/)", function()
   for _, file in ipairs(support.require_files(DATA, "^linux%-.+%.cpuinfo$")) do
      local arch, name = file:match("^linux%-([^-]+)%-(.+)%.cpuinfo$")
      local base = DATA .. "/linux-" .. arch .. "-" .. name
      local opts = {
         arch = arch,
         paths = {
            ["/proc/cpuinfo"] = DATA .. "/" .. file,
            ["/sys/devices/system"] = support.follow_copied_link(DATA .. "/linux-" .. name),
         },
      }
      -- The reference's test harness runs POWER hosts in SMT 8 mode
      -- (tests/virhostcpumock.c); a real host asks KVM for it.
      if arch == "ppc64" or arch == "ppc64le" then
         opts.threads_per_subcore = 8
      end

      it("nodeinfo: " .. arch .. " " .. name, function()
         local expected = support.read(base .. ".expected"):gsub("\n$", "")
         local ni = assert(virtcaps.nodeinfo(opts))
         assert.equal(expected, line(ni))
      end)

      it("signature: " .. arch .. " " .. name, function()
         local f = io.open(base .. ".signature", "rb")
         local expected = f and f:read("a"):gsub("\n$", "")
         if f then f:close() end
         local sig, err = virtcaps.signature(opts)
         assert.is_nil(err)
         assert.equal(expected, sig)
      end)
   end
end)
