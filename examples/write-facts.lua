#!/usr/bin/env lua5.4
-- A hook that keeps a facts file up to date for configuration management:
--
--   lua5.4 examples/write-facts.lua PATH [--caps FILE]
--
-- writes the facts `virtcaps facts` prints (the virtcaps.facts module) to PATH (for instance
-- /etc/facter/facts.d/virtcaps.json, or a static Ansible local fact
-- /etc/ansible/facts.d/virtcaps.fact), replacing the file in one step and
-- only when the facts changed, so that runs without changes change nothing.
-- Prints "PATH: updated" or "PATH: unchanged".
local virtcaps = require "virtcaps"
local virtcaps_facts = require "virtcaps.facts"

local path, caps_file = nil, nil
local i = 1
while i <= #arg do
   if arg[i] == "--caps" and arg[i + 1] then
      caps_file = arg[i + 1]
      i = i + 2
   elseif not path and arg[i]:sub(1, 1) ~= "-" then
      path = arg[i]
      i = i + 1
   else
      path = nil
      break
   end
end
if not path then
   io.stderr:write("usage: write-facts.lua PATH [--caps FILE]\n")
   os.exit(2)
end

-- The facts as `virtcaps facts` prints them: a saved document's, or this
-- host's with what it runs under.
local caps, err
if caps_file then
   caps, err = virtcaps.load(caps_file)
else
   caps, err = virtcaps.probe()
end
local virt = caps and not caps_file and virtcaps.detect_virt()
if not caps then
   io.stderr:write("write-facts: ", err, "\n")
   os.exit(2)
end
local facts = virtcaps_facts.json(virtcaps_facts.of(caps, virt or nil))

local f = io.open(path, "rb")
local old = f and f:read("a")
if f then
   f:close()
end
if old == facts then
   print(path .. ": unchanged")
   return
end
local tmp = path .. ".tmp"
local w, werr = io.open(tmp, "wb")
if not w then
   io.stderr:write("write-facts: ", werr, "\n")
   os.exit(2)
end
w:write(facts)
w:close()
local ok, rerr = os.rename(tmp, path)
if not ok then
   os.remove(tmp)
   io.stderr:write("write-facts: ", rerr, "\n")
   os.exit(2)
end
print(path .. ": updated (" .. virtcaps._VERSION .. ")")
