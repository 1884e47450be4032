-- The module itself: loading, globals, summaries.
local support = require "support"

describe("the virtcaps module", function()
   it("writes no globals", function()
      local before = {}
      for k in pairs(_G) do before[k] = true end
      package.loaded["virtcaps"], package.loaded["virtcaps.core"] = nil, nil
      require "virtcaps"
      for k in pairs(_G) do
         assert.is_true(before[k], "new global " .. tostring(k))
      end
   end)

   it("reloads into a fresh working module", function()
      local first = require "virtcaps"
      package.loaded["virtcaps"], package.loaded["virtcaps.core"] = nil, nil
      local second = require "virtcaps"
      assert.are_not.equal(first, second)
      assert.equal("x86_64", assert(second.parse(first.format({ host = { cpu = { arch = "x86_64" } } }))).host.cpu.arch)
   end)

   it("is the build under test", function()
      local build = os.getenv("VIRTCAPS_BUILD") or "build"
      assert.equal(build .. "/virtcaps/core.so", package.searchpath("virtcaps.core", package.cpath))
   end)

   it("has versions", function()
      assert.equal("virtcaps 0.1.0", require("virtcaps")._VERSION)
      assert.equal("virtcaps.core 0.1.0", require("virtcaps.core")._VERSION)
   end)

   it("summarises capabilities in one paragraph", function()
      local virtcaps = require "virtcaps"
      local caps = assert(virtcaps.load("spec/fixtures/xml/debian12-x86_64-virsh.xml"))
      assert.equal("x86_64 host: Intel Broadwell, 1 socket x 2 cores x 1 thread; 1 NUMA cell, 5.6 GiB; "
         .. "guests: hvm/armv6l (qemu), hvm/armv7l (qemu), hvm/aarch64 (qemu), hvm/i686 (qemu, kvm), "
         .. "hvm/x86_64 (qemu, kvm)", tostring(caps))
      assert.equal("x86_64 host; no guests", tostring(virtcaps.parse(
         "<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>")))
   end)

   it("is listed completely in the rockspec", function()
      local rockspec = support.read("rockspec/virtcaps-scm-1.rockspec")
      for _, f in ipairs(support.list("src", "%.c$")) do
         assert.matches('"src/' .. f:gsub("%p", "%%%0") .. '"', rockspec)
      end
      for _, f in ipairs(support.list("lua/virtcaps", "%.lua$")) do
         assert.matches('"lua/virtcaps/' .. f:gsub("%p", "%%%0") .. '"', rockspec)
      end
   end)
end)
