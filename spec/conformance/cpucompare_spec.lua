-- The reference's CPU comparisons and baselines (conformance data
-- cpucompare/): every line of compare.tsv, every baseline case with the
-- variants the directory holds.
local virtcaps = require "virtcaps"
local support = require "support"

local DIR = support.conformance_category("cpucompare")
if not DIR then
   return
end

local function cpu_file(name)
   return support.read(DIR .. "/x86_64-" .. name .. ".xml")
end

local lines = {}
for line in support.read(DIR .. "/compare.tsv"):gmatch("[^\n]+") do
   local host, guest, result = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
   assert(host, "malformed line in compare.tsv: " .. line)
   lines[#lines + 1] = { host = host, guest = guest, result = result }
end
assert(#lines > 0, "compare.tsv has no cases")

local baselines = {}
for _, f in ipairs(support.require_files(DIR, "^x86_64%-baseline%-.+%.xml$")) do
   local name = f:match("^x86_64%-baseline%-(.+)%.xml$")
   if not name:match("%-result$") and not name:match("%-expanded$") and not name:match("%-migratable$") then
      baselines[#baselines + 1] = name
   end
end

describe("conformance: comparing CPUs", function()
   for _, c in ipairs(lines) do
      it(c.host .. " runs " .. c.guest .. ": " .. c.result, function()
         local result, features, message = virtcaps.cpu.compare(cpu_file(c.host), cpu_file(c.guest))
         if c.result == "ERROR" then
            assert.is_nil(result)
            assert.is_string(features)
         else
            assert.equal(c.result:lower(), result, message)
            if result == "incompatible" then
               assert.is_table(features)
               assert.is_string(message)
            end
         end
      end)
   end
end)

describe("conformance: baselines", function()
   for _, name in ipairs(baselines) do
      it(name, function()
         local input = cpu_file("baseline-" .. name)
         local variants = {
            result = {},
            expanded = { expand = true },
            migratable = { migratable = true },
         }
         local checked = 0
         for suffix, opts in pairs(variants) do
            local path = DIR .. "/x86_64-baseline-" .. name .. "-" .. suffix .. ".xml"
            local f = io.open(path)
            if f then
               local want = f:read("a")
               f:close()
               local cpu = assert(virtcaps.cpu.baseline(input, opts))
               assert.equal(want, virtcaps.cpu.format(cpu), suffix)
               checked = checked + 1
            end
         end
         if checked == 0 then
            -- no result: the reference refuses these CPUs
            local cpu, err = virtcaps.cpu.baseline(input)
            assert.is_nil(cpu)
            assert.is_string(err)
         else
            -- as the reference's tests check: every input CPU runs the baseline
            local cpu = assert(virtcaps.cpu.baseline(input))
            for one in input:gmatch("<cpu>.-</cpu>") do
               local r = virtcaps.cpu.compare(one, cpu)
               assert.is_true(r == "identical" or r == "superset", r)
            end
         end
      end)
   end
end)
