--- virtcaps.domcaps: domain capabilities (`virsh domcapabilities`): what one
-- emulator offers a guest for one architecture, machine type and
-- virtualization type. The README's "Domain capabilities" section gives
-- the table's whole shape.
-- @module virtcaps.domcaps
local core = require "virtcaps.core"

local M = {}

local DomCaps = {}
DomCaps.__index = DomCaps

local function plural(n, word)
   return string.format("%d %s%s", n, word, n == 1 and "" or "s")
end

local function custom_models(self)
   local custom = self.cpu and self.cpu.modes and self.cpu.modes.custom
   return custom and custom.models or {}
end

-- Names of the supported entries of a table of elements, in a fixed order.
local function supported_names(t, order)
   local names = {}
   for _, k in ipairs(order) do
      if type(t[k]) == "table" and t[k].supported then
         names[#names + 1] = k
      end
   end
   return names
end

local DEVICES = { "disk", "graphics", "video", "hostdev", "rng", "filesystem", "tpm", "redirdev", "channel" }
local SECURITY = { sev = "SEV", sgx = "SGX", ["s390-pv"] = "s390 PV" }

--- One paragraph: emulator, arch, machine, virt type, vCPU limit, firmware,
-- CPU models usable of all, devices, security features.
function DomCaps:__tostring()
   local parts = { string.format("%s %s guest on %s", self.arch or "?", self.domain or "?", self.path or "?") }
   if self.machine then
      parts[#parts + 1] = "machine " .. self.machine
   end
   if self.vcpu and self.vcpu.max then
      parts[#parts + 1] = string.format("up to %s", plural(self.vcpu.max, "vCPU"))
   end
   local guest_os = self.os or {}
   local fw = guest_os.firmware and #guest_os.firmware > 0 and table.concat(guest_os.firmware, ", ")
   if not fw and guest_os.loader and guest_os.loader.supported then
      fw = plural(#(guest_os.loader.values or {}), "loader")
   end
   parts[#parts + 1] = "firmware " .. (fw or "none")
   local models, usable = custom_models(self), 0
   for _, m in ipairs(models) do
      if m.usable == true then
         usable = usable + 1
      end
   end
   parts[#parts + 1] = string.format("%d of %s usable", usable, plural(#models, "CPU model"))
   local devices = supported_names(self.devices or {}, DEVICES)
   parts[#parts + 1] = "devices " .. (#devices > 0 and table.concat(devices, ", ") or "none")
   local sec = {}
   for _, k in ipairs { "sev", "sgx", "s390-pv" } do
      local f = self.features and self.features[k]
      if type(f) == "table" and f.supported then
         sec[#sec + 1] = SECURITY[k]
      end
   end
   parts[#parts + 1] = "security " .. (#sec > 0 and table.concat(sec, ", ") or "none")
   return table.concat(parts, "; ")
end

--- The document, as the reference writes it.
-- @function xml
DomCaps.xml = core.domcaps_format

local FILTER_FIELDS = { usable = true, vendor = true, name = true, deprecated = true }

local function matches(want, value)
   if type(want) == "function" then
      return want(value)
   elseif type(want) == "table" then
      for _, w in ipairs(want) do
         if w == value then
            return true
         end
      end
      return false
   end
   return want == value
end

--- The custom mode's CPU models: an iterator of model, index.
-- @tparam[opt] table|function filter fields usable (true, false or
-- "unknown"), vendor, deprecated (a value, a list meaning any of, or a
-- function), name (a Lua pattern the whole name must match); or a
-- predicate function(model)
-- @usage for m in dc:cpu_models{usable = true, vendor = "Intel"} do print(m.name) end
function DomCaps:cpu_models(filter)
   local ft = type(filter)
   if filter ~= nil and ft ~= "table" and ft ~= "function" then
      error(string.format("bad argument #1 to 'cpu_models' (filter table or function expected, got %s)", ft), 2)
   end
   if ft == "table" then
      for k in pairs(filter) do
         if not FILTER_FIELDS[k] then
            error(string.format("bad argument #1 to 'cpu_models' (unknown filter field '%s'; fields: %s)",
               tostring(k), "deprecated, name, usable, vendor"), 2)
         end
      end
      if filter.name ~= nil and type(filter.name) ~= "string" then
         error("bad argument #1 to 'cpu_models' (filter field 'name': pattern string expected)", 2)
      end
   end
   local function keep(m)
      if ft == "function" then
         return filter(m)
      elseif ft == "table" then
         for k, want in pairs(filter) do
            if k == "name" then
               if not m.name:match("^" .. want .. "$") then
                  return false
               end
            elseif not matches(want, k == "deprecated" and (m.deprecated or false) or m[k]) then
               return false
            end
         end
      end
      return true
   end
   local models, i = custom_models(self), 0
   return function()
      while true do
         i = i + 1
         local m = models[i]
         if m == nil then
            return nil
         elseif keep(m) then
            return m, i
         end
      end
   end
end

--- Whether the emulator supports something: a dotted path into the table,
-- and optionally a value its list (an enum, the loader's values) holds.
-- Without a value: an element's `supported`, a boolean's value, or whether
-- the path exists.
-- @usage dc:supports("devices.disk.bus", "virtio"); dc:supports("features.sev")
function DomCaps:supports(path, value)
   if type(path) ~= "string" or path == "" then
      error(string.format("bad argument #1 to 'supports' (path string expected, got %s)", type(path)), 2)
   end
   local node = self
   for part in path:gmatch("[^.]+") do
      if type(node) ~= "table" then
         return false
      end
      node = node[part]
      if node == nil then
         return false
      end
   end
   if value == nil then
      if type(node) == "table" and node.supported ~= nil then
         return node.supported == true
      end
      return node ~= false
   end
   if type(node) == "table" then
      if node.supported == false then
         return false
      end
      for _, v in ipairs(node) do
         if v == value then
            return true
         end
      end
      return false
   end
   return node == value
end

--- Whether a custom CPU model can run here.
-- @tparam string name
-- @treturn[1] boolean true
-- @treturn[2] boolean false
-- @treturn[2] table the features that block it (empty when the document names none)
-- @treturn[3] nil
-- @treturn[3] string why there is no answer (not a model here, or usability unknown)
function DomCaps:usable(name)
   if type(name) ~= "string" then
      error(string.format("bad argument #1 to 'usable' (model name expected, got %s)", type(name)), 2)
   end
   for _, m in ipairs(custom_models(self)) do
      if m.name == name then
         if m.usable == true then
            return true
         elseif m.usable == false then
            return false, m.blockers or m.unavailable_features or {}
         end
         return nil, string.format("the usability of CPU model %s is unknown", name)
      end
   end
   return nil, string.format("no custom CPU model %s for %s", name, self.path or "this emulator")
end

local function with_methods(dc, ...)
   if dc then
      return setmetatable(dc, DomCaps)
   end
   return dc, ...
end

--- Parses a domain capabilities document.
-- @tparam string xml
-- @treturn[1] table the domain capabilities (with the methods above)
-- @treturn[2] nil
-- @treturn[2] string "line N: what is wrong"
function M.parse(xml)
   return with_methods(core.domcaps_parse(xml))
end

--- Reads a domain capabilities document from a file.
-- @tparam string path
-- @treturn[1] table
-- @treturn[2] nil
-- @treturn[2] string "PATH: line N: what is wrong"
function M.load(path)
   return with_methods(core.domcaps_load(path))
end

--- What one driver offers a guest on this host, as `virsh domcapabilities`
-- answers (libvirt 9.0.0): QEMU's (the binary probed over QMP), the Xen
-- (libxl) driver's for xenpv, xenpvh and xenfv guests, or, with `qemucaps`,
-- from a QEMU capabilities cache file (M.from_qemucaps). An unknown option
-- raises.
-- @tparam[opt] table opts driver ("xen", or "qemu": the default unless
-- virttype is "xen"), virttype, machine, arch (default the host's),
-- emulatorbin: as virsh domcapabilities takes them (QEMU: the emulator
-- the reference picks for the architecture, its preferred machine, kvm
-- when the binary has it; Xen: xenpv, /usr/bin/qemu-system-x86_64); root,
-- paths, qemu_dirs, timeout (seconds per emulator process), cpu_map as for
-- virtcaps.probe. Test hooks, host facts fixed instead of read: loaders
-- (the loader list; Xen: instead of ovmf.bin, hvmloader), host_cpu (a
-- `<cpu>` document; nil: the host's, read where the reference consults
-- it), tpm_versions ({"1.2", "2.0"}; {}: no swtpm), vfio,
-- kvm_max_vcpus (0: unbounded), firmware_privileged (false: the user's
-- firmware directory counts), firmware_config_home ($XDG_CONFIG_HOME)
-- @treturn[1] table the domain capabilities (with the methods above)
-- @treturn[2] nil
-- @treturn[2] string the reference's words: "unknown virttype: x", "unknown
-- architecture: x", "unable to find any emulator to serve 'x' architecture",
-- "the accel 'kvm' is not supported by '/usr/bin/qemu-system-x86_64' on this
-- host", "the machine 'x' is not supported by emulator '...'", "no connection
-- driver available for xen:///system: ...", "Xen only supports 'xenpv',
-- 'xenpvh' and 'xenfv' machines"; or why the emulator could not be asked
-- @usage dc = assert(virtcaps.domcaps.probe{arch = "aarch64", machine = "virt"})
function M.probe(opts)
   if type(opts) == "table" and opts.qemucaps ~= nil then
      return M.from_qemucaps(opts)
   end
   return with_methods(core.domcapabilities(opts))
end

-- virtcaps.probe's options that say where the host is, and their names
-- for domcapabilities.
local HOST_OPTIONS = { root = "root", paths = "paths", qemu_dirs = "qemu_dirs", cache = "cache",
   cache_dir = "cache_dir", timeout = "timeout", cpu_map = "cpu_map", arch = "host_arch" }

--- The domain capabilities of the host a capabilities probe looked at:
-- M.probe with the same root, paths, QEMU directories, cache and timeout
-- (`virtcaps.probe_options(caps)` gives them for a live table), and the
-- driver it asked when it asked one alone (Xen's; LXC has none).
-- @tparam table probe_opts virtcaps.probe's options
-- @tparam[opt] table want what to probe: emulatorbin, arch, machine, virttype, driver ("qemu", "xen", "lxc")
-- @treturn[1] table the domain capabilities
-- @treturn[2] nil
-- @treturn[2] string the probe's message
function M.probe_host(probe_opts, want)
   local o = {}
   for k, v in pairs(want or {}) do
      o[k] = v
   end
   for from, to in pairs(HOST_OPTIONS) do
      o[to] = probe_opts[from]
   end
   local drivers = probe_opts.drivers
   if not o.driver and not o.virttype and type(drivers) == "table" and #drivers == 1 then
      o.driver = drivers[1]
   end
   if o.driver == "lxc" then
      -- the reference's words: its LXC driver has none
      return nil, "this function is not supported by the connection driver: virConnectGetDomainCapabilities"
   end
   return M.probe(o)
end

--- The domain capabilities one QEMU binary gives, from the reference's
-- cache of its capabilities (`/var/cache/libvirt/qemu/capabilities/*.xml`),
-- with libvirt 9.0.0's rules (virQEMUCapsFillDomainCaps). What the host
-- contributes is given as options (all optional; the test hooks that let
-- the reference's test harness be reproduced).
-- @tparam table opts
--   qemucaps (the cache file, required), arch (the guest architecture;
--   nil: the emulator's), machine (nil: the preferred one;
--   an alias gives its canonical name), virttype ("kvm" or "qemu"; nil: kvm
--   when the binary has it), cpu_map (the CPU model database directory);
--   host facts: host_arch (nil: this machine's), host_cpu (a `<cpu>`
--   document: the host-model where QEMU gives no expansion), firmware_bios,
--   firmware_efi, firmware_secure, firmware_loaders (what firmware
--   descriptors offer this arch and machine), loaders (replaces the loader
--   list), swtpm, tpm_versions ({"1.2", "2.0"}), vfio, kvm_max_vcpus (0:
--   unbounded), sev_max_asid and sev_min_asid (CPUID 0x8000001F ecx, edx),
--   s390_secure_guest
-- @treturn[1] table the domain capabilities (with the methods above)
-- @treturn[2] nil
-- @treturn[2] string what is wrong (a bad file, a machine or virt type the
--   binary does not offer)
function M.from_qemucaps(opts)
   return with_methods(core.domcaps_qemu(opts))
end

--- Writes a domain capabilities table as the reference does; raises
-- "path: what is wrong" for a table that is not one.
-- @function format
M.format = core.domcaps_format

--- The metatable of domain capabilities tables, for extension.
M.DomainCapabilities = DomCaps

return M
