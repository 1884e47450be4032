-- Firmware descriptors (virtcaps.core.firmware) read from a tree standing
-- for the host (root): which files count, what they offer an architecture
-- and machine type, and hostile trees and documents. The reference's
-- behaviour here was checked against libvirt 9.0.0's virsh domcapabilities
-- with the same descriptors.
local core = require "virtcaps.core"
local json = require "dkjson"
local support = require "support"

local USR, ETC, USER = "/usr/share/qemu/firmware", "/etc/qemu/firmware", "/home/u/.config/qemu/firmware"

local base, root

before_each(function()
   base = support.tmpdir("/dev/shm")
   root = base .. "/root"
   assert(support.tool(string.format("mkdir -p '%s%s' '%s%s' '%s%s' '%s/fw'", root, USR, root, ETC, root, USER, root)))
end)

after_each(function()
   support.rmtree(base)
end)

local function put(dir, name, text)
   support.write(root .. dir .. "/" .. name, text)
end

-- A descriptor: a split flash UEFI firmware for q35 unless o says otherwise.
local function descriptor(o)
   o = o or {}
   return json.encode {
      ["interface-types"] = o.interfaces or { "uefi" },
      mapping = o.mapping or {
         device = "flash",
         executable = { filename = o.exe or "/fw/CODE.fd", format = "raw" },
         ["nvram-template"] = { filename = o.vars or "/fw/VARS.fd", format = "raw" },
      },
      targets = o.targets or { { architecture = o.arch or "x86_64", machines = o.machines or { "pc-q35-*" } } },
      features = o.features or {},
   }
end

-- Files that exist in the tree (loaders are offered only then).
local function exist(...)
   for _, path in ipairs { ... } do
      assert(support.tool(string.format("mkdir -p \"$(dirname '%s%s')\" && : > '%s%s'", root, path, root, path)))
   end
end

local function firmware(opts)
   local o = { root = root, arch = "x86_64", machine = "pc-q35-7.2", privileged = true }
   for k, v in pairs(opts or {}) do
      o[k] = v
   end
   return core.firmware(o)
end

local function paths_of(r)
   local out = {}
   for i, d in ipairs(r.descriptors) do
      out[i] = d.path
   end
   return out
end

describe("firmware descriptors: which files count", function()
   it("sorts names across directories; /etc overrides /usr/share, the user's both; an empty file hides", function()
      put(USR, "10-a.json", descriptor { exe = "/fw/A" })
      put(USR, "30-c.json", descriptor { exe = "/fw/C" })
      put(USR, "50-e.json", descriptor { exe = "/fw/E" })
      put(ETC, "30-c.json", descriptor { exe = "/fw/C-etc" })
      put(ETC, "20-b.json", descriptor { exe = "/fw/B" })
      put(ETC, "50-e.json", "")
      put(USER, "10-a.json", descriptor { exe = "/fw/A-user" })
      put(USER, "40-d.json", descriptor { exe = "/fw/D" })
      exist("/fw/A", "/fw/A-user", "/fw/B", "/fw/C", "/fw/C-etc", "/fw/D", "/fw/E")
      local user = assert(firmware { privileged = false, config_home = "/home/u/.config" })
      assert.same({ USER .. "/10-a.json", ETC .. "/20-b.json", ETC .. "/30-c.json", USER .. "/40-d.json" }, paths_of(user))
      assert.same({ "/fw/A-user", "/fw/B", "/fw/C-etc", "/fw/D" }, user.loaders)
      -- root's (privileged) reference leaves the user's directory out
      local privileged = assert(firmware { config_home = "/home/u/.config" })
      assert.same({ USR .. "/10-a.json", ETC .. "/20-b.json", ETC .. "/30-c.json" }, paths_of(privileged))
      assert.same({ "/fw/A", "/fw/B", "/fw/C-etc" }, privileged.loaders)
      assert.same({}, privileged.warnings)
   end)

   it("leaves out hidden names, directories and FIFOs, and reads names without .json", function()
      put(USR, "20-ok.json", descriptor { exe = "/fw/OK" })
      put(USR, ".hidden.json", "not json")
      put(USR, "05-noext", descriptor { interfaces = { "bios" }, exe = "/fw/NOEXT" })
      assert(support.tool(string.format("mkdir '%s%s/10-dir.json' && mkfifo '%s%s/15-fifo.json'", root, USR, root, USR)))
      local r = assert(firmware())
      assert.same({ USR .. "/05-noext", USR .. "/20-ok.json" }, paths_of(r))
      assert.same({ "bios", "efi" }, r.firmware)
   end)

   it("takes names as bytes: not UTF-8 names sort by byte", function()
      put(USR, "\255-late.json", descriptor { exe = "/fw/late" })
      put(USR, "a-early.json", descriptor { exe = "/fw/early" })
      exist("/fw/late", "/fw/early")
      local r = assert(firmware())
      assert.same({ USR .. "/a-early.json", USR .. "/\255-late.json" }, paths_of(r))
      assert.same({ "/fw/early", "/fw/late" }, r.loaders)
   end)

   it("gives each descriptor as the reference keeps it", function()
      put(USR, "10.json", descriptor { features = { "requires-smm", "secure-boot" },
         targets = { { architecture = "i386", machines = { "pc-*" } }, { architecture = "x86_64", machines = { "pc-*" } } } })
      local r = assert(firmware())
      assert.same({ {
         path = USR .. "/10.json", interfaces = { "uefi" }, device = "flash", mode = "split",
         executable = "/fw/CODE.fd", executable_format = "raw",
         nvram_template = "/fw/VARS.fd", nvram_template_format = "raw",
         targets = { { arch = "i686", machines = { "pc-*" } }, { arch = "x86_64", machines = { "pc-*" } } },
         features = { "requires-smm", "secure-boot" },
      } }, r.descriptors)
      assert.equal("x86_64", r.arch)
      assert.equal("pc-q35-7.2", r.machine)
   end)

   it("reads the descriptors alone when no machine is asked for", function()
      put(USR, "10.json", descriptor())
      local r = assert(core.firmware { root = root, arch = "x86_64", privileged = true })
      assert.equal(1, #r.descriptors)
      assert.is_nil(r.firmware)
      assert.is_nil(r.loaders)
      assert.is_nil(r.secure)
   end)
end)

describe("firmware descriptors: the offer", function()
   it("offers bios and efi by interface, secure boot where a firmware requires SMM", function()
      put(USR, "10-bios.json", descriptor { interfaces = { "bios" },
         mapping = { device = "memory", filename = "/fw/bios.bin" } })
      put(USR, "20-sb.json", descriptor { exe = "/fw/SB.fd", features = { "requires-smm", "secure-boot" } })
      exist("/fw/bios.bin", "/fw/SB.fd")
      local r = assert(firmware())
      assert.same({ "bios", "efi" }, r.firmware)
      assert.is_true(r.secure)
      assert.same({ "/fw/bios.bin", "/fw/SB.fd" }, r.loaders)
   end)

   it("offers what a descriptor without interfaces has: no firmware, but its SMM and its loader", function()
      put(USR, "10.json", descriptor { interfaces = {}, exe = "/fw/NOIF", features = { "requires-smm" },
         targets = { { architecture = "x86_64", machines = { "*" } } } })
      exist("/fw/NOIF")
      local r = assert(firmware())
      assert.same({}, r.firmware)
      assert.is_true(r.secure)
      assert.same({ "/fw/NOIF" }, r.loaders)
   end)

   it("does not call secure boot without SMM secure (Debian's aarch64 descriptors)", function()
      put(USR, "40.json", descriptor { arch = "aarch64", machines = { "virt-*" }, features = { "enrolled-keys", "secure-boot" } })
      local r = assert(firmware { arch = "aarch64", machine = "virt-7.2" })
      assert.same({ "efi" }, r.firmware)
      assert.is_false(r.secure)
   end)

   it("lists each executable once, in precedence order, whatever its NVRAM template", function()
      put(USR, "10.json", descriptor { exe = "/fw/A", vars = "/fw/V1" })
      put(USR, "20.json", descriptor { exe = "/fw/B", vars = "/fw/V1" })
      put(USR, "30.json", descriptor { exe = "/fw/A", vars = "/fw/V2" })
      exist("/fw/A", "/fw/B")
      assert.same({ "/fw/A", "/fw/B" }, assert(firmware()).loaders)
   end)

   it("offers combined and stateless flash too, which need no NVRAM template", function()
      put(USR, "10.json", descriptor { mapping = { device = "flash", mode = "combined",
         executable = { filename = "/fw/COMB.fd", format = "raw" } }, features = { "requires-smm" } })
      put(USR, "20.json", descriptor { mapping = { device = "flash", mode = "stateless",
         executable = { filename = "/fw/SL.fd", format = "raw" } } })
      exist("/fw/COMB.fd", "/fw/SL.fd")
      local r = assert(firmware())
      assert.same({ "/fw/COMB.fd", "/fw/SL.fd" }, r.loaders)
      assert.is_true(r.secure)
      assert.equal("combined", r.descriptors[1].mode)
      assert.is_nil(r.descriptors[1].nvram_template)
   end)

   it("falls back to the reference's built-in loaders when the matching descriptors name none", function()
      exist("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/AAVMF/AAVMF32_CODE.fd")
      local builtin = { "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/AAVMF/AAVMF32_CODE.fd" }
      -- no descriptor at all
      local r = assert(firmware())
      assert.same({}, r.firmware)
      assert.is_false(r.secure)
      assert.same(builtin, r.loaders)
      -- a kernel mapping: efi, but no loader of its own
      put(USR, "10.json", descriptor { mapping = { device = "kernel", filename = "/fw/kernel" },
         features = { "requires-smm" } })
      exist("/fw/kernel")
      r = assert(firmware())
      assert.same({ "efi" }, r.firmware)
      assert.is_true(r.secure)
      assert.same(builtin, r.loaders)
      -- descriptors for other machines only
      r = assert(firmware { machine = "pc-i440fx-7.2" })
      assert.same({}, r.firmware)
      assert.same(builtin, r.loaders)
   end)

   it("leaves out executables missing on the host, without falling back", function()
      exist("/usr/share/OVMF/OVMF_CODE.fd")
      put(USR, "10.json", descriptor { exe = "/fw/missing.fd" })
      local r = assert(firmware())
      assert.same({ "efi" }, r.firmware)
      assert.same({}, r.loaders)
   end)

   it("matches machine types as GLib's g_pattern_match_simple: only * and ?, case-sensitive", function()
      put(USR, "10.json", descriptor { exe = "/fw/Q", machines = { "pc-q35-?.?" } })
      put(USR, "20.json", descriptor { exe = "/fw/BR", interfaces = { "bios" }, machines = { "pc-q35-[0-9]*" } })
      put(USR, "30.json", descriptor { exe = "/fw/UP", machines = { "PC-Q35-*" } })
      put(USR, "40.json", descriptor { exe = "/fw/U8", arch = "aarch64", machines = { "vi?t-*" } })
      exist("/fw/Q", "/fw/BR", "/fw/UP", "/fw/U8")
      assert.same({ "/fw/Q" }, assert(firmware()).loaders)
      assert.same({}, assert(firmware { machine = "pc-q35-10.2" }).firmware)
      assert.same({ "bios" }, assert(firmware { machine = "pc-q35-[0-9]x" }).firmware)
      -- ? is one character, however many bytes it takes in UTF-8
      assert.same({ "/fw/U8" }, assert(firmware { arch = "aarch64", machine = "vi\u{e9}t-1" }).loaders)
      assert.same({}, assert(firmware { arch = "aarch64", machine = "vit-1" }).firmware)
   end)

   it("reads the qemu names of architectures: i386 is i686, arm armv7l", function()
      put(USR, "10.json", descriptor { exe = "/fw/I", arch = "i386" })
      put(USR, "20.json", descriptor { exe = "/fw/ARM", arch = "arm", machines = { "virt-*" } })
      exist("/fw/I", "/fw/ARM")
      assert.same({ "/fw/I" }, assert(firmware { arch = "i686" }).loaders)
      assert.same({ "/fw/ARM" }, assert(firmware { arch = "armv7l", machine = "virt-7.2" }).loaders)
      assert.same({}, assert(firmware()).firmware)
   end)
end)

describe("firmware descriptors: hostile documents", function()
   local T = [=["targets":[{"architecture":"x86_64","machines":["pc-q35-*"]}],"features":[]]=]
   local M = [=["mapping":{"device":"flash","executable":{"filename":"/a","format":"raw"},"nvram-template":{"filename":"/v","format":"raw"}}]=]
   local function doc(interfaces, mapping, rest)
      return "{" .. table.concat({ '"interface-types":' .. (interfaces or '["uefi"]'), mapping or M, rest or T }, ",") .. "}"
   end
   local CASES = {
      { "garbage", "unable to parse json file: unexpected character" },
      { "   \n", "unable to parse json file: unexpected end of data" },
      { "/* a comment */ " .. doc(), "unable to parse json file: unexpected character" },
      { doc() .. " {}", "unable to parse json file: unexpected character" },
      { doc('["uefi",]'), "unable to parse json file: unexpected character" },
      { doc(nil, nil, T .. ',"description":"caf\233"'), "unable to parse json file: invalid utf-8 string" },
      { doc(nil, nil, T .. ',"tags":' .. ("["):rep(100) .. ("]"):rep(100)),
         "unable to parse json file: nesting deeper than 64 levels" },
      { "[1]", "failed to get interface-types" },
      { "null", "failed to get interface-types" },
      { "7 ", "failed to get interface-types" },
      { doc('"uefi"'), "failed to get interface-types" },
      { doc('["foo"]'), "unknown interface type: 'foo'" },
      { doc('[7]'), "unknown interface type: '(null)'" },
      { doc(nil, '"x":1'), "missing mapping" },
      { doc(nil, '"mapping":[]'), "missing device type" },
      { doc(nil, '"mapping":{"device":"rom"}'), "unknown device type 'rom'" },
      { doc(nil, '"mapping":{"device":"flash","mode":null}'), "Firmware flash mode value was malformed" },
      { doc(nil, '"mapping":{"device":"flash","mode":"joint"}'), "Firmware flash mode value 'joint' unexpected" },
      { doc(nil, '"mapping":{"device":"flash"}'), "missing 'executable'" },
      { doc(nil, '"mapping":{"device":"flash","executable":"/a"}'), "missing 'filename'" },
      { doc(nil, '"mapping":{"device":"flash","executable":{"filename":"/a","format":7}}'), "missing 'format'" },
      { doc(nil, '"mapping":{"device":"flash","executable":{"filename":"/a","format":"raw"}}'),
         "missing 'nvram-template'" },
      { doc(nil, nil, '"features":[]'), "failed to get targets" },
      { doc(nil, nil, '"targets":[7],"features":[]'), "missing 'architecture'" },
      { doc(nil, nil, '"targets":[{"architecture":"x86-64","machines":[]}],"features":[]'),
         "unknown architecture 'x86-64'" },
      { doc(nil, nil, '"targets":[{"architecture":"x86_64"}],"features":[]'), "missing 'machines'" },
      { doc(nil, nil, '"targets":[]'), "failed to get features" },
   }

   it("fails as the reference does, naming the file and what is wrong", function()
      for _, case in ipairs(CASES) do
         put(USR, "10-x.json", case[1])
         put(USR, "20-ok.json", descriptor())
         local r, err = firmware()
         assert.is_nil(r, case[2])
         assert.equal(USR .. "/10-x.json: " .. case[2], err)
      end
   end)

   it("warns about what the reference ignores", function()
      put(USR, "10.json", doc(nil, nil, [=["targets":[{"architecture":"x86_64","machines":[3,"pc-q35-*"]}],]=]
         .. [=["features":["requires-smm","frobnicate",5]]=]))
      put(USR, "20.json", doc('["bios"]', '"mapping":{"device":"memory"}'))
      local r = assert(firmware())
      assert.same({
         USR .. "/10.json: a machine type that is no string matches nothing",
         USR .. "/10.json: feature 'frobnicate' ignored",
         USR .. "/10.json: feature '(not a string)' ignored",
         USR .. "/20.json: missing 'filename'",
      }, r.warnings)
      assert.same({ false, "pc-q35-*" }, r.descriptors[1].targets[1].machines)
      assert.same({ "requires-smm" }, r.descriptors[1].features)
      assert.same({ "bios", "efi" }, r.firmware)
      assert.is_true(r.secure)
   end)

   it("keeps 64 warnings and says more were left out", function()
      local features = {}
      for i = 1, 200 do
         features[i] = "f" .. i
      end
      put(USR, "10.json", descriptor { features = features })
      local r = assert(firmware())
      assert.equal(65, #r.warnings)
      assert.equal(USR .. "/10.json: feature 'f64' ignored", r.warnings[64])
      assert.equal("more warnings left out", r.warnings[65])
   end)

   it("matches hostile patterns within a bound, and refuses machine types over 1024 bytes", function()
      put(USR, "10.json", descriptor { machines = { ("*a"):rep(20000) .. "b" } })
      local t0 = os.clock()
      assert.same({}, assert(firmware { machine = ("a"):rep(1024) }).firmware)
      assert.is_true(os.clock() - t0 < 5, "took too long")
      local r, err = firmware { machine = ("a"):rep(1025) }
      assert.is_nil(r)
      assert.equal("a machine type of at most 1024 bytes expected", err)
   end)

   it("reads a document up to its first NUL byte, as the reference does", function()
      put(USR, "10.json", doc() .. "\0 trailing garbage")
      assert.same({ "efi" }, assert(firmware()).firmware)
   end)
end)

describe("firmware descriptors: hostile trees", function()
   it("reads a descriptor of 1 MiB and refuses a larger one", function()
      local text = descriptor()
      put(USR, "10.json", text .. (" "):rep(1024 * 1024 - #text))
      assert.same({ "efi" }, assert(firmware()).firmware)
      put(USR, "10.json", text .. (" "):rep(1024 * 1024 - #text + 1))
      local r, err = firmware()
      assert.is_nil(r)
      assert.equal(USR .. "/10.json: larger than the limit of 1048576 bytes", err)
   end)

   it("refuses descriptors of more than 16 MiB together", function()
      local text = descriptor()
      text = text .. (" "):rep(1024 * 1024 - #text)
      for i = 1, 17 do
         put(USR, string.format("%02d.json", i), text)
      end
      local r, err = firmware()
      assert.is_nil(r)
      assert.equal(USR .. "/17.json: the descriptors exceed 16777216 bytes together", err)
   end)

   it("refuses a directory of more than 1024 entries, hidden ones counted", function()
      assert(support.tool(string.format("cd '%s%s' && : > .h && seq -f '%%04g.json' 1 1023 | xargs touch", root, USR)))
      local r = assert(firmware())
      assert.same({}, r.descriptors)
      assert(support.tool(string.format("touch '%s%s/.h2'", root, USR)))
      local _, err = firmware()
      assert.equal(USR .. ": more than 1024 entries", err)
   end)

   it("keeps links inside the tree: absolute targets start again at root, .. stops there", function()
      support.write(base .. "/outside.json", descriptor { exe = "/fw/OUTSIDE" })
      put("", "inside.json", descriptor { exe = "/fw/INSIDE" })
      exist("/fw/INSIDE", "/fw/OUTSIDE")
      assert(support.tool(string.format("ln -s '%s/outside.json' '%s%s/10.json'", base, root, USR)))
      local r, err = firmware()
      assert.is_nil(r)
      assert.equal("Unable to access " .. USR .. "/10.json: No such file or directory", err)
      assert(support.tool(string.format("rm '%s%s/10.json' && ln -s /inside.json '%s%s/10.json'", root, USR, root, USR)))
      assert.same({ "/fw/INSIDE" }, assert(firmware()).loaders)
      assert(support.tool(string.format("rm '%s%s/10.json' && ln -s ../../../../../../../../outside.json '%s%s/10.json'",
         root, USR, root, USR)))
      assert.is_nil((firmware()))
      -- the directory itself a link out of the tree
      assert(support.tool(string.format("mkdir '%s/out' && cp '%s/outside.json' '%s/out/'", base, base, base)))
      assert(support.tool(string.format("rm -r '%s%s' && ln -s '%s/out' '%s%s'", root, ETC, base, root, ETC)))
      assert(support.tool(string.format("rm '%s%s/10.json'", root, USR)))
      assert.same({}, assert(firmware()).descriptors)
   end)

   it("fails on a link loop or a dangling link, as the reference does", function()
      assert(support.tool(string.format("cd '%s%s' && ln -s a.json a.json", root, USR)))
      local _, err = firmware()
      assert.equal("Unable to access " .. USR .. "/a.json: Too many levels of symbolic links", err)
      assert(support.tool(string.format("cd '%s%s' && rm a.json && ln -s nowhere.json c.json", root, USR)))
      _, err = firmware()
      assert.equal("Unable to access " .. USR .. "/c.json: No such file or directory", err)
   end)

   it("maps directories and single files with paths", function()
      support.write(base .. "/one.json", descriptor { exe = "/fw/ONE" })
      local r = assert(core.firmware { paths = { [USR] = root .. USR, [USR .. "/10.json"] = base .. "/one.json" },
         arch = "x86_64", machine = "pc-q35-7.2", privileged = true })
      assert.same({}, r.descriptors)
      put(USR, "10.json", "")
      put(USR, "10.json", "not json")
      r = assert(core.firmware { paths = { [USR] = root .. USR, [USR .. "/10.json"] = base .. "/one.json" },
         arch = "x86_64", machine = "pc-q35-7.2", privileged = true })
      assert.same({ USR .. "/10.json" }, paths_of(r))
      assert.equal("/fw/ONE", r.descriptors[1].executable)
   end)
end)

describe("firmware descriptors: misuse", function()
   it("raises on unknown options, an unknown architecture and wrong types", function()
      assert.has_error(function() core.firmware { roots = "/" } end)
      assert.has_error(function() core.firmware { arch = "x86-64" } end,
         "bad argument #1 to 'firmware' (option 'arch': an architecture the reference knows expected)")
      assert.has_error(function() core.firmware { machine = 7 } end)
      assert.has_error(function() core.firmware { privileged = "yes" } end)
      assert.has_error(function() core.firmware({}, 2) end)
   end)
end)
