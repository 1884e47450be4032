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
      } do
         support.rewrite_json(entry, change)
         local before = runs()
         assert.equal(first, assert(probe()):xml())
         assert.equal(before + 2, runs())
      end
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
