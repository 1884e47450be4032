-- A fleet: 10,000 capabilities documents of real shape and size, generated
-- from this project's captured documents and the conformance data's host
-- CPUs (varied: CPU model and features, memory, cells, guests). Loads them
-- all, runs policy.check on each and a CPU baseline per vendor over all.
-- Prints the total time of each step and the peak RSS.
local bench = require "lib"
local virtcaps = require "virtcaps"
local policy = require "virtcaps.policy"
local cpu = require "virtcaps.cpu"

local N = tonumber(os.getenv("FLEET_HOSTS")) or 10000
local conformance = os.getenv("VIRTCAPS_CONFORMANCE") or "spec/conformance-data"
local dir = (os.getenv("VIRTCAPS_BUILD") or "build") .. "/fleet-" .. N

local function peak_rss_kib()
   for line in io.lines("/proc/self/status") do
      local kib = line:match("^VmHWM:%s+(%d+)")
      if kib then return tonumber(kib) end
   end
end

local function generate()
   local bases = {
      assert(virtcaps.load("spec/fixtures/xml/debian12-x86_64-virsh.xml")),
      assert(virtcaps.load("spec/fixtures/xml/debian12-x86_64-hugepages-virsh.xml")),
   }
   local cpus = {}
   for name in io.popen("ls " .. conformance .. "/cpuid/*-host.xml"):lines() do
      local list = assert(io.open(name)):read("a")
      local host = assert(virtcaps.parse("<capabilities><host>" .. list .. "</host></capabilities>"))
      cpus[#cpus + 1] = host.host.cpu
   end
   assert(#cpus > 0, "no host CPUs in " .. conformance .. "/cpuid")
   os.execute("mkdir -p " .. dir)
   local rnd = 12345
   local function rand(n)
      rnd = (rnd * 1103515245 + 12345) % 2147483648
      return (rnd // 65536) % n + 1
   end
   for i = 1, N do
      local caps = assert(virtcaps.parse(bases[rand(#bases)]:xml()))
      local c = cpus[rand(#cpus)]
      caps.host.uuid = string.format("%08x-0000-4000-8000-%012x", i, i * 7919)
      caps.host.cpu.model, caps.host.cpu.vendor, caps.host.cpu.features = c.model, c.vendor, c.features
      caps.host.cpu.signature = c.signature
      local cell = caps.host.topology.cells[1]
      cell.memory.value = cell.memory.value * rand(64)
      if rand(4) == 1 then
         -- a second NUMA cell, as on two-socket hosts
         local second = assert(virtcaps.parse(caps:xml())).host.topology.cells[1]
         second.id = 1
         for k, p in ipairs(second.cpus) do
            p.id = p.id + #cell.cpus
            p.socket_id = 1
            p.siblings = tostring(p.id)
            second.cpus[k] = p
         end
         cell.distances = { { id = 0, value = 10 }, { id = 1, value = 21 } }
         second.distances = { { id = 0, value = 21 }, { id = 1, value = 10 } }
         caps.host.topology.cells[2] = second
      end
      for _ = 1, rand(3) - 1 do
         table.remove(caps.guests, 1)
      end
      local f = assert(io.open(string.format("%s/host-%05d.xml", dir, i), "w"))
      f:write(caps:xml())
      f:close()
   end
end

local marker = io.open(dir .. "/host-" .. string.format("%05d", N) .. ".xml")
if marker then marker:close() else generate() end

local rules = { arch = "x86_64", domains = { "kvm" }, min_cpus = 2, min_memory = "8 GiB",
   hugepages = { size = "2 MiB", count = 1 }, numa_cells = 1 }

collectgarbage()
local t0 = bench.now()
local fleet = {}
local bytes = 0
for i = 1, N do
   local path = string.format("%s/host-%05d.xml", dir, i)
   fleet[i] = assert(virtcaps.load(path))
end
local t_load = bench.now() - t0
for name in io.popen("du -sb " .. dir):lines() do bytes = tonumber(name:match("^(%d+)")) end

t0 = bench.now()
local passed = 0
for i = 1, N do
   if policy.check(fleet[i], rules) then passed = passed + 1 end
end
local t_check = bench.now() - t0

t0 = bench.now()
local by_vendor = {}
for i = 1, N do
   local v = fleet[i].host.cpu.vendor
   by_vendor[v] = by_vendor[v] or {}
   table.insert(by_vendor[v], fleet[i])
end
local baselines = {}
for vendor, hosts in pairs(by_vendor) do
   local b = assert(cpu.baseline(hosts))
   baselines[#baselines + 1] = string.format("%s: %d hosts -> %s", vendor, #hosts, b.model)
end
local t_base = bench.now() - t0
table.sort(baselines)

print(string.format("%d documents, %.1f MB on disk", N, bytes / 1e6))
print(string.format("load (virtcaps.load each)        %8.3f s   (%.0f documents/s, %.1f MB/s)", t_load, N / t_load,
   bytes / 1e6 / t_load))
print(string.format("policy.check each                %8.3f s   (%d of %d pass)", t_check, passed, N))
print(string.format("CPU baseline per vendor          %8.3f s   (%s)", t_base, table.concat(baselines, "; ")))
print(string.format("total                            %8.3f s", t_load + t_check + t_base))
print(string.format("peak RSS                         %8.1f MiB (all %d tables held at once)", peak_rss_kib() / 1024, N))
