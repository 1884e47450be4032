-- Side by side with the reference on this machine: `virtcaps domcapabilities
-- ARGS` against `virsh -c 'qemu:///embed?root=ROOT' domcapabilities ARGS`
-- (libvirt 9.0.0's QEMU driver, embedded; one state directory for every
-- case, so the reference probes each binary once), byte for byte: the
-- document, or the reference's error words with status 2 (the reference's
-- is 1). Once with Debian's firmware packages' descriptors, and once
-- without them: both run in a mount namespace (unshare -m) with an empty
-- directory over /usr/share/qemu/firmware. Fails loudly when virsh or the
-- namespace cannot be had.
local support = require "support"

local CASES = {
   "",
   "--virttype kvm --arch x86_64",
   "--virttype qemu --arch x86_64",
   "--virttype kvm --arch i686",
   "--virttype qemu --arch i686",
   "--machine q35",
   "--machine pc",
   "--arch aarch64",
   "--arch aarch64 --machine virt",
   "--arch armv7l",
   "--arch armv7l --machine virt",
   "--emulatorbin /usr/bin/qemu-system-x86_64",
   -- the reference's errors for what this host cannot give
   "--emulatorbin /usr/bin/qemu-system-aarch64",
   "--arch i686 --machine virt",
   "--arch sparc",
}

local FIRMWARE_DIR = "/usr/share/qemu/firmware"

describe("reference: virtcaps domcapabilities", function()
   local root, empty, cache

   setup(function()
      root = support.reference_root()
      empty = support.tmpdir()
      cache = support.tmpdir()
      local ok, out = support.sh("unshare -m sh -c 'mount --bind " .. empty .. " " .. FIRMWARE_DIR .. "'")
      assert(ok, "cannot hide " .. FIRMWARE_DIR .. " in a mount namespace (run `make reference` as root): " .. out)
   end)

   teardown(function()
      support.rmtree(empty)
      support.rmtree(cache)
   end)

   -- code, stdout, stderr of a command, in a namespace without the firmware
   -- descriptors when hidden
   local function run(cmd, hidden)
      if hidden then
         cmd = "unshare -m sh -c \"mount --bind " .. empty .. " " .. FIRMWARE_DIR .. " && " .. cmd .. "\""
      end
      return support.shell(cmd)
   end

   local function compare(args, hidden)
      local rcode, rout, rerr = run("virsh -c 'qemu:///embed?root=" .. root .. "' domcapabilities " .. args, hidden)
      local code, out, err = run("XDG_CACHE_HOME=" .. cache .. " lua5.4 bin/virtcaps domcapabilities " .. args, hidden)
      if rcode == 0 then
         assert.same({ 0, "" }, { code, err })
         assert.equal(rout, out)
      else
         -- virsh: "error: failed to get emulator capabilities\nerror: CLASS: WORDS\n"
         local words = rerr:match("\nerror: [%w ]+: ([^\n]*)\n$")
         assert(words, "the reference failed otherwise: " .. rerr)
         assert.same({ 2, "", "virtcaps domcapabilities: " .. words .. "\n" }, { code, out, err })
      end
      return rout
   end

   for _, args in ipairs(CASES) do
      it("equals virsh domcapabilities " .. args, function()
         compare(args, false)
      end)
   end

   for _, args in ipairs(CASES) do
      it("equals virsh domcapabilities " .. args .. " without the firmware descriptors", function()
         compare(args, true)
      end)
   end

   it("tells the two apart: the descriptors decide the firmware offered", function()
      local with = compare("--machine q35", false)
      local without = compare("--machine q35", true)
      assert.matches("<enum name='secure'>\n        <value>yes</value>", with, 1, true)
      assert.not_matches("<value>yes</value>\n        <value>no</value>\n      </enum>\n    </loader>", without)
   end)
end)
