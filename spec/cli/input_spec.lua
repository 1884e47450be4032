-- The command line's input: every file argument read with the same bound
-- as --caps (regular files or "-" only), and rules files read as data.
local json = require "dkjson"
local support = require "support"

local run, shell = support.cli, support.shell
local FIX = "spec/fixtures/xml/"
local CAPS = FIX .. "debian12-x86_64-virsh.xml"
local DOMAIN = "spec/fixtures/domain/kvm-q35-small.xml"
local LIMIT = 64 * 1024 * 1024
-- A memory bound for the child (what it would take before the fix), but
-- under `make asan-test`, whose sanitizer reserves more address space.
local ULIMIT = os.getenv("LD_PRELOAD") and "" or "ulimit -v 2000000; "

-- Every command that takes a file, with the file put where FILE stands.
local function commands(file)
   return {
      { "--caps", file },
      { "validate", file },
      { "diff", CAPS, file },
      { "check", file, "--caps", CAPS },
      { "fits", file, "--caps", CAPS },
      { "baseline", file },
      { "cpu-compare", file, "--caps", CAPS },
   }
end

local function name_of(argv)
   return argv[1] == "--caps" and "virtcaps" or "virtcaps " .. argv[1]
end

describe("file arguments", function()
   local dir
   setup(function() dir = support.tmpdir() end)
   teardown(function() support.rmtree(dir) end)

   it("refuse devices and directories", function()
      for _, path in ipairs { "/dev/zero", "/dev/null", "spec" } do
         for _, argv in ipairs(commands(path)) do
            assert.same({ 2, "", name_of(argv) .. ": " .. path .. ": not a regular file\n" }, { run(argv) })
         end
      end
   end)

   it("refuse a FIFO without waiting for a writer", function()
      local fifo = dir .. "/fifo"
      assert(support.tool("mkfifo " .. fifo))
      for _, argv in ipairs(commands(fifo)) do
         -- timeout: a reader that blocks fails the spec instead of hanging it
         assert.same({ 2, "", name_of(argv) .. ": " .. fifo .. ": not a regular file\n" },
            { shell("timeout 20 lua5.4 bin/virtcaps " .. table.concat(argv, " ")) })
      end
   end)

   it("are checked on the file as opened: nothing is checked by name first", function()
      -- a FIFO swapped in after a check by name would block the open; the
      -- reader opens without blocking and checks what it opened
      local core = require "virtcaps.core"
      local fifo, small = dir .. "/fifo2", dir .. "/small"
      assert(support.tool("mkfifo " .. fifo))
      support.write(small, "0123456789")
      assert.same({ nil, fifo .. ": not a regular file" }, { core.read_file(fifo, LIMIT) })
      assert.equal("0123456789", core.read_file(small, 10))
      assert.same({ nil, small .. ": larger than the limit of 9 bytes" }, { core.read_file(small, 9) })
      assert.error_matches(function() core.read_file(small .. "\0x", 10) end, "bad argument #1")
      assert.error_matches(function() core.read_file(small, -1) end, "bad argument #2")
      local output = require "virtcaps.cli.output"
      assert.equal("0123456789", output.read_file({}, small))
   end)

   it("refuse a file larger than the document limit before reading it", function()
      local sparse = dir .. "/sparse"
      assert(support.tool("truncate -s 3G " .. sparse))
      for _, argv in ipairs(commands(sparse)) do
         assert.same({ 2, "", string.format("%s: %s: larger than the limit of %d bytes\n", name_of(argv), sparse, LIMIT) },
            { shell(ULIMIT .. "timeout 20 lua5.4 bin/virtcaps " .. table.concat(argv, " ")) })
      end
   end)

   it("read standard input for -, with the same limit", function()
      for _, argv in ipairs(commands("-")) do
         local code, out, err = shell("head -c " .. LIMIT + 1 .. " /dev/zero | lua5.4 bin/virtcaps "
            .. table.concat(argv, " "))
         assert.same({ 2, "", string.format("%s: -: larger than the limit of %d bytes\n", name_of(argv), LIMIT) },
            { code, out, err })
      end
      assert.same({ 0, support.read(CAPS), "" }, { shell("lua5.4 bin/virtcaps --caps - < " .. CAPS) })
      assert.same({ 0, "-: valid\n", "" }, { shell("lua5.4 bin/virtcaps validate - < " .. CAPS) })
      assert.same({ 1, "changed pages 2 MiB in cell 0: 0 -> 16\nchanged pages 1 GiB in cell 0: 0 -> 2\n", "" },
         { shell("lua5.4 bin/virtcaps diff " .. CAPS .. " - < " .. FIX .. "debian12-x86_64-hugepages-virsh.xml") })
      assert.same({ 0, "-: fits\n", "virtcaps fits: warning: what the domain asks of its emulator is not checked: "
         .. "--caps FILE is not this host's live probe (give --domcaps FILE)\n" },
         { shell("lua5.4 bin/virtcaps fits - --caps " .. CAPS .. " < " .. DOMAIN) })
      assert.same({ 0, "ok: 1 rule holds\n", "" },
         { shell("echo '{ arch = \"x86_64\" }' | lua5.4 bin/virtcaps check - --caps " .. CAPS) })
      assert.same({ 2, "", "virtcaps diff: -: standard input is named more than once\n" },
         { shell("lua5.4 bin/virtcaps diff - - < " .. CAPS) })
      local code, out, err = shell("lua5.4 bin/virtcaps --caps - < /dev/null")
      assert.same({ 2, "" }, { code, out })
      assert.matches("^virtcaps: %-: ", err)
   end)
end)

describe("rules files", function()
   local dir
   setup(function() dir = support.tmpdir() end)
   teardown(function() support.rmtree(dir) end)

   local function check(text)
      local path = dir .. "/rules"
      support.write(path, text)
      -- timeout: a rules file that runs forever fails the spec instead of hanging it
      local code, out, err = shell(ULIMIT .. "timeout 20 lua5.4 bin/virtcaps check " .. path .. " --caps " .. CAPS)
      return code, out, (err:gsub(path:gsub("%p", "%%%0"), "RULES"))
   end

   local DATA = "(a rules file is data: one table of strings, numbers, booleans and tables)"

   it("are data: nothing in them runs", function()
      local cases = {
         { "while true do end return {}", "RULES:1: expected a table ('{'), got 'while' " .. DATA },
         { "return { x = (function() while true do end end)() }", "RULES:1: unexpected '(' " .. DATA },
         { "local t = {} for i = 1, 1e12 do t[i] = ('x'):rep(1e6) end return t",
            "RULES:1: expected a table ('{'), got 'local' " .. DATA },
         { 'return { arch = ("x"):rep(1e9) }', "RULES:1: unexpected '(' " .. DATA },
         { 'return { arch = "x":rep(1e9) }', "RULES:1: unexpected ':' " .. DATA },
         { 'return { rep = string.rep }', "RULES:1: unexpected 'string' where a value belongs " .. DATA },
         { 'return { arch = "x" .. "y" }', "RULES:1: unexpected '.' " .. DATA },
         { 'return { arch = f"x" }', "RULES:1: unexpected 'f' where a value belongs " .. DATA },
         { 'return { arch = #"x" }', "RULES:1: unexpected '#' " .. DATA },
         { 'return {\n arch = "x86_64" } .. ""', "RULES:2: unexpected '.' " .. DATA },
         { 'return {} {}', "RULES:1: unexpected '{' after the table" },
         { 'return { x = [[long]] }', "RULES:1: unexpected '[' " .. DATA },
         { '--[[\n]] return {}', "RULES:1: comments starting with '[' are not accepted; use '--' line comments" },
         { 'return { arch = "x86_64\n" }', "RULES:1: unfinished string" },
         { string.rep("{", 33) .. string.rep("}", 33), "RULES:1: tables nested deeper than 32" },
      }
      for _, c in ipairs(cases) do
         assert.same({ 2, "", "virtcaps check: " .. c[2] .. "\n" }, { check(c[1]) }, c[1])
      end
   end)

   it("hold strings, numbers, booleans, tables and comments", function()
      assert.same({ 0, "ok: 4 rules hold\n", "" }, { check([[
-- what the guests need
return {
   arch = 'x86_64'; domains = { "kvm", "qemu" }, -- both
   min_cpus = 0x2,
   hugepages = { { size = "2 MiB", count = 0 } },
}
]]) })
      assert.same({ 1, "min_memory: wanted at least 9.3 GiB, found 5.6 GiB\n", "" },
         { check('{ min_memory = "10 GB" }') })
      assert.same({ 2, "", "virtcaps check: RULES:1: invalid escape sequence near '\"\\q'\n" },
         { check('{ arch = "\\q" }') })
      assert.same({ 2, "", "virtcaps check: RULES: bad rule 'min_cpus': a non-negative integer expected, got -2.5\n" },
         { check('{ min_cpus = -2.5 }') })
   end)

   it("give failures whose numbers are JSON numbers, sizes in KiB beside the text", function()
      local path = dir .. "/rules"
      support.write(path, "{ min_cpus = 8 }")
      local code, out = run { "check", path, "--json", "--caps", CAPS }
      assert.equal(1, code)
      assert.same({ rule = "min_cpus", wanted = "at least 8", found = "2", wanted_count = 8, found_count = 2,
         message = "min_cpus: wanted at least 8, found 2" }, json.decode(out).failures[1])
      support.write(path, '{ min_memory = "64 GiB", hugepages = { size = "1 GiB", count = 4 } }')
      code, out = run { "check", path, "--json", "--caps", CAPS }
      assert.equal(1, code)
      local failures = json.decode(out).failures
      assert.same({ 67108864, 5859104 }, { failures[1].wanted_kib, failures[1].found_kib })
      assert.same({ 4, 0, 1048576 }, { failures[2].wanted_count, failures[2].found_count, failures[2].page_kib })
      -- the text stays for people
      assert.equal("at least 64 GiB", failures[1].wanted)
      assert.is_true(math.type(failures[1].found_kib) == "integer" and out:find('"found_kib":5859104', 1, true) ~= nil)
   end)
end)
