-- What the reference's domain capabilities test harness fixes
-- (conformance domcaps/README.md), shared by the specs that reproduce it.
local support = require "support"

local M = {}

-- The harness's fixed host CPUs, where the reference consults one.
M.HOST_CPU = {
   x86_64 = "<cpu><arch>x86_64</arch><model>Broadwell</model>"
      .. "<topology sockets='1' cores='2' threads='2'/></cpu>",
   ppc64 = "<cpu><arch>ppc64</arch><model>POWER8</model>"
      .. "<topology sockets='1' cores='8' threads='8'/></cpu>",
}

M.LOADERS = {
   "/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF32_CODE.fd", "/usr/share/OVMF/OVMF_CODE.fd",
}

-- The firmware descriptor directories it installs, as the reference reads
-- them for an unprivileged user whose $HOME is /home/user.
M.FIRMWARE_DIRS = { "/usr/share/qemu/firmware", "/etc/qemu/firmware", "/home/user/.config/qemu/firmware" }

--- The harness's directories as paths options over the data directory:
-- each host directory read from the data, a file copied from a symbolic
-- link read from the link's target.
function M.firmware_paths(data)
   local paths = {}
   for _, dir in ipairs(M.FIRMWARE_DIRS) do
      local here = data .. dir
      assert(support.sh("test -d '" .. here .. "'"), "the conformance data lacks firmware" .. dir)
      paths[dir] = here
      for _, name in ipairs(support.list(here, "^[^.]")) do
         local target = support.follow_copied_link(here .. "/" .. name)
         if target ~= here .. "/" .. name then
            paths[dir .. "/" .. name] = target
         end
      end
   end
   return paths
end

--- swtpm's TPM versions by QEMU version, as the harness sets them.
function M.tpm_versions(version)
   local major = tonumber(version:match("^(%d+)%."))
   if major < 6 then
      return { "1.2" }
   elseif major == 6 then
      return { "1.2", "2.0" }
   end
   return { "2.0" }
end

--- qemu_VERSION[-tcg|-MACHINE].ARCH.xml: version, arch, virt type and
-- machine (nil: the default) of the case the file stands for.
function M.case_of(name)
   local version, variant, arch = name:match("^qemu_(%d+%.%d+%.%d+)(.-)%.([%w_]+)%.xml$")
   assert(version, "cannot tell the case of " .. name)
   local virttype, machine = "kvm", nil
   if variant == "-tcg" then
      virttype = "qemu"
   elseif variant ~= "" then
      machine = variant:sub(2)
   end
   return version, arch, virttype, machine
end

return M
