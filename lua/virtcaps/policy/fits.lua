--- Whether a domain definition fits a host.
-- @submodule virtcaps.policy
local virtcaps = require "virtcaps"
local util = require "virtcaps.policy.util"
local machine_types = require "virtcaps.policy.machines"
local offers = require "virtcaps.policy.offers"

local Caps = virtcaps.Capabilities
local human = virtcaps.human
local join = util.join
local set_of = util.set_of
local sorted_keys = util.sorted_keys
local some = util.some
local host_arch = util.host_arch
local check_table = util.check_table
local check_keys = util.check_keys
local pages_by_size = util.pages_by_size
local page_sizes = util.page_sizes
local failure = util.failure
local machines_for = machine_types.machines_for
local find_machine = machine_types.find_machine
local resolve = machine_types.resolve
local pick_machine = machine_types.pick_machine

local M = {}

local DOMAIN_KEYS = set_of { "type", "name", "os", "emulator", "vcpu", "memory", "current_memory", "max_memory",
   "numa", "hugepages", "numatune", "cpu", table.unpack(offers.KEYS) }
local LIST_KEYS = { "disks", "graphics", "video", "tpms", "hostdevs", "rngs" }

-- A domain table as virtcaps.domain returns it, from one a person wrote
-- (vcpu may be a count, sizes may be strings).
local function normalise_domain(t)
   check_keys(t, DOMAIN_KEYS, "domain field", 3)
   local d = {}
   for k, v in pairs(t) do
      d[k] = v
   end
   if type(d.type) ~= "string" then
      error("bad domain: 'type' (kvm, qemu, xen, ...) expected", 3)
   end
   if d.os ~= nil then
      check_table(d.os, "domain.os", 3)
   end
   d.os = d.os or {}
   if math.type(d.vcpu) == "integer" then
      d.vcpu = { count = d.vcpu }
   elseif d.vcpu ~= nil and (type(d.vcpu) ~= "table" or math.type(d.vcpu.count) ~= "integer") then
      error("bad domain: 'vcpu' must be a count or {count=, cpuset=, ...}", 3)
   end
   for _, k in ipairs { "memory", "current_memory", "max_memory" } do
      if d[k] ~= nil then
         local kib, err = util.size(d[k])
         if not kib then
            error("bad domain: '" .. k .. "': " .. err, 3)
         end
         d[k] = kib
      end
   end
   if d.numa ~= nil then
      check_table(d.numa, "domain.numa", 3)
      local cells = {}
      for i, c in ipairs(d.numa) do
         check_table(c, "domain.numa[" .. i .. "]", 3)
         local kib, err = util.size(c.memory)
         if not kib then
            error(string.format("bad domain: 'numa[%d].memory': %s", i, err), 3)
         end
         cells[i] = { id = c.id or i - 1, cpus = c.cpus, memory = kib }
      end
      d.numa = cells
   end
   if d.hugepages ~= nil then
      check_table(d.hugepages, "domain.hugepages", 3)
      local pages = {}
      for i, p in ipairs(d.hugepages) do
         check_table(p, "domain.hugepages[" .. i .. "]", 3)
         local kib, err = util.size(p.size)
         if not kib then
            error(string.format("bad domain: 'hugepages[%d].size': %s", i, err), 3)
         end
         pages[i] = { size = kib, nodeset = p.nodeset }
      end
      d.hugepages = pages
   end
   if d.numatune ~= nil then
      check_table(d.numatune, "domain.numatune", 3)
   end
   for _, k in ipairs(LIST_KEYS) do
      if d[k] ~= nil then
         check_table(d[k], "domain." .. k, 3)
      end
   end
   return d
end

local function cpuset_list(set, what, failures)
   local ids, err = virtcaps.cpuset(set)
   if not ids then
      failure(failures, what, "a valid set", err)
   end
   return ids
end

local function host_cell_ids(caps)
   local ids = {}
   for _, c in ipairs(caps.host.topology and caps.host.topology.cells or {}) do
      ids[c.id] = c
   end
   return ids
end

local function host_cpu_ids(caps)
   local ids, any = {}, false
   for cpu in Caps.cpus(caps) do
      ids[cpu.id], any = true, true
   end
   return any and ids or nil
end

-- The host cells memory for guest memory may come from (nil: all).
local function placement_cells(dom, guest_cell)
   local nt = dom.numatune
   if not nt then
      return nil
   end
   if guest_cell then
      for _, m in ipairs(nt.memnodes or {}) do
         if m.cellid == guest_cell and m.nodeset then
            return virtcaps.cpuset(m.nodeset)
         end
      end
   end
   return nt.nodeset and virtcaps.cpuset(nt.nodeset) or nil
end

local function check_numa(caps, dom, failures)
   local nt = dom.numatune
   local hcells = host_cell_ids(caps)
   if nt and nt.nodeset then
      local ids = cpuset_list(nt.nodeset, "numatune", failures)
      local missing, kib = {}, 0
      for _, id in ipairs(ids or {}) do
         if not hcells[id] then
            missing[#missing + 1] = id
         else
            kib = kib + (hcells[id].memory and virtcaps.kib(hcells[id].memory) or 0)
         end
      end
      if #missing > 0 then
         failure(failures, "numatune", "host cells " .. nt.nodeset, string.format("no cell %s; cells: %s",
            join(missing), join(sorted_keys(hcells))))
      elseif dom.memory and (nt.mode or "strict") == "strict" and kib < dom.memory then
         failure(failures, "numatune", string.format("%s in cells %s", human(dom.memory), nt.nodeset), human(kib))
      end
   end
   local guest_cells = {}
   for _, c in ipairs(dom.numa or {}) do
      guest_cells[c.id] = c
   end
   for _, m in ipairs(nt and nt.memnodes or {}) do
      local gc = guest_cells[m.cellid]
      if not gc then
         failure(failures, "numatune", string.format("guest cell %d for memnode", m.cellid),
            "no such guest NUMA cell")
      elseif m.nodeset then
         local ids = cpuset_list(m.nodeset, "numatune", failures) or {}
         local kib, missing = 0, {}
         for _, id in ipairs(ids) do
            if hcells[id] then
               kib = kib + (hcells[id].memory and virtcaps.kib(hcells[id].memory) or 0)
            else
               missing[#missing + 1] = id
            end
         end
         if #missing > 0 then
            failure(failures, "numatune", "host cells " .. m.nodeset, "no cell " .. join(missing))
         elseif (m.mode or "strict") == "strict" and kib < gc.memory then
            failure(failures, "numatune", string.format("%s for guest cell %d in cells %s", human(gc.memory),
               m.cellid, m.nodeset), human(kib))
         end
      end
   end
   local vcpus = dom.vcpu and dom.vcpu.count
   for _, c in ipairs(dom.numa or {}) do
      local ids = c.cpus and cpuset_list(c.cpus, "numa", failures) or {}
      for _, id in ipairs(ids) do
         if vcpus and id >= vcpus then
            failure(failures, "numa", string.format("vCPUs below %d in guest cell %d", vcpus, c.id), "vCPU " .. id)
            break
         end
      end
   end
end

local function check_hugepages(caps, dom, failures)
   if not dom.hugepages then
      return
   end
   local sizes = page_sizes(caps)
   local base = sizes[1]
   local pages = dom.hugepages
   if #pages == 0 then
      -- <hugepages/> without a size: the host's default huge page size, which
      -- the document does not give; any huge page size will do.
      local best
      for _, s in ipairs(sizes) do
         if s ~= base then
            best = best or s
            if (pages_by_size(caps)[s] or 0) * s >= (dom.memory or 0) then
               best = s
               break
            end
         end
      end
      if not best then
         failure(failures, "hugepages", "huge pages", "only " .. (base and human(base) .. " pages" or "no pages"))
         return
      end
      pages = { { size = best } }
   end
   for _, p in ipairs(pages) do
      local need = dom.memory or 0
      if p.nodeset then
         need = 0
         local ids = cpuset_list(p.nodeset, "hugepages", failures) or {}
         local want = set_of(ids)
         for _, c in ipairs(dom.numa or {}) do
            if want[c.id] then
               need = need + c.memory
            end
         end
      end
      local cells = placement_cells(dom)
      local have = (pages_by_size(caps, cells)[p.size] or 0) * p.size
      local where = cells and " in cells " .. join(cells) or ""
      if not set_of(sizes)[p.size] then
         local names = {}
         for i, size in ipairs(sizes) do
            names[i] = human(size)
         end
         failure(failures, "hugepages", human(p.size) .. " pages",
            "page sizes " .. (#names > 0 and join(names) or "not stated"))
      elseif have < need then
         failure(failures, "hugepages", string.format("%s in %s pages%s", human(need), human(p.size), where),
            string.format("%s (%d pages)", human(have), have // p.size))
      end
   end
end

-- The domain type's virt type, for the domain capabilities of its emulator.
local VIRTTYPES = { kvm = "kvm", qemu = "qemu", xen = "xen" }

-- The domain capabilities libvirt would validate the domain against, when
-- caps is this host's live probe: its emulator, arch, machine and virt type.
-- A probe that fails leaves them out, with a warning.
local function host_domcaps(caps, dom, warnings)
   local popts = virtcaps.probe_options(caps)
   local virttype = VIRTTYPES[dom.type]
   if not popts or not virttype then
      return nil
   end
   local dc, err = virtcaps.domcaps.probe_host(popts, { virttype = virttype, arch = dom.os.arch,
      machine = dom.os.machine, emulatorbin = dom.emulator })
   if not dc then
      failure(warnings, "domcaps", "the emulator's domain capabilities", "none (" .. err .. "): what the domain "
         .. "asks of the emulator is not checked")
   end
   return dc
end

--- Checks that a domain definition can run here: an os type and arch the host
-- has guests for, its domain type, its emulator and machine type, vCPUs
-- within the machine's maxCpus, its cpuset, memory within the host's, and,
-- where it asks for them, NUMA placement and huge pages. More vCPUs than the
-- host has CPUs is overcommit, which QEMU and the reference accept: a
-- warning, or a failure with `opts.overcommit = false`.
-- With domain capabilities (`virtcaps.domcaps`) of the emulator, also what
-- the domain asks of it: firmware (`<os firmware>`, the loader's path,
-- type, readonly and secure, secure boot), the CPU mode and custom model
-- (one not usable here fails with its blockers), disk buses, devices and
-- models, graphics types, video models, TPM models, backends and versions,
-- host device modes and types, RNG models and backends, SEV or s390 PV
-- launch security and SGX memory; each failure names what was asked and
-- what the emulator offers.
-- What tools such as virt-lint look for with XPath, as one call.
-- @tparam table caps
-- @tparam string|table domain a `<domain>` document, or a table as
-- `virtcaps.domain` returns it (vcpu may be a count, sizes may be "4 GiB"),
-- with, for domain capabilities checks, firmware, loader = {path=, type=,
-- readonly=, secure=}, secure_boot, cpu = {mode=, model=}, disks = {{bus=,
-- device=, model=}}, graphics = {types}, video = {models}, tpms = {{model=,
-- backend=, version=}}, hostdevs = {{mode=, type=}}, rngs = {{model=,
-- backend=}}, launch_security ("sev", "s390-pv"), sgx (true)
-- @tparam[opt] table|false dc domain capabilities of the emulator (may be
-- left out: opts comes third then). Left out (nil) and caps this host's
-- live probe (`virtcaps.probe`'s very table): probed for the domain's
-- emulator, arch, machine and domain type, with the probe's root and paths,
-- as libvirt validates a domain (a probe that fails is a warning); false:
-- none
-- @tparam[opt] table opts overcommit (default true): false makes more vCPUs
-- than host CPUs a failure
-- @treturn[1] boolean whether it fits
-- @treturn[1] table failures `{rule=, wanted=, found=, message=}`
-- @treturn[1] table warnings, the same shape: what runs but may hurt
-- @treturn[2] nil
-- @treturn[2] string why the domain document cannot be read
-- @usage policy.fits(caps, xml, virtcaps.domcaps.load("dc.xml"))
function M.fits(caps, domain, dc, opts)
   check_table(caps, "caps", 2)
   -- domain capabilities name their emulator and virt type; options never do
   if dc ~= nil and dc ~= false and (type(dc) ~= "table" or type(dc.path) ~= "string" or type(dc.domain) ~= "string") then
      if opts ~= nil then
         error("bad argument #3 to 'fits' (domain capabilities expected)", 2)
      end
      dc, opts = nil, dc
   end
   if opts ~= nil then
      check_table(opts, "opts", 2)
      for k, v in pairs(opts) do
         if k ~= "overcommit" or type(v) ~= "boolean" then
            error(string.format("bad option '%s' to 'fits' (known: overcommit, a boolean)", tostring(k)), 2)
         end
      end
   end
   local overcommit = not (opts and opts.overcommit == false)
   local warnings = {}
   local dom
   if type(domain) == "string" then
      local err
      dom, err = virtcaps.domain(domain)
      if not dom then
         return nil, err
      end
      dom.os = dom.os or {}
   elseif type(domain) == "table" then
      dom = normalise_domain(domain)
   else
      error(string.format("bad argument #2 to 'fits' (domain XML or table expected, got %s)", type(domain)), 2)
   end
   local failures = {}
   local harch = host_arch(caps)
   local os_type = dom.os.type or "hvm"
   local arch = dom.os.arch or harch
   local guest
   local names = {}
   for _, g in ipairs(caps.guests or {}) do
      names[#names + 1] = g.os_type .. "/" .. g.arch.name
      if g.os_type == os_type and g.arch.name == arch then
         guest = guest or g
      end
   end
   if not guest then
      failure(failures, "arch", os_type .. "/" .. arch, #names > 0 and join(names) or "no guests")
      return false, failures, warnings
   end
   local domain_def
   local types = {}
   for _, d in ipairs(guest.arch.domains or {}) do
      types[#types + 1] = d.type
      if d.type == dom.type then
         domain_def = d
      end
   end
   if not domain_def then
      failure(failures, "type", dom.type, string.format("%s for %s/%s", join(types), os_type, arch))
      return false, failures, warnings
   end
   local emulators = set_of { guest.arch.emulator, domain_def.emulator }
   local emulator = domain_def.emulator or guest.arch.emulator
   if dom.emulator and not emulators[dom.emulator] then
      failure(failures, "emulator", dom.emulator, emulator or "none")
   elseif not dom.emulator and not emulator and (dom.type == "kvm" or dom.type == "qemu") then
      failure(failures, "emulator", "an emulator", "none for " .. os_type .. "/" .. arch)
   end
   local machines = machines_for(guest, domain_def)
   local machine
   if dom.os.machine then
      local m = find_machine(machines, dom.os.machine)
      if m then
         machine = resolve(machines, m)
      else
         local list = {}
         for i, mm in ipairs(machines) do
            list[i] = mm.name
         end
         failure(failures, "machine", dom.os.machine, #list > 0 and some(list) or "no machine types")
      end
   else
      machine = pick_machine(machines, {}, arch) or nil
   end
   if dc == nil and #failures == 0 then
      dc = host_domcaps(caps, dom, warnings)
   end
   local vcpus = dom.vcpu and dom.vcpu.count
   if vcpus and machine and machine.maxCpus and vcpus > machine.maxCpus then
      failure(failures, "vcpus", tostring(vcpus), string.format("at most %d for %s", machine.maxCpus, machine.name))
   end
   local host_cpus = Caps.cpu_count(caps)
   if vcpus and host_cpus and vcpus > host_cpus then
      failure(overcommit and warnings or failures, "host_cpus", string.format("%d vCPUs", vcpus),
         string.format("%d host CPUs", host_cpus), { wanted_count = vcpus, found_count = host_cpus })
   end
   if dom.vcpu and dom.vcpu.cpuset then
      local ids = cpuset_list(dom.vcpu.cpuset, "cpuset", failures)
      local present = host_cpu_ids(caps)
      if ids and present then
         local missing = {}
         for _, id in ipairs(ids) do
            if not present[id] then
               missing[#missing + 1] = id
            end
         end
         if #missing > 0 then
            failure(failures, "cpuset", dom.vcpu.cpuset,
               string.format("host CPUs %s", virtcaps.cpuset_format(sorted_keys(present))))
         end
      end
   end
   local total = Caps.total_memory(caps)
   if dom.memory and total and dom.memory > total then
      failure(failures, "memory", human(dom.memory), human(total))
   end
   check_numa(caps, dom, failures)
   check_hugepages(caps, dom, failures)
   if dc then
      offers.check(dc, dom, type(domain) == "string" and offers.from_xml(domain) or dom, failures, warnings)
   end
   return #failures == 0, failures, warnings
end

return M
