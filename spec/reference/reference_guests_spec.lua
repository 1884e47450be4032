-- Side by side with the reference on this machine: the <guest> elements of
-- probe{drivers={"qemu"}} against `virsh -c qemu:///embed capabilities`,
-- byte for byte, probing cold (empty cache) and warm, and the host parts
-- the QEMU driver adds. Fails, loudly, when the reference or QEMU is missing.
local lfs = require "lfs"
local virtcaps = require "virtcaps"
local support = require "support"

-- What the probe must warn on this machine: nothing where /dev/kvm is there;
-- without it, that KVM could not be asked for the TSC frequency (only a CPU
-- with an invariant TSC, cpuinfo's nonstop_tsc, has one to ask for) and that
-- the QEMU driver left the kvm domain out.
local function expected_warnings()
   if lfs.attributes("/dev/kvm") then return {} end
   local want = {}
   if support.read("/proc/cpuinfo"):find("%f[%w_]nonstop_tsc%f[^%w_]") then
      want[#want + 1] = "no TSC counter: /dev/kvm: No such file or directory"
   end
   want[#want + 1] = support.NO_KVM
   return want
end

local function guests(xml)
   return assert(xml:match("\n(  <guest>.*</guest>\n)"), "no <guest> elements")
end

local function host_parts(xml)
   local parts = {}
   parts[#parts + 1] = xml:match("\n(    <migration_features>.-</migration_features>\n)") or "(no migration_features)"
   for sec in xml:gmatch("\n(    <secmodel>.-</secmodel>\n)") do parts[#parts + 1] = sec end
   return table.concat(parts)
end

describe("reference: QEMU guests", function()
   local reference
   setup(function()
      for _, q in ipairs { "qemu-system-x86_64", "qemu-system-arm" } do
         assert(support.sh("command -v " .. q), q .. " is not installed: run `make reference` as root, or install "
            .. "qemu-system-x86 and qemu-system-arm")
      end
      reference = support.reference_capabilities()
   end)

   it("are the reference's, byte for byte, cold and warm", function()
      local ok, cache = support.sh("mktemp -d /tmp/virtcaps-ref-cache.XXXXXX")
      assert(ok, cache)
      cache = cache:gsub("%s+$", "")
      local cold = assert(virtcaps.probe { drivers = { "qemu" }, cache_dir = cache })
      local warm = assert(virtcaps.probe { drivers = { "qemu" }, cache_dir = cache })
      os.execute("rm -rf '" .. cache .. "'")
      assert.same(expected_warnings(), cold.warnings)
      assert.same(expected_warnings(), warm.warnings)
      assert.equal(guests(reference), guests(cold:xml()))
      assert.equal(guests(reference), guests(warm:xml()))
      assert.is_true(#cold.guests >= 4)
   end)

   it("come with the reference's migration features and security models", function()
      local caps = assert(virtcaps.probe { drivers = { "qemu" }, cache = false })
      assert.equal(host_parts(reference), host_parts(caps:xml()))
   end)
end)
