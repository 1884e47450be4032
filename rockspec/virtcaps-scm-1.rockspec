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
            "src/binding.c",
            "src/binding_cpu.c",
            "src/binding_lua.c",
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
            "src/table.c",
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
      ["virtcaps.cli"] = "lua/virtcaps/cli.lua",
      ["virtcaps.cli_commands"] = "lua/virtcaps/cli_commands.lua",
      ["virtcaps.policy"] = "lua/virtcaps/policy.lua",
      ["virtcaps.cpu"] = "lua/virtcaps/cpu.lua",
   },
   install = {
      bin = { virtcaps = "bin/virtcaps" },
   },
}
