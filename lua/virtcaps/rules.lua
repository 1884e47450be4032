--- virtcaps.rules: rules files as data. A rules file is one Lua table
-- constructor (optionally after `return`) whose values are strings,
-- numbers, booleans and tables of them, with `--` line comments: what
-- `policy.check` takes. It is recognised token by token before Lua builds
-- the table, so that nothing else reaches the compiler: no names but keys,
-- no calls, operators, loops or functions; the table is built from constants
-- alone and the file cannot run code, loop or reach any library.
-- @module virtcaps.rules
local M = {}

--- The deepest nesting of tables a rules file may have.
M.MAX_DEPTH = 32

local WHAT = "a rules file is data: one table of strings, numbers, booleans and tables"

-- A recogniser over text: pos is the next byte to look at.
local function reader(text)
   local r = { text = text, pos = 1 }

   function r.fail(msg, at)
      local line = select(2, text:sub(1, at or r.pos):gsub("\n", "")) + 1
      error({ rules_error = string.format("%d: %s", line, msg) }, 0)
   end

   -- Skips white space and line comments; long comments are refused, so
   -- that what Lua skips is exactly what is skipped here.
   function r.skip()
      while true do
         local _, e = text:find("^[ \t\r\n\f\v]+", r.pos)
         if e then
            r.pos = e + 1
         elseif text:find("^%-%-", r.pos) then
            if text:find("^%-%-%[", r.pos) then
               r.fail("comments starting with '[' are not accepted; use '--' line comments")
            end
            r.pos = (text:find("\n", r.pos, true) or #text) + 1
         else
            return
         end
      end
   end

   -- The next token: kind ("name", "string", "number", "punct" or "eof")
   -- and its text; the position moves past it.
   function r.next()
      r.skip()
      local start = r.pos
      if start > #text then
         return "eof", "", start
      end
      local c = text:sub(start, start)
      local s, e = text:find("^[%a_][%w_]*", start)
      if s then
         r.pos = e + 1
         return "name", text:sub(s, e), start
      end
      if c == '"' or c == "'" then
         local i = start + 1
         while true do
            local j = text:find("[\\\r\n" .. c .. "]", i)
            local d = j and text:sub(j, j)
            if not j or d == "\r" or d == "\n" then
               r.fail("unfinished string", start)
            elseif d == "\\" then
               i = j + 2
            else
               r.pos = j + 1
               return "string", text:sub(start, j), start
            end
         end
      end
      -- Numerals as Lua reads them: digits, letters and dots, and a sign
      -- after an exponent letter; a minus only right before one.
      if text:find("^%-?%.?%d", start) then
         local i = start + (c == "-" and 1 or 0)
         while true do
            local _, ne = text:find("^[%w%.]*", i)
            i = ne + 1
            if text:find("^[eEpP][%+%-]", ne) then
               i = i + 1 -- an exponent's sign, then its digits
            else
               break
            end
         end
         r.pos = i
         return "number", text:sub(start, i - 1), start
      end
      if c:find("^[{},;=]") then
         r.pos = start + 1
         return "punct", c, start
      end
      r.fail(string.format("unexpected '%s' (%s)", c, WHAT), start)
   end
   return r
end

local recognise_table

local function recognise_value(r, kind, tok, at, depth)
   if kind == "string" or kind == "number" then
      return
   elseif kind == "name" and (tok == "true" or tok == "false") then
      return
   elseif kind == "punct" and tok == "{" then
      return recognise_table(r, depth + 1, at)
   end
   r.fail(string.format("unexpected '%s' where a value belongs (%s)", tok == "" and "end of file" or tok, WHAT), at)
end

function recognise_table(r, depth, at)
   if depth > M.MAX_DEPTH then
      r.fail(string.format("tables nested deeper than %d", M.MAX_DEPTH), at)
   end
   while true do
      local kind, tok, pos = r.next()
      if kind == "punct" and tok == "}" then
         return
      end
      if kind == "name" then
         local save = r.pos
         local k2, t2 = r.next()
         if k2 == "punct" and t2 == "=" then
            kind, tok, pos = r.next()
         else
            r.pos = save
         end
      end
      recognise_value(r, kind, tok, pos, depth)
      kind, tok, pos = r.next()
      if kind == "punct" and tok == "}" then
         return
      elseif not (kind == "punct" and (tok == "," or tok == ";")) then
         r.fail(string.format("expected ',' or '}', got '%s'", tok == "" and "end of file" or tok), pos)
      end
   end
end

--- Reads a rules file's text.
-- @tparam string text
-- @tparam string name the file's name, for messages
-- @treturn[1] table the rules
-- @treturn[2] nil
-- @treturn[2] string "NAME:LINE: what is wrong"
function M.read(text, name)
   local r = reader(text)
   local returns = false
   local ok, err = pcall(function()
      local kind, tok, at = r.next()
      if kind == "name" and tok == "return" then
         returns = true
         kind, tok, at = r.next()
      end
      if not (kind == "punct" and tok == "{") then
         r.fail(string.format("expected a table ('{'), got '%s' (%s)", tok == "" and "end of file" or tok, WHAT), at)
      end
      recognise_table(r, 1, at)
      kind, tok, at = r.next()
      if kind ~= "eof" then
         r.fail(string.format("unexpected '%s' after the table", tok), at)
      end
   end)
   if not ok then
      if type(err) == "table" and err.rules_error then
         return nil, name .. ":" .. err.rules_error
      end
      error(err, 0)
   end
   -- Only constants remain: Lua builds the table (and checks escapes and numerals).
   local chunk, cerr = load(returns and text or "return " .. text, "=" .. name, "t", {})
   if not chunk then
      return nil, cerr
   end
   return chunk()
end

return M
