-- The reference's capabilities documents (conformance data xml/ and
-- caps2xml/): byte-exact round trips, canonical formatting, schema validity.
local virtcaps = require "virtcaps"
local support = require "support"

local XML = support.conformance_category("xml")
local CAPS2XML = support.conformance_category("caps2xml")
local SCHEMA = "/usr/share/libvirt/schemas/capability.rng"

local function add(list, dir, pattern)
   for _, f in ipairs(dir and support.require_files(dir, pattern) or {}) do
      list[#list + 1] = dir .. "/" .. f
   end
end

local exact, canonical = {}, {}
add(exact, XML, "^qemu%-.*%.xml$")
add(exact, XML, "^live%-.*%.xml$")
add(exact, CAPS2XML, "^vircaps%-.*%.xml$")
add(canonical, XML, "^schema%-.*%.xml$")
add(canonical, XML, "^seed%-.*%.xml$")

-- libxml2's RelaxNG rejects feature names with a dot although the schema
-- means to allow them (see the conformance README); rename them to check
-- everything else.
local function validate(xml)
   local path = support.tmpname()
   support.write(path, (xml:gsub("(<feature name='[^'.]*)%.([^']*'/>)", "%1_%2")))
   local ok, out = support.sh("xmllint --noout --relaxng " .. SCHEMA .. " " .. path)
   os.remove(path)
   return ok, out
end

describe("conformance: documents the reference formatted", function()
   for _, path in ipairs(exact) do
      it("round-trips byte for byte: " .. path:match("[^/]+$"), function()
         local doc = support.read(path)
         local caps = assert(virtcaps.parse(doc))
         assert.same({}, caps.warnings)
         assert.equal(doc, virtcaps.format(caps))
      end)
   end
end)

describe("conformance: hand-written documents", function()
   for _, path in ipairs(canonical) do
      it("parse and format idempotently: " .. path:match("[^/]+$"), function()
         local first = assert(virtcaps.parse(support.read(path)))
         local once = virtcaps.format(first)
         local again = assert(virtcaps.parse(once))
         assert.equal(once, virtcaps.format(again))
      end)
   end

   if XML then
      it("keep every value of the 2007 Xen example", function()
         local path = XML .. "/seed-xen-2007.xml"
         local caps = assert(virtcaps.load(path))
         assert.same({ "vmx" }, caps.host.cpu.legacy_features)
         assert.equal(2, #caps.guests)
         assert.same({ os_type = "xen", arch = { name = "x86_64", wordsize = 64,
            emulator = "/usr/lib64/xen/bin/qemu-dm", machines = {}, domains = { { type = "xen" } } }, features = {} },
            caps.guests[1])
         assert.same({ os_type = "hvm", arch = { name = "i686", wordsize = 32,
            emulator = "/usr/lib/xen/bin/qemu-dm", loader = "/usr/lib/xen/boot/hvmloader",
            machines = { { name = "pc" }, { name = "isapc" } }, domains = { { type = "xen" } } }, features = {} },
            caps.guests[2])
      end)
   end
end)

describe("conformance: the reference schema", function()
   it("is installed and rejects what it should", function()
      assert.truthy(io.open(SCHEMA), SCHEMA .. " is missing: install Debian's libvirt0")
      local ok, out = validate("<capabilities><host><cpu><arch>x86_64</arch></cpu><iommu support='maybe'/></host></capabilities>\n")
      assert.is_false(ok)
      assert.matches("fails to validate", out)
   end)
   for _, path in ipairs(exact) do
      it("accepts what format writes: " .. path:match("[^/]+$"), function()
         local caps = assert(virtcaps.load(path))
         local ok, out = validate(virtcaps.format(caps))
         assert.is_true(ok, out)
      end)
   end
   for _, path in ipairs(canonical) do
      it("accepts what format writes: " .. path:match("[^/]+$"), function()
         local caps = assert(virtcaps.load(path))
         local ok, out = validate(virtcaps.format(caps))
         assert.is_true(ok, out)
      end)
   end
end)
