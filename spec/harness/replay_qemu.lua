#!/usr/bin/env lua5.4
-- A stand-in for a QEMU binary made from one of the reference's probing
-- records (conformance domcaps/replies/*.replies):
--   lua5.4 replay_qemu.lua RECORD [QEMU's arguments...]
-- prints a QMP greeting (the version is the record's query-version answer),
-- then answers each request (one JSON object per line on standard input)
-- with the recorded reply to the same command and arguments (compared as
-- JSON values), under the request's own id; a request the record lacks gets
-- a GenericError. It serves the record's TCG round when started with
-- `-machine ...accel=tcg` or `-accel tcg`, else its first (KVM) round.
-- `quit` is answered and ends it, as does the end of its input.
local json = require "dkjson"

local record = arg[1]
if not record then
   io.stderr:write("usage: replay_qemu.lua RECORD [qemu arguments]\n")
   os.exit(2)
end

local tcg = false
for i = 2, #arg do
   local a, nxt = arg[i], arg[i + 1]
   if a == "-accel" and nxt == "tcg" then
      tcg = true
   elseif a == "-machine" and nxt and nxt:match("[,=]accel=tcg$") then
      tcg = true
   end
end

-- A JSON value as a canonical string: object keys sorted, so that equal
-- values give equal keys whatever order their members came in.
local function canon(v)
   local t = type(v)
   if t == "table" then
      local mt = getmetatable(v)
      local parts = {}
      if mt and mt.__jsontype == "array" then
         for i = 1, #v do
            parts[i] = canon(v[i])
         end
         return "[" .. table.concat(parts, ",") .. "]"
      end
      local keys = {}
      for k in pairs(v) do
         keys[#keys + 1] = k
      end
      table.sort(keys)
      for i, k in ipairs(keys) do
         parts[i] = string.format("%q", k) .. ":" .. canon(v[k])
      end
      return "{" .. table.concat(parts, ",") .. "}"
   elseif t == "string" then
      return string.format("%q", v)
   end
   return tostring(v)
end

local function key(execute, arguments)
   return execute .. "\0" .. (arguments == nil and "" or canon(arguments))
end

-- The record: pretty-printed objects, each from a "{" line to a "}" line.
-- Requests are decoded; replies are kept as text (their id is replaced).
local rounds = { {} }
local version
do
   local f = assert(io.open(record, "rb"))
   local text = f:read("a")
   f:close()
   local pending
   for chunk in text:gmatch("\n?(%{\n.-\n%})") do
      if chunk:find('^%{%s*"execute"') then
         local req = assert(json.decode(chunk), "a request in " .. record .. " is not JSON")
         if req.execute == "qmp_capabilities" and next(rounds[#rounds]) then
            rounds[#rounds + 1] = {}
         end
         pending = key(req.execute, req.arguments)
         if req.execute == "query-version" then
            pending = pending .. "\0version"
         end
      elseif pending then
         local k = pending:gsub("\0version$", "")
         rounds[#rounds][k] = rounds[#rounds][k] or chunk
         if k ~= pending then
            version = json.decode(chunk)["return"]
         end
         pending = nil
      end
   end
end

local answers = tcg and rounds[2] or rounds[1]
assert(answers, record .. ": no round to replay")

local function send(s)
   io.stdout:write(s, "\n")
   io.stdout:flush()
end

send(json.encode({ QMP = { version = version or { qemu = { major = 0, minor = 0, micro = 0 } },
                           capabilities = json.decode("[\"oob\"]") } }))

for line in io.lines() do
   if line:find("%S") then
      local req = json.decode(line)
      local id = type(req) == "table" and req.id
      local idtext = id ~= nil and json.encode(id)
      if type(req) ~= "table" or type(req.execute) ~= "string" then
         send('{"error": {"class": "GenericError", "desc": "not a QMP request"}'
            .. (idtext and (', "id": ' .. idtext) or "") .. "}")
      elseif req.execute == "quit" then
         send('{"return": {}' .. (idtext and (', "id": ' .. idtext) or "") .. "}")
         break
      else
         local reply = answers[key(req.execute, req.arguments)]
         if reply then
            if idtext then
               reply = reply:gsub('\n  "id": [^\n]-(,?)\n', function(comma)
                  return '\n  "id": ' .. idtext .. comma .. "\n"
               end, 1)
            end
            send(reply)
         else
            send(json.encode({ error = { class = "GenericError", desc = "not in the record: " .. req.execute },
                               id = id }))
         end
      end
   end
end
