-- The cache of QEMU answers: hits while an emulator is unchanged, misses
-- when it changes, survives corrupt files, and only lives where nobody
-- else can write.
local cjson = require "cjson"
local fake = require "fake_qemu"
local lfs = require "lfs"
local support = require "support"

local SESSION = fake.session { { name = "pc-i440fx-7.2", alias = "pc", ["cpu-max"] = 255, ["is-default"] = true },
   { name = "isapc", ["cpu-max"] = 1 } }

local ROOT = io.popen("id -u"):read("l") == "0"

local function runs(dir)
   local f = io.open(dir .. "/log")
   if not f then return 0 end
   local n = select(2, f:read("a"):gsub("\n", ""))
   f:close()
   return n
end

-- The QEMU entries of a cache directory (the host probe keeps its own
-- entries there too: spec/host/host_cache_spec.lua).
local function cache_files(dir)
   local t = {}
   for f in lfs.dir(dir) do
      if f:match("^qemu%-system%-") then t[#t + 1] = f end
   end
   table.sort(t)
   return t
end

describe("qemu answers cache", function()
   local dir, emu, cache
   before_each(function()
      dir = fake.tmpdir()
      support.write(dir .. "/session", SESSION)
      emu = fake.script(dir, "qemu-system-x86_64", "echo run >> " .. dir .. "/log; exec cat " .. dir .. "/session")
      cache = dir .. "/cache"
   end)
   after_each(function() fake.remove(dir) end)

   local function probe(opts)
      local o = { cache = true, cache_dir = cache }
      for k, v in pairs(opts or {}) do o[k] = v end
      return assert(fake.probe(dir, o))
   end

   it("answers while the emulator is unchanged, with the same result", function()
      local cold = probe()
      local warm = probe()
      assert.equal(1, runs(dir))
      assert.same(cold, warm)
      assert.same({}, support.driver_warnings(warm))
      assert.equal("pc-i440fx-7.2", warm.guests[1].arch.machines[1].name)
      local files = cache_files(cache)
      assert.equal(1, #files)
      assert.truthy(files[1]:match("^qemu%-system%-x86_64%-" .. ("%x"):rep(16) .. "%.json$"), files[1])
      assert.equal("rwx------", lfs.attributes(cache, "permissions"))
      assert.equal("rw-------", lfs.attributes(cache .. "/" .. files[1], "permissions"))
   end)

   it("asks again when the emulator's size, mtime or ctime change", function()
      probe()
      assert(fake.run("touch -m -d '2001-01-01' " .. emu))
      probe()
      assert.equal(2, runs(dir))
      assert(fake.run("chmod 700 " .. emu)) -- ctime only
      probe()
      assert.equal(3, runs(dir))
      fake.script(dir, "qemu-system-x86_64", "echo run >> " .. dir .. "/log; exec cat " .. dir .. "/session # longer")
      probe()
      assert.equal(4, runs(dir))
      probe()
      assert.equal(4, runs(dir))
   end)

   it("ignores a corrupt or foreign cache file and writes a good one", function()
      probe()
      local file = cache .. "/" .. cache_files(cache)[1]
      local good = cjson.decode(support.read(file))
      assert.equal(emu, good.emulator)
      local text = support.read(file)
      local function edit(pattern, replacement)
         local changed, n = text:gsub(pattern, replacement)
         assert.equal(1, n, pattern)
         return changed
      end
      local bad = {
         "",
         "{\"format\": 2, \"emulator\": ",
         "\0\1\2 not json",
         edit('%["isapc",', '[5,'),
         edit('%["isapc",null,', '["isapc",7,'),
         edit('%["isapc",', '["",'),
         edit('%["isapc",', '["isa\\u0001pc",'),
         edit('%["isapc",', '["isa\\u0000pc",'),
         edit('%["isapc",', '["' .. ("i"):rep(257) .. '",'),
         edit('%["isapc",null,', '["isapc","",'),
         edit('%["isapc",null,(%d+),', '["isapc",null,-%1,'),
         edit('%["isapc",null,(%d+),(%a+),(%a+)%]', '["isapc",null,%1,%2]'),
         edit('%["isapc",null,(%d+),(%a+),', '["isapc",null,%1,"%2",'),
         edit('"machines":%[', '"machines":{"x":['):gsub("%]%}$", "]}}"),
         edit(emu:gsub("%p", "%%%0"), "/usr/bin/qemu-system-x86_64"),
         edit('"format":2', '"format":3'),
         edit('"qemu":%[7', '"qemu":["7"'),
         edit('"tcg":true', '"tcg":1'),
         string.rep("[", 5000),
      }
      for i, content in ipairs(bad) do
         support.write(file, content)
         local caps = probe()
         assert.equal(1 + i, runs(dir))
         assert.same({}, support.driver_warnings(caps))
         assert.same(good, cjson.decode(support.read(file)))
      end
   end)

   it("does not follow a link put in place of a cache file", function()
      probe()
      local name = cache_files(cache)[1]
      support.write(dir .. "/elsewhere", "keep me")
      assert(os.remove(cache .. "/" .. name))
      assert(fake.run("ln -s ../elsewhere " .. cache .. "/" .. name))
      probe()
      assert.equal(2, runs(dir))
      assert.equal("keep me", support.read(dir .. "/elsewhere"))
      assert.equal("file", lfs.symlinkattributes(cache .. "/" .. name, "mode"))
   end)

   it("keeps no failures and writes nothing when turned off", function()
      fake.script(dir, "qemu-system-x86_64", "echo run >> " .. dir .. "/log; exit 1")
      probe()
      probe()
      assert.equal(2, runs(dir))
      assert.same({}, cache_files(cache))
      fake.script(dir, "qemu-system-x86_64", "echo run >> " .. dir .. "/log; exec cat " .. dir .. "/session")
      -- off means no cache at all: not even the directory is made
      probe { cache = false, cache_dir = dir .. "/off" }
      probe { cache = false, cache_dir = dir .. "/off" }
      assert.equal(4, runs(dir))
      assert.is_nil(lfs.attributes(dir .. "/off"))
   end)

   it("refuses a directory others can write, a link, a relative path", function()
      assert(lfs.mkdir(cache))
      assert(fake.run("chmod 770 " .. cache))
      local caps = probe()
      assert.same({ "cache: not using the cache directory '" .. cache .. "': it must belong to this user and be "
         .. "writable by nobody else; probing without a cache" }, support.cache_warnings(caps))
      assert.equal(2, #caps.guests)
      assert(fake.run("chmod 700 " .. cache .. " && ln -s cache " .. dir .. "/link"))
      caps = probe { cache_dir = dir .. "/link" }
      assert.same({ "cache: cannot use the cache directory '" .. dir .. "/link': a symbolic link or not a "
         .. "directory on the way; probing without a cache" }, support.cache_warnings(caps))
      caps = probe { cache_dir = "relative/cache" }
      assert.same({ "cache: cache_dir 'relative/cache' is not an absolute path; probing without a cache" },
         support.cache_warnings(caps))
      caps = probe { cache_dir = dir .. "/../elsewhere" }
      assert.same({ "cache: the cache directory '" .. dir .. "/../elsewhere' has a '..' component or is too deep; "
         .. "probing without a cache" }, support.cache_warnings(caps))
      assert.equal(4, runs(dir))
      assert.same({}, cache_files(cache))
      -- "." components are harmless
      caps = probe { cache_dir = dir .. "/./cache/." }
      assert.same({}, support.cache_warnings(caps))
      assert.equal(1, #cache_files(cache))
   end)

   it("as root, refuses a path another user could change", function()
      assert(ROOT, "this check needs root: CI runs the specs as root")
      assert(lfs.mkdir(dir .. "/user"))
      assert(fake.run("chown 65534 " .. dir .. "/user"))
      local caps = probe { cache_dir = dir .. "/user/cache" }
      assert.same({ "cache: not using the cache directory '" .. dir .. "/user/cache': a directory on its path "
         .. "belongs to another user or is writable by others; probing without a cache" }, support.cache_warnings(caps))
      assert(fake.run("chown 0 " .. dir .. "/user && chmod 777 " .. dir .. "/user"))
      caps = probe { cache_dir = dir .. "/user/cache" }
      assert.equal(1, #support.cache_warnings(caps))
      -- sticky and world-writable like /tmp is fine when what is inside is root's
      assert(fake.run("chmod 1777 " .. dir .. "/user"))
      caps = probe { cache_dir = dir .. "/user/cache" }
      assert.same({}, support.cache_warnings(caps))
      assert.equal(1, #cache_files(dir .. "/user/cache"))
      -- a link on the way is refused too, even to a good directory
      assert(fake.run("ln -s user " .. dir .. "/via"))
      caps = probe { cache_dir = dir .. "/via/cache" }
      assert.equal(1, #support.cache_warnings(caps))
   end)

   it("lives in $XDG_CACHE_HOME/virtcaps, or else ~/.cache/virtcaps", function()
      local script = string.format("local c = assert(require('virtcaps').probe{drivers={'qemu'}, qemu_dirs={'%s'}, "
         .. "paths={['/dev/kvm']='/none', ['/etc']='%s'}}) "
         .. "for _, w in ipairs(c.warnings) do assert(not w:find('^qemu: ') or w == '%s', w) end", dir, fake.ETC,
         support.NO_KVM)
      local lua = support.lua_env() .. "lua5.4 -e \"" .. script .. "\""
      local ok, out = support.sh("XDG_CACHE_HOME=" .. dir .. "/xdg " .. lua)
      assert(ok, out)
      assert.equal(1, #cache_files(dir .. "/xdg/virtcaps"))
      assert(lfs.mkdir(dir .. "/home"))
      ok, out = support.sh("env -u XDG_CACHE_HOME HOME=" .. dir .. "/home " .. lua)
      assert(ok, out)
      assert.equal(1, #cache_files(dir .. "/home/.cache/virtcaps"))
      assert.equal(2, runs(dir))
   end)
end)
