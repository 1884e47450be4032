-- Several Lua states in one process share nothing through the C core.
local support = require "support"

describe("many Lua states in one process", function()
   it("each work, and close in any order", function()
      local ok, out = support.sh(support.lua_env() .. support.BUILD .. "/states spec/fixtures/xml/debian12-x86_64-virsh.xml")
      assert.is_true(ok, out)
      assert.equal("ok\n", out)
   end)
end)
