-- `make install`: the installed virtcaps finds its own modules for any
-- PREFIX, and from a DESTDIR staging tree, with no LUA_PATH or LUA_CPATH.
local support = require "support"

-- Runs the installed script from / with the Lua search paths unset.
local function run_installed(bin, args)
   return support.sh("cd / && env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 " .. bin .. " " .. args)
end

local function make_install(vars)
   local ok, out = support.tool("make -s install BUILD=" .. support.BUILD .. " " .. vars)
   assert(ok, out)
end

describe("make install", function()
   local dir, want
   before_each(function()
      dir = support.tmpdir()
      local ok
      ok, want = support.sh("env " .. support.lua_env() .. " lua5.4 bin/virtcaps nodeinfo")
      assert(ok, want)
   end)
   after_each(function() support.rmtree(dir) end)

   it("gives a virtcaps that runs from PREFIX/bin with its own modules", function()
      make_install("PREFIX=" .. dir .. "/p")
      local ok, out = run_installed(dir .. "/p/bin/virtcaps", "nodeinfo")
      assert(ok, out)
      assert.equal(want, out)
      -- the modules in subfolders too (virtcaps.policy)
      local caps = io.popen("pwd"):read("l") .. "/" .. support.DATA .. "/xml/live-libvirt-9.0.0-qemu-embed-x86_64.xml"
      local choice
      ok, choice = support.sh("env " .. support.lua_env() .. " lua5.4 bin/virtcaps choose --caps " .. caps)
      assert(ok, choice)
      ok, out = run_installed(dir .. "/p/bin/virtcaps", "choose --caps " .. caps)
      assert(ok, out)
      assert.equal(choice, out)
      assert.truthy(io.open(dir .. "/p/share/lua/5.4/virtcaps/policy/fits.lua"))
      assert.truthy(io.open(dir .. "/p/lib/lua/5.4/virtcaps/core.so"))
   end)

   it("stages into DESTDIR a virtcaps that runs there and where it is moved to", function()
      make_install("DESTDIR=" .. dir .. "/stage PREFIX=/opt/virtcaps")
      local ok, out = run_installed(dir .. "/stage/opt/virtcaps/bin/virtcaps", "nodeinfo")
      assert(ok, out)
      assert.equal(want, out)
      assert(support.tool("mv " .. dir .. "/stage/opt/virtcaps " .. dir .. "/moved"))
      ok, out = run_installed(dir .. "/moved/bin/virtcaps", "nodeinfo")
      assert(ok, out)
      assert.equal(want, out)
   end)
end)

describe("make run", function()
   it("prints the document alone on stdout, the build's lines on stderr", function()
      -- a build missing the programs made from their own sources alone, so
      -- that make compiles them (qemu_flags links the build's objects, which
      -- may carry the sanitizers: it comes along)
      local dir = support.tmpdir()
      assert(support.tool("cp -a " .. support.BUILD .. "/obj " .. support.BUILD .. "/virtcaps " .. support.BUILD
         .. "/qemu_flags " .. dir))
      local preload = os.getenv("LD_PRELOAD")
      local lua = preload and " LUA='env LD_PRELOAD=\"" .. preload .. "\" lua5.4'" or ""
      -- as a person runs it: no outer make's level or flags
      local ok, msg = support.tool("(env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS make run BUILD=" .. dir .. lua
         .. " >" .. dir .. "/stdout 2>" .. dir .. "/stderr)")
      local out, err = support.read(dir .. "/stdout"), support.read(dir .. "/stderr")
      assert(ok, msg .. err)
      assert.truthy(io.open(dir .. "/states"), "make built the missing program")
      assert.matches("states", err)
      local _, doc = support.sh("(env VIRTCAPS_BUILD=" .. dir .. " lua5.4 bin/virtcaps 2>/dev/null)")
      assert.matches("^<capabilities>\n", doc)
      assert.equal(doc, out)
      support.rmtree(dir)
   end)
end)

describe(".ci/run", function()
   it("runs the README's test command", function()
      local cmd = support.read("README.md"):match("\n    (make test)%s")
      assert.equal("make test", cmd)
      assert.matches("\nmake test\n", support.read(".ci/run"), 1, true)
   end)
end)
