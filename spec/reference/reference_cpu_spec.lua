-- Side by side with the reference on this machine: the host CPU model of
-- `virsh capabilities`, `virsh cpu-compare --error` and `virsh cpu-baseline`
-- (libvirt 9.0.0's QEMU driver, embedded). Fails loudly without virsh.
local virtcaps = require "virtcaps"
local support = require "support"

local DATA = support.DATA

local function virsh(args)
   assert(support.sh("command -v virsh"), "the reference is not installed: run `make reference` as root, "
      .. "or install libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86 qemu-system-arm")
   local ok, root = support.sh("mkdir -p build/reference-root && realpath build/reference-root")
   assert(ok, root)
   return support.sh("virsh -c 'qemu:///embed?root=" .. root:gsub("%s+$", "") .. "' " .. args)
end

local with_file = support.with_file

local ref_caps -- parsed once: virsh capabilities takes seconds
local function reference_host()
   ref_caps = ref_caps or assert(virtcaps.parse(support.reference_capabilities()))
   return ref_caps
end

-- A few features every model shares, and some only newer CPUs have, for
-- generated guests.
local FEATURES = { "vmx", "svm", "pcid", "x2apic", "avx", "avx2", "avx512f", "avx512-fp16", "amx-tile", "rtm", "hle",
   "invtsc", "pdpe1gb", "3dnowext", "sse4.2", "aes", "tsc-deadline", "xsaves", "la57", "ssbd", "md-clear",
   "rdctl-no", "arch-capabilities", "hypervisor", "monitor", "ibpb" }
local MODELS = { "qemu64", "Penryn", "Nehalem", "Westmere", "SandyBridge", "Haswell-noTSX", "Broadwell",
   "Skylake-Client", "Icelake-Server", "Cooperlake", "EPYC", "Opteron_G3", "kvm64" }

local function guests()
   return support.guest_cpus(60, 7, MODELS, FEATURES)
end

-- The QEMU driver drops features QEMU does not know from baselines
-- (virQEMUCapsCPUFilterFeatures); the reference's own tests keep them.
local QEMU_DROPS = { cmt = true, mbm_total = true, mbm_local = true, osxsave = true, ospke = true }

local function as_qemu_driver(cpu)
   local kept = {}
   for _, f in ipairs(cpu.features) do
      if not QEMU_DROPS[type(f) == "table" and f.name or f] then kept[#kept + 1] = f end
   end
   cpu.features = kept
   return virtcaps.cpu.format(cpu) .. "\n"
end

-- virsh cpu-compare's words for the two results that succeed
local HOST_SAYS = { identical = "is identical to host CPU", superset = "^Host CPU is a superset" }

describe("reference: the host CPU model", function()
   it("is the one virsh capabilities reports on this machine", function()
      local ref = reference_host().host.cpu
      local ours = assert(virtcaps.probe { drivers = {} }).host.cpu
      assert.equal(ref.model, ours.model)
      assert.equal(ref.vendor, ours.vendor)
      assert.same(ref.signature, ours.signature)
      assert.same(ref.features, ours.features)
      assert.is_true(#ours.features > 0)
   end)
end)

describe("reference: virsh cpu-compare --error", function()
   for _, g in ipairs(guests()) do
      it(g.name, function()
         local ok, out = with_file(g.xml, function(path) return virsh("cpu-compare --error " .. path) end)
         support.agrees_with_virsh(ok, out, HOST_SAYS, virtcaps.cpu.compare(reference_host(), g.xml))
      end)
   end
end)

describe("reference: virsh cpu-baseline", function()
   local cases = support.baseline_inputs()
   local hosts = {}
   for _, f in ipairs(support.require_files(DATA .. "/cpuid", "%-host%.xml$")) do
      hosts[#hosts + 1] = support.read(DATA .. "/cpuid/" .. f)
   end
   for i = 1, #hosts - 2 do
      cases[#cases + 1] = { name = "cpuid hosts " .. i .. "-" .. i + 2, cpus = table.concat(hosts, "", i, i + 2) }
   end
   local flags = { [""] = {}, ["--features"] = { expand = true }, ["--migratable"] = { migratable = true } }
   for _, c in ipairs(cases) do
      it(c.name, function()
         for flag, opts in pairs(flags) do
            local ok, out = with_file(c.cpus, function(path) return virsh("cpu-baseline " .. flag .. " " .. path) end)
            local cpu, err = virtcaps.cpu.baseline(c.cpus, opts)
            if ok then
               assert.equal(out, as_qemu_driver(assert(cpu, err)), flag)
            else
               assert.is_nil(cpu, flag)
               assert.equal(out:match("error: [%w ]+failed: ([^\n]*)"), err, flag)
            end
         end
      end)
   end
end)
