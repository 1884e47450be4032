#!/usr/bin/env lua5.4
-- A deployment hook: refuses to go on unless this host can run KVM guests
-- backed by 1 GiB huge pages.
--
--   lua5.4 examples/require-kvm-1g-pages.lua [--pages N] [--caps FILE]
--
-- N is how many 1 GiB pages the guests need (default 1); FILE a saved
-- `virsh capabilities` document to check instead of this host. Exit status:
-- 0 go on, 1 refused (the reasons on stderr), 2 bad usage or input.
local virtcaps = require "virtcaps"
local policy = require "virtcaps.policy"

local pages, caps_file = 1, nil
local i = 1
while i <= #arg do
   if arg[i] == "--pages" and arg[i + 1] then
      pages = math.tointeger(tonumber(arg[i + 1]))
      i = i + 2
   elseif arg[i] == "--caps" and arg[i + 1] then
      caps_file = arg[i + 1]
      i = i + 2
   else
      io.stderr:write("usage: require-kvm-1g-pages.lua [--pages N] [--caps FILE]\n")
      os.exit(2)
   end
end
if not pages or pages < 1 then
   io.stderr:write("require-kvm-1g-pages: --pages needs a positive integer\n")
   os.exit(2)
end

local caps, err
if caps_file then
   caps, err = virtcaps.load(caps_file)
else
   caps, err = virtcaps.probe()
end
if not caps then
   io.stderr:write("require-kvm-1g-pages: ", err, "\n")
   os.exit(2)
end

local ok, failures = policy.check(caps, {
   domains = { "kvm" },
   hugepages = { size = "1 GiB", count = pages },
})
if not ok then
   for _, f in ipairs(failures) do
      io.stderr:write("require-kvm-1g-pages: refused: ", f.message, "\n")
   end
   os.exit(1)
end
print(string.format("ok: KVM guests and %d x 1 GiB pages available", pages))
