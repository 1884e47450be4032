-- virtcaps.detect_virt: the VM and container this host runs in, with
-- systemd-detect-virt's names and order of evidence.
local virtcaps = require "virtcaps"
local support = require "support"

-- Builds a host tree under a fresh directory: files = {path = content}
-- (content true: an empty file; a table: a directory).
local function tree(files)
   local root = os.tmpname()
   os.remove(root)
   assert(support.sh("mkdir -p '" .. root .. "'"))
   for path, content in pairs(files) do
      local full = root .. path
      if type(content) == "table" then
         assert(support.sh("mkdir -p '" .. full .. "'"))
      else
         assert(support.sh("mkdir -p '" .. full:match("^(.*)/") .. "'"))
         support.write(full, content == true and "" or content)
      end
   end
   return root
end

local roots = {}
local function detect(files, cpuid)
   local root = tree(files)
   roots[#roots + 1] = root
   return assert(virtcaps.detect_virt { root = root, cpuid = cpuid })
end

teardown(function()
   for _, r in ipairs(roots) do
      support.sh("rm -rf '" .. r .. "'")
   end
end)

-- DMI strings as real machines show them.
local QEMU_DMI = {
   ["/sys/class/dmi/id/sys_vendor"] = "QEMU\n",
   ["/sys/class/dmi/id/product_name"] = "Standard PC (Q35 + ICH9, 2009)\n",
   ["/sys/class/dmi/id/bios_vendor"] = "SeaBIOS\n",
}

local function with(base, extra)
   local t = {}
   for k, v in pairs(base) do t[k] = v end
   for k, v in pairs(extra) do t[k] = v end
   return t
end

describe("virtcaps.detect_virt: virtual machines", function()
   it("finds none on bare metal", function()
      assert.same({ vm = "none", container = "none" }, detect({
         ["/sys/class/dmi/id/sys_vendor"] = "Dell Inc.\n",
         ["/sys/class/dmi/id/product_name"] = "PowerEdge R640\n",
      }, ""))
   end)

   it("trusts CPUID over DMI: KVM behind QEMU's DMI strings", function()
      assert.equal("kvm", detect(QEMU_DMI, "KVMKVMKVM").vm)
      assert.equal("kvm", detect(QEMU_DMI, "Linux KVM Hv").vm)
      assert.equal("qemu", detect(QEMU_DMI, "TCGTCGTCGTCG").vm)
      assert.equal("qemu", detect(QEMU_DMI, "").vm)
      assert.equal("vmware", detect({}, "VMwareVMware").vm)
      assert.equal("bhyve", detect({}, "bhyve bhyve ").vm)
      assert.equal("vm-other", detect({}, "SomethingNew").vm)
   end)

   it("names hypervisors DMI knows even under KVM's signature", function()
      assert.equal("oracle", detect({ ["/sys/class/dmi/id/product_name"] = "VirtualBox\n",
         ["/sys/class/dmi/id/sys_vendor"] = "innotek GmbH\n" }, "KVMKVMKVM").vm)
      assert.equal("google", detect({ ["/sys/class/dmi/id/product_name"] = "Google Compute Engine\n" }, "KVMKVMKVM").vm)
      assert.equal("parallels", detect({ ["/sys/class/dmi/id/sys_vendor"] = "Parallels Software International Inc.\n" },
         "").vm)
   end)

   it("tells EC2 instances from EC2 bare metal", function()
      local ec2 = { ["/sys/class/dmi/id/sys_vendor"] = "Amazon EC2\n", ["/sys/class/dmi/id/product_name"] = "m5.large\n" }
      assert.equal("amazon", detect(ec2, "KVMKVMKVM").vm)
      assert.equal("none", detect(with(ec2, { ["/sys/class/dmi/id/product_name"] = "m5.metal\n" }), "").vm)
      assert.equal("none", detect(with(ec2, { ["/sys/class/dmi/id/product_name"] = "c6g.metal-24xl\n" }), "").vm)
      -- SMBIOS BIOS characteristics extension byte 2, bit 4: a virtual machine
      local raw = string.char(0, 24) .. ("\0"):rep(17) .. string.char(0x10) .. ("\0"):rep(4)
      local metal_raw = string.char(0, 24) .. ("\0"):rep(22)
      assert.equal("amazon", detect(with(ec2, { ["/sys/firmware/dmi/entries/0-0/raw"] = raw }), "").vm)
      assert.equal("none", detect(with(ec2, { ["/sys/firmware/dmi/entries/0-0/raw"] = metal_raw }), "").vm)
      -- not an EC2 guest by DMI, but CPUID still sees KVM
      assert.equal("kvm", detect(with(ec2, { ["/sys/firmware/dmi/entries/0-0/raw"] = metal_raw }), "KVMKVMKVM").vm)
      assert.equal("vm-other", detect({ ["/sys/firmware/dmi/entries/0-0/raw"] = raw }, "").vm)
   end)

   it("lets a Hyper-V signature yield to better evidence", function()
      local hyperv = { ["/sys/class/dmi/id/sys_vendor"] = "Microsoft Corporation\n",
         ["/sys/class/dmi/id/product_name"] = "Virtual Machine\n",
         ["/sys/class/dmi/id/product_version"] = "Hyper-V UEFI Release v4.1\n" }
      assert.equal("microsoft", detect(hyperv, "Microsoft Hv").vm)
      assert.equal("microsoft", detect({}, "Microsoft Hv").vm)
      -- QEMU offering Hyper-V enlightenments shows Microsoft's signature
      assert.equal("qemu", detect(QEMU_DMI, "Microsoft Hv").vm)
   end)

   it("recognises Xen guests, and the control domain as no guest", function()
      assert.equal("xen", detect({ ["/proc/xen"] = {} }, "").vm)
      assert.equal("xen", detect({ ["/proc/xen"] = {}, ["/proc/xen/capabilities"] = "\n" }, "").vm)
      assert.equal("none", detect({ ["/proc/xen"] = {}, ["/proc/xen/capabilities"] = "control_d\n" }, "").vm)
      assert.equal("none", detect({ ["/proc/xen"] = {}, ["/sys/hypervisor/properties/features"] = "00000800\n" }, "").vm)
      assert.equal("xen", detect({ ["/proc/xen"] = {}, ["/sys/hypervisor/properties/features"] = "00000000\n" }, "").vm)
      -- a control domain nested in KVM
      assert.equal("kvm", detect({ ["/proc/xen"] = {}, ["/proc/xen/capabilities"] = "control_d\n" }, "KVMKVMKVM").vm)
      assert.equal("xen", detect({ ["/sys/hypervisor/type"] = "xen\n" }, "").vm)
      assert.equal("vm-other", detect({ ["/sys/hypervisor/type"] = "s390\n" }, "").vm)
   end)

   it("reads the device tree, /proc/cpuinfo and /proc/sysinfo", function()
      assert.equal("kvm", detect({ ["/proc/device-tree/hypervisor/compatible"] = "linux,kvm\0" }, "").vm)
      assert.equal("xen", detect({ ["/proc/device-tree/hypervisor/compatible"] = "xen,xen-4.16\0xen,xen\0" }, "").vm)
      assert.equal("qemu", detect({ ["/proc/device-tree/fw-cfg@9020000"] = {} }, "").vm)
      assert.equal("qemu", detect({ ["/proc/device-tree/compatible"] = "qemu,pseries\0" }, "").vm)
      assert.equal("powervm", detect({ ["/proc/device-tree/ibm,partition-name"] = "lpar1\0",
         ["/proc/device-tree/hmc-managed?"] = true }, "").vm)
      assert.equal("uml", detect({ ["/proc/cpuinfo"] = "processor\t: 0\nvendor_id\t: User Mode Linux\n" }, "").vm)
      assert.equal("none", detect({ ["/proc/cpuinfo"] = "processor\t: 0\nvendor_id\t: GenuineIntel\n" }, "").vm)
      assert.equal("zvm", detect({ ["/proc/sysinfo"] = "VM00 Name:            LINUX1\nVM00 Control Program: z/VM    7.2.0\n" },
         "").vm)
      assert.equal("kvm", detect({ ["/proc/sysinfo"] = "VM00 Control Program: KVM/Linux\n" }, "").vm)
   end)
end)

describe("virtcaps.detect_virt: containers", function()
   it("reads what container managers leave behind", function()
      assert.equal("docker", detect({ ["/.dockerenv"] = true }, "").container)
      assert.equal("podman", detect({ ["/run/.containerenv"] = true, ["/.dockerenv"] = true }, "").container)
      assert.equal("systemd-nspawn", detect({ ["/run/systemd/container"] = "systemd-nspawn\n" }, "").container)
      assert.equal("lxc", detect({ ["/run/host/container-manager"] = "lxc\n" }, "").container)
      assert.equal("lxc-libvirt", detect({ ["/proc/1/environ"] = "PATH=/bin\0container=lxc-libvirt\0TERM=vt100\0" },
         "").container)
      assert.equal("container-other", detect({ ["/proc/1/environ"] = "container=acme\0" }, "").container)
      -- "oci" names no manager: the files may
      assert.equal("docker", detect({ ["/proc/1/environ"] = "container=oci\0", ["/.dockerenv"] = true }, "").container)
      assert.equal("container-other", detect({ ["/run/systemd/container"] = "oci\n" }, "").container)
      -- the manager's own word wins over a stray /.dockerenv
      assert.equal("podman", detect({ ["/run/host/container-manager"] = "podman\n", ["/.dockerenv"] = true },
         "").container)
   end)

   it("recognises OpenVZ, WSL and proot", function()
      assert.equal("openvz", detect({ ["/proc/vz"] = {} }, "").container)
      assert.equal("none", detect({ ["/proc/vz"] = {}, ["/proc/bc"] = {} }, "").container)
      assert.equal("wsl", detect({ ["/proc/sys/kernel/osrelease"] = "5.15.90.1-microsoft-standard-WSL2\n" },
         "").container)
      assert.equal("proot", detect({ ["/proc/self/status"] = "Name:\tsh\nTracerPid:\t42\n",
         ["/proc/42/comm"] = "proot\n" }, "").container)
      assert.equal("none", detect({ ["/proc/self/status"] = "Name:\tsh\nTracerPid:\t42\n",
         ["/proc/42/comm"] = "gdb\n" }, "").container)
   end)

   it("recognises a cgroup namespace of an unknown manager", function()
      local v2 = { ["/proc/self/ns/cgroup"] = true, ["/sys/fs/cgroup/cgroup.controllers"] = "cpu memory\n" }
      assert.equal("none", detect(with(v2, { ["/sys/kernel/cgroup/features"] = "nsdelegate\n" }), "").container)
      assert.equal("container-other", detect(with(v2, { ["/sys/fs/cgroup/cgroup.events"] = "populated 1\n",
         ["/sys/fs/cgroup/cgroup.type"] = "domain\n" }), "").container)
      assert.equal("none", detect(with(v2, { ["/sys/fs/cgroup/cgroup.events"] = "populated 1\n",
         ["/sys/kernel/cgroup/features"] = "nsdelegate\n" }), "").container)
      local v1 = { ["/proc/self/ns/cgroup"] = true, ["/sys/fs/cgroup/systemd"] = {} }
      assert.equal("container-other", detect(v1, "").container)
      assert.equal("none", detect(with(v1, { ["/sys/fs/cgroup/systemd/release_agent"] = "\n" }), "").container)
   end)

   it("reports both at once", function()
      assert.same({ vm = "kvm", container = "docker" }, detect(with(QEMU_DMI, { ["/.dockerenv"] = true }), "KVMKVMKVM"))
   end)

   it("maps single paths with opts.paths", function()
      local root = tree({ ["/dmi/product_name"] = "VirtualBox\n" })
      roots[#roots + 1] = root
      assert.equal("oracle", virtcaps.detect_virt({ root = tree({}), paths = { ["/sys/class/dmi/id"] = root .. "/dmi" },
         cpuid = "" }).vm)
   end)

   it("rejects misuse", function()
      assert.has_error(function() virtcaps.detect_virt { cpuid = 1 } end,
         "bad argument #1 to 'detect_virt' (option 'cpuid': string expected, got number)")
      assert.has_error(function() virtcaps.detect_virt { cpuid = "KVMKVMKVMKVMKVM" } end,
         "bad argument #1 to 'detect_virt' (option 'cpuid': at most 12 characters expected)")
      assert.has_error(function() virtcaps.detect_virt { arch = "x86_64" } end, "bad argument #1 to 'detect_virt' (unknown option 'arch')")
      assert.has_error(function() virtcaps.detect_virt("/") end, "bad argument #1 to 'detect_virt' (table expected, got string)")
      local r, err = virtcaps.detect_virt { root = "/" .. ("x"):rep(5000), cpuid = "" }
      assert.is_nil(r)
      assert.matches("the mapped path is too long$", err)
   end)
end)

describe("virtcaps.detect_virt on this machine", function()
   -- Compares with systemd-detect-virt (Debian's systemd package, a build
   -- dependency): its --vm and --container answers against ours, both read
   -- from this machine's CPUID, DMI, /proc, /run and cgroup files.
   it("agrees with systemd-detect-virt --vm and --container", function()
      local ok = support.sh("command -v systemd-detect-virt")
      assert.is_true(ok, "systemd-detect-virt is missing: install Debian's systemd package (make deps)")
      local function ask(flag)
         local _, out = support.sh("systemd-detect-virt " .. flag)
         return (out:gsub("%s+$", ""))
      end
      local mine = assert(virtcaps.detect_virt())
      assert.same({ vm = ask("--vm"), container = ask("--container") }, mine)
   end)
end)
