-- CPU models: loading the database, naming a host from CPUID, comparing,
-- and baselines of fleets generated from the conformance hosts; the
-- reference (virsh, libvirt 9.0.0) measured in the same run where it has a
-- matching command.
local lib = require "lib"
local virtcaps = require "virtcaps"

local DATA = os.getenv("VIRTCAPS_CONFORMANCE") or "spec/conformance-data"
local ROOT = os.getenv("VIRTCAPS_REFERENCE_ROOT") or "build/reference-root"

local function read(path)
   local f = assert(io.open(path, "rb"))
   local s = f:read("a")
   f:close()
   return s
end

local dumps = {}
for name in io.popen("ls " .. DATA .. "/cpuid"):lines() do
   if name:match("^x86_64%-cpuid%-.+%.xml$") and not name:match("%-host%.xml$") then
      dumps[#dumps + 1] = read(DATA .. "/cpuid/" .. name)
   end
end
assert(#dumps > 0, "no CPUID dumps in " .. DATA .. "/cpuid")
local tables = {}
for i, d in ipairs(dumps) do tables[i] = assert(virtcaps.cpu.parse_cpudata(d)) end

-- the first call loads the database
local t0 = lib.now()
assert(virtcaps.cpu.decode(dumps[1]))
print(string.format("%-44s %12s", "load the CPU model database (once)", lib.ms(lib.now() - t0)))

local i = 0
lib.report("decode one host (cpudata table)", lib.median(501, function()
   i = i % #tables + 1
   assert(virtcaps.cpu.decode(tables[i]))
end))
lib.report("decode one host (cpudata XML)", lib.median(501, function()
   i = i % #dumps + 1
   assert(virtcaps.cpu.decode(dumps[i]))
end))

-- Fleets: the Intel hosts of the conformance data, each copy missing a few
-- of its features, so that hosts differ as a real fleet's do.
local intel = {}
for _, d in ipairs(dumps) do
   local cpu = assert(virtcaps.cpu.decode(d))
   if cpu.vendor == "Intel" then intel[#intel + 1] = cpu end
end
local seed = 42
local function rand(n)
   seed = (seed * 1103515245 + 12345) % 2147483648
   return seed % n + 1
end
local function fleet(n)
   local hosts = {}
   for k = 1, n do
      local base = intel[rand(#intel)]
      local features = {}
      for _, f in ipairs(base.features) do
         if rand(20) > 1 then features[#features + 1] = f end
      end
      hosts[k] = { arch = base.arch, model = base.model, vendor = base.vendor, features = features }
   end
   return hosts
end

local have_virsh = lib.have("virsh")
local function virsh(args)
   os.execute("mkdir -p " .. ROOT)
   local root = io.popen("realpath " .. ROOT):read("l")
   return "virsh -c 'qemu:///embed?root=" .. root .. "' " .. args
end

local host = assert(virtcaps.cpu.decode(dumps[1]))
local guest = "<cpu match='minimum'><model>Westmere</model><feature policy='require' name='aes'/></cpu>"
local path = os.tmpname()
local f = assert(io.open(path, "w"))
f:write(guest)
f:close()
local refs = {}
if have_virsh then
   -- virsh compares with this machine's CPU: the same work, plus a process
   refs[1] = { name = "virsh cpu-compare", time = lib.command(5, virsh("cpu-compare " .. path)) }
end
lib.report("compare a guest with a host", lib.median(1001, function()
   assert(virtcaps.cpu.compare(host, guest))
end), refs)
os.remove(path)

for _, n in ipairs { 2, 1000, 10000, 100000 } do
   local hosts = fleet(n)
   refs = {}
   if have_virsh and n <= 10000 then
      path = os.tmpname()
      f = assert(io.open(path, "w"))
      for _, h in ipairs(hosts) do f:write(virtcaps.cpu.format(h)) end
      f:close()
      refs[1] = { name = "virsh cpu-baseline", time = lib.command(3, virsh("cpu-baseline " .. path)) }
      os.remove(path)
   end
   lib.report(string.format("baseline of %d hosts (cpu tables)", n), lib.median(n >= 10000 and 3 or 11, function()
      assert(virtcaps.cpu.baseline(hosts))
   end), refs)
end
if not have_virsh then print("(virsh not installed: no reference times)") end
