-- Hostile hosts: a copy of the build machine (spec/fixtures/probe/vm-x86_64)
-- broken in a scratch directory. The probe never fails as a whole: it
-- leaves the odd part out, says why in caps.warnings, and the result is
-- still a valid document.
local virtcaps = require "virtcaps"
local support = require "support"

local VM = "spec/fixtures/probe/vm-x86_64"
local SYS = "sys/devices/system"
local NO_TSC = "no TSC counter: /dev/kvm: No such file or directory"
local CWD = select(2, support.tool("pwd")):gsub("%s+$", "")

-- A scratch copy of the machine, changed by a shell script run in it.
local function host(script)
   local dir = support.tmpdir()
   local ok, out = support.tool("chmod 755 " .. dir .. " && cp -a " .. VM .. "/. " .. dir .. " && cd " .. dir .. " && "
      .. (script or "true"))
   assert(ok, out)
   return dir
end

local function probe(dir, extra)
   local opts = { root = dir, arch = "x86_64", drivers = {} }
   for k, v in pairs(extra or {}) do opts[k] = v end
   local caps = assert(virtcaps.probe(opts))
   assert(virtcaps.parse(caps:xml()), "the probe's document does not read back")
   return caps
end

-- Probes a broken copy; returns the capabilities and the scratch directory's nodeinfo.
local function broken(script, extra)
   local dir = host(script)
   local ok, caps, ni, err = pcall(function()
      local c = probe(dir, extra)
      return c, virtcaps.nodeinfo { root = dir, arch = "x86_64" }
   end)
   support.rmtree(dir)
   assert(ok, caps)
   return caps, ni, err
end

describe("a host with missing files", function()
   it("takes a CPU without topology files as its own core in socket 0", function()
      local caps, ni = broken("rm -r " .. SYS .. "/cpu/cpu1/topology")
      assert.same({ NO_TSC }, support.host_warnings(caps))
      assert.same({ id = 1, socket_id = 0, die_id = 0, core_id = 0, siblings = "1" }, caps.host.topology.cells[1].cpus[2])
      -- Two CPUs on core 0 of one socket, one thread each: the reference reports that flat.
      assert.same({ sockets = 1, dies = 1, cores = 2, threads = 1 }, caps.host.cpu.topology)
      assert.same({ 2, 2, 1, 1, 2, 1 }, { ni.cpus, ni.maxcpus, ni.nodes, ni.sockets, ni.cores, ni.threads })
   end)

   it("has no CPU topology without cpu/present", function()
      local caps, ni, err = broken("rm " .. SYS .. "/cpu/present")
      assert.same({ "no host CPU topology: /sys/devices/system/cpu/present: No such file or directory", NO_TSC },
         support.host_warnings(caps))
      assert.is_nil(caps.host.cpu.topology)
      assert.equal(2, #caps.host.topology.cells[1].cpus)
      assert.is_nil(ni)
      assert.equal("/sys/devices/system/cpu/present: No such file or directory", err)
   end)

   it("makes one cell of every online CPU without node directories, as the reference does", function()
      local caps = broken("rm -r " .. SYS .. "/node")
      assert.same({ NO_TSC }, support.host_warnings(caps))
      local kib = tonumber(support.read(VM .. "/proc/meminfo"):match("MemTotal:%s*(%d+)"))
      assert.same({ cells = { { id = 0, memory = { value = kib, unit = "KiB" },
         cpus = { { id = 0, socket_id = 0, die_id = 0, core_id = 0, siblings = "0" },
            { id = 1, socket_id = 0, die_id = 0, core_id = 1, siblings = "1" } } } } }, caps.host.topology)
   end)

   it("leaves out what needs /proc/cpuinfo", function()
      local caps, ni, err = broken("rm proc/cpuinfo " .. SYS .. "/node/node0/cpulist " .. SYS .. "/node/node0/cpumap")
      assert.same({
         "no host CPU topology: cannot read /proc/cpuinfo: No such file or directory",
         "/proc/cpuinfo: No such file or directory; no CPU vendor, signature or features",
         "/sys/devices/system/node/node0/cpulist: No such file or directory; node 0 left out",
         "no NUMA topology: cannot read /proc/cpuinfo: No such file or directory",
      }, support.host_warnings(caps))
      assert.same({ arch = "x86_64", features = {}, pages = caps.host.cpu.pages }, caps.host.cpu)
      assert.is_nil(caps.host.topology)
      assert.is_nil(ni)
      assert.equal("cannot read /proc/cpuinfo: No such file or directory", err)
   end)
end)

describe("a host with empty files", function()
   it("lists a CPU with an empty core_id by id only", function()
      local caps, ni, err = broken(": > " .. SYS .. "/cpu/cpu1/topology/core_id")
      local why = "/sys/devices/system/cpu/cpu1/topology/core_id: expected a number from 0 to 2147483647, got ''"
      assert.same({ "CPU 1: " .. why .. "; its topology is left out", "no host CPU topology: " .. why, NO_TSC },
         support.host_warnings(caps))
      assert.same({ id = 1 }, caps.host.topology.cells[1].cpus[2])
      assert.matches("<cpu id='1'/>", caps:xml(), nil, true)
      assert.is_nil(ni)
      assert.equal(why, err)
   end)

   it("finds no CPUs when none is online", function()
      local caps, ni, err = broken(": > " .. SYS .. "/cpu/online")
      assert.same({ "no host CPU topology: no CPUs found", NO_TSC }, support.host_warnings(caps))
      assert.is_nil(caps.host.cache)
      assert.is_nil(ni)
      assert.equal("no CPUs found", err)
   end)

   it("says nothing of the CPU from an empty /proc/cpuinfo", function()
      local caps, ni = broken(": > proc/cpuinfo")
      assert.same({ "/proc/cpuinfo: missing or invalid address sizes; no maxphysaddr" }, support.host_warnings(caps))
      assert.same({ arch = "x86_64", features = {}, topology = { sockets = 1, dies = 1, cores = 2, threads = 1 },
         pages = caps.host.cpu.pages }, caps.host.cpu)
      assert.equal(0, ni.mhz)
   end)

   it("takes an empty sibling list as garbage", function()
      local caps = broken(": > " .. SYS .. "/cpu/cpu0/topology/thread_siblings_list")
      assert.equal("CPU 0: /sys/devices/system/cpu/cpu0/topology/thread_siblings_list: an empty list; its topology "
         .. "is left out", support.host_warnings(caps)[1])
      assert.same({ id = 0 }, caps.host.topology.cells[1].cpus[1])
   end)
end)

describe("a host with garbage", function()
   it("in a socket id", function()
      local caps = broken("echo abc > " .. SYS .. "/cpu/cpu0/topology/physical_package_id")
      assert.equal("CPU 0: /sys/devices/system/cpu/cpu0/topology/physical_package_id: expected a number from "
         .. "-2147483648 to 2147483647, got 'abc'; its topology is left out", support.host_warnings(caps)[1])
      assert.same({ id = 0 }, caps.host.topology.cells[1].cpus[1])
   end)

   it("in distances, meminfo, node CPU lists", function()
      local caps = broken("echo ten > " .. SYS .. "/node/node0/distance && echo nothing > " .. SYS .. "/node/node0/meminfo")
      assert.same({ NO_TSC,
         "/sys/devices/system/node/node0/distance: not a list of distances; no distances for cell 0",
         "/sys/devices/system/node/node0/meminfo: no valid MemTotal line; no memory or pages for cell 0",
      }, support.host_warnings(caps))
      local cell = caps.host.topology.cells[1]
      assert.is_nil(cell.memory or cell.pages or cell.distances)
      assert.equal(2, #cell.cpus)
      -- fuzz_sysfs found this one: the message quoted past the end of the text.
      caps = broken("cp " .. CWD .. "/spec/fixtures/probe/fuzz/sysfs-list-ff " .. SYS .. "/node/node0/cpulist")
      assert.same({ NO_TSC, "/sys/devices/system/node/node0/cpulist: expected a number at 'ff'; node 0 left out" },
         support.host_warnings(caps))
      caps = broken("echo 1-0 > " .. SYS .. "/node/node0/cpulist")
      assert.same({ NO_TSC, "/sys/devices/system/node/node0/cpulist: the range 1-0 goes backwards; node 0 left out" },
         support.host_warnings(caps))
      assert.equal(2, #caps.host.topology.cells[1].cpus) -- the fake cell
   end)

   it("in caches", function()
      local caps = broken("echo Weird > " .. SYS .. "/cpu/cpu0/cache/index3/type")
      assert.same({ NO_TSC,
         "/sys/devices/system/cpu/cpu0/cache/index3/type: unknown cache type 'Weird'; that cache is left out" },
         support.host_warnings(caps))
      -- CPU 1 still names the shared bank.
      assert.same({ { id = 0, level = 3, type = "both", size = 480, unit = "MiB", cpus = "0-1" } }, caps.host.cache.banks)
      caps = broken("echo lots > " .. SYS .. "/cpu/cpu0/cache/index3/size && echo lots > " .. SYS .. "/cpu/cpu1/cache/index3/size")
      assert.equal("/sys/devices/system/cpu/cpu1/cache/index3/size: expected a size, got 'lots'; that cache is left out",
         caps.warnings[3])
      assert.is_nil(caps.host.cache)
   end)

   it("naming CPUs twice or siblings in no cell", function()
      local caps = broken("mkdir " .. SYS .. "/node/node1 && echo 0 > " .. SYS .. "/node/node1/cpulist && echo 0-5 > "
         .. SYS .. "/cpu/cpu0/topology/thread_siblings_list")
      assert.same({ NO_TSC,
         "/sys/devices/system/node/node1/meminfo: No such file or directory; no memory or pages for cell 1",
         "CPU 0 is in more than one node; left out of cell 1",
         "CPU 0: siblings 0-5 name CPUs in no cell; kept those in a cell",
      }, support.host_warnings(caps))
      assert.same({}, caps.host.topology.cells[2].cpus)
      assert.equal("0-1", caps.host.topology.cells[1].cpus[1].siblings)
   end)
end)

describe("a host with huge numbers", function()
   it("in topology ids, CPU lists, page counts, memory, node names", function()
      local caps = broken("echo 99999999999999999999 > " .. SYS .. "/cpu/cpu1/topology/core_id")
      assert.equal("CPU 1: /sys/devices/system/cpu/cpu1/topology/core_id: expected a number from 0 to 2147483647, "
         .. "got '99999999999999999999'; its topology is left out", support.host_warnings(caps)[1])
      caps = broken("echo 0-99999999 > " .. SYS .. "/cpu/online")
      assert.same({ "no host CPU topology: /sys/devices/system/cpu/online: an id above 1048575", NO_TSC,
         "/sys/devices/system/cpu/online: an id above 1048575; no caches" }, support.host_warnings(caps))
      caps = broken("echo 99999999999999999999999 > " .. SYS .. "/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
         .. " && mkdir " .. SYS .. "/node/node99999999")
      assert.same({ NO_TSC,
         "/sys/devices/system/node/node99999999: a node id above 1048575; ignored",
         "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages: expected a number from 0 to "
            .. "9223372036854775807, got '99999999999999999999999'; no pages for cell 0",
      }, support.host_warnings(caps))
      caps = broken("echo 'Node 0 MemTotal: 99999999999999999999 kB' > " .. SYS .. "/node/node0/meminfo && echo 999 > "
         .. SYS .. "/node/node0/distance")
      assert.same({ NO_TSC,
         "/sys/devices/system/node/node0/distance: not a list of distances; no distances for cell 0",
         "/sys/devices/system/node/node0/meminfo: no valid MemTotal line; no memory or pages for cell 0",
      }, support.host_warnings(caps))
   end)
end)

describe("a host with unreadable files", function()
   it("where a directory stands for a file", function()
      local caps, ni, err = broken("rm " .. SYS .. "/cpu/online && mkdir " .. SYS .. "/cpu/online")
      assert.same({ "no host CPU topology: /sys/devices/system/cpu/online: Is a directory", NO_TSC,
         "/sys/devices/system/cpu/online: Is a directory; no caches" }, support.host_warnings(caps))
      assert.is_nil(ni)
      assert.equal("/sys/devices/system/cpu/online: Is a directory", err)
   end)

   it("where a FIFO stands for a file (and nobody writes it)", function()
      local caps = broken("rm " .. SYS .. "/node/node0/meminfo && mkfifo " .. SYS .. "/node/node0/meminfo")
      assert.same({ NO_TSC, "/sys/devices/system/node/node0/meminfo: not a regular file; no memory or pages for cell 0" },
         support.host_warnings(caps))
   end)

   it("without permission", function()
      local dir = host("chmod 000 " .. SYS .. "/node/node0/meminfo " .. SYS .. "/cpu/cpu1/topology/core_id && chmod 700 "
         .. SYS .. "/cpu/cpu0/cache")
      -- As root, read permissions do not bind: probe as nobody then.
      local ok_root = support.tool("test \"$(id -u)\" = 0")
      local prefix = ok_root and "setpriv --reuid=65534 --regid=65534 --clear-groups " or ""
      -- the modules where nobody can read them (a checkout may sit in a private directory)
      local mods = support.tmpdir()
      assert(support.tool(string.format("chmod 755 %s && cp -a lua %s/ && mkdir -p %s/%s && cp -a %s/virtcaps %s/%s/",
         mods, mods, mods, support.BUILD, support.BUILD, mods, support.BUILD)))
      local ok, out = support.sh("ROOT=" .. dir .. " " .. prefix .. "env " .. support.lua_env(mods) .. "lua5.4 -e '"
         .. "local v = require \"virtcaps\" "
         .. "local caps = assert(v.probe { root = os.getenv(\"ROOT\"), arch = \"x86_64\", drivers = {} }) "
         .. "assert(v.parse(caps:xml())) "
         .. "for _, w in ipairs(caps.warnings) do "
         .. "if not w:find(\"^host CPU model not named\") then print(w) end end print(#caps.host.cache.banks)'")
      support.rmtree(dir)
      support.rmtree(mods)
      assert(ok, out)
      assert.equal(table.concat({
         "CPU 1: /sys/devices/system/cpu/cpu1/topology/core_id: Permission denied; its topology is left out",
         "no host CPU topology: /sys/devices/system/cpu/cpu1/topology/core_id: Permission denied",
         NO_TSC,
         "/sys/devices/system/node/node0/meminfo: Permission denied; no memory or pages for cell 0",
         "/sys/devices/system/cpu/cpu0/cache: Permission denied; caches of CPU 0 left out",
         "1", -- CPU 1 still names the shared bank
      }, "\n") .. "\n", out:gsub("==%d+==.-\n", ""))
   end)
end)

describe("a host with symbolic link loops", function()
   it("for a topology directory, /proc/cpuinfo, a huge page directory", function()
      local caps = broken("rm -r " .. SYS .. "/cpu/cpu0/topology && ln -s topology " .. SYS .. "/cpu/cpu0/topology")
      assert.equal("CPU 0: /sys/devices/system/cpu/cpu0/topology/physical_package_id: Too many levels of symbolic links; "
         .. "its topology is left out", support.host_warnings(caps)[1])
      local _, ni, err = broken("rm proc/cpuinfo && ln -s cpuinfo proc/cpuinfo")
      assert.is_nil(ni)
      assert.equal("cannot read /proc/cpuinfo: Too many levels of symbolic links", err)
      caps = broken("rm -r " .. SYS .. "/node/node0/hugepages && ln -s hugepages " .. SYS .. "/node/node0/hugepages")
      assert.same({ NO_TSC,
         "/sys/devices/system/node/node0/hugepages: Too many levels of symbolic links; no pages for cell 0" },
         support.host_warnings(caps))
   end)
end)

describe("a host with very long /proc/cpuinfo", function()
   it("reads a 10 MB line within bounds", function()
      local dir = host()
      local path = dir .. "/proc/cpuinfo"
      local text = support.read(path)
      support.write(path, (text:gsub("\nflags\t\t: ([^\n]*)", "\nflags\t\t: %1 " .. ("x"):rep(10000000), 1)
         :gsub("\nmodel name\t: ([^\n]*)", "\nmodel name\t: %1" .. ("y"):rep(1000000), 1)))
      local ok, caps, sig = pcall(function()
         return probe(dir), virtcaps.signature { root = dir, arch = "x86_64" }
      end)
      support.rmtree(dir)
      assert(ok, caps)
      assert.same({ NO_TSC }, support.host_warnings(caps))
      assert.equal(101, #caps.host.cpu.features)
      -- The reference reads lines in 1023-byte pieces: the name is cut there.
      assert.equal("GenuineIntel, Intel(R) Xeon(R) Processor" .. ("y"):rep(1023 - #"model name\t: " - 26)
         .. ", family: 6, model: 167, stepping: 1", sig)
   end)

   it("reads at most 16 MiB of it", function()
      local caps = broken("head -c 17000000 /dev/zero | tr '\\0' '\\n' >> proc/cpuinfo")
      assert.same({ "/proc/cpuinfo: longer than 16777216 bytes; the rest was not read", NO_TSC }, support.host_warnings(caps))
   end)
end)

describe("a host with 100,000 CPUs", function()
   it("is probed in bounded time and memory", function()
      -- tmpfs makes 100,000 directories in a fraction of a second.
      local dir = support.tmpdir(support.tool("test -d /dev/shm -a -w /dev/shm") and "/dev/shm" or nil)
      local ok, out = support.tool("cd " .. dir .. " && mkdir -p " .. SYS .. "/cpu proc && cp " .. CWD .. "/" .. VM
         .. "/proc/cpuinfo proc/ && echo 0-99999 > " .. SYS .. "/cpu/present && echo 0-99999 > " .. SYS .. "/cpu/online"
         .. " && seq 0 99999 | sed 's|^|" .. SYS .. "/cpu/cpu|' | xargs mkdir")
      assert(ok, out)
      local caps = assert(virtcaps.probe { root = dir, arch = "x86_64", drivers = {} })
      local ni = assert(virtcaps.nodeinfo { root = dir, arch = "x86_64" })
      support.rmtree(dir)
      assert.equal(100000, #caps.host.topology.cells[1].cpus)
      assert.same({ id = 99999, socket_id = 0, die_id = 0, core_id = 99999, siblings = "99999" },
         caps.host.topology.cells[1].cpus[100000])
      assert.same({ 100000, 100000, 1, 1, 100000, 1 }, { ni.cpus, ni.maxcpus, ni.nodes, ni.sockets, ni.cores, ni.threads })
      -- Formatting and parsing check every CPU's siblings against the cells.
      local again = assert(virtcaps.parse(caps:xml()))
      assert.same(caps.host.topology, again.host.topology)
   end)
end)

describe("a host whose files change while it is probed", function()
   it("gives a valid document every time", function()
      local dir = host()
      local writer = "while :; do for v in 0-1 0 garbage '' 1; do printf '%s\\n' \"$v\" > " .. dir .. "/" .. SYS
         .. "/cpu/online; printf '%s\\n' \"$v\" > " .. dir .. "/" .. SYS .. "/node/node0/cpulist; printf '%s\\n' \"$v\" > "
         .. dir .. "/" .. SYS .. "/cpu/cpu1/topology/core_id; done; done"
      local p = assert(io.popen("unset LD_PRELOAD; sh -c '" .. writer:gsub("'", "'\\''") .. "' >/dev/null 2>&1 & echo $!"))
      local pid = p:read("l")
      p:close()
      local seen, kinds = {}, 0
      local ok, err = pcall(function()
         for _ = 1, 200 do
            local caps = assert(virtcaps.probe { root = dir, arch = "x86_64", drivers = {} })
            assert(virtcaps.parse(caps:xml()))
            virtcaps.nodeinfo { root = dir, arch = "x86_64" }
            local key = table.concat(caps.warnings, "\n")
            if not seen[key] then seen[key], kinds = true, kinds + 1 end
         end
      end)
      support.tool("kill " .. pid)
      support.rmtree(dir)
      assert(ok, err)
      assert.is_true(kinds > 1, "the probes never saw the files change")
   end)
end)

describe("the host's identity and features", function()
   local derived = probe(VM).host.uuid

   it("takes the firmware's uuid", function()
      local caps = broken("mkdir -p sys/class/dmi/id && echo 4C4C4544-0042-3510-8052-B4C04F4E4B32 > sys/class/dmi/id/product_uuid")
      assert.equal("4c4c4544-0042-3510-8052-b4c04f4e4b32", caps.host.uuid)
      assert.same({ NO_TSC }, support.host_warnings(caps))
   end)

   it("derives the uuid from the machine id when the firmware's is unset or unreadable", function()
      local caps = broken("mkdir -p sys/class/dmi/id && echo 00000000-0000-0000-0000-000000000000 > sys/class/dmi/id/product_uuid")
      assert.equal(derived, caps.host.uuid)
      assert.same({ "/sys/class/dmi/id/product_uuid: not a valid UUID; the uuid comes from /etc/machine-id", NO_TSC },
         support.host_warnings(caps))
      caps = broken("mkdir -p sys/devices/virtual/dmi/id/product_uuid")
      assert.equal(derived, caps.host.uuid)
      assert.same({ "/sys/devices/virtual/dmi/id/product_uuid: Is a directory; the uuid comes from /etc/machine-id",
         NO_TSC }, support.host_warnings(caps))
      caps = broken("echo uninitialized > etc/machine-id")
      assert.is_nil(caps.host.uuid)
      assert.same({ "/etc/machine-id: not a machine id; no uuid", NO_TSC }, support.host_warnings(caps))
   end)

   it("reads sleep states as systemd grants them, and IOMMU groups", function()
      local sleep = "echo 'freeze mem disk' > sys/power/state && echo '[platform] shutdown reboot suspend' > sys/power/disk"
      local swap = "printf 'Filename Type Size Used Priority\\n/swap file 1024 0 -2\\n' > proc/swaps"
      local caps = broken(sleep .. " && mkdir -p run/systemd/system sys/kernel/iommu_groups/0 && " .. swap)
      assert.same({ suspend_mem = true, suspend_disk = true, suspend_hybrid = true }, caps.host.power_management)
      assert.same({ support = true }, caps.host.iommu)
      -- Without swap, no hibernation; without systemd, nothing (the reference asks logind).
      caps = broken(sleep .. " && mkdir -p run/systemd/system")
      assert.same({ suspend_mem = true }, caps.host.power_management)
      caps = broken(sleep .. " && " .. swap)
      assert.same({}, caps.host.power_management)
   end)

   it("names the active security model", function()
      local caps = broken("mkdir -p sys/fs/selinux && echo 1 > sys/fs/selinux/enforce && echo 33 > sys/fs/selinux/policyvers")
      assert.same({ { model = "selinux", doi = "0" } }, caps.host.secmodels)
      local apparmor = "mkdir -p sys/module/apparmor/parameters sys/kernel/security/apparmor etc/apparmor.d/libvirt && "
         .. "echo Y > sys/module/apparmor/parameters/enabled && : > etc/apparmor.d/libvirt/TEMPLATE.qemu && "
      caps = broken(apparmor .. "printf 'lsb_release (enforce)\\nlibvirtd (enforce)\\n' > sys/kernel/security/apparmor/profiles")
      assert.same({ { model = "apparmor", doi = "0" } }, caps.host.secmodels)
      -- Without libvirt's daemon profile loaded, the reference does not use AppArmor.
      caps = broken(apparmor .. "printf 'lsb_release (enforce)\\n' > sys/kernel/security/apparmor/profiles")
      assert.same({ { model = "none", doi = "0" } }, caps.host.secmodels)
   end)
end)

describe("a host with broken resource control", function()
   local data = support.DATA .. "/caps2xml/linux-resctrl"

   local function resctrl(script)
      local dir = support.tmpdir()
      local ok, out = support.tool("cp -a " .. data .. "/. " .. dir .. " && chmod -R u+w " .. dir .. " && cd " .. dir
         .. " && " .. script)
      assert(ok, out)
      local caps = assert(virtcaps.probe { arch = "x86_64", drivers = {}, root = "/nonexistent",
         paths = { ["/sys/devices/system"] = dir .. "/system", ["/sys/fs/resctrl"] = dir .. "/resctrl" } })
      support.rmtree(dir)
      assert(virtcaps.parse(caps:xml()))
      local warnings = {}
      for _, w in ipairs(support.host_warnings(caps)) do
         if not w:match("^/etc/machine%-id") and not w:match("/proc/cpuinfo") and not w:match("meminfo") then
            warnings[#warnings + 1] = w
         end
      end
      return caps, warnings
   end

   it("leaves resctrl out for a garbage mask or an empty feature list", function()
      local caps, warnings = resctrl("echo zz > resctrl/info/L3/cbm_mask")
      assert.same({ "/sys/fs/resctrl/info/L3/cbm_mask: unexpected 'z' in a mask; resource control left out" }, warnings)
      assert.equal(2, #caps.host.cache.banks)
      assert.is_nil(caps.host.cache.banks[1].controls or caps.host.cache.monitor or caps.host.memory_bandwidth)
      warnings = select(2, resctrl(": > resctrl/info/L3_MON/mon_features"))
      assert.same({ "/sys/fs/resctrl/info/L3_MON/mon_features: an empty feature list; resource control left out" },
         warnings)
   end)

   it("allocates memory bandwidth without cache allocation", function()
      local caps, warnings = resctrl("rm -r resctrl/info/L3 resctrl/info/L3_MON")
      assert.same({}, warnings)
      assert.is_nil(caps.host.cache.banks[1].controls or caps.host.cache.monitor)
      assert.same({ nodes = {
         { id = 0, cpus = "0-5", controls = { { granularity = 10, min = 10, maxAllocs = 4 } } },
         { id = 1, cpus = "6-11", controls = { { granularity = 10, min = 10, maxAllocs = 4 } } },
      } }, caps.host.memory_bandwidth)
   end)

   it("gives no controls to a bank of another size on the same level", function()
      local caps, warnings = resctrl("for c in 6 7 8 9 10 11; do echo 20480K > system/cpu/cpu$c/cache/index3/size; done")
      assert.same({ "level 3 cache size 20971520 does not match expected size 15728640; bank 1 has no controls" },
         warnings)
      assert.equal(1, #caps.host.cache.banks[1].controls)
      assert.is_nil(caps.host.cache.banks[2].controls)
   end)
end)

describe("nodeinfo and signature", function()
   it("fail with a message where /proc/cpuinfo is missing", function()
      assert.same({ nil, "cannot read /proc/cpuinfo: No such file or directory" },
         { virtcaps.signature { root = "/nonexistent" } })
      assert.same({ nil, "cannot read /proc/cpuinfo: No such file or directory" },
         { virtcaps.nodeinfo { root = "/nonexistent" } })
   end)
end)
