-- The TSC frequency cache with this machine's KVM (spec/host/host_cache_spec.lua
-- checks it with a /dev/kvm stand-in): the frequency KVM gives is cached per
-- boot and /dev/kvm node. `make kvm-test` runs these on a KVM host, as root;
-- they fail, loudly, without /dev/kvm.
local lfs = require "lfs"
local support = require "support"
local virtcaps = require "virtcaps"

local BOOT_ID = "/proc/sys/kernel/random/boot_id"
local ROOT = io.popen("id -u"):read("l") == "0"

local function probe(opts)
   local o = { drivers = {} }
   for k, v in pairs(opts) do o[k] = v end
   return assert(virtcaps.probe(o))
end

describe("the TSC frequency cache on this machine's KVM", function()
   local dir, cache
   setup(function()
      assert(lfs.attributes("/dev/kvm"), "these checks need /dev/kvm: run `make kvm-test` on a KVM host")
   end)
   before_each(function()
      dir = support.tmpdir()
      cache = dir .. "/cache"
   end)
   after_each(function() support.rmtree(dir) end)

   it("asks KVM once per boot and /dev/kvm", function()
      local fresh = probe { cache = false }
      local counter = assert(fresh.host.cpu.counter, "this machine's CPU has an invariant TSC")
      assert.same(counter, probe({ cache_dir = cache }).host.cpu.counter)
      local e, path = support.cache_entry(cache, "^host%-tsc%.json$")
      assert.equal(counter.frequency // 1000, e.khz)
      assert.equal(support.read(BOOT_ID):gsub("\n$", ""), e.boot_id)
      assert.equal("/dev/kvm", e.kvm)
      support.rewrite_json(path, function(t) t.khz = 1234567 end)
      assert.equal(1234567000, probe({ cache_dir = cache }).host.cpu.counter.frequency)
      -- another boot
      support.write(dir .. "/boot_id", "00000000-0000-4000-8000-000000000000\n")
      local caps = probe { cache_dir = cache, paths = { [BOOT_ID] = dir .. "/boot_id" } }
      assert.same(counter, caps.host.cpu.counter)
      e = support.cache_entry(cache, "^host%-tsc%.json$")
      assert.equal("00000000-0000-4000-8000-000000000000", e.boot_id)
      assert.equal(counter.frequency // 1000, e.khz)
   end)

   it("asks KVM again for a new /dev/kvm node (the module loaded again)", function()
      assert(ROOT, "this check needs root (mknod): run `make kvm-test` as root")
      local major, minor = support.read("/sys/class/misc/kvm/dev"):match("^(%d+):(%d+)")
      local node = dir .. "/kvm"
      assert(support.tool(string.format("mknod %s c %s %s", node, major, minor)))
      local opts = { cache_dir = cache, paths = { ["/dev/kvm"] = node } }
      local counter = assert(probe(opts).host.cpu.counter)
      local _, path = support.cache_entry(cache, "^host%-tsc%.json$")
      support.rewrite_json(path, function(t) t.khz = 1234567 end)
      assert.equal(1234567000, probe(opts).host.cpu.counter.frequency)
      assert(support.tool(string.format("rm %s && mknod %s c %s %s", node, node, major, minor)))
      assert.same(counter, probe(opts).host.cpu.counter)
   end)

end)
