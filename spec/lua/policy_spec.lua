-- virtcaps.policy on real documents: choose, check, fits, diff, migratable.
local virtcaps = require "virtcaps"
local policy = require "virtcaps.policy"
local support = require "support"

local FIX = "spec/fixtures/xml/"
local DOM = "spec/fixtures/domain/"

-- virsh capabilities on the build machine (x86_64, KVM), the same machine
-- with 16 x 2 MiB and 2 x 1 GiB pages reserved, and libvirt's test driver.
local caps, hugepages, testdrv, hmat

setup(function()
   caps = assert(virtcaps.load(FIX .. "debian12-x86_64-virsh.xml"))
   hugepages = assert(virtcaps.load(FIX .. "debian12-x86_64-hugepages-virsh.xml"))
   testdrv = assert(virtcaps.load(FIX .. "libvirt-test-driver-virsh.xml"))
   hmat = assert(virtcaps.load(FIX .. "hmat-clusters.xml"))
end)

local function f(rule, wanted, found, numbers)
   local t = { rule = rule, wanted = wanted, found = found, message = rule .. ": wanted " .. wanted .. ", found " .. found }
   for k, v in pairs(numbers or {}) do t[k] = v end
   return t
end

-- policy.fits where it warns of nothing: whether it fits and the failures.
local function fits(...)
   local ok, failures, warnings = policy.fits(...)
   if ok ~= nil then
      assert.same({}, warnings)
   end
   return ok, failures
end

describe("policy.size", function()
   it("reads sizes as libvirt does, in KiB", function()
      assert.equal(64 * 1024 * 1024, policy.size("64 GiB"))
      assert.equal(64 * 1024 * 1024, policy.size("64G"))
      assert.equal(62500000, policy.size("64GB"))
      assert.equal(512 * 1024, policy.size("512 MiB"))
      assert.equal(1536 * 1024, policy.size("1.5 GiB"))
      assert.equal(2048, policy.size("2048"))
      assert.equal(4, policy.size(4))
      assert.equal(1024 ^ 3, policy.size("1 TiB"))
   end)

   it("says what is not a size", function()
      assert.same({ nil, "cannot read 'lots' as a size (like \"64 GiB\")" }, { policy.size("lots") })
      assert.same({ nil, "cannot read '64 GiBs' as a size (like \"64 GiB\")" }, { policy.size("64 GiBs") })
      assert.same({ nil, "-1 is not a size" }, { policy.size(-1) })
      assert.same({ nil, "a size is a number (KiB) or a string like \"64 GiB\", not a table" }, { policy.size({}) })
   end)
end)

describe("policy.choose", function()
   it("prefers KVM and the machine type QEMU defaults to", function()
      assert.same({ os_type = "hvm", arch = "x86_64", domain = "kvm", emulator = "/usr/bin/qemu-system-x86_64",
         machine = "pc-i440fx-7.2" }, policy.choose(caps))
      assert.same({ os_type = "hvm", arch = "i686", domain = "kvm", emulator = "/usr/bin/qemu-system-i386",
         machine = "pc-i440fx-7.2" }, policy.choose(caps, { arch = "i686" }))
      assert.same({ os_type = "hvm", arch = "x86_64", domain = "qemu", emulator = "/usr/bin/qemu-system-x86_64",
         machine = "pc-i440fx-7.2" }, policy.choose(caps, { domain = "qemu" }))
   end)

   it("falls back to emulation where there is no acceleration", function()
      assert.same({ os_type = "hvm", arch = "aarch64", domain = "qemu", emulator = "/usr/bin/qemu-system-aarch64",
         machine = "virt-7.2" }, policy.choose(caps, { arch = "aarch64" }))
   end)

   it("resolves machine aliases and patterns", function()
      assert.equal("pc-q35-7.2", policy.choose(caps, { machine = "q35" }).machine)
      assert.equal("pc-i440fx-7.2", policy.choose(caps, { machine = "pc" }).machine)
      assert.equal("pc-q35-6.1", policy.choose(caps, { machine = "pc-q35-6.1" }).machine)
      assert.equal("pc-q35-7.2", policy.choose(caps, { machine = "^pc%-q35" }).machine)
      assert.equal("microvm", policy.choose(caps, { machine = "micro" }).machine)
      assert.equal("virt-7.2", policy.choose(caps, { arch = "armv7l", machine = "^virt" }).machine)
   end)

   it("checks vCPUs against maxCpus", function()
      assert.equal("pc-q35-7.2", policy.choose(caps, { min_vcpus = 256 }).machine)
      assert.equal("pc-i440fx-7.2", policy.choose(caps, { min_vcpus = 255 }).machine)
      assert.same({ nil, "no machine for x86_64 (kvm) takes 289 vCPUs; the most is 288 (pc-q35-7.2)" },
         { policy.choose(caps, { min_vcpus = 289 }) })
      assert.same({ nil, "no machine for aarch64 (qemu) takes 8 vCPUs; the most is 6 (xlnx-zcu102)" },
         { policy.choose(caps, { arch = "aarch64", machine = "^xlnx", min_vcpus = 8 }) })
   end)

   it("says what is missing", function()
      assert.same({ nil, "no kvm for aarch64 on this x86_64 host; qemu (TCG) is available" },
         { policy.choose(caps, { arch = "aarch64", domain = "kvm" }) })
      assert.same({ nil, "no xen for x86_64 on this x86_64 host; kvm and qemu (TCG) are available" },
         { policy.choose(caps, { domain = "xen" }) })
      assert.same({ nil, "no guest of arch riscv64 on this x86_64 host; guests: hvm/armv6l, hvm/armv7l, hvm/aarch64, "
         .. "hvm/i686, hvm/x86_64" }, { policy.choose(caps, { arch = "riscv64" }) })
      assert.same({ nil, "no exe guest of arch x86_64 on this x86_64 host; os types: hvm" },
         { policy.choose(caps, { os_type = "exe" }) })
      assert.same({ nil, "no machine matching 'virt' for x86_64 (kvm); machines: pc-i440fx-7.2, pc, pc-q35-5.2, "
         .. "pc-i440fx-2.12, pc-i440fx-2.0, pc-i440fx-6.2, pc-q35-4.2, pc-i440fx-2.5 and 52 more" },
         { policy.choose(caps, { machine = "virt" }) })
      assert.same({ nil, "no guest of arch x86_64 on this x86_64 host" }, { policy.choose(hmat) })
   end)

   it("works without machine types", function()
      assert.same({ os_type = "hvm", arch = "i686", domain = "test", emulator = "/usr/bin/test-hv" },
         policy.choose(testdrv))
      assert.same({ os_type = "xen", arch = "i686", domain = "test", emulator = "/usr/bin/test-hv" },
         policy.choose(testdrv, { os_type = "xen" }))
      assert.same({ nil, "no machine types for i686 (test), so none matching 'pc'" },
         { policy.choose(testdrv, { machine = "pc" }) })
   end)

   it("rejects misuse", function()
      assert.has_error(function() policy.choose(caps, { arc = "x86_64" }) end,
         "unknown choose option 'arc' (known: arch, domain, machine, min_vcpus, os_type)")
      assert.has_error(function() policy.choose(caps, { min_vcpus = 1.5 }) end,
         "bad option 'min_vcpus' to 'choose' (positive integer expected)")
      assert.has_error(function() policy.choose(caps, { arch = 64 }) end,
         "bad option 'arch' to 'choose' (string expected, got number)")
      assert.has_error(function() policy.choose(caps, { machine = "pc[" }) end,
         "bad option 'machine' to 'choose' (bad pattern: malformed pattern (missing ']'))")
      assert.has_error(function() policy.choose(nil) end, "bad argument (caps: table expected, got nil)")
   end)
end)

describe("policy.check", function()
   it("passes rules the host meets", function()
      assert.same({ true, {} }, { policy.check(caps, {
         arch = "x86_64", cpu_vendor = "Intel", cpu_model = { "Broadwell", "Skylake-Client" }, virtualization = "kvm",
         guest_arches = { "x86_64", "aarch64" }, os_types = { "hvm" }, domains = { "kvm", "qemu" },
         machines = { "q35", "pc-i440fx-7.2", "virt" }, features = { "avx512f", "pdpe1gb" }, min_cpus = 2,
         min_memory = "5 GiB", numa_cells = 1, hugepages = { size = "2 MiB", count = 0 }, iommu = false,
         live_migration = true, secmodels = { "dac" },
      }) })
      assert.same({ true, {} }, { policy.check(hugepages, { domains = { "kvm" },
         hugepages = { { size = "1 GiB", count = 2 }, { size = "2M", count = 16 } } }) })
      assert.same({ true, {} }, { policy.check(hmat, { iommu = true, numa_cells = 2, min_memory = "24 GiB" }) })
   end)

   it("names rule, wanted and found for every failure", function()
      local ok, failures = policy.check(caps, {
         arch = "x86_64", domains = { "kvm" }, features = { "vmx" }, min_cpus = 8, min_memory = "64 GiB",
         hugepages = { size = "1 GiB", count = 4 }, iommu = true, numa_cells = 2,
      })
      assert.is_false(ok)
      assert.same({
         f("features", "vmx", "vme, ss, ht, osxsave, f16c, rdrand, hypervisor, arat and 48 more (missing vmx)"),
         f("min_cpus", "at least 8", "2", { wanted_count = 8, found_count = 2 }),
         f("min_memory", "at least 64 GiB", "5.6 GiB", { wanted_kib = 67108864, found_kib = 5859104 }),
         f("numa_cells", "at least 2", "1", { wanted_count = 2, found_count = 1 }),
         f("hugepages", "4 pages of 1 GiB", "0", { wanted_count = 4, found_count = 0, page_kib = 1048576 }),
         f("iommu", "supported", "not supported"),
      }, failures)
   end)

   it("reports each kind of rule", function()
      local _, failures = policy.check(testdrv, {
         arch = { "x86_64", "aarch64" }, cpu_vendor = "AMD", cpu_model = "EPYC", virtualization = "kvm",
         guest_arches = { "x86_64" }, os_types = { "exe", "hvm" }, domains = { "xen" }, machines = { "pc" },
         hugepages = { size = "16 GiB" }, live_migration = true, secmodels = { "selinux" },
      })
      assert.same({
         f("arch", "one of x86_64, aarch64", "i686"),
         f("cpu_vendor", "AMD", "none"),
         f("cpu_model", "EPYC", "none"),
         f("virtualization", "kvm", "test"),
         f("guest_arches", "x86_64", "i686 (missing x86_64)"),
         f("os_types", "exe, hvm", "hvm, xen (missing exe)"),
         f("domains", "xen", "test (missing xen)"),
         f("machines", "pc", "no machine types"),
         f("hugepages", "1 page of 16 GiB", "no 16 GiB pages (sizes: 4 KiB, 8 KiB, 2 MiB, 1 GiB)",
            { wanted_count = 1, found_count = 0, page_kib = 16777216 }),
         f("live_migration", "supported", "not supported"),
         f("secmodels", "selinux", "testSecurity (missing selinux)"),
      }, failures)
      _, failures = policy.check(hmat, { min_cpus = 5, iommu = false, guest_arches = { "x86_64" } })
      assert.same({
         f("guest_arches", "x86_64", "no guests"),
         f("min_cpus", "at least 5", "4", { wanted_count = 5, found_count = 4 }),
         f("iommu", "not supported", "supported"),
      }, failures)
   end)

   it("rejects unknown rules and bad values", function()
      local function bad(rules, message)
         local ok, err = pcall(policy.check, caps, rules)
         assert.is_false(ok)
         assert.equal(message, err)
      end
      bad({ min_ram = "4 GiB" }, "unknown rule 'min_ram' (known: arch, cpu_vendor, cpu_model, virtualization, "
         .. "guest_arches, os_types, domains, machines, features, min_cpus, min_memory, numa_cells, hugepages, iommu, "
         .. "live_migration, secmodels, firmware, secure_boot, cpu_modes, cpu_models, tpm, sev, sgx)")
      bad({ min_memory = "lots" }, "bad rule 'min_memory': cannot read 'lots' as a size (like \"64 GiB\")")
      bad({ min_cpus = "8" }, "bad rule 'min_cpus': a non-negative integer expected, got 8")
      bad({ iommu = "yes" }, "bad rule 'iommu': true or false expected, got yes")
      bad({ domains = {} }, "bad rule 'domains': an empty list")
      bad({ domains = { "kvm", 5 } }, "bad rule 'domains': strings expected, got number at [2]")
      bad({ features = { vmx = true } }, "bad rule 'features': a list expected")
      bad({ hugepages = "1G" }, "bad rule 'hugepages': {size=, count=} or a list of them expected, got string")
      bad({ hugepages = { size = "1G", pages = 4 } }, "bad rule 'hugepages': unknown field 'pages' (known: count, size)")
      bad({ hugepages = { { size = "huge" } } }, "bad rule 'hugepages': cannot read 'huge' as a size (like \"64 GiB\")")
      bad({ [1] = "kvm" }, "unknown rule '1' (known: arch, cpu_vendor, cpu_model, virtualization, "
         .. "guest_arches, os_types, domains, machines, features, min_cpus, min_memory, numa_cells, hugepages, iommu, "
         .. "live_migration, secmodels, firmware, secure_boot, cpu_modes, cpu_models, tpm, sev, sgx)")
      -- raised at the caller's line
      local ok, err = pcall(function() policy.check(caps, { numa_cells = -1 }) end)
      assert.is_false(ok)
      assert.matches("^spec/lua/policy_spec%.lua:%d+: bad rule 'numa_cells'", err)
      assert.has_error(function() policy.check(caps, "arch=x86_64") end, "bad argument (rules: table expected, got string)")
   end)

   it("lists its rules", function()
      assert.same({ "arch", "cpu_vendor", "cpu_model", "virtualization", "guest_arches", "os_types", "domains",
         "machines", "features", "min_cpus", "min_memory", "numa_cells", "hugepages", "iommu", "live_migration",
         "secmodels", "firmware", "secure_boot", "cpu_modes", "cpu_models", "tpm", "sev", "sgx" }, policy.rules())
   end)
end)

describe("policy.fits", function()
   local small, huge, arm, test

   setup(function()
      -- virsh define + dumpxml on this machine, and libvirt's test driver
      small = support.read(DOM .. "kvm-q35-small.xml")
      huge = support.read(DOM .. "kvm-hugepages-1g-numa.xml")
      arm = support.read(DOM .. "qemu-aarch64-virt.xml")
      test = support.read(DOM .. "test-driver-test.xml")
   end)

   it("accepts definitions the host can run", function()
      assert.same({ true, {} }, { fits(caps, small) })
      assert.same({ true, {} }, { fits(caps, arm) })
      assert.same({ true, {} }, { fits(hugepages, huge) })
      -- the test driver's own guest: 8 GiB of RAM (2 GiB in use) on a 6 GiB host
      assert.same({ false, { f("memory", "8 GiB", "6 GiB") } }, { fits(testdrv, test) })
      assert.same({ true, {} }, { fits(testdrv, (test:gsub("<memory unit='KiB'>8388608", "<memory unit='KiB'>2097152"))) })
   end)

   it("checks huge pages and their NUMA placement", function()
      assert.same({ false, { f("hugepages", "2 GiB in 1 GiB pages in cells 0", "0 KiB (0 pages)") } },
         { fits(caps, huge) })
      local more = huge:gsub("<memory unit='KiB'>2097152", "<memory unit='KiB'>4194304")
         :gsub("memory='2097152'", "memory='4194304'")
      assert.same({ false, { f("hugepages", "4 GiB in 1 GiB pages in cells 0", "0 KiB (0 pages)") } },
         { fits(caps, more) })
      assert.same({ false, { f("hugepages", "4 GiB in 1 GiB pages in cells 0", "2 GiB (2 pages)") } },
         { fits(hugepages, more) })
      local two_mib = huge:gsub("page size='1048576'", "page size='2048'")
      assert.same({ false, { f("hugepages", "2 GiB in 2 MiB pages in cells 0", "32 MiB (16 pages)") } },
         { fits(hugepages, two_mib) })
      local odd = huge:gsub("page size='1048576'", "page size='16'")
      assert.same({ false, { f("hugepages", "16 KiB pages", "page sizes 4 KiB, 2 MiB, 1 GiB") } },
         { fits(hugepages, odd) })
   end)

   it("checks NUMA placement against the host's cells", function()
      local elsewhere = huge:gsub("nodeset='0'/>\n    <memnode", "nodeset='1'/>\n    <memnode")
      local ok, failures = policy.fits(hugepages, elsewhere)
      assert.is_false(ok)
      assert.same({ f("numatune", "host cells 1", "no cell 1; cells: 0"),
         f("hugepages", "2 GiB in 1 GiB pages in cells 1", "0 KiB (0 pages)") }, failures)
      local too_big = huge:gsub("<memoryBacking>.-</memoryBacking>", "")
         :gsub("<memory unit='KiB'>2097152", "<memory unit='GiB'>5"):gsub("memory='2097152'", "memory='6291456'")
      assert.same({ false, { f("numatune", "6 GiB for guest cell 0 in cells 0", "5.6 GiB") } },
         { fits(caps, too_big) })
      local no_pages = huge:gsub("<memoryBacking>.-</memoryBacking>", "")
      assert.same({ true, {} }, { fits(caps, no_pages) })
   end)

   it("finds everything wrong with a definition at once", function()
      local wrong = small:gsub("<vcpu placement='static'>2</vcpu>", "<vcpu placement='static' cpuset='0-3'>300</vcpu>")
         :gsub("<memory unit='KiB'>1048576</memory>", "<memory unit='GiB'>64</memory>")
         :gsub("/usr/bin/qemu%-system%-x86_64", "/opt/qemu/bin/qemu-kvm")
      local ok, failures, warnings = policy.fits(caps, wrong)
      assert.is_false(ok)
      assert.same({
         f("emulator", "/opt/qemu/bin/qemu-kvm", "/usr/bin/qemu-system-x86_64"),
         f("vcpus", "300", "at most 288 for pc-q35-7.2"),
         f("cpuset", "0-3", "host CPUs 0-1"),
         f("memory", "64 GiB", "5.6 GiB"),
      }, failures)
      -- overcommit runs (QEMU and the reference accept it): a warning
      assert.same({ f("host_cpus", "300 vCPUs", "2 host CPUs", { wanted_count = 300, found_count = 2 }) }, warnings)
      -- unless asked for a limit
      local over = { type = "kvm", vcpu = 4 }
      assert.same({ true, {}, { f("host_cpus", "4 vCPUs", "2 host CPUs", { wanted_count = 4, found_count = 2 }) } },
         { policy.fits(caps, over) })
      assert.same({ false, { f("host_cpus", "4 vCPUs", "2 host CPUs", { wanted_count = 4, found_count = 2 }) }, {} },
         { policy.fits(caps, over, { overcommit = false }) })
      assert.has_error(function() policy.fits(caps, over, { overcommit = "no" }) end,
         "bad option 'overcommit' to 'fits' (known: overcommit, a boolean)")
   end)

   it("says which guest or machine is missing", function()
      assert.same({ false, { f("type", "kvm", "qemu for hvm/aarch64") } },
         { fits(caps, (arm:gsub("type='qemu'", "type='kvm'"))) })
      assert.same({ false, { f("arch", "hvm/riscv64", "hvm/armv6l, hvm/armv7l, hvm/aarch64, hvm/i686, hvm/x86_64") } },
         { fits(caps, (arm:gsub("arch='aarch64'", "arch='riscv64'"))) })
      assert.same({ false, { f("machine", "pc-q35-9.0", "pc-i440fx-7.2, pc, pc-q35-5.2, pc-i440fx-2.12, "
         .. "pc-i440fx-2.0, pc-i440fx-6.2, pc-q35-4.2, pc-i440fx-2.5 and 52 more") } },
         { fits(caps, (small:gsub("pc%-q35%-7%.2", "pc-q35-9.0"))) })
      assert.same({ false, { f("type", "test", "qemu, kvm for hvm/i686") } }, { fits(caps, test) })
   end)

   it("takes tables as well", function()
      assert.same({ true, {} }, { fits(caps, { type = "kvm", os = { arch = "x86_64", machine = "q35" },
         vcpu = 2, memory = "4 GiB" }) })
      assert.same({ false, { f("vcpus", "256", "at most 255 for pc-i440fx-7.2") },
         { f("host_cpus", "256 vCPUs", "2 host CPUs", { wanted_count = 256, found_count = 2 }) } },
         { policy.fits(caps, { type = "kvm", vcpu = 256 }) })
      assert.same({ false, { f("memory", "8 GiB", "5.6 GiB"), f("hugepages", "8 GiB in 1 GiB pages", "2 GiB (2 pages)") } },
         { fits(hugepages, { type = "kvm", memory = "8 GiB", hugepages = { { size = "1 GiB" } } }) })
      assert.same({ true, {} }, { fits(hugepages, { type = "kvm", memory = "1 GiB", hugepages = {} }) })
      -- a host with base pages only
      local small_pages = assert(virtcaps.parse(caps:xml()))
      small_pages.host.cpu.pages = { small_pages.host.cpu.pages[1] }
      small_pages.host.topology.cells[1].pages = { small_pages.host.topology.cells[1].pages[1] }
      assert.same({ false, { f("hugepages", "huge pages", "only 4 KiB pages") } },
         { fits(small_pages, { type = "kvm", memory = "1 GiB", hugepages = {} }) })
   end)

   it("reports unreadable definitions and rejects misuse", function()
      assert.same({ nil, "line 1: the root element is <capabilities>, expected <domain>" },
         { fits(caps, caps:xml()) })
      assert.has_error(function() policy.fits(caps, 42) end,
         "bad argument #2 to 'fits' (domain XML or table expected, got number)")
      assert.has_error(function() policy.fits(caps, { type = "kvm", vcpus = 2 }) end,
         "unknown domain field 'vcpus' (known: cpu, current_memory, disks, emulator, firmware, graphics, hostdevs, "
         .. "hugepages, launch_security, loader, max_memory, memory, name, numa, numatune, os, rngs, secure_boot, sgx, "
         .. "tpms, type, vcpu, video)")
      assert.has_error(function() policy.fits(caps, { type = "kvm", memory = "much" }) end,
         "bad domain: 'memory': cannot read 'much' as a size (like \"64 GiB\")")
      assert.has_error(function() policy.fits(caps, { memory = 1 }) end,
         "bad domain: 'type' (kvm, qemu, xen, ...) expected")
   end)
end)

describe("policy.diff", function()
   local function messages(changes)
      local out = {}
      for i, c in ipairs(changes) do out[i] = c.message end
      return out
   end

   it("finds nothing between a document and itself", function()
      assert.same({}, policy.diff(caps, caps))
      assert.same({}, policy.diff(caps, assert(virtcaps.parse(caps:xml()))))
   end)

   it("reports huge pages reserved, and ignores the uuid and free 4 KiB pages", function()
      assert.same({
         { change = "changed", what = "pages", name = "2 MiB in cell 0", from = 0, to = 16,
            message = "changed pages 2 MiB in cell 0: 0 -> 16" },
         { change = "changed", what = "pages", name = "1 GiB in cell 0", from = 0, to = 2,
            message = "changed pages 1 GiB in cell 0: 0 -> 2" },
      }, policy.diff(caps, hugepages))
   end)

   it("reports guests, domain types, machines and the host", function()
      local other = assert(virtcaps.parse(caps:xml()))
      table.remove(other.guests, 1)                      -- armv6l gone
      table.remove(other.guests[4].arch.domains, 2)      -- x86_64 without kvm
      table.remove(other.guests[4].arch.machines, 60)    -- and without pc-q35-2.11
      other.guests[4].arch.machines[1].maxCpus = 300
      table.insert(other.guests[4].arch.machines, { name = "pc-q35-8.0", maxCpus = 1024 })
      other.host.cpu.model = "Skylake-Client"
      table.insert(other.host.cpu.features, "vmx")
      other.host.iommu.support = true
      other.host.topology.cells[1].memory.value = 4194304
      assert.same({
         "changed cpu model: Broadwell -> Skylake-Client",
         "added feature vmx",
         "changed memory: 5.6 GiB -> 4 GiB",
         "changed cell memory 0: 5.6 GiB -> 4 GiB",
         "changed iommu: false -> true",
         "removed guest hvm/armv6l",
         "removed domain hvm/x86_64 kvm",
         "removed machine hvm/x86_64 pc-q35-2.11",
         "added machine hvm/x86_64 pc-q35-8.0",
         "changed machine maxCpus hvm/x86_64 pc-i440fx-7.2: 255 -> 300",
      }, messages(policy.diff(caps, other)))
      assert.same({ "added guest hvm/armv6l" }, messages(policy.diff((function()
         local c = assert(virtcaps.parse(caps:xml()))
         table.remove(c.guests, 1)
         return c
      end)(), caps)))
   end)

   it("compares different hosts", function()
      local changes = messages(policy.diff(testdrv, hmat))
      assert.same({
         "changed arch: i686 -> x86_64",
         "changed topology: none -> 1 sockets, 1 dies, 2 clusters, 2 cores, 1 threads",
         "removed feature pae",
         "removed feature nonpae",
         "changed cpus: 16 -> 4",
         "changed memory: 6 GiB -> 24 GiB",
         "changed cell memory 0: 2 GiB -> 8 GiB",
         "changed pages 2 MiB in cell 0: 0 -> none",
         "changed pages 1 GiB in cell 0: 0 -> none",
         "changed cell memory 1: 4 GiB -> 16 GiB",
         "changed pages 8 KiB in cell 1: 524288 -> none",
         "changed pages 2 MiB in cell 1: 0 -> none",
         "changed pages 1 GiB in cell 1: 0 -> none",
         "changed iommu: false -> true",
         "changed live migration: false -> true",
         "removed secmodel testSecurity",
         -- every other field, by its path
         "added element cell 0.caches",
         "added element cell 0.cpus[1].cluster_id",
         "added element cell 0.cpus[2].cluster_id",
         "added element cell 0.cpus[3].cluster_id",
         "added element cell 0.cpus[4].cluster_id",
         "removed element cell 0.cpus[5]",
         "removed element cell 0.cpus[6]",
         "removed element cell 0.cpus[7]",
         "removed element cell 0.cpus[8]",
         "removed element cell 1.cpus[1]",
         "removed element cell 1.cpus[2]",
         "removed element cell 1.cpus[3]",
         "removed element cell 1.cpus[4]",
         "removed element cell 1.cpus[5]",
         "removed element cell 1.cpus[6]",
         "removed element cell 1.cpus[7]",
         "removed element cell 1.cpus[8]",
         "removed element host.cpu.pages",
         "added element host.topology.interconnects",
         "removed guest hvm/i686",
         "removed guest xen/i686",
      }, changes)
   end)

   it("misses no difference: security models' base labels, and any other field", function()
      local relabelled = assert(virtcaps.parse((caps:xml():gsub("%+999:%+995", "+0:+0"))))
      assert.same({ "changed baselabel dac kvm: +999:+995 -> +0:+0", "changed baselabel dac qemu: +999:+995 -> +0:+0" },
         messages(policy.diff(caps, relabelled)))
      local other = assert(virtcaps.parse((caps:xml():gsub("<counter [^\n]*\n", "", 1)
         :gsub("<wordsize>64</wordsize>", "<wordsize>32</wordsize>", 1):gsub("doi>0<", "doi>1<", 1))))
      assert.same({ "changed secmodel doi none: 0 -> 1", "removed element host.cpu.counter",
         "changed hvm/aarch64.arch.wordsize: 64 -> 32" }, messages(policy.diff(caps, other)))
   end)
end)

describe("policy.migratable", function()
   it("checks guests, domain types, machine types and live migration", function()
      assert.same({ true, {} }, { policy.migratable(caps, hugepages, { cpu = false }) })
      local ok, failures = policy.migratable(caps, testdrv, { cpu = false })
      assert.is_false(ok)
      assert.same({
         f("guest", "hvm/armv6l", "no hvm/armv6l guests on the destination"),
         f("guest", "hvm/armv7l", "no hvm/armv7l guests on the destination"),
         f("guest", "hvm/aarch64", "no hvm/aarch64 guests on the destination"),
         f("domain", "hvm/i686 qemu", "hvm/i686 test"),
         f("domain", "hvm/i686 kvm", "hvm/i686 test"),
         f("machines", "hvm/i686 machine types pc-i440fx-7.2, pc, pc-q35-5.2 and 57 more",
            "missing pc-i440fx-7.2, pc, pc-q35-5.2, pc-i440fx-2.12, pc-i440fx-2.0, pc-i440fx-6.2, pc-q35-4.2, "
            .. "pc-i440fx-2.5 and 52 more"),
         f("guest", "hvm/x86_64", "no hvm/x86_64 guests on the destination"),
         f("live_migration", "supported on the destination", "not supported"),
      }, failures)
      local hvm_only = assert(virtcaps.parse(testdrv:xml()))
      table.remove(hvm_only.guests, 2)
      assert.same({ false, { f("guest", "xen/i686", "no xen/i686 guests on the destination") } },
         { policy.migratable(testdrv, hvm_only, { cpu = false, live = false }) })
      assert.same({ true, {} }, { policy.migratable(hvm_only, testdrv, { cpu = false, live = false }) })
   end)

   it("compares the host CPUs through virtcaps.cpu", function()
      -- the same CPU on both sides
      assert.same({ true, {} }, { policy.migratable(caps, hugepages) })
      local older = assert(virtcaps.parse(hugepages:xml()))
      older.host.cpu.model, older.host.cpu.features = "Westmere", {}
      assert.same({ false, { f("cpu", "a CPU that runs Broadwell guests",
         "incompatible: vme, ss, ht, pclmuldq, fma, pcid, x2apic, movbe and 70 more") } },
         { policy.migratable(caps, older) })
      older.host.cpu.model = "NoSuchCPU"
      assert.same({ nil, "cannot compare the host CPUs: Unknown CPU model NoSuchCPU" },
         { policy.migratable(caps, older) })
   end)

   it("rejects misuse", function()
      assert.has_error(function() policy.migratable(caps, hugepages, { cpus = false }) end,
         "unknown migratable option 'cpus' (known: cpu, live)")
      assert.has_error(function() policy.migratable(caps) end, "bad argument (dst: table expected, got nil)")
   end)
end)
