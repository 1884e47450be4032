-- virtcaps.domcapabilities probing QEMU: the cache of the conversation
-- (a hit runs nothing, a changed binary or a tampered entry is asked
-- again), the host's facts through root and paths (swtpm, VFIO, KVM's vCPU
-- limit), and the reference's errors. The emulator replays the reference's
-- 7.2 x86_64 record (KVM, then TCG).
local virtcaps = require "virtcaps"
local fake = require "fake_qemu"
local support = require "support"

local REPLAY = fake.REPLAY
local RECORD = select(2, support.sh("realpath spec/conformance-data/domcaps/replies/caps_7.2.0.x86_64.replies"))
   :gsub("%s+$", "")
local BIN = "/usr/bin/qemu-system-x86_64"

describe("virtcaps.domcapabilities (QEMU)", function()
   local tmp, root, emulator, count, cache

   setup(function()
      tmp = fake.tmpdir()
      root = tmp .. "/root"
      cache = tmp .. "/cache"
      count = tmp .. "/runs"
      -- each emulator process leaves a line in count
      emulator = fake.script(tmp, "qemu", "echo run >> '" .. count .. "'\nexec lua5.4 '" .. REPLAY .. "' '"
         .. RECORD .. "' \"$@\"")
      assert(fake.run("mkdir -p '" .. root .. "/usr/bin' '" .. root .. "/sys/kernel/iommu_groups/7' '" .. root
         .. "/dev/vfio' && touch '" .. root .. "/dev/vfio/vfio' '" .. root .. "/dev/kvm'"))
      fake.script(root .. "/usr/bin", "swtpm", "exit 0")
      fake.script(root .. "/usr/bin", "swtpm_ioctl", "exit 0")
      fake.script(root .. "/usr/bin", "swtpm_setup",
         "echo '{ \"type\": \"swtpm_setup\", \"features\": [ \"cmdarg-pwdfile-fd\", \"tpm-1.2\" ] }'")
   end)

   teardown(function()
      fake.remove(tmp)
   end)

   local function runs()
      local f = io.open(count)
      local n = 0
      if f then
         for _ in f:lines() do
            n = n + 1
         end
         f:close()
      end
      return n
   end

   local function probe(extra)
      local opts = { emulatorbin = BIN, arch = "x86_64", root = root, paths = { [BIN] = emulator },
         cache_dir = cache, timeout = 60 }
      for k, v in pairs(extra or {}) do
         opts[k] = v
      end
      return virtcaps.domcapabilities(opts)
   end

   it("reads the host's facts through root: swtpm's versions, VFIO, KVM's vCPU limit", function()
      local dc = assert(probe { cache = false })
      assert.equal("kvm", dc.domain)
      assert.equal("pc-i440fx-7.2", dc.machine)
      -- /dev/kvm answers no KVM_CHECK_EXTENSION: the kernel's documented 4
      assert.equal(4, dc.vcpu.max)
      assert.same({ "1.2" }, dc.devices.tpm.backendVersion)
      assert.same({ "default", "vfio" }, dc.devices.hostdev.pciBackend)
      -- no firmware descriptors under root: neither firmware type is offered
      assert.same({}, dc.os.firmware or {})
   end)

   it("caches the conversation: a hit runs no emulator, a changed binary is asked again", function()
      local before = runs()
      local first = assert(probe()):xml()
      assert.equal(before + 2, runs())  -- the KVM round and the TCG round
      assert.equal(first, assert(probe()):xml())
      assert.equal(before + 2, runs())
      assert(fake.run("sleep 0.01; touch '" .. emulator .. "'"))
      assert.equal(first, assert(probe()):xml())
      assert.equal(before + 4, runs())
      assert.equal(first, assert(probe { cache = false }):xml())
      assert.equal(before + 6, runs())
   end)

   it("asks again when the entry was tampered with, and gives the same document", function()
      local first = assert(probe()):xml()
      local _, entry = support.cache_entry(cache, "^qemu%-caps%-")
      for _, change in ipairs {
         function(doc) doc.version = "many" end,
         function(doc) doc.flags = { 1, 2 } end,
         function(doc) doc.accel = nil end,
         function(doc) doc.accel[2].named.host[3][1][2] = "sometimes" end,
         function(doc) doc.accel[2].named.models = {} end,
         function(doc) doc.named_db[2] = "f00" end,
      } do
         support.rewrite_json(entry, change)
         local before = runs()
         assert.equal(first, assert(probe()):xml())
         assert.equal(before + 2, runs())
      end
   end)

   it("keeps what the CPU model database concludes, while the database's files stay as they were", function()
      local map, own = tmp .. "/cpu_map", tmp .. "/named-cache"
      assert(fake.run("cp -r /usr/share/libvirt/cpu_map '" .. map .. "'"))
      local first = assert(probe { cpu_map = map, cache_dir = own })
      local runs0 = runs()
      local doc, entry = support.cache_entry(own, "^qemu%-caps%-")
      assert.equal(map, doc.named_db[1])
      -- the KVM round's host-model, as the fill names it
      local host = doc.accel[1].named.host
      assert.equal(first.cpu.modes["host-model"].model, host[1])
      assert.equal(first.cpu.modes["host-model"].vendor, host[2])
      -- a hit takes the kept name: the entry says Penryn, so does the document
      support.rewrite_json(entry, function(d) d.accel[1].named.host[1] = "Penryn" end)
      assert.equal("Penryn", assert(probe { cpu_map = map, cache_dir = own }).cpu.modes["host-model"].model)
      -- another database, or changed files, name it again without asking
      -- QEMU, and the entry keeps the new names
      assert.equal(first:xml(), assert(probe { cache_dir = own }):xml())
      assert.equal("/usr/share/libvirt/cpu_map", support.cache_entry(own, "^qemu%-caps%-").named_db[1])
      local digest = doc.named_db[2]
      assert(fake.run("sleep 0.01; touch '" .. map .. "/index.xml'"))
      -- this Lua state read the map before: its names serve, are not kept
      assert.equal(first:xml(), assert(probe { cpu_map = map, cache_dir = own }):xml())
      assert.equal("/usr/share/libvirt/cpu_map", support.cache_entry(own, "^qemu%-caps%-").named_db[1])
      -- a new process reads the changed files, and keeps its names under them
      local code = string.format("local dc = assert(require('virtcaps').domcapabilities { emulatorbin = %q, "
         .. "arch = 'x86_64', root = %q, paths = { [%q] = %q }, cache_dir = %q, cpu_map = %q, timeout = 60 }) "
         .. "io.write(dc:xml())", BIN, root, BIN, emulator, own, map)
      local script = tmp .. "/named.lua"
      support.write(script, code)
      local ok, out = support.sh(support.lua_env() .. "lua5.4 " .. script)
      assert(ok, out)
      assert.equal(first:xml(), out)
      local again = support.cache_entry(own, "^qemu%-caps%-").named_db
      assert.equal(map, again[1])
      assert.not_equal(digest, again[2])
      assert.equal(runs0, runs())
   end)

   it("runs the emulator with the C locale, the caller's PATH and nothing else of the host process's", function()
      local env = tmp .. "/env"
      local bin = fake.script(tmp, "qemu-env", "env > '" .. env .. "'\nexec lua5.4 '" .. REPLAY .. "' '" .. RECORD
         .. "' \"$@\"")
      assert(probe { cache = false, paths = { [BIN] = bin } })
      local seen = {}
      for line in io.lines(env) do
         seen[line:match("^([^=]*)=")] = line:match("=(.*)")
      end
      assert.equal("C", seen.LC_ALL)
      assert.equal(os.getenv("PATH"), seen.PATH)
      assert.equal("glibc.malloc.hugetlb=1", seen.GLIBC_TUNABLES)
      assert.is_not_nil(os.getenv("HOME"))
      assert.is_nil(seen.HOME)
   end)

   it("gives the reference's errors", function()
      assert.same({ nil, "unknown architecture: sparc128" }, { probe { arch = "sparc128" } })
      assert.same({ nil, "architecture from emulator 'x86_64' doesn't match given architecture 'aarch64'" },
         { probe { arch = "aarch64" } })
      assert.same({ nil, "the machine 'bogus' is not supported by emulator '" .. BIN .. "'" },
         { probe { machine = "bogus" } })
      assert.same({ nil, "unknown virttype: bogus" }, { probe { virttype = "bogus" } })
      assert.same({ nil, "unable to find any emulator to serve 'aarch64' architecture" },
         { virtcaps.domcapabilities { arch = "aarch64", qemu_dirs = { tmp .. "/none" }, root = root } })
      local none, err = probe { emulatorbin = "/nonexistent/qemu" }
      assert.is_nil(none)
      assert.equal("qemu: cannot open /nonexistent/qemu: No such file or directory", err)
   end)

   it("takes the test hooks instead of the host's facts", function()
      local dc = assert(probe { tpm_versions = { "2.0" }, vfio = false, kvm_max_vcpus = 0, loaders = { "/x.fd" } })
      assert.equal(255, dc.vcpu.max)
      assert.same({ "2.0" }, dc.devices.tpm.backendVersion)
      assert.same({}, dc.devices.hostdev.pciBackend or {})
      assert.same({ "/x.fd" }, dc.os.loader.values)
      assert.error_matches(function() probe { tpm_versions = { "3.0" } } end,
         "option 'tpm_versions': '1.2' or '2.0' expected, got '3.0'")
      assert.error_matches(function() probe { kvm_max_vcpus = -1 } end, "option 'kvm_max_vcpus'")
   end)
end)
