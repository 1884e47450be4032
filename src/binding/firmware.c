/* virtcaps.core.firmware: the firmware descriptors of a host and what they
 * offer one architecture and machine type. Documented (LDoc) in
 * lua/virtcaps/init.lua. */
#include "base/arch.h"
#include "base/options.h"
#include "host/firmware.h"
#include "vc_lua.h"

#include <string.h>

static const vc_opt firmware_options[] = {
    {"root", VC_OPT_STRING},        {"paths", VC_OPT_MAP},           {"arch", VC_OPT_STRING},
    {"machine", VC_OPT_STRING},     {"privileged", VC_OPT_BOOLEAN},  {"config_home", VC_OPT_STRING},
    {NULL, VC_OPT_STRING},
};
enum { F_ROOT, F_PATHS, F_ARCH, F_MACHINE, F_PRIVILEGED, F_CONFIG_HOME, N_FIRMWARE_OPTIONS };

static void push_const_strings(lua_State *L, const char *const *list, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, list[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static void push_desc(lua_State *L, const vc_firmware_desc *fw)
{
    vc_lua_need_stack(L, 6);
    lua_createtable(L, 0, 10);
    set_str(L, "path", fw->path);
    push_const_strings(L, fw->interfaces, fw->ninterfaces);
    lua_setfield(L, -2, "interfaces");
    set_str(L, "device", fw->device);
    set_str(L, "mode", fw->mode);
    set_str(L, "executable", fw->executable);
    set_str(L, "executable_format", fw->executable_format);
    set_str(L, "nvram_template", fw->nvram_template);
    set_str(L, "nvram_template_format", fw->nvram_template_format);
    set_str(L, "filename", fw->filename);
    lua_createtable(L, (int)fw->ntargets, 0);
    for (size_t i = 0; i < fw->ntargets; i++) {
        const vc_firmware_target *t = &fw->targets[i];
        lua_createtable(L, 0, 2);
        set_str(L, "arch", t->arch);
        /* An entry that is no string matches nothing: false keeps its place. */
        lua_createtable(L, (int)t->nmachines, 0);
        for (size_t j = 0; j < t->nmachines; j++) {
            if (t->machines[j])
                lua_pushstring(L, t->machines[j]);
            else
                lua_pushboolean(L, 0);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_setfield(L, -2, "machines");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "targets");
    push_const_strings(L, fw->features, fw->nfeatures);
    lua_setfield(L, -2, "features");
}

static int l_firmware(lua_State *L)
{
    vc_lua_check_nargs(L, 1);
    vc_optval v[N_FIRMWARE_OPTIONS];
    vc_arena *a = vc_lua_options(L, 1, firmware_options, v);
    vc_probe_opts probe;
    memset(&probe, 0, sizeof probe);
    probe.root = v[F_ROOT].str;
    probe.paths = v[F_PATHS].map;
    probe.npaths = v[F_PATHS].n;
    probe.arch = v[F_ARCH].str;
    char arch[64];
    if (probe.arch && vc_arch_index(probe.arch) < 0)
        luaL_argerror(L, 1, "option 'arch': an architecture the reference knows expected");
    if (vc_probe_arch(&probe, arch, sizeof arch) < 0)
        return luaL_error(L, "cannot tell the host architecture");
    vc_firmware_opts opts = {
        .probe = &probe,
        .privileged = v[F_PRIVILEGED].given ? (int8_t)v[F_PRIVILEGED].boolean : VC_UNSET_B,
        .config_home = v[F_CONFIG_HOME].str,
    };
    vc_firmware_set set;
    vc_firmware_offer offer;
    vc_error err;
    const char *machine = v[F_MACHINE].str;
    if (vc_firmware_read(&opts, a, &set, &err) < 0 ||
        (machine && vc_firmware_offer_of(&set, &probe, arch, machine, a, &offer, &err) < 0))
        return vc_lua_fail(L, &err);
    vc_lua_need_stack(L, 4);
    lua_createtable(L, 0, 9);
    set_str(L, "arch", arch);
    if (machine) {
        set_str(L, "machine", machine);
        const char *firmware[2];
        size_t n = 0;
        if (offer.bios)
            firmware[n++] = "bios";
        if (offer.efi)
            firmware[n++] = "efi";
        push_const_strings(L, firmware, n);
        lua_setfield(L, -2, "firmware");
        lua_pushboolean(L, offer.secure);
        lua_setfield(L, -2, "secure");
        push_strings(L, offer.loaders, offer.nloaders);
        lua_setfield(L, -2, "loaders");
    }
    lua_createtable(L, (int)set.ndescs, 0);
    for (size_t i = 0; i < set.ndescs; i++) {
        push_desc(L, &set.descs[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "descriptors");
    push_strings(L, set.warnings, set.nwarnings);
    lua_setfield(L, -2, "warnings");
    return 1;
}

void vc_lua_open_firmware(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"firmware", l_firmware},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
