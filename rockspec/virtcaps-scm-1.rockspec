rockspec_format = "3.0"
package = "virtcaps"
version = "scm-1"
source = {
   url = "git+file:///dev/null",
}
description = {
   summary = "What a host can virtualize, in libvirt's capabilities format",
   detailed = [[
      Probes the host (CPU, NUMA topology, memory, caches, hypervisors and
      their guests), reads and writes libvirt's capabilities XML byte for
      byte as libvirt does, and hands the model to Lua as plain tables.
   ]],
   license = "MIT",
}
dependencies = {
   "lua >= 5.4, < 5.5",
   "dkjson >= 2.5", -- the command line's JSON output
   "luafilesystem >= 1.8", -- lfs: the command line checks a file's type before opening it
}
external_dependencies = {
   LIBXML2 = { header = "libxml2/libxml/parser.h", library = "xml2" },
   JSONC = { header = "json-c/json.h", library = "json-c" },
   NETTLE = { header = "nettle/hmac.h", library = "nettle" },
}
build = {
   type = "builtin",
   modules = {
      ["virtcaps.core"] = {
         sources = {
            "src/arch.c",
            "src/binding/binding.c",
            "src/binding/binding_cpu.c",
            "src/binding/binding_lua.c",
            "src/binding/helpers.c",
            "src/cachedir.c",
            "src/cpu_def.c",
            "src/cpu_driver.c",
            "src/cpu_host.c",
            "src/cpu_map.c",
            "src/cpu_other.c",
            "src/cpu_x86.c",
            "src/cpudata.c",
            "src/cpuid.c",
            "src/detect_virt.c",
            "src/domain_read.c",
            "src/drivers.c",
            "src/drv_lxc.c",
            "src/drv_qemu.c",
            "src/drv_xen.c",
            "src/hostfs.c",
            "src/idset.c",
            "src/model.c",
            "src/probe.c",
            "src/qemu_cache.c",
            "src/qmp.c",
            "src/safepath.c",
            "src/subprocess.c",
            "src/syscalls.c",
            "src/probe_cache.c",
            "src/probe_cpu.c",
            "src/probe_numa.c",
            "src/probe_sec.c",
            "src/probe_sysfs.c",
            "src/binding/table.c",
            "src/xml_read.c",
            "src/xml_write.c",
            "src/xpath.c",
            "src/binding/domcaps.c",
            "src/model/domcaps.c",
            "src/xml/domcaps_read.c",
            "src/xml/domcaps_write.c",
         },
         libraries = { "xml2", "json-c", "nettle" },
         incdirs = { "src", "$(LIBXML2_INCDIR)/libxml2", "$(JSONC_INCDIR)/json-c", "$(NETTLE_INCDIR)" },
         libdirs = { "$(LIBXML2_LIBDIR)", "$(JSONC_LIBDIR)", "$(NETTLE_LIBDIR)" },
         defines = { "_GNU_SOURCE" },
      },
      ["virtcaps"] = "lua/virtcaps/init.lua",
      ["virtcaps.units"] = "lua/virtcaps/units.lua",
      ["virtcaps.query"] = "lua/virtcaps/query.lua",
      ["virtcaps.model"] = "lua/virtcaps/model.lua",
      ["virtcaps.cli"] = "lua/virtcaps/cli/init.lua",
      ["virtcaps.cli.output"] = "lua/virtcaps/cli/output.lua",
      ["virtcaps.cli.nodeinfo"] = "lua/virtcaps/cli/nodeinfo.lua",
      ["virtcaps.cli.guests"] = "lua/virtcaps/cli/guests.lua",
      ["virtcaps.cli.validate"] = "lua/virtcaps/cli/validate.lua",
      ["virtcaps.cli.diff"] = "lua/virtcaps/cli/diff.lua",
      ["virtcaps.cli.check"] = "lua/virtcaps/cli/check.lua",
      ["virtcaps.cli.choose"] = "lua/virtcaps/cli/choose.lua",
      ["virtcaps.cli.fits"] = "lua/virtcaps/cli/fits.lua",
      ["virtcaps.cli.baseline"] = "lua/virtcaps/cli/baseline.lua",
      ["virtcaps.cli.cpu_compare"] = "lua/virtcaps/cli/cpu_compare.lua",
      ["virtcaps.cli.xpath"] = "lua/virtcaps/cli/xpath.lua",
      ["virtcaps.cli.detect_virt"] = "lua/virtcaps/cli/detect_virt.lua",
      ["virtcaps.cli.facts"] = "lua/virtcaps/cli/facts.lua",
      ["virtcaps.cli.domcapabilities"] = "lua/virtcaps/cli/domcapabilities.lua",
      ["virtcaps.facts"] = "lua/virtcaps/facts.lua",
      ["virtcaps.json"] = "lua/virtcaps/json.lua",
      ["virtcaps.rules"] = "lua/virtcaps/rules.lua",
      ["virtcaps.policy"] = "lua/virtcaps/policy/init.lua",
      ["virtcaps.policy.util"] = "lua/virtcaps/policy/util.lua",
      ["virtcaps.policy.machines"] = "lua/virtcaps/policy/machines.lua",
      ["virtcaps.policy.choose"] = "lua/virtcaps/policy/choose.lua",
      ["virtcaps.policy.check"] = "lua/virtcaps/policy/check.lua",
      ["virtcaps.policy.fits"] = "lua/virtcaps/policy/fits.lua",
      ["virtcaps.policy.diff"] = "lua/virtcaps/policy/diff.lua",
      ["virtcaps.policy.migratable"] = "lua/virtcaps/policy/migratable.lua",
      ["virtcaps.cpu"] = "lua/virtcaps/cpu.lua",
      ["virtcaps.domcaps"] = "lua/virtcaps/domcaps.lua",
   },
   install = {
      bin = { virtcaps = "bin/virtcaps" },
   },
}
