-- XPath over capabilities documents (and any XML), through libxml2.
local virtcaps = require "virtcaps"
local support = require "support"

local FIX = "spec/fixtures/xml/"

describe("virtcaps.xpath", function()
   local doc, caps

   setup(function()
      doc = support.read(FIX .. "debian12-x86_64-virsh.xml")
      caps = assert(virtcaps.parse(doc))
   end)

   it("gives attribute and text values of node-sets as strings", function()
      assert.same({ "armv6l", "armv7l", "aarch64", "i686", "x86_64" }, virtcaps.xpath(doc, "//guest/arch/@name"))
      assert.same({ "Broadwell" }, virtcaps.xpath(doc, "/capabilities/host/cpu/model/text()"))
      assert.same({ "i686", "x86_64" }, virtcaps.xpath(doc, "//guest[arch/domain/@type='kvm']/arch/@name"))
      assert.same({ "pc-i440fx-7.2", "pc-q35-7.2" },
         virtcaps.xpath(doc, "//arch[@name='x86_64']/machine/@canonical"))
      assert.same({}, virtcaps.xpath(doc, "//guest[os_type='xen']"))
   end)

   it("gives elements as markup, as xmllint --xpath prints them", function()
      assert.same({ "<topology sockets=\"1\" dies=\"1\" cores=\"2\" threads=\"1\"/>" },
         virtcaps.xpath(doc, "/capabilities/host/cpu/topology"))
      assert.same({ "<sibling id=\"0\" value=\"10\"/>" }, virtcaps.xpath(doc, "//distances/sibling"))
      local cells = virtcaps.xpath(doc, "//cells")
      assert.equal(1, #cells)
      assert.truthy(cells[1]:find("^<cells num=\"1\">\n"))
   end)

   it("gives numbers, strings and booleans as Lua values", function()
      assert.equal(5, virtcaps.xpath(doc, "count(//guest)"))
      assert.equal(math.type(5), math.type(virtcaps.xpath(doc, "count(//guest)")))
      assert.equal(437, virtcaps.xpath(doc, "count(//machine)"))
      assert.equal(5859104, virtcaps.xpath(doc, "sum(//cell/memory)"))
      assert.equal(2.5, virtcaps.xpath(doc, "5 div 2"))
      assert.equal(math.huge, virtcaps.xpath(doc, "1 div 0"))
      assert.equal("Intel", virtcaps.xpath(doc, "string(//cpu/vendor)"))
      assert.equal("", virtcaps.xpath(doc, "string(//nothing)"))
      assert.is_true(virtcaps.xpath(doc, "boolean(//feature[@name='avx512f'])"))
      assert.is_false(virtcaps.xpath(doc, "boolean(//feature[@name='vmx'])"))
   end)

   it("is a method on capabilities tables", function()
      assert.equal(437, caps:xpath("count(//machine)"))
      assert.same({ "qemu", "kvm" }, caps:xpath("//arch[@name='i686']/domain/@type"))
      local hmat = assert(virtcaps.load(FIX .. "hmat-clusters.xml"))
      assert.same({ "yes" }, hmat:xpath("//iommu/@support"))
      assert.equal(2, hmat:xpath("count(//cell)"))
   end)

   it("says what is wrong with an expression", function()
      local function bad(expr, message)
         local r, err = virtcaps.xpath(doc, expr)
         assert.is_nil(r)
         assert.equal(message, err)
      end
      bad("//[", "bad XPath expression '//[': invalid expression at character 3")
      bad("//guest[", "bad XPath expression '//guest[': invalid expression at character 9")
      bad("'open", "bad XPath expression ''open': unfinished literal at character 6")
      bad("$caps", "bad XPath expression '$caps': variables are not allowed at character 6")
      bad("nosuch(1)", "bad XPath expression 'nosuch(1)': unknown function")
      bad("count(1, 2)", "bad XPath expression 'count(1, 2)': wrong number of arguments")
      bad("", "bad XPath expression '': invalid expression at character 1")
      local r, err = caps:xpath("//[")
      assert.is_nil(r)
      assert.equal("bad XPath expression '//[': invalid expression at character 3", err)
   end)

   it("reads documents the safe way", function()
      local r, err = virtcaps.xpath("<a><b>", "//b")
      assert.is_nil(r)
      assert.equal("line 1: Premature end of data in tag b line 1", err)
      r, err = virtcaps.xpath('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', "string(/a)")
      assert.is_nil(r)
      assert.equal("line 1: DOCTYPE declarations are not accepted", err)
      -- any XML, not only capabilities
      assert.same({ "kvm" }, virtcaps.xpath(support.read("spec/fixtures/domain/kvm-q35-small.xml"), "/domain/@type"))
   end)

   it("bounds the work and the output", function()
      -- 3000 elements, each step of the predicates visiting all of them again
      local flat = "<r>" .. ("<a/>"):rep(3000) .. "</r>"
      local t0 = os.clock()
      local r, err = virtcaps.xpath(flat, "count(//a[count(//a[count(//a) > 0]) > 0])")
      assert.is_nil(r)
      assert.equal("XPath expression 'count(//a[count(//a[count(//a) > 0]) > 0])': more than 10000000 steps", err)
      assert.is_true(os.clock() - t0 < 10)
      assert.equal(3000, virtcaps.xpath(flat, "count(//a[count(//a) > 1])"))
      -- every element's markup holds all its descendants: quadratic output
      local deep = ("<a>"):rep(250) .. ("x"):rep(1024 * 1024) .. ("</a>"):rep(250)
      r, err = virtcaps.xpath(deep, "//*")
      assert.is_nil(r)
      assert.equal("the XPath result is over the limit of 67108864 bytes", err)
   end)

   it("rejects misuse", function()
      assert.has_error(function() virtcaps.xpath(doc) end, "bad argument #2 to 'xpath' (string expected, got no value)")
      assert.has_error(function() virtcaps.xpath(doc, "//a\0b") end, "bad argument #2 to 'xpath' (string contains a NUL byte)")
      assert.has_error(function() virtcaps.xpath(doc, "//a", 1) end,
         "bad argument #3 to 'xpath' (no more than 2 arguments expected, got 3)")
      assert.has_error(function() caps:xpath({}) end, "bad argument #2 to 'xpath' (string expected, got table)")
   end)
end)
