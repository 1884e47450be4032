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
            "src/base/arch.c",
            "src/base/base.c",
            "src/base/hostfs.c",
            "src/base/idset.c",
            "src/base/options.c",
            "src/base/safepath.c",
            "src/base/syscalls.c",
            "src/binding/binding.c",
            "src/binding/binding_cpu.c",
            "src/binding/binding_lua.c",
            "src/binding/helpers.c",
            "src/binding/table.c",
            "src/cpu/arm.c",
            "src/cpu/cpudata.c",
            "src/cpu/cpuid.c",
            "src/cpu/cpuinfo.c",
            "src/cpu/def.c",
            "src/cpu/driver.c",
            "src/cpu/host_model.c",
            "src/cpu/map.c",
            "src/cpu/power.c",
            "src/cpu/x86.c",
            "src/drivers/drivers.c",
            "src/drivers/lxc.c",
            "src/drivers/qemu.c",
            "src/drivers/qemu_cache.c",
            "src/drivers/qmp.c",
            "src/drivers/subprocess.c",
            "src/drivers/xen.c",
            "src/host/cache.c",
            "src/host/cachedir.c",
            "src/host/context.c",
            "src/host/cpu.c",
            "src/host/detect_virt.c",
            "src/host/numa.c",
            "src/host/security.c",
            "src/host/sysfs.c",
            "src/host/topology.c",
            "src/model/model.c",
            "src/probe.c",
            "src/xml/domain.c",
            "src/xml/read.c",
            "src/xml/write.c",
            "src/xml/xpath.c",
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
   },
   install = {
      bin = { virtcaps = "bin/virtcaps" },
   },
}
