-- Untrusted documents: every one gets nil and a message, quickly.
local virtcaps = require "virtcaps"
local support = require "support"

local HOST = "<host><cpu><arch>x86_64</arch></cpu></host>"

local function rejects(doc, message)
   local t0 = os.clock()
   local caps, err = virtcaps.parse(doc)
   assert.is_nil(caps)
   assert.equal(message, err)
   assert.is_true(os.clock() - t0 < 2, "took too long")
end

describe("hostile documents", function()
   it("are not XML", function()
      rejects("", "line 1: Document is empty")
      rejects("hello", "line 1: Start tag expected, '<' not found")
      rejects("<capabilities>\n<host>", "line 2: Premature end of data in tag host line 2")
      rejects("<capabilities>\0</capabilities>", "line 1: the document contains a NUL byte")
      rejects("<capabilities><host><cpu><arch>\255\254</arch></cpu></host></capabilities>",
         "line 1: Input is not proper UTF-8, indicate encoding !")
   end)

   it("are some other document", function()
      rejects("<domain type='kvm'/>", "line 1: the root element is <domain>, expected <capabilities>")
      rejects("<capabilities/>", "line 1: <capabilities> needs a <host> element")
      rejects("<capabilities><host/></capabilities>", "line 1: <host> needs a <cpu> element")
   end)

   it("declare entities: billion laughs, external files, network", function()
      local lol = '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
      for i = 1, 9 do
         lol = lol .. string.format('<!ENTITY lol%d "%s">', i, (i == 1 and "&lol;" or ("&lol" .. (i - 1) .. ";")):rep(10))
      end
      lol = lol .. ']>\n<capabilities><host><cpu><arch>&lol9;</arch></cpu></host></capabilities>'
      rejects(lol, "line 2: DOCTYPE declarations are not accepted")
      rejects('<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><capabilities>' .. HOST .. '</capabilities>',
         "line 1: DOCTYPE declarations are not accepted")
      rejects('<!DOCTYPE capabilities SYSTEM "http://127.0.0.1:9/caps.dtd"><capabilities>' .. HOST .. '</capabilities>',
         "line 1: DOCTYPE declarations are not accepted")
      rejects("<capabilities><host><cpu><arch>&x;</arch></cpu></host></capabilities>", "line 1: Entity 'x' not defined")
   end)

   it("nest too deep", function()
      rejects(("<a>"):rep(10000) .. ("</a>"):rep(10000), "line 1: Excessive depth in document: 256 use XML_PARSE_HUGE option")
   end)

   it("are too large: 100 MB, given as a string or a file", function()
      local path = support.tmpname()
      do -- the 100 MB string is out of scope before the timed load
         local big = "<capabilities>" .. HOST .. "<!--" .. ("x"):rep(100 * 1000 * 1000) .. "--></capabilities>"
         rejects(big, "document is " .. #big .. " bytes, over the limit of 67108864")
         support.write(path, big)
      end
      local t0 = os.clock()
      assert.same({ nil, path .. ": larger than the limit of 67108864 bytes" }, { virtcaps.load(path) })
      os.remove(path)
      assert.is_true(os.clock() - t0 < 2, "took too long")
   end)

   it("hold numbers that do not fit or are negative", function()
      rejects("<capabilities><host><cpu><arch>x86_64</arch><microcode version='18446744073709551616'/></cpu></host></capabilities>",
         "line 1: <microcode> attribute version: 18446744073709551616 is out of range (at most 9223372036854775807)")
      rejects("<capabilities><host><cpu><arch>x86_64</arch><microcode version='4294967296'/></cpu></host></capabilities>",
         "line 1: host.cpu.microcode.version: 4294967296 is out of range (0 to 4294967295)")
      rejects([[<capabilities><host><cpu><arch>x86_64</arch></cpu><topology><cells num='1'>
<cell id='0'><pages unit='KiB' size='4'>-5</pages></cell></cells></topology></host></capabilities>]],
         "line 2: <pages>: expected a non-negative integer, got '-5'")
      rejects("<capabilities>" .. HOST .. "<guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>sixty</wordsize>"
         .. "<domain type='qemu'/></arch></guest></capabilities>", "line 1: <wordsize>: expected an integer, got 'sixty'")
   end)

   it("contradict themselves", function()
      local function topo(cells)
         return "<capabilities><host><cpu><arch>x86_64</arch></cpu>\n<topology>" .. cells .. "</topology></host></capabilities>"
      end
      rejects(topo("<cells num='2'><cell id='0'/><cell id='0'/></cells>"),
         "line 2: host.topology.cells: cell id 0 appears twice")
      rejects(topo("<cells num='3'><cell id='0'/></cells>"), "line 2: <cells num='3'> lists 1 <cell> elements")
      rejects(topo([[<cells num='2'><cell id='0'><cpus num='1'><cpu id='1'/></cpus></cell>
<cell id='1'><cpus num='1'><cpu id='1'/></cpus></cell></cells>]]), "line 2: host.topology.cells: cpu id 1 appears twice")
      rejects(topo([[<cells num='1'><cell id='0'><cpus num='1'>
<cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0-3'/></cpus></cell></cells>]]),
         "line 3: host.topology.cells[1].cpus[1].siblings: CPU 1 is in no cell")
      rejects(topo("<cells num='1'><cell id='0'><distances><sibling id='7' value='20'/></distances></cell></cells>"),
         "line 2: host.topology.cells[1].distances[1].id: no cell has id 7")
      rejects("<capabilities><host><uuid>a</uuid><uuid>b</uuid><cpu><arch>x86_64</arch></cpu></host></capabilities>",
         "line 1: <uuid> appears twice in <host>")
   end)

   it("hold stray text or wrong values", function()
      rejects("<capabilities><host>junk<cpu><arch>x86_64</arch></cpu></host></capabilities>",
         "line 1: unexpected text in <host>")
      rejects("<capabilities><host><cpu><arch>x<b/></arch></cpu></host></capabilities>", "line 1: <arch> holds text, not <b>")
      rejects("<capabilities><host><cpu><arch>x86_64</arch></cpu><iommu support='maybe'/></host></capabilities>",
         "line 1: <iommu> attribute support: expected 'yes' or 'no', got 'maybe'")
      rejects("<capabilities><host><cpu><arch>x86_64</arch></cpu><cache><bank id='0' level='3' type='both' size='8' "
         .. "unit='parsec' cpus='0'/></cache></host></capabilities>",
         "line 1: host.cache.banks[1].unit: invalid unit 'parsec'")
   end)
end)

describe("misuse of the API", function()
   it("raises with the argument number", function()
      assert.error_matches(function() virtcaps.parse() end, "bad argument #1 to '.*parse' %(string expected, got no value%)")
      assert.error_matches(function() virtcaps.parse({}) end, "bad argument #1 to '.*parse' %(string expected, got table%)")
      assert.error_matches(function() virtcaps.parse("<a/>", 2) end,
         "bad argument #2 to '.*parse' %(no more than 1 argument expected, got 2%)")
      assert.error_matches(function() virtcaps.load(nil) end, "bad argument #1 to '.*load' %(string expected, got nil%)")
   end)
end)
