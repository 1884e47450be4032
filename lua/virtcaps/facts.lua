--- virtcaps.facts: facts about a host for configuration management
-- (Ansible local facts, Facter external facts): one flat table whose keys
-- all start with `virtcaps_`, so that they never collide with the core facts
-- of those tools (`kvm`, `cpus`, `virtual`, ...); lists are arrays. The
-- README lists the keys.
-- @module virtcaps.facts
local virtcaps = require "virtcaps"
local json = require "virtcaps.json"

local M = {}

local function sorted_list(set)
   local list = {}
   for k in pairs(set) do
      list[#list + 1] = k
   end
   table.sort(list)
   return json.array(list)
end

local function page_label(kib)
   for _, u in ipairs { { 1024 * 1024 * 1024, "T" }, { 1024 * 1024, "G" }, { 1024, "M" } } do
      if kib >= u[1] and kib % u[1] == 0 then
         return kib // u[1] .. u[2]
      end
   end
   return kib .. "K"
end

-- Huge page sizes (the host CPU's page sizes but the first, the base page)
-- and the pages reserved of each over all cells.
local function hugepages(caps, facts)
   local counts, sizes = {}, {}
   for _, cell in ipairs(caps.host.topology and caps.host.topology.cells or {}) do
      for _, p in ipairs(cell.pages or {}) do
         local kib = virtcaps.kib { value = p.size, unit = p.unit }
         if kib then
            counts[kib] = (counts[kib] or 0) + p.count
         end
      end
   end
   for _, p in ipairs(caps.host.cpu.pages or {}) do
      sizes[#sizes + 1] = virtcaps.kib { value = p.size, unit = p.unit }
   end
   table.sort(sizes)
   local labels = json.array {}
   for i, kib in ipairs(sizes) do
      if i > 1 then
         labels[#labels + 1] = page_label(kib)
         facts["virtcaps_hugepages_" .. page_label(kib)] = counts[kib] or 0
      end
   end
   facts.virtcaps_hugepage_sizes = labels
end

local function enum_list(list)
   local set = {}
   for _, v in ipairs(list or {}) do
      set[v] = true
   end
   return sorted_list(set)
end

-- What a scheduler asks of one emulator: the guest it is for, its CPU
-- models and host-model CPU, firmware, TPM versions, SEV and SGX.
local function domcaps_facts(dc, facts)
   local modes = dc.cpu and dc.cpu.modes or {}
   local supported = {}
   for _, m in ipairs { "host-passthrough", "maximum", "host-model", "custom" } do
      if modes[m] and modes[m].supported then
         supported[m] = true
      end
   end
   local usable = {}
   for _, m in ipairs(modes.custom and modes.custom.models or {}) do
      if m.usable == true then
         usable[m.name] = true
      end
   end
   local hm = supported["host-model"] and modes["host-model"] or {}
   local dos = dc.os and dc.os.supported ~= false and dc.os or {}
   local loader = dos.loader and dos.loader.supported and dos.loader or {}
   local tpm = dc.devices and dc.devices.tpm
   local features = dc.features or {}
   local sev, sgx = features.sev or {}, features.sgx or {}
   facts.virtcaps_domcaps_emulator = dc.path
   facts.virtcaps_domcaps_arch = dc.arch
   facts.virtcaps_domcaps_domain_type = dc.domain
   facts.virtcaps_domcaps_machine = dc.machine
   facts.virtcaps_domcaps_max_vcpus = dc.vcpu and dc.vcpu.max
   facts.virtcaps_domcaps_cpu_modes = sorted_list(supported)
   facts.virtcaps_domcaps_cpu_models_usable = sorted_list(usable)
   facts.virtcaps_domcaps_host_model = hm.model
   facts.virtcaps_domcaps_host_model_vendor = hm.vendor
   facts.virtcaps_domcaps_firmware = enum_list(dos.firmware)
   facts.virtcaps_domcaps_secure_boot = false
   for _, v in ipairs(loader.secure or {}) do
      facts.virtcaps_domcaps_secure_boot = facts.virtcaps_domcaps_secure_boot or v == "yes"
   end
   facts.virtcaps_domcaps_tpm_versions = enum_list(tpm and tpm.supported and tpm.backendVersion)
   facts.virtcaps_domcaps_sev = sev.supported or false
   facts.virtcaps_domcaps_sev_max_guests = sev.supported and sev.maxGuests or nil
   facts.virtcaps_domcaps_sgx = sgx.supported or false
   facts.virtcaps_domcaps_sgx_epc_kib = sgx.supported and sgx.section_size and sgx.section_size.value or nil
end

--- The facts of a capabilities table, and of an emulator's domain
-- capabilities when given.
-- @tparam table caps
-- @tparam[opt] table virt `{vm=, container=}` as `virtcaps.detect_virt` gives
-- it for the host the facts describe; leave it out (nil) for a saved document
-- (another host's, or this one's from another time)
-- @tparam[opt] table|false dc domain capabilities (`virtcaps.domcaps`): adds the
-- `virtcaps_domcaps_` facts. Left out (nil) and caps this host's live probe
-- (`virtcaps.probe`'s very table): the default domain capabilities are
-- probed (`virtcaps domcapabilities` with no arguments; none when that
-- fails); false: none
-- @treturn table
-- @usage local facts = virtcaps_facts.of(assert(virtcaps.probe()), virtcaps.detect_virt())
function M.of(caps, virt, dc)
   local Caps = virtcaps.Capabilities
   local cpu = caps.host.cpu
   local arches, kvm_arches, os_types, domains = {}, {}, {}, {}
   for _, g in ipairs(caps.guests) do
      arches[g.arch.name] = true
      os_types[g.os_type] = true
      for _, d in ipairs(g.arch.domains) do
         domains[d.type] = true
         if d.type == "kvm" then
            kvm_arches[g.arch.name] = true
         end
      end
   end
   local features = {}
   for f in Caps.features(caps) do
      features[f] = true
   end
   local facts = {
      virtcaps_version = virtcaps._VERSION:match("[%d.]+$"),
      virtcaps_vm = virt and virt.vm,
      virtcaps_container = virt and virt.container,
      virtcaps_arch = cpu.arch,
      virtcaps_cpu_vendor = cpu.vendor,
      virtcaps_cpu_model = cpu.model,
      virtcaps_cpu_features = sorted_list(features),
      virtcaps_cpus = Caps.cpu_count(caps),
      virtcaps_sockets = cpu.topology and cpu.topology.sockets,
      virtcaps_cores = cpu.topology and cpu.topology.cores,
      virtcaps_threads = cpu.topology and cpu.topology.threads,
      virtcaps_numa_cells = caps.host.topology and #caps.host.topology.cells or 0,
      virtcaps_memory_kib = Caps.total_memory(caps),
      virtcaps_iommu = caps.host.iommu and caps.host.iommu.support or false,
      virtcaps_live_migration = caps.host.migration_features and caps.host.migration_features.live or false,
      virtcaps_kvm = next(kvm_arches) ~= nil,
      virtcaps_kvm_arches = sorted_list(kvm_arches),
      virtcaps_guest_arches = sorted_list(arches),
      virtcaps_os_types = sorted_list(os_types),
      virtcaps_domain_types = sorted_list(domains),
      virtcaps_virtualization = Caps.virtualization(caps) or "none",
   }
   hugepages(caps, facts)
   local popts = dc == nil and virtcaps.probe_options(caps)
   if popts then
      dc = virtcaps.domcaps.probe_host(popts)
   end
   if dc then
      domcaps_facts(dc, facts)
   end
   return facts
end

--- The facts as `virtcaps facts` prints them: JSON with sorted keys, the
-- same bytes for the same facts.
-- @tparam table facts
-- @treturn string
function M.json(facts)
   return json.encode(facts) .. "\n"
end

return M
