-- With root=DIR, paths resolve as if DIR were '/': a symbolic link in the
-- tree never leads out of it (absolute targets start again at DIR, '..'
-- stops there), and a warning quotes at most a short, sanitised excerpt.
local virtcaps = require "virtcaps"
local support = require "support"

local SECRET = "root:$6$saltsalt$SECRETHASHVALUEabcdefghijklmnop:19000:0:99999:7:::\n"
local ONLINE = "/sys/devices/system/cpu/online"

local base
before_each(function()
   base = support.tmpdir()
   support.write(base .. "/secret", SECRET)
   assert(support.tool("chmod 600 '" .. base .. "/secret' && mkdir -p '" .. base .. "/root/sys/devices/system/cpu' '"
      .. base .. "/root/data' '" .. base .. "/outside'"))
end)
after_each(function()
   support.rmtree(base)
end)

local function link(target, at)
   assert(support.tool("ln -s '" .. target .. "' '" .. base .. "/root" .. at .. "'"))
end

local function warnings()
   local caps = assert(virtcaps.probe { root = base .. "/root", arch = "x86_64", drivers = {}, cache = false })
   return table.concat(caps.warnings, "\n")
end

-- The warning about ONLINE, if any.
local function about_online(text)
   return text:match("[^\n]*/online:[^\n]*")
end

describe("root", function()
   it("does not follow an absolute link out of the tree", function()
      link(base .. "/secret", ONLINE)
      local w = warnings()
      assert.not_matches("saltsalt", w, 1, true)
      assert.not_matches("root:", w, 1, true)
      -- re-rooted: the target does not exist inside the tree
      assert.equal(ONLINE .. ": No such file or directory; no caches", about_online(w))
   end)

   it("does not climb out with ..", function()
      link("../../../../../../../../../../secret", ONLINE)
      assert.not_matches("saltsalt", warnings(), 1, true)
      -- a directory on the way out too
      assert(support.tool("rm -r '" .. base .. "/root/sys/devices/system/cpu'"))
      support.write(base .. "/outside/online", SECRET)
      link("../../../../../../outside", "/sys/devices/system/cpu")
      assert.not_matches("saltsalt", warnings(), 1, true)
      link(base .. "/outside", "/data/out")
      assert(support.tool("rm '" .. base .. "/root/sys/devices/system/cpu'"))
      link("/data/out", "/sys/devices/system/cpu")
      assert.not_matches("saltsalt", warnings(), 1, true)
   end)

   it("follows links that stay inside, absolute ones re-rooted", function()
      support.write(base .. "/root/data/online", "zz-not-a-list\n")
      link("/data/online", ONLINE)
      assert.equal(ONLINE .. ": expected a number at 'zz-not-a-list'; no caches", about_online(warnings()))
      assert(support.tool("rm '" .. base .. "/root" .. ONLINE .. "'"))
      link("../../../../data/online", ONLINE)
      assert.equal(ONLINE .. ": expected a number at 'zz-not-a-list'; no caches", about_online(warnings()))
   end)

   it("reads nothing through a link out of the tree for detect_virt", function()
      support.write(base .. "/vendor", "QEMU\n")
      assert(support.tool("mkdir -p '" .. base .. "/root/sys/class/dmi/id'"))
      link(base .. "/vendor", "/sys/class/dmi/id/sys_vendor")
      local outside = assert(virtcaps.detect_virt { root = base .. "/root", cpuid = "" })
      assert(support.tool("rm '" .. base .. "/root/sys/class/dmi/id/sys_vendor'"))
      support.write(base .. "/root/sys/class/dmi/id/sys_vendor", "QEMU\n")
      local inside = assert(virtcaps.detect_virt { root = base .. "/root", cpuid = "" })
      assert.equal("none", outside.vm)
      assert.equal("qemu", inside.vm)
   end)

   it("quotes a short, sanitised excerpt of what it could not read", function()
      support.write(base .. "/root" .. ONLINE, "\1\2" .. SECRET)
      assert.equal(ONLINE .. ": expected a number at '??root:$6$saltsa...'; no caches", about_online(warnings()))
   end)
end)
