-- Every document virtcaps writes is well-formed, whatever its values hold:
-- each byte that starts no well-formed UTF-8 sequence and each character
-- XML forbids become U+FFFD, C0 controls
-- other than tab, newline and CR are dropped (src/xml/write.c).
local virtcaps = require "virtcaps"
local fake = require "fake_qemu"
local support = require "support"

local U_FFFD = "\xEF\xBF\xBD"

-- The document parses again with virtcaps and with xmllint.
local function wellformed(xml)
   local caps, err = virtcaps.parse(xml)
   assert(caps, err)
   local path = support.tmpname()
   support.write(path, xml)
   local ok, out = support.sh("xmllint --noout '" .. path .. "' 2>&1")
   os.remove(path)
   assert(ok, out)
   return caps
end

local function with_model(model)
   return virtcaps.format { host = { cpu = { arch = "x86_64", model = model } } }
end

describe("values that XML cannot hold", function()
   -- { given, what the document gives back }
   local cases = {
      { "a\xffb", "a" .. U_FFFD .. "b" },                       -- a stray byte
      { "q35\xEF\xBF\xBE", "q35" .. U_FFFD },                   -- U+FFFE
      { "x\xEF\xBF\xBF", "x" .. U_FFFD },                       -- U+FFFF
      -- not UTF-8 at all: each byte on its own
      { "s\xED\xA0\x80", "s" .. U_FFFD:rep(3) },                -- a surrogate
      { "o\xC0\xAF", "o" .. U_FFFD:rep(2) },                    -- overlong '/'
      { "o\xE0\x80\xAF", "o" .. U_FFFD:rep(3) },                -- overlong, three bytes
      { "big\xF4\x90\x80\x80", "big" .. U_FFFD:rep(4) },        -- beyond U+10FFFF
      { "x\x90\x80e", "x" .. U_FFFD:rep(2) .. "e" },             -- stray continuation bytes
      { "cut\xE2\x82", "cut" .. U_FFFD .. U_FFFD },             -- a truncated sequence
      { "c\1\8\11\12\14\26\31d", "cd" },                        -- C0 controls
      { "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80" }, -- valid UTF-8 stays
      { "a<b>&'\"", "a<b>&'\"" },                              -- markup characters are escaped
   }

   it("are replaced or dropped by format, and the document parses again", function()
      for _, c in ipairs(cases) do
         local caps = wellformed(with_model(c[1]))
         assert.equal(c[2], caps.host.cpu.model)
      end
   end)

   it("in attributes too", function()
      for _, c in ipairs(cases) do
         local xml = virtcaps.format { host = { cpu = { arch = "x86_64" },
            secmodels = { { model = "selinux", doi = "0", baselabels = { { type = "kvm", label = c[1] } } } } } }
         local caps = wellformed(xml)
         assert.equal(c[2], caps.host.secmodels[1].baselabels[1].label)
      end
   end)

   describe("from a probe", function()
      local dir
      before_each(function()
         dir = fake.tmpdir()
      end)
      after_each(function()
         fake.remove(dir)
      end)

      it("an emulator's machine name with U+FFFE, in a directory with a \\xff byte", function()
         local bad = dir .. "/bin\xff"
         assert(fake.run("mkdir '" .. bad .. "'"))
         fake.replay(bad, "qemu-system-x86_64", fake.session {
            { name = "q35\xEF\xBF\xBE", ["cpu-max"] = 288, ["is-default"] = true },
            { name = "pc-i440fx-7.2", ["cpu-max"] = 255 },
         })
         local probed = assert(fake.probe(bad))
         local guest = probed.guests[1]
         assert.equal(bad .. "/qemu-system-x86_64", guest.arch.emulator)
         local caps = wellformed(virtcaps.format(probed))
         assert.equal(dir .. "/bin" .. U_FFFD .. "/qemu-system-x86_64", caps.guests[1].arch.emulator)
         assert.equal("q35" .. U_FFFD, caps.guests[1].arch.machines[1].name)
         local xml = assert(require("virtcaps.core").probe_xml { drivers = { "qemu" }, qemu_dirs = { bad },
            cache = false, arch = "x86_64", paths = { ["/dev/kvm"] = dir .. "/no-kvm" } })
         assert.equal(virtcaps.format(probed):match("<guest>.*</guest>"), xml:match("<guest>.*</guest>"))
         wellformed(xml)
      end)
   end)
end)
