--- virtcaps.cli: the `virtcaps` command line, as a function specs can run.
-- Exit codes: 0 ok, 1 a check or comparison failed, 2 bad usage or
-- unreadable input; messages are one line on stderr.
-- @module virtcaps.cli
-- Printing the document, the common case, loads only virtcaps.core: the
-- commands (virtcaps.cli_commands) and the modules they use are loaded
-- when a command is named.
local core = require "virtcaps.core"

local M = {}

local USAGE = [=[
usage: virtcaps [--json] [--caps FILE] [COMMAND [ARGS]]

With no command, prints this host's capabilities document as
`virsh capabilities` does (or FILE's, with --caps).

commands:
  nodeinfo                 CPU and memory summary, as `virsh nodeinfo`
  guests                   the guests this host can run, as a table
  validate FILE...         checks capabilities (and domain capabilities) documents
  domcapabilities --caps F what an emulator offers a guest, as `virsh domcapabilities`
  diff A.xml B.xml         what changed from A to B
  check RULES.lua          checks the host against rules
  choose --arch A ...      the best way to run a guest
  fits DOMAIN.xml          whether a domain definition can run here
  baseline FILE...         the CPU model every host can run
  xpath EXPR               XPath over the capabilities document
  detect-virt              the VM and container this host runs in
  facts                    one flat JSON object for config management

options:
  --json                   JSON output (any command)
  --caps FILE              read capabilities from FILE instead of probing
  -h, --help               this text; COMMAND --help for a command's

exit status: 0 ok, 1 a check or comparison failed, 2 bad usage or input
]=]

-- ---- output ----

local json -- dkjson, loaded when JSON is asked for

-- Every string key of a structure, sorted: dkjson writes keys in this order,
-- so the output is the same from run to run.
local function key_order(value, keys, seen)
   keys, seen = keys or {}, seen or {}
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

local function encode(value)
   json = json or require "dkjson"
   local order = key_order(value)
   table.sort(order)
   return json.encode(value, { indent = true, keyorder = order })
end

-- Empty tables are arrays to dkjson; these keys of the model hold objects.
local OBJECT_KEYS = {
   host = true, cpu = true, power_management = true, migration_features = true, iommu = true, topology = true,
   interconnects = true, cache = true, memory_bandwidth = true, monitor = true, microcode = true,
   signature = true, counter = true, maxphysaddr = true, memory = true, size = true, line = true, arch = true,
}

-- A copy of the model with empty objects marked as objects for dkjson.
local function model_json(value, key, parent_is_guest)
   if type(value) ~= "table" then
      return value
   end
   local out = {}
   for k, v in pairs(value) do
      out[k] = model_json(v, k, key == "guests")
   end
   if next(out) == nil and (OBJECT_KEYS[key] or (key == "features" and parent_is_guest)) then
      setmetatable(out, { __jsontype = "object" })
   end
   return out
end

local function write(ctx, ...)
   ctx.stdout:write(...)
end

local function fail(ctx, code, msg)
   ctx.stderr:write(ctx.prog, ": ", (tostring(msg):gsub("\n", " ")), "\n")
   return code
end

-- ---- arguments ----

-- Splits argv by a spec of options: name -> "flag" | "value"; positional
-- arguments are collected in order. Returns opts, args or nil, message.
local function parse_args(argv, spec)
   local opts, args = {}, {}
   local i = 1
   while i <= #argv do
      local a = argv[i]
      if a == "--" then
         table.move(argv, i + 1, #argv, #args + 1, args)
         break
      elseif a:sub(1, 1) == "-" and #a > 1 then
         local name, inline = a:match("^%-%-([^=]+)=(.*)$")
         name = name or a:gsub("^%-%-?", "")
         if name == "h" then
            name = "help"
         end
         local kind = spec[name]
         if not kind then
            return nil, string.format("unknown option '%s'", a)
         end
         if kind == "flag" then
            if inline then
               return nil, string.format("option --%s takes no value", name)
            end
            opts[name] = true
         else
            local v = inline
            if not v then
               i = i + 1
               v = argv[i]
            end
            if v == nil then
               return nil, string.format("option --%s needs a value", name)
            end
            opts[name] = v
         end
      else
         args[#args + 1] = a
      end
      i = i + 1
   end
   return opts, args
end

local function read_file(path)
   local f, err = io.open(path, "rb")
   if not f then
      return nil, err
   end
   local data, rerr = f:read("a")
   f:close()
   if not data then
      return nil, path .. ": " .. tostring(rerr)
   end
   return data
end

-- probe() of this host, with a progress line on a terminal: the first
-- probe of QEMU binaries takes seconds.
local function probing(ctx, probe)
   local tty = ctx.isatty and ctx.isatty(2)
   if tty then
      ctx.stderr:write(ctx.prog, ": probing this host (the first run asks every QEMU binary; later runs use the cache)...")
      ctx.stderr:flush()
   end
   local result, err = probe()
   if tty then
      ctx.stderr:write("\r\27[K")
   end
   return result, err
end

-- The capabilities to work on: --caps FILE, or this host. plain:
-- virtcaps.core's tables, without virtcaps' methods (and without loading
-- it), for printing the document.
local function get_caps(ctx, opts, plain)
   local lib = plain and core or require "virtcaps"
   if opts.caps then
      return lib.load(opts.caps)
   end
   return probing(ctx, lib.probe)
end

local function xml_output(ctx, opts)
   local out, err
   if opts.json or opts.caps then
      out, err = get_caps(ctx, opts, true)
      if out then
         out = opts.json and encode(model_json(out)) .. "\n" or core.format(out)
      end
   else
      -- The document straight from C; virsh prints it followed by an empty line.
      out, err = probing(ctx, core.probe_xml)
      out = out and out .. "\n\n"
   end
   if not out then
      return fail(ctx, 2, err)
   end
   write(ctx, out)
   return 0
end

-- The commands, built on first use from the helpers above.
local commands
local function load_commands()
   commands = commands or require "virtcaps.cli_commands" {
      write = write, fail = fail, encode = encode, model_json = model_json, read_file = read_file,
      get_caps = get_caps,
   }
   return commands
end

local GLOBAL = { json = "flag", caps = "value", help = "flag" }

--- Runs the command line.
-- @tparam table argv the arguments (without the program name)
-- @tparam[opt] table ctx stdout, stderr (objects with :write), isatty(fd),
-- prog (the name messages start with)
-- @treturn integer the exit status
function M.main(argv, ctx)
   ctx = ctx or {}
   ctx.stdout = ctx.stdout or io.stdout
   ctx.stderr = ctx.stderr or io.stderr
   ctx.prog = ctx.prog or "virtcaps"
   -- The command is the first word that is not an option's value.
   local name, rest = nil, {}
   do
      local i, skip = 1, false
      while i <= #argv do
         local a = argv[i]
         if skip then
            skip = false
            rest[#rest + 1] = a
         elseif not name and a:sub(1, 1) ~= "-" then
            name = a
         else
            rest[#rest + 1] = a
            skip = a == "--caps"
         end
         i = i + 1
      end
   end
   local cmd = name and load_commands().commands[name]
   if name and not cmd then
      if name == "help" then
         write(ctx, USAGE)
         return 0
      end
      return fail(ctx, 2, string.format("unknown command '%s' (try virtcaps --help)", name))
   end
   local spec = {}
   for k, v in pairs(GLOBAL) do spec[k] = v end
   for k, v in pairs(cmd and cmd.options or {}) do spec[k] = v end
   if cmd then
      ctx.prog = ctx.prog .. " " .. name
   end
   local opts, args = parse_args(rest, spec)
   if not opts then
      return fail(ctx, 2, args)
   end
   if opts.help then
      write(ctx, cmd and cmd.usage or USAGE)
      return 0
   end
   if not cmd then
      if #args > 0 then
         return fail(ctx, 2, string.format("unexpected argument '%s' (try virtcaps --help)", args[1]))
      end
      return xml_output(ctx, opts)
   end
   return cmd.run(ctx, opts, args)
end

--- The facts `virtcaps facts` prints: one flat table of strings, numbers
-- and booleans (lists are comma-separated strings). The README lists the keys.
-- @tparam table caps
-- @tparam table virt `{vm=, container=}` as `virtcaps.detect_virt` gives it
-- @treturn table
function M.facts(caps, virt)
   return load_commands().facts(caps, virt)
end

return M
