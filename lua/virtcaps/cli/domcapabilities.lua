--- virtcaps.cli.domcapabilities: `virtcaps domcapabilities`, as `virsh
-- domcapabilities` (from a document, with --caps FILE).
-- @module virtcaps.cli.domcapabilities
local core = require "virtcaps.core"
local domcaps = require "virtcaps.domcaps"
local output = require "virtcaps.cli.output"
local json = require "virtcaps.json"

-- The options `virsh domcapabilities` takes to choose what to probe.
local PROBE_OPTIONS = { "emulatorbin", "arch", "machine", "virttype" }

-- Empty tables are arrays in JSON (enums, lists); these keys hold elements.
local OBJECT_KEYS = { devices = true, features = true, cpu = true, modes = true }

local function to_json(value, key)
   if type(value) ~= "table" then
      return value
   end
   local out = {}
   for k, v in pairs(value) do
      out[k] = to_json(v, k)
   end
   if next(out) == nil and OBJECT_KEYS[key] then
      json.object(out)
   end
   return out
end

return {
   usage = [=[
usage: virtcaps domcapabilities --caps FILE [--json]
       virtcaps domcapabilities --qemucaps FILE [--arch ARCH] [--machine MACHINE] [--virttype TYPE] [--json]
       virtcaps domcapabilities [--emulatorbin PATH] [--arch ARCH] [--machine MACHINE] [--virttype TYPE]

What one emulator offers a guest for one architecture, machine type and
virtualization type (CPU modes and models, firmware, devices, features), as
`virsh domcapabilities` prints it.

options:
  --caps FILE              print FILE's domain capabilities document ("-": stdin), normalised
  --qemucaps FILE          the domain capabilities a libvirt QEMU capabilities cache file
                           (/var/cache/libvirt/qemu/capabilities/*.xml) gives, without a daemon
  --json                   the document's table as JSON instead
  --emulatorbin PATH       the emulator to probe
  --arch ARCH              the guest architecture
  --machine MACHINE        the machine type
  --virttype TYPE          the virtualization type (kvm, qemu, ...)

Probing: QEMU's by default (the emulator, architecture, machine and virt
type chosen as virsh chooses them; the binary asked over QMP, the host's
firmware descriptors, swtpm, VFIO and KVM read), the Xen (libxl) driver's
with --virttype xen or -c xen (machines xenpv, the default, xenpvh and
xenfv). With --qemucaps, the host's own share is not read. The reference's
errors exit with status 2.
]=],
   options = { emulatorbin = "value", arch = "value", machine = "value", virttype = "value", qemucaps = "value" },
   -- --caps names a domain capabilities document here
   probes = true,
   run = function(ctx, opts)
      for _, name in ipairs(PROBE_OPTIONS) do
         if opts[name] and opts.caps then
            return output.fail(ctx, 2, "--" .. name .. " chooses what to probe; it cannot be combined with --caps")
         end
      end
      local dc, err
      if opts.qemucaps then
         if opts.caps or opts.emulatorbin then
            return output.fail(ctx, 2, "--qemucaps names the emulator; it takes --arch, --machine and --virttype")
         end
         dc, err = domcaps.from_qemucaps { qemucaps = opts.qemucaps, arch = opts.arch,
            machine = opts.machine, virttype = opts.virttype }
      elseif opts.caps then
         dc, err = output.load(ctx, opts.caps, domcaps)
      else
         local conn = output.connection(opts)
         local driver = conn and opts.connect and conn.drivers[1]
         local code
         dc, code = output.probe_domcaps(ctx, opts, {
            driver = driver, virttype = opts.virttype, machine = opts.machine,
            arch = opts.arch, emulatorbin = opts.emulatorbin,
         })
         if not dc then
            return code
         end
      end
      if not dc then
         return output.fail(ctx, 2, err)
      end
      if opts.json then
         output.write(ctx, output.encode(to_json(dc)), "\n")
      else
         -- a probe's document ends as virsh prints it: with an empty line
         output.write(ctx, core.domcaps_format(dc), (opts.caps or opts.qemucaps) and "" or "\n\n")
      end
      return 0
   end,
}
