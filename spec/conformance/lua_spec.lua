-- The Lua layer over every capabilities document of the reference: the
-- iterators agree with libxml2's XPath over the same bytes, and the policy
-- helpers give answers the document backs.
local virtcaps = require "virtcaps"
local policy = require "virtcaps.policy"
local virtcaps_facts = require "virtcaps.facts"
local support = require "support"

local docs = {}
for _, name in ipairs { "xml", "caps2xml" } do
   local dir = support.conformance_category(name)
   for _, f in ipairs(dir and support.require_files(dir, "%.xml$") or {}) do
      docs[#docs + 1] = dir .. "/" .. f
   end
end

-- XPath over the document; false is an answer, nil an error.
local function xpath(doc, expr)
   local r, err = virtcaps.xpath(doc, expr)
   assert(r ~= nil, err)
   return r
end

local function count(iter, ...)
   local n = 0
   for _ in iter, ... do n = n + 1 end
   return n
end

-- A string literal for XPath.
local function lit(s)
   return s:find("'") and '"' .. s .. '"' or "'" .. s .. "'"
end

describe("conformance: the Lua layer", function()
   for _, path in ipairs(docs) do
      describe(path:match("[^/]+/[^/]+$"), function()
         local doc, caps

         setup(function()
            doc = support.read(path)
            caps = assert(virtcaps.parse(doc))
         end)

         it("iterates over what XPath finds", function()
            local x = function(expr) return xpath(doc, expr) end
            assert.equal(x("count(/capabilities/guest)"), count(caps:guests()))
            assert.equal(x("count(//guest/arch/machine) + count(//guest/arch/domain/machine)"), count(caps:machines()))
            assert.equal(x("count(/capabilities/host/topology/cells/cell)"), count(caps:cells()))
            assert.equal(x("count(/capabilities/host/topology/cells/cell/cpus/cpu)"), count(caps:cpus()))
            local features = {}
            for f in caps:features() do features[#features + 1] = f end
            -- the <feature> list, then the early <features> block, without repeats
            local want, seen = {}, {}
            local function add(name)
               if not seen[name] then
                  seen[name], want[#want + 1] = true, name
               end
            end
            for _, name in ipairs(x("/capabilities/host/cpu/feature/@name")) do add(name) end
            for i = 1, x("count(/capabilities/host/cpu/features/*)") do
               add(x(string.format("name(/capabilities/host/cpu/features/*[%d])", i)))
            end
            assert.same(want, features)
            for g, i in caps:guests() do
               local prefix = string.format("/capabilities/guest[%d]", i)
               assert.equal(x(prefix .. "/os_type/text()")[1], g.os_type)
               assert.equal(x(prefix .. "/arch/@name")[1], g.arch.name)
               local by_domain = 0
               for _, d in ipairs(g.arch.domains) do
                  by_domain = by_domain + count(caps:guests { domain = d.type, arch = g.arch.name, os_type = g.os_type })
               end
               assert.is_true(by_domain >= #g.arch.domains)
            end
         end)

         it("counts CPUs and memory as the document says", function()
            local x = function(expr) return xpath(doc, expr) end
            local cells = x("count(//cells/cell)")
            if cells > 0 and x("count(//cells/cell[not(memory)])") == 0
               and x("count(//cells/cell/memory[@unit!='KiB'])") == 0 then
               assert.equal(x("sum(//cells/cell/memory)"), caps:total_memory())
            end
            if x("count(//cells/cell/cpus)") > 0 then
               assert.equal(x("count(//cells/cell/cpus/cpu)"), caps:cpu_count())
            end
            local kvm = x("boolean(//guest/arch/domain[@type='kvm'])")
            assert.equal(kvm, caps:virtualization() == "kvm")
            if x("count(//guest)") == 0 then
               assert.is_nil(caps:virtualization())
            end
         end)

         it("chooses a guest the document has", function()
            local choice, reason = policy.choose(caps)
            if not choice then
               assert.is_string(reason)
               return
            end
            local guest = string.format("/capabilities/guest[os_type=%s and arch/@name=%s]", lit(choice.os_type),
               lit(choice.arch))
            assert.is_true(xpath(doc, string.format("boolean(%s/arch/domain[@type=%s])", guest,
               lit(choice.domain))), choice.domain)
            if choice.machine then
               assert.is_true(xpath(doc, string.format("boolean(%s/arch//machine[text()=%s])", guest,
                  lit(choice.machine))), choice.machine)
            end
            if choice.emulator then
               assert.is_true(xpath(doc, string.format("boolean(%s/arch//emulator[text()=%s])", guest,
                  lit(choice.emulator))), choice.emulator)
            end
            local fits, failures = policy.fits(caps, { type = choice.domain,
               os = { type = choice.os_type, arch = choice.arch, machine = choice.machine }, vcpu = 1 })
            assert.same({ true, {} }, { fits, failures })
         end)

         it("holds against rules taken from the document", function()
            local rules = { arch = caps.host.cpu.arch, numa_cells = count(caps:cells()) }
            local arches, domains, features = {}, {}, {}
            for g in caps:guests() do
               arches[#arches + 1] = g.arch.name
               for _, d in ipairs(g.arch.domains) do domains[#domains + 1] = d.type end
            end
            for f in caps:features() do features[#features + 1] = f end
            if #arches > 0 then
               rules.guest_arches, rules.domains = arches, domains
            end
            if #features > 0 then
               rules.features = features
            end
            if caps:cpu_count() then
               rules.min_cpus = caps:cpu_count()
            end
            if caps:total_memory() then
               rules.min_memory = caps:total_memory()
            end
            assert.same({ true, {} }, { policy.check(caps, rules) })
         end)

         it("finds no change against itself and can move guests to itself", function()
            assert.same({}, policy.diff(caps, assert(virtcaps.parse(caps:xml()))))
            assert.same({ true, {} }, { policy.migratable(caps, caps, { cpu = false, live = false }) })
         end)

         it("summarises every part and gives namespaced facts", function()
            assert.is_string(tostring(caps))
            for g in caps:guests() do assert.is_string(tostring(g)) end
            for m in caps:machines() do assert.matches("^machine ", tostring(m)) end
            for c in caps:cells() do assert.matches("^NUMA cell ", tostring(c)) end
            for c in caps:cpus() do assert.matches("^CPU %d", tostring(c)) end
            local facts = virtcaps_facts.of(caps, { vm = "none", container = "none" })
            assert.equal(caps.host.cpu.arch, facts.virtcaps_arch)
            for k, v in pairs(facts) do
               assert.matches("^virtcaps_", k)
               -- lists are arrays of strings; nothing else nests
               if type(v) == "table" then
                  for i, s in pairs(v) do
                     assert.is_true(math.type(i) == "integer" and type(s) == "string", k)
                  end
               end
            end
         end)
      end)
   end
end)
