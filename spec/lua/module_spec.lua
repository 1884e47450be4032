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
      assert.equal(support.BUILD .. "/virtcaps/core.so", package.searchpath("virtcaps.core", package.cpath))
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

   it("gives the tables their metatables as the core builds them, and nothing else", function()
      local virtcaps = require "virtcaps"
      local xml = virtcaps.format {
         host = { cpu = { arch = "x86_64" }, topology = { cells = { { id = 0, cpus = { { id = 0 } } } } } },
         guests = { { os_type = "hvm", arch = { name = "x86_64", wordsize = 64, machines = { { name = "pc" } },
            domains = { { type = "qemu" }, { type = "kvm", machines = { { name = "q35" } } } } } } },
      }
      local function name(t) return getmetatable(t) and getmetatable(t).__name end
      for _, caps in ipairs { assert(virtcaps.parse(xml)), assert(require("virtcaps.core").parse(xml)) } do
         local g = caps.guests[1]
         assert.same({ "virtcaps.Capabilities", "virtcaps.Host", "virtcaps.HostCpu", "virtcaps.Cell", "virtcaps.CellCpu",
            "virtcaps.GuestList", "virtcaps.Guest", "virtcaps.Machine", "virtcaps.Domain", "virtcaps.Domain",
            "virtcaps.Machine" },
            { name(caps), name(caps.host), name(caps.host.cpu), name(caps.host.topology.cells[1]),
              name(caps.host.topology.cells[1].cpus[1]), name(caps.guests), name(g), name(g.arch.machines[1]),
              name(g.arch.domains[1]), name(g.arch.domains[2]), name(g.arch.domains[2].machines[1]) })
         for _, t in ipairs { caps.host.topology, caps.host.topology.cells, caps.host.topology.cells[1].cpus, g.arch,
               g.arch.machines, g.arch.domains, g.arch.domains[2].machines, caps.warnings, caps.host.cpu.features } do
            assert.is_nil(getmetatable(t))
         end
      end
      -- without virtcaps loaded, the core's tables are plain
      local lua = support.lua_env() .. "lua5.4 -e \"local core = require 'virtcaps.core' "
         .. "local x = '<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>' "
         .. "io.write(tostring(getmetatable(core.parse(x)) == nil), ' ') require 'virtcaps' "
         .. "io.write(getmetatable(core.parse(x)).__name)\""
      assert.same({ true, "true virtcaps.Capabilities" }, { support.sh(lua) })
   end)

   it("refuses metatables it does not know", function()
      local core = require "virtcaps.core"
      assert.has_error(function() core.set_metatables { cap = {} } end,
         "bad argument #1 to 'set_metatables' (unknown metatable 'cap')")
      assert.has_error(function() core.set_metatables { caps = "Caps" } end,
         "bad argument #1 to 'set_metatables' (metatable 'caps': table expected, got string)")
      assert.has_error(function() core.set_metatables() end,
         "bad argument #1 to 'set_metatables' (table expected, got no value)")
   end)

   it("is listed completely in the rockspec", function()
      local rockspec = support.read("rockspec/virtcaps-scm-1.rockspec")
      local p = assert(io.popen("find src -name '*.c' | sort"))
      local sources = 0
      for f in p:lines() do
         assert.matches('"' .. f:gsub("%p", "%%%0") .. '"', rockspec)
         sources = sources + 1
      end
      p:close()
      assert.is_true(sources > 30, "C sources found under src/: " .. sources)
      local found = assert(io.popen("find lua/virtcaps -name '*.lua'"))
      local n = 0
      for f in found:lines() do
         assert.matches('"' .. f:gsub("%p", "%%%0") .. '"', rockspec)
         n = n + 1
      end
      found:close()
      assert.is_true(n > 5, "the Lua modules under lua/virtcaps")
      -- and the Lua modules it requires from elsewhere are its dependencies
      local deps = rockspec:match("\ndependencies = (%b{})")
      local requires = assert(io.popen("cat $(find lua -name '*.lua')")):read("a")
      local outside = 0
      local rock_of = { lfs = "luafilesystem" } -- modules whose rock has another name
      for name in requires:gmatch('require%(?%s*"([%w_.]+)"') do
         if not name:match("^virtcaps") then
            assert.matches('"' .. (rock_of[name] or name):gsub("%p", "%%%0") .. '[ "]', deps)
            outside = outside + 1
         end
      end
      assert.is_true(outside > 0, "dkjson")
   end)
end)
