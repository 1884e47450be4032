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
            "src/binding.c",
            "src/drivers.c",
            "src/model.c",
            "src/probe.c",
            "src/probe_cache.c",
            "src/probe_cpu.c",
            "src/probe_numa.c",
            "src/probe_sec.c",
            "src/probe_sysfs.c",
            "src/table.c",
            "src/xml_read.c",
            "src/xml_write.c",
         },
         libraries = { "xml2", "json-c", "nettle" },
         incdirs = { "$(LIBXML2_INCDIR)/libxml2", "$(JSONC_INCDIR)/json-c", "$(NETTLE_INCDIR)" },
         libdirs = { "$(LIBXML2_LIBDIR)", "$(JSONC_LIBDIR)", "$(NETTLE_LIBDIR)" },
         defines = { "_GNU_SOURCE" },
      },
      ["virtcaps"] = "lua/virtcaps/init.lua",
   },
   install = {
      bin = { virtcaps = "bin/virtcaps" },
   },
}
