--- virtcaps.cli_commands: the commands of the `virtcaps` command line, all
-- but printing the document (which needs none of this, and stays quick to
-- start). virtcaps.cli loads it when a command is named and hands in its
-- helpers.
-- @module virtcaps.cli_commands
local virtcaps = require "virtcaps"
local policy = require "virtcaps.policy"

return function(cli)
   local write, fail, encode, model_json, read_file, get_caps =
      cli.write, cli.fail, cli.encode, cli.model_json, cli.read_file, cli.get_caps

   local M = {}
   local commands = {}
   M.commands = commands
   commands.domcapabilities = require "virtcaps.cli_domcaps"(cli)

   commands.nodeinfo = {
      usage = "usage: virtcaps nodeinfo [--json]\n\nCPU and memory of this host, as `virsh nodeinfo` prints them.\n",
      options = {},
      run = function(ctx, opts)
         local info, err = virtcaps.nodeinfo()
         if not info then
            return fail(ctx, 2, err)
         end
         if opts.json then
            write(ctx, encode(info), "\n")
            return 0
         end
         local rows = {
            { "CPU model:", info.model },
            { "CPU(s):", info.cpus },
            { "CPU frequency:", info.mhz and info.mhz .. " MHz" },
            { "CPU socket(s):", info.sockets },
            { "Core(s) per socket:", info.cores },
            { "Thread(s) per core:", info.threads },
            { "NUMA cell(s):", info.nodes },
            { "Memory size:", info.memory and info.memory .. " KiB" },
         }
         for _, r in ipairs(rows) do
            if r[2] ~= nil then
               write(ctx, string.format("%-20s %s\n", r[1], tostring(r[2])))
            end
         end
         return 0
      end,
   }

   local function guest_row(g)
      local domains, machines = {}, {}
      for _, d in ipairs(g.arch.domains) do
         domains[#domains + 1] = d.type
      end
      for m in virtcaps.Capabilities.machines({ guests = { g } }) do
         machines[#machines + 1] = m.name
      end
      return {
         os_type = g.os_type,
         arch = g.arch.name,
         wordsize = g.arch.wordsize,
         domains = domains,
         machines = machines,
         emulator = g.arch.emulator,
      }
   end

   -- Columns padded to their widest cell.
   local function write_table(ctx, header, rows)
      local widths = {}
      for _, r in ipairs({ header, table.unpack(rows) }) do
         for i, cell in ipairs(r) do
            widths[i] = math.max(widths[i] or 0, #cell)
         end
      end
      for _, r in ipairs({ header, table.unpack(rows) }) do
         local cells = {}
         for i, cell in ipairs(r) do
            cells[i] = i < #r and cell .. string.rep(" ", widths[i] - #cell) or cell
         end
         write(ctx, table.concat(cells, "  "), "\n")
      end
   end

   commands.guests = {
      usage = [=[
usage: virtcaps guests [--arch A] [--os-type T] [--domain D] [--caps FILE] [--json]

The guests this host can run: os type, arch, word size, domain types, machine
types and emulator, one guest a line.
]=],
      options = { arch = "value", ["os-type"] = "value", domain = "value" },
      run = function(ctx, opts, args)
         if #args > 0 then
            return fail(ctx, 2, "guests takes no arguments, got '" .. args[1] .. "'")
         end
         local caps, err = get_caps(ctx, opts)
         if not caps then
            return fail(ctx, 2, err)
         end
         local rows = {}
         for g in caps:guests { arch = opts.arch, os_type = opts["os-type"], domain = opts.domain } do
            rows[#rows + 1] = guest_row(g)
         end
         if opts.json then
            for _, r in ipairs(rows) do
               setmetatable(r.domains, { __jsontype = "array" })
               setmetatable(r.machines, { __jsontype = "array" })
            end
            write(ctx, encode(setmetatable(rows, { __jsontype = "array" })), "\n")
            return 0
         end
         local lines = {}
         for i, r in ipairs(rows) do
            lines[i] = { r.os_type, r.arch, tostring(r.wordsize or ""), table.concat(r.domains, ","), tostring(#r.machines),
               r.emulator or "" }
         end
         write_table(ctx, { "OS TYPE", "ARCH", "BITS", "DOMAINS", "MACHINES", "EMULATOR" }, lines)
         return 0
      end,
   }

   commands.validate = {
      usage = [=[
usage: virtcaps validate FILE... [--json]

Reads each capabilities document the way `virtcaps.load` does (each domain
capabilities document as `virtcaps.domcaps.load`) and says
whether it is valid (with the reader's warnings). Exit status 1 when one is
not, 2 when one cannot be read.
]=],
      options = {},
      run = function(ctx, opts, args)
         if #args == 0 then
            return fail(ctx, 2, "validate needs at least one FILE")
         end
         local results, code = {}, 0
         for _, path in ipairs(args) do
            local data, rerr = read_file(path)
            if not data then
               return fail(ctx, 2, rerr)
            end
            -- By root element: capabilities or domain capabilities.
            local parse = virtcaps.xpath(data, "name(/*)") == "domainCapabilities" and virtcaps.domcaps.parse
               or virtcaps.parse
            local caps, err = parse(data)
            local r = { file = path, valid = caps ~= nil, error = err,
               warnings = setmetatable(caps and caps.warnings or {}, { __jsontype = "array" }) }
            results[#results + 1] = r
            if not caps then
               code = 1
            end
         end
         if opts.json then
            write(ctx, encode(setmetatable(results, { __jsontype = "array" })), "\n")
            return code
         end
         for _, r in ipairs(results) do
            if r.valid then
               write(ctx, string.format("%s: valid%s\n", r.file,
                  #r.warnings > 0 and string.format(" (%d warning%s)", #r.warnings, #r.warnings == 1 and "" or "s") or ""))
               for _, w in ipairs(r.warnings) do
                  write(ctx, string.format("%s: warning: %s\n", r.file, w))
               end
            else
               write(ctx, string.format("%s: invalid: %s\n", r.file, r.error))
            end
         end
         return code
      end,
   }

   commands.diff = {
      usage = [=[
usage: virtcaps diff A.xml B.xml [--json]

What changed from capabilities document A to B (host CPU, memory, NUMA cells
and huge pages, guests, domain types, machine types, ...), a change a line.
Exit status 1 when something changed.
]=],
      options = {},
      run = function(ctx, opts, args)
         if #args ~= 2 then
            return fail(ctx, 2, "diff needs two files, got " .. #args)
         end
         local a, err = virtcaps.load(args[1])
         if not a then
            return fail(ctx, 2, err)
         end
         local b, berr = virtcaps.load(args[2])
         if not b then
            return fail(ctx, 2, berr)
         end
         local changes = policy.diff(a, b)
         if opts.json then
            write(ctx, encode(setmetatable(changes, { __jsontype = "array" })), "\n")
         else
            for _, c in ipairs(changes) do
               write(ctx, c.message, "\n")
            end
         end
         return #changes > 0 and 1 or 0
      end,
   }

   -- A rules file is Lua returning a table; it runs with no globals at all.
   local function load_rules(path)
      local text, err = read_file(path)
      if not text then
         return nil, err
      end
      local chunk, cerr = load(text, "@" .. path, "t", {})
      if not chunk then
         return nil, cerr
      end
      local ok, rules = pcall(chunk)
      if not ok then
         return nil, rules
      end
      if type(rules) ~= "table" then
         return nil, string.format("%s: must return a table of rules, returned %s", path, type(rules))
      end
      return rules
   end

   commands.check = {
      usage = [=[
usage: virtcaps check RULES.lua [--caps FILE] [--json]

Checks the host against rules: RULES.lua returns a table such as
  return { arch = "x86_64", domains = {"kvm"}, min_cpus = 8, min_memory = "64 GiB",
           hugepages = {size = "1 GiB", count = 4}, iommu = true, numa_cells = 2 }
Prints each failed rule with what was wanted and found; exit status 1 when
one fails, 2 for unknown rules or a file that cannot be read.
]=],
      options = {},
      run = function(ctx, opts, args)
         if #args ~= 1 then
            return fail(ctx, 2, "check needs one RULES.lua file")
         end
         local rules, err = load_rules(args[1])
         if not rules then
            return fail(ctx, 2, err)
         end
         local caps, cerr = get_caps(ctx, opts)
         if not caps then
            return fail(ctx, 2, cerr)
         end
         local ok, holds, failures = pcall(policy.check, caps, rules)
         if not ok then
            return fail(ctx, 2, args[1] .. ": " .. tostring(holds))
         end
         if opts.json then
            write(ctx, encode({ ok = holds, failures = setmetatable(failures, { __jsontype = "array" }) }), "\n")
         elseif holds then
            local n = 0
            for _ in pairs(rules) do n = n + 1 end
            write(ctx, string.format("ok: %d rule%s hold%s\n", n, n == 1 and "" or "s", n == 1 and "s" or ""))
         else
            for _, f in ipairs(failures) do
               write(ctx, f.message, "\n")
            end
         end
         return holds and 0 or 1
      end,
   }

   commands.choose = {
      usage = [=[
usage: virtcaps choose [--arch A] [--os-type T] [--domain D] [--machine M]
                       [--min-vcpus N] [--caps FILE] [--json]

The best way to run a guest: os type, arch, domain type (hardware
acceleration first), machine type (aliases resolved; M may be a Lua
pattern) and emulator. Exit status 1, with the reason, when there is none.
]=],
      options = { arch = "value", ["os-type"] = "value", domain = "value", machine = "value", ["min-vcpus"] = "value" },
      run = function(ctx, opts, args)
         if #args > 0 then
            return fail(ctx, 2, "choose takes no arguments, got '" .. args[1] .. "'")
         end
         local want = { arch = opts.arch, os_type = opts["os-type"], domain = opts.domain, machine = opts.machine }
         if opts["min-vcpus"] then
            want.min_vcpus = math.tointeger(tonumber(opts["min-vcpus"]))
            if not want.min_vcpus or want.min_vcpus < 1 then
               return fail(ctx, 2, "--min-vcpus needs a positive integer, got '" .. opts["min-vcpus"] .. "'")
            end
         end
         local caps, err = get_caps(ctx, opts)
         if not caps then
            return fail(ctx, 2, err)
         end
         local ok, choice, reason = pcall(policy.choose, caps, want)
         if not ok then
            return fail(ctx, 2, choice)
         end
         if not choice then
            return fail(ctx, 1, reason)
         end
         if opts.json then
            write(ctx, encode(choice), "\n")
         else
            for _, k in ipairs { "os_type", "arch", "domain", "machine", "emulator" } do
               if choice[k] then
                  write(ctx, string.format("%-9s %s\n", k, choice[k]))
               end
            end
         end
         return 0
      end,
   }

   commands.fits = {
      usage = [=[
usage: virtcaps fits DOMAIN.xml [--caps FILE] [--json]

Whether a libvirt domain definition can run on this host: guest arch and
domain type, emulator, machine type, vCPUs, cpuset, memory, NUMA placement
and huge pages. Exit status 1 with the reasons when it cannot.
]=],
      options = {},
      run = function(ctx, opts, args)
         if #args ~= 1 then
            return fail(ctx, 2, "fits needs one DOMAIN.xml file")
         end
         local xml, rerr = read_file(args[1])
         if not xml then
            return fail(ctx, 2, rerr)
         end
         local caps, err = get_caps(ctx, opts)
         if not caps then
            return fail(ctx, 2, err)
         end
         local fits, failures = policy.fits(caps, xml)
         if fits == nil then
            return fail(ctx, 2, args[1] .. ": " .. failures)
         end
         if opts.json then
            write(ctx, encode({ ok = fits, failures = setmetatable(failures, { __jsontype = "array" }) }), "\n")
         elseif fits then
            write(ctx, args[1], ": fits\n")
         else
            for _, f in ipairs(failures) do
               write(ctx, f.message, "\n")
            end
         end
         return fits and 0 or 1
      end,
   }

   commands.baseline = {
      usage = [=[
usage: virtcaps baseline FILE... [--json]

The largest CPU definition every given host can run (`virsh cpu-baseline`),
from capabilities documents or <cpu> documents.
]=],
      options = {},
      run = function(ctx, opts, args)
         if #args == 0 then
            return fail(ctx, 2, "baseline needs at least one FILE")
         end
         local cpu = require "virtcaps.cpu"
         -- Capabilities documents give their host CPU; <cpu> documents their CPUs.
         local inputs = {}
         for _, path in ipairs(args) do
            local data, rerr = read_file(path)
            if not data then
               return fail(ctx, 2, rerr)
            end
            inputs[#inputs + 1] = data
         end
         local result, err = cpu.baseline(inputs)
         if not result then
            return fail(ctx, 1, err)
         end
         if opts.json then
            write(ctx, encode(model_json(result, "cpu")), "\n")
         else
            write(ctx, cpu.format(result))
         end
         return 0
      end,
   }

   commands.xpath = {
      usage = [=[
usage: virtcaps xpath EXPR [--caps FILE] [--json]

XPath 1.0 over the capabilities document (as `virsh capabilities | xmllint
--xpath EXPR -` would): one result a line, attribute and text values as they
are, elements as markup. Exit status 1 when a node-set is empty.
]=],
      options = {},
      run = function(ctx, opts, args)
         if #args ~= 1 then
            return fail(ctx, 2, "xpath needs one expression")
         end
         local caps, err = get_caps(ctx, opts)
         if not caps then
            return fail(ctx, 2, err)
         end
         local result, xerr = caps:xpath(args[1])
         if result == nil then
            return fail(ctx, 2, xerr)
         end
         if opts.json then
            write(ctx, encode(type(result) == "table" and setmetatable(result, { __jsontype = "array" }) or result), "\n")
         elseif type(result) == "table" then
            for _, s in ipairs(result) do
               write(ctx, s, "\n")
            end
         else
            write(ctx, tostring(result), "\n")
         end
         return type(result) == "table" and #result == 0 and 1 or 0
      end,
   }

   commands["detect-virt"] = {
      usage = [=[
usage: virtcaps detect-virt [--json]

The virtual machine and the container this host runs in, named as
`systemd-detect-virt --vm` and `--container` name them ("none" for none).
]=],
      options = {},
      run = function(ctx, opts, args)
         if #args > 0 then
            return fail(ctx, 2, "detect-virt takes no arguments")
         end
         local v, err = virtcaps.detect_virt()
         if not v then
            return fail(ctx, 2, err)
         end
         if opts.json then
            write(ctx, encode(v), "\n")
         else
            write(ctx, "vm: ", v.vm, "\ncontainer: ", v.container, "\n")
         end
         return 0
      end,
   }

   local function sorted_list(set)
      local list = {}
      for k in pairs(set) do
         list[#list + 1] = k
      end
      table.sort(list)
      return table.concat(list, ",")
   end

   local function page_label(kib)
      for _, u in ipairs { { 1024 * 1024 * 1024, "T" }, { 1024 * 1024, "G" }, { 1024, "M" } } do
         if kib >= u[1] and kib % u[1] == 0 then
            return kib // u[1] .. u[2]
         end
      end
      return kib .. "K"
   end

   --- The facts `virtcaps facts` prints: one flat table of strings, numbers
   -- and booleans (lists are comma-separated strings). The README lists the keys.
   -- @tparam table caps
   -- @tparam table virt `{vm=, container=}` as `virtcaps.detect_virt` gives it
   -- @treturn table
   function M.facts(caps, virt)
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
         vm = virt.vm,
         container = virt.container,
         arch = cpu.arch,
         cpu_vendor = cpu.vendor,
         cpu_model = cpu.model,
         cpu_features = sorted_list(features),
         cpus = Caps.cpu_count(caps),
         sockets = cpu.topology and cpu.topology.sockets,
         cores = cpu.topology and cpu.topology.cores,
         threads = cpu.topology and cpu.topology.threads,
         numa_cells = caps.host.topology and #caps.host.topology.cells or 0,
         memory_kib = Caps.total_memory(caps),
         iommu = caps.host.iommu and caps.host.iommu.support or false,
         live_migration = caps.host.migration_features and caps.host.migration_features.live or false,
         kvm = next(kvm_arches) ~= nil,
         kvm_arches = sorted_list(kvm_arches),
         guest_arches = sorted_list(arches),
         os_types = sorted_list(os_types),
         domain_types = sorted_list(domains),
         virtualization = Caps.virtualization(caps) or "none",
      }
      local counts, sizes = {}, {}
      for _, cell in ipairs(caps.host.topology and caps.host.topology.cells or {}) do
         for _, p in ipairs(cell.pages or {}) do
            local kib = virtcaps.kib { value = p.size, unit = p.unit }
            if kib then
               counts[kib] = (counts[kib] or 0) + p.count
            end
         end
      end
      for _, p in ipairs(cpu.pages or {}) do
         sizes[#sizes + 1] = virtcaps.kib { value = p.size, unit = p.unit }
      end
      table.sort(sizes)
      local labels = {}
      for i, kib in ipairs(sizes) do
         if i > 1 then -- the first is the base page size
            labels[#labels + 1] = page_label(kib)
            facts["hugepages_" .. page_label(kib)] = counts[kib] or 0
         end
      end
      facts.hugepage_sizes = table.concat(labels, ",")
      return facts
   end

   commands.facts = {
      usage = [=[
usage: virtcaps facts [--caps FILE]

One flat JSON object about this host for configuration management: usable as
an Ansible local fact (an executable /etc/ansible/facts.d/virtcaps.fact) and a
Facter external fact. The README lists the keys.
]=],
      options = {},
      run = function(ctx, opts, args)
         if #args > 0 then
            return fail(ctx, 2, "facts takes no arguments")
         end
         local caps, err = get_caps(ctx, opts)
         if not caps then
            return fail(ctx, 2, err)
         end
         local virt, verr = virtcaps.detect_virt()
         if not virt then
            return fail(ctx, 2, verr)
         end
         write(ctx, encode(M.facts(caps, virt)), "\n")
         return 0
      end,
   }

   return M
end
