-- Running out of memory: a clean "out of memory" error, never a crash, a
-- double free, a leak or a message that blames the input.
local support = require "support"

-- A child lua5.4 under ulimit -v (KiB) running code; the plain build, as
-- the sanitizers' runtime cannot start under such a limit. ok, output.
local function limited(kib, code)
   local path = support.tmpname()
   support.write(path, code)
   local ok, out = support.sh("env -u LD_PRELOAD sh -c 'ulimit -v " .. kib .. "; "
      .. "LUA_PATH=\"lua/?.lua;lua/?/init.lua\" LUA_CPATH=\"build/?.so\" exec lua5.4 " .. path .. "'")
   os.remove(path)
   return ok, out
end

-- A valid capabilities document of about n * 87 bytes.
local DOC = [[
local n = ...
local doc = "<capabilities><host><cpu><arch>x86_64</arch></cpu></host>"
   .. ("<guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize><domain type='qemu'/></arch></guest>"):rep(n)
   .. "</capabilities>"
]]

-- The result line the child prints.
local function result(out)
   return out:match("RESULT ([^\n]*)")
end

describe("out of memory", function()
   it("a valid 48 MB document says out of memory, not that it is no XML", function()
      -- 20 MB, then 30 MB, sat at the limit: whether its XPath dump fit
      -- changed with the size of the core's code and modules
      local ok, out = limited(150000, DOC:gsub("local n = ...", "local n = 450000") .. [[
         print("RESULT " .. #doc .. " " .. tostring(select(2, pcall(require("virtcaps").parse, doc))))
         print("RESULT " .. #doc .. " " .. tostring(select(2, pcall(require("virtcaps").xpath, doc, "/*"))))
      ]])
      assert(ok, out)
      for size, msg in out:gmatch("RESULT (%d+) ([^\n]*)") do
         assert.is_true(tonumber(size) > 20e6)
         assert.equal("out of memory", msg)
      end
      assert.equal(2, select(2, out:gsub("RESULT", "")))
      assert.not_matches("not an XML document", out, 1, true)
   end)

   it("xpath dumping elements under a low limit succeeds or says out of memory, and exits cleanly", function()
      -- Around the size where the document still parses but its dump
      -- (up to twice its size while the buffer grows) no longer fits.
      local seen = {}
      for n = 40000, 112000, 12000 do
         local ok, out = limited(150000, DOC:gsub("local n = ...", "local n = " .. n) .. [[
            local ok, a, b = pcall(require("virtcaps").xpath, doc, "/*")
            print("RESULT " .. (ok and a and "dumped " .. #a[1] or tostring(b or a)))
         ]])
         assert(ok, out)
         local r = result(out)
         assert.truthy(r == "out of memory" or r:match("^dumped %d+$"), out)
         seen[r:match("^dumped") and "dumped" or r] = true
      end
      assert.same({ dumped = true, ["out of memory"] = true }, seen)
   end)

   it("a Lua allocator that fails at every step leaks nothing and raises a memory error", function()
      local script = [[
         local f = assert(io.open(...))
         local doc = f:read("a")
         f:close()
         local caps = assert(virtcaps.parse(doc))
         assert(virtcaps.format(caps) == doc)
         assert(#core.xpath(doc, "//arch/@name") == 2)
         assert(core.nodeinfo { root = "spec/fixtures/probe/vm-x86_64", arch = "x86_64" }.cpus == 2)
         assert(core.cpuset("0-3,^2")[3] == 3)
      ]]
      local ok, out = support.sh(support.lua_env() .. support.BUILD .. "/failalloc '" .. script:gsub("'", "'\\''")
         .. "' spec/fixtures/xml/libvirt-test-driver-virsh.xml")
      assert(ok, out)
      local failures, spare = out:match("^ok: (%d+) failures before (%d+) spare bytes sufficed\n$")
      assert.truthy(failures, out)
      -- every step from no spare byte up raised, until the script fitted
      assert.is_true(tonumber(failures) > 100)
      assert.is_true(tonumber(spare) > 1000)
   end)
end)
