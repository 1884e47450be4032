--- virtcaps: what a host can virtualize, in libvirt's capabilities format.
-- The C core (virtcaps.core) probes, reads and writes XML and builds plain
-- tables; this module gathers the API: the model's tables (virtcaps.model, their
-- methods in virtcaps.query) and units (virtcaps.units).
-- @module virtcaps
local core = require "virtcaps.core"
local units = require "virtcaps.units"
local model = require "virtcaps.model"

local M = {
   -- one version, the core's
   _VERSION = "virtcaps " .. core._VERSION:match("[%d.]+$"),
   kib = units.kib,
   human = units.human,
   cpuset = units.cpuset,
   cpuset_format = units.cpuset_format,
}

--- Parses a capabilities document.
-- @function parse
-- @tparam string xml
-- @treturn[1] table capabilities
-- @treturn[2] nil
-- @treturn[2] string "line N: what is wrong"
-- @usage local caps = assert(virtcaps.parse(xml))
M.parse = core.parse

--- Reads a capabilities document from a file.
-- @function load
-- @tparam string path
-- @treturn[1] table capabilities
-- @treturn[2] nil
-- @treturn[2] string "PATH: line N: what is wrong"
M.load = core.load

--- Formats any table of the capabilities shape; raises "path: what is wrong"
-- when it is not one.
-- @function format
-- @tparam table caps
-- @treturn string
M.format = core.format

-- The tables virtcaps.probe gave, with their options (a raw copy): what
-- the policy helpers probe domain capabilities for. Weak: no table is kept.
local live = setmetatable({}, { __mode = "k" })

-- A table's own keys, read raw (no metamethod is called).
local function raw_copy(t)
   local copy = {}
   for k, v in next, t do
      copy[k] = v
   end
   return copy
end

--- Probes this host (the README's "Probing the host" and "Guest drivers" say
-- what each option does; an unknown option raises).
-- @tparam[opt] table opts for the host: root, paths, arch, clusters,
-- threads_per_subcore, cpu_map, cpuid; for the guest drivers: drivers,
-- qemu_dirs, cache, cache_dir, timeout
-- @treturn[1] table capabilities, with caps.warnings
-- @treturn[2] nil
-- @treturn[2] string
function M.probe(opts)
   local caps, err = core.probe(opts)
   if caps then
      live[caps] = type(opts) == "table" and raw_copy(opts) or {}
   end
   return caps, err
end

--- Whether a capabilities table is this host's, live: the very table
-- virtcaps.probe gave (not one loaded, parsed or copied).
-- @tparam table caps
-- @treturn table|nil the options it was probed with (a copy; nested tables shared), or nil
function M.probe_options(caps)
   local opts = live[caps]
   return opts and raw_copy(opts)
end

--- Probes this host and gives the document, without building the tables
-- (what `virtcaps` with no arguments prints; the warnings are left out).
-- @function probe_xml
-- @tparam[opt] table opts as for probe
-- @treturn[1] string
-- @treturn[2] nil
-- @treturn[2] string
M.probe_xml = core.probe_xml

--- XPath 1.0 over any XML document, parsed safely (no DTD, no network).
-- A node-set gives a list of strings: attribute and text values, elements
-- as markup (what `xmllint --xpath` prints); other results give the string,
-- number or boolean.
-- @function xpath
-- @tparam string xml
-- @tparam string expr
-- @treturn[1] table|string|number|boolean
-- @treturn[2] nil
-- @treturn[2] string "bad XPath expression '...': what", or the document's "line N: ..."
-- @usage virtcaps.xpath(xml, "count(//guest)") --> 5
M.xpath = core.xpath

--- Reads the parts of a libvirt domain definition that placement checks use
-- (see the README for the table); sizes are KiB.
-- @function domain
-- @tparam string xml a `<domain>` document
-- @treturn[1] table `{type=, name=, os={type=, arch=, machine=}, emulator=,
-- vcpu={count=, current=, placement=, cpuset=}, memory=, current_memory=,
-- max_memory=, numa={{id=, cpus=, memory=}}, hugepages={{size=, nodeset=}},
-- numatune={mode=, nodeset=, placement=, memnodes={...}}, cpu={mode=, xml=}}`
-- @treturn[2] nil
-- @treturn[2] string "line N: what is wrong"
M.domain = core.domain

--- What this host itself runs under: `{vm=, container=}` with the names
-- systemd-detect-virt prints ("none", "kvm", "qemu", "xen", "vmware",
-- "microsoft", "oracle", "amazon", ...; "docker", "podman", "lxc",
-- "systemd-nspawn", ...).
-- @function detect_virt
-- @tparam[opt] table opts root, paths (as for probe); cpuid: the CPUID
-- hypervisor signature to assume ("" for none) instead of the CPU's
-- @treturn[1] table
-- @treturn[2] nil
-- @treturn[2] string
M.detect_virt = core.detect_virt

--- The firmware descriptors of this host (QEMU's firmware.json, read as
-- libvirt 9.0.0 reads them) and what they offer one architecture and
-- machine type in domain capabilities (see the README).
-- @function firmware
-- @tparam[opt] table opts root, paths (as for probe); arch (the host's if
-- not given); machine (the canonical machine type: without it only the
-- descriptors are read); privileged (the user's directory is left out; the
-- default: whether the effective user is root); config_home (stands for
-- $XDG_CONFIG_HOME)
-- @treturn[1] table `{arch=, machine=, firmware={"bios", "efi"}, secure=,
-- loaders={...}, descriptors={{path=, interfaces=, device=, mode=,
-- executable=, executable_format=, nvram_template=, nvram_template_format=,
-- filename=, targets={{arch=, machines=}}, features=}}, warnings={...}}`
-- @treturn[2] nil
-- @treturn[2] string "PATH: what is wrong", as the reference fails
-- @usage virtcaps.firmware{arch = "x86_64", machine = "pc-q35-7.2"}.secure --> true
M.firmware = core.firmware

local HELP = [[
virtcaps: what this host can virtualize (libvirt's capabilities format)

  caps = virtcaps.probe([opts])        this host (opts: root, paths, arch, ...)
  virtcaps.probe_options(caps)         its options if caps is a live probe, else nil
  caps = virtcaps.load(path)           a capabilities document from a file
  caps = virtcaps.parse(xml)           ... from a string
  virtcaps.format(caps)  caps:xml()    the document, as virsh prints it
  virtcaps.probe_xml([opts])           this host's document, without the tables
  virtcaps.qemu_caps{emulator=PATH}    one QEMU binary's capabilities (its QMP conversation)
  tostring(caps), caps.guests[1], caps.host.topology.cells[1]   summaries

  for g, i in caps:guests{arch="x86_64", domain="kvm"} do ... end
  for m, j, g in caps:machines{arch="x86_64", domain="kvm"} do ... end
  for cell, i in caps:cells() do ... end
  for cpu, j, cell in caps:cpus{socket_id=0} do ... end
  for name, i in caps:features() do ... end
      filters: a table of fields (a value, a list meaning any of, a function)
      or a predicate function
  caps:has_feature("vmx")  caps:virtualization()  caps:cpu_count()  caps:total_memory()
  caps:xpath(expr)  virtcaps.xpath(xml, expr)     libxml2 XPath
  virtcaps.cpuset("0-3,8")  virtcaps.cpuset_format{0,1,2,3,8}
  virtcaps.detect_virt()               {vm=, container=} as systemd-detect-virt names them
  virtcaps.firmware{arch=, machine=}   firmware descriptors and their offer {firmware=, secure=, loaders=}
  virtcaps.domain(xml)                 a domain definition's placement needs
  virtcaps.kib{value=, unit=}  virtcaps.human(kib)

  dc = virtcaps.domcaps.load(path)     domain capabilities (virsh domcapabilities); also .parse, .format
  dc = virtcaps.domcapabilities{emulatorbin=, arch=, machine=, virttype=}   QEMU's, as virsh domcapabilities
  dc = virtcaps.domcapabilities{virttype="xen", machine="xenfv"}   this host's Xen driver's
  dc = virtcaps.domcapabilities{qemucaps=FILE, machine=, virttype=}   from libvirt's QEMU capabilities cache
  dc:cpu_models{usable=true}  dc:supports("devices.disk.bus", "virtio")  dc:usable("Haswell")

  policy = require "virtcaps.policy"
  policy.choose(caps, {arch=, os_type=, domain=, machine=, min_vcpus=})
  policy.check(caps, rules [, dc])     ok, failures {rule=, wanted=, found=, message=}
  policy.fits(caps, domain_xml_or_table [, dc])   dc: probed for a live caps when nil; false: none
  policy.diff(a, b)                    changes between two capabilities tables
  policy.migratable(src, dst [, {cpu=false}])
]]

--- Prints a short guide to the API (for the REPL).
function M.help()
   io.write(HELP)
end
--- The reference's `virsh nodeinfo` numbers for this host (see the README).
-- @function nodeinfo
-- @tparam[opt] table opts root, paths, arch, threads_per_subcore
-- @treturn[1] table {model=, cpus=, maxcpus=, mhz=, nodes=, sockets=, cores=, threads=, memory=}
-- @treturn[2] nil
-- @treturn[2] string
M.nodeinfo = core.nodeinfo

--- The QEMU capabilities of one binary: what the reference's QMP
-- conversation with it (both rounds, KVM then TCG) tells, as plain tables
-- (see the README's "QEMU capabilities of one binary"). Slow (the emulator
-- runs, twice with KVM): asked only for domain capabilities.
-- @function qemu_caps
-- @tparam table opts emulator (required, an absolute path as the probed host names it), root, paths, timeout
-- (seconds per process, default 10), cpu_map, cache_dir, cache (false: neither read nor write the cache),
-- timing (true: a second value {run_ms=, parse_ms=, bytes=}; bytes 0 on a cache hit)
-- @treturn[1] table {emulator=, arch=, version=, package=, kvm_supported=, tcg_supported=, flags=, kvm=, tcg=,
-- gic=, sev=, sgx=, hyperv=}
-- @treturn[2] nil
-- @treturn[2] string
M.qemu_caps = core.qemu_caps

--- The host CPU's signature line, or nil where the reference computes none.
-- @function signature
-- @tparam[opt] table opts root, paths, arch
-- @treturn[1] string|nil
-- @treturn[2] nil
-- @treturn[2] string
M.signature = core.signature

--- What one driver offers a guest on this host (`virsh domcapabilities`):
-- virtcaps.domcaps.probe.
-- @tparam[opt] table opts as for virtcaps.domcaps.probe
-- @treturn[1] table domain capabilities
-- @treturn[2] nil
-- @treturn[2] string
-- @usage dc = assert(virtcaps.domcapabilities{arch = "aarch64", machine = "virt"})
function M.domcapabilities(opts)
   return M.domcaps.probe(opts)
end

--- The metatable given to capabilities tables, for extension.
M.Capabilities = model.Capabilities

--- CPU models: decode, format, compare, baseline (see virtcaps.cpu).
M.cpu = require "virtcaps.cpu"

-- virtcaps.domcaps (domain capabilities) loads on first use.
setmetatable(M, {
   __index = function(t, k)
      if k == "domcaps" then
         rawset(t, k, require "virtcaps.domcaps")
         return rawget(t, k)
      end
   end,
})

return M
