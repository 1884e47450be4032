--- virtcaps.json: JSON text that is the same from run to run (dkjson, keys
-- sorted), for the command line and `virtcaps.facts`.
-- @module virtcaps.json
local M = {}

local dkjson -- loaded on first use

-- Every string key of a structure, sorted: dkjson writes keys in this order.
local function key_order(value, keys, seen)
   if type(value) == "table" and not seen[value] then
      seen[value] = true
      for k, v in pairs(value) do
         if type(k) == "string" and not keys[k] then
            keys[k] = true
            keys[#keys + 1] = k
         end
         key_order(v, keys, seen)
      end
   end
   return keys
end

--- A value as indented JSON with sorted keys. Empty tables are arrays unless
-- their metatable says `__jsontype = "object"`.
-- @param value
-- @treturn string
function M.encode(value)
   dkjson = dkjson or require "dkjson"
   local order = key_order(value, {}, {})
   table.sort(order)
   return dkjson.encode(value, { indent = true, keyorder = order })
end

--- Marks a table as a JSON array (also when empty) and returns it.
function M.array(t)
   return setmetatable(t, { __jsontype = "array" })
end

--- Marks a table as a JSON object (also when empty) and returns it.
function M.object(t)
   return setmetatable(t, { __jsontype = "object" })
end

return M
