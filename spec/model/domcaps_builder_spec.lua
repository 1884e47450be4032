-- The builder both drivers build domain capabilities with (model/domcaps.c),
-- driven by build/dcbuild where the drivers never go: a key or attribute the
-- schema lacks is misuse, memory running out mid-build says so; the first
-- failure is the one reported and every later step on its NULL fails too;
-- a NULL no step gave is misuse.
local support = require "support"

local function dcbuild(what)
   local ok, out = support.sh(support.BUILD .. "/dcbuild " .. what)
   assert(ok, out)
   return out
end

describe("domain capabilities builder", function()
   it("reports a key or attribute the schema lacks as misuse, and only the first failure", function()
      assert.equal(table.concat({
         "vcpu: failed=0 code=0 ",
         "nosuch: NULL",
         "nosuch: failed=1 code=5 <domainCapabilities> has no child nosuch",
         "min: -1",
         "max: 0",
         "after: failed=1 code=5 <domainCapabilities> has no child nosuch",
         "vcpu max=8",
         "os enum: NULL",
         "os enum: failed=1 code=5 <os> has no child enum",
         "min: -1",
         "min: failed=1 code=5 <vcpu> has no attribute min",
         "from NULL: NULL -1 NULL -1 -1",
         "from NULL: failed=1 code=5 <vcpu> has no attribute min",
         "stray NULL: -1",
         "stray NULL: failed=1 code=5 a node or enum expected, got NULL",
         "",
      }, "\n"), dcbuild("misuse"))
   end)

   it("says out of memory wherever an allocation fails, and builds the whole tree once memory suffices", function()
      local out = dcbuild("oom")
      assert.matches("^built: /usr/bin/qemu%-system%-x86_64 values=3000 last=/usr/share/OVMF/OVMF_CODE_2999%.fd "
         .. "enum type=3000 last=pflash\n", out)
      local total, building = out:match("\nran out of memory (%d+) times before it was built, (%d+) of them while building\n$")
      assert.truthy(total, out)
      -- the model itself takes two allocations; every later failure hit a builder step
      assert.equal(tonumber(total) - 2, tonumber(building))
      assert.is_true(tonumber(building) >= 5, out)
   end)
end)
