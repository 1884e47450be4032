#!/usr/bin/env lua5.4
-- The layering check: reads the layer table from SRC/README.md and every
-- #include line under SRC, and fails when a file includes a header of a
-- layer or a library its layer may not use, when a file lives outside every
-- layer, or when layers include each other in a loop.
-- Usage: lua5.4 tools/layers.lua [SRC]   (default: src)
local src = arg[1] or "src"

local function read(path)
   local f = assert(io.open(path, "rb"))
   local text = f:read("a")
   f:close()
   return text
end

local function cells(line)
   local out = {}
   for cell in line:gmatch("|([^|]*)") do
      out[#out + 1] = cell
   end
   out[#out] = nil -- after the closing '|'
   return out
end

local function words(cell)
   local out = {}
   for w in cell:gmatch("[^%s]+") do
      out[#out + 1] = (w:gsub("`", ""))
   end
   return out
end

-- The two tables of README.md: layers (Layer | Where | What | May use) and
-- libraries (Library | Headers), told apart by their header rows.
local function load_rules(readme)
   local layers, order, libraries, where = {}, {}, {}, {}
   local kind
   for line in readme:gmatch("[^\n]+") do
      if line:match("^|") then
         local c = cells(line)
         local first = c[1]:match("^%s*(.-)%s*$")
         if first == "Layer" then
            kind = "layer"
         elseif first == "Library" then
            kind = "library"
         elseif not first:match("^%-+$") then
            if kind == "layer" then
               assert(#c == 4, "layer row needs 4 cells: " .. line)
               local uses = { [first] = true }
               for _, w in ipairs(words(c[4])) do
                  uses[w] = true
               end
               layers[first] = uses
               order[#order + 1] = first
               for _, w in ipairs(words(c[2])) do
                  where[w] = first
               end
            elseif kind == "library" then
               libraries[first] = words(c[2])
            end
         end
      else
         kind = nil
      end
   end
   assert(#order > 0, src .. "/README.md has no layer table")
   return layers, order, libraries, where
end

local function list_files(dir)
   local p = assert(io.popen("cd '" .. dir .. "' && find . -type f \\( -name '*.c' -o -name '*.h' \\) | sort"))
   local files = {}
   for f in p:lines() do
      files[#files + 1] = f:sub(3)
   end
   p:close()
   return files
end

local function exists(path)
   local f = io.open(path, "rb")
   if f then
      f:close()
   end
   return f ~= nil
end

local layers, order, libraries, where = load_rules(read(src .. "/README.md"))

-- A path relative to src/ belongs to the layer whose Where names its folder
-- ("base/") or the file itself ("probe.c").
local function layer_of(path)
   return where[path] or where[(path:match("^([^/]+/)"))]
end

local function library_of(header)
   for name, headers in pairs(libraries) do
      for _, h in ipairs(headers) do
         if header == h or (h:sub(-1) == "/" and header:sub(1, #h) == h) then
            return name
         end
      end
   end
end

local problems = {}
local function problem(fmt, ...)
   problems[#problems + 1] = string.format(fmt, ...)
end

for layer, uses in pairs(layers) do
   for used in pairs(uses) do
      if not layers[used] and not libraries[used] and used ~= "libc" then
         problem("README.md: layer %s may use '%s', which is neither a layer nor a library", layer, used)
      end
   end
end

local edges = {} -- layer -> set of layers it includes
for _, file in ipairs(list_files(src)) do
   local layer = layer_of(file)
   if not layer then
      problem("%s: outside every layer of README.md", file)
   else
      local n = 0
      for line in (read(src .. "/" .. file) .. "\n"):gmatch("([^\n]*)\n") do
         n = n + 1
         local open, name = line:match('^%s*#%s*include%s*([<"])([^>"]+)[>"]')
         if open == '"' then
            -- quoted names resolve beside the file first, then from src/ (-Isrc)
            local dir = file:match("^(.*/)") or ""
            local target = exists(src .. "/" .. dir .. name) and dir .. name or name
            local to = layer_of(target)
            if not exists(src .. "/" .. target) then
               problem("%s:%d: includes \"%s\", which is not under %s", file, n, name, src)
            elseif not to then
               problem("%s:%d: includes \"%s\", outside every layer", file, n, name)
            elseif not layers[layer][to] then
               problem("%s:%d: layer %s may not include \"%s\" (layer %s)", file, n, layer, name, to)
            elseif to ~= layer then
               edges[layer] = edges[layer] or {}
               edges[layer][to] = file .. ":" .. n
            end
         elseif open == "<" then
            local lib = library_of(name)
            if lib and not layers[layer][lib] then
               problem("%s:%d: layer %s may not include <%s> (%s)", file, n, layer, name, lib)
            end
         end
      end
   end
end

-- Loops between layers, in the includes as they are and in the table.
local function find_loop(graph)
   local state, stack = {}, {}
   local function visit(node)
      state[node] = "open"
      stack[#stack + 1] = node
      local targets = {}
      for to in pairs(graph[node] or {}) do
         targets[#targets + 1] = to
      end
      table.sort(targets)
      for _, to in ipairs(targets) do
         if state[to] == "open" then
            local loop = {}
            for i = #stack, 1, -1 do
               table.insert(loop, 1, stack[i])
               if stack[i] == to then
                  break
               end
            end
            loop[#loop + 1] = to
            return loop
         elseif not state[to] then
            local found = visit(to)
            if found then
               return found
            end
         end
      end
      stack[#stack] = nil
      state[node] = "done"
   end
   for _, node in ipairs(order) do
      if not state[node] then
         local found = visit(node)
         if found then
            return found
         end
      end
   end
end

local allowed = {}
for layer, uses in pairs(layers) do
   allowed[layer] = {}
   for used in pairs(uses) do
      if layers[used] and used ~= layer then
         allowed[layer][used] = true
      end
   end
end
local loop = find_loop(allowed)
if loop then
   problem("README.md: the layers may use each other in a loop: %s", table.concat(loop, " -> "))
end
loop = find_loop(edges)
if loop then
   problem("layers include each other in a loop: %s", table.concat(loop, " -> "))
end

if #problems > 0 then
   io.stderr:write(table.concat(problems, "\n"), "\n")
   os.exit(1)
end
print(string.format("layers: %d layers, includes follow %s/README.md", #order, src))
