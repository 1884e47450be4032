-- The layering check of `make lint` (tools/layers.lua): it passes on the
-- tree as it is and fails, naming the file and line, on a copy of src/ with
-- one forbidden include added.
local support = require "support"

local function check(dir)
   return support.sh("lua5.4 tools/layers.lua '" .. dir .. "'")
end

-- A copy of src/ with a line added before the first #include of one file.
local function with_line(file, line)
   local dir = support.tmpdir()
   assert(support.sh("cp -r src/. '" .. dir .. "'"))
   local path = dir .. "/" .. file
   local text = support.read(path)
   support.write(path, (text:gsub("\n#include", "\n" .. line .. "\n#include", 1)))
   return dir
end

-- The check fails with "FILE:LINE: message", LINE where the line went.
local function fails_with(file, line, message)
   local dir = with_line(file, line)
   local ok, out = check(dir)
   support.rmtree(dir)
   assert.is_false(ok)
   assert.matches("^" .. file:gsub("%p", "%%%0") .. ":%d+: " .. message:gsub("%p", "%%%0") .. "\n$", out)
end

describe("the layering check", function()
   it("passes on the tree and reads its table from src/README.md", function()
      local ok, out = check("src")
      assert.is_true(ok, out)
      assert.equals("layers: 8 layers, includes follow src/README.md\n", out)
   end)

   it("passes on an unchanged copy (the copy itself is no failure)", function()
      local dir = with_line("base/arch.c", "/* a comment */")
      local ok, out = check(dir)
      support.rmtree(dir)
      assert.is_true(ok, out)
   end)

   it("fails when a lower layer includes a higher one", function()
      fails_with("base/arch.c", '#include "model/model.h"',
         'layer base may not include "model/model.h" (layer model)')
      fails_with("host/numa.c", '#include "probe.h"',
         'layer host may not include "probe.h" (layer probe)')
      fails_with("cpu/cpu.h", '#include "drivers/drivers.h"',
         'layer cpu may not include "drivers/drivers.h" (layer drivers)')
   end)

   it("fails when a layer includes a library it may not use", function()
      fails_with("model/model.c", "#include <lua.h>", "layer model may not include <lua.h> (lua)")
      fails_with("drivers/qmp.c", "#include <libxml/tree.h>",
         "layer drivers may not include <libxml/tree.h> (libxml2)")
      fails_with("model/model.h", "#include <json.h>", "layer model may not include <json.h> (json-c)")
   end)

   it("fails on a file outside every layer and on an include of no file", function()
      local dir = with_line("base/arch.c", '#include "nowhere.h"')
      support.write(dir .. "/stray.c", "int x;\n")
      local ok, out = check(dir)
      support.rmtree(dir)
      assert.is_false(ok)
      assert.matches('base/arch.c:%d+: includes "nowhere.h", which is not under', out)
      assert.matches("stray.c: outside every layer of README.md", out, 1, true)
   end)

   it("fails when the table lets layers use each other in a loop", function()
      local dir = with_line("base/arch.c", "/* unchanged */")
      local readme = support.read(dir .. "/README.md")
      support.write(dir .. "/README.md", (readme:gsub("| libc |", "| libc `drivers` |", 1)))
      local ok, out = check(dir)
      support.rmtree(dir)
      assert.is_false(ok)
      assert.matches("README.md: the layers may use each other in a loop: base -> drivers -> base", out, 1, true)
   end)
end)
