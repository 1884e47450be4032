--- virtcaps.cli.output: what every command shares: writing (failed writes
-- are noticed), one-line messages, bounded reading of file arguments, the
-- capabilities to work on (--caps FILE or a probe through --connect), the
-- warnings that reach the user, JSON and aligned tables.
-- @module virtcaps.cli.output
local core = require "virtcaps.core"

local M = {}

--- The most a file argument may hold: the document limit (README, "Limits").
M.LIMIT = 64 * 1024 * 1024

function M.write(ctx, ...)
   local ok, err = ctx.stdout:write(...)
   if ok == nil and err ~= nil and not ctx.write_error then
      ctx.write_error = err
   end
end

--- Says what went wrong on stderr, one line, and gives the exit status.
function M.fail(ctx, code, msg)
   ctx.stderr:write(ctx.prog, ": ", (tostring(msg):gsub("\n", " ")), "\n")
   return code
end

function M.encode(value)
   return require("virtcaps.json").encode(value)
end

-- Empty tables are arrays to dkjson; these keys of the model hold objects.
local OBJECT_KEYS = {
   host = true, cpu = true, power_management = true, migration_features = true, iommu = true, topology = true,
   interconnects = true, cache = true, memory_bandwidth = true, monitor = true, microcode = true,
   signature = true, counter = true, maxphysaddr = true, memory = true, size = true, line = true, arch = true,
}

--- A copy of the model with empty objects marked as objects for dkjson.
function M.model_json(value, key, parent_is_guest)
   if type(value) ~= "table" then
      return value
   end
   local out = {}
   for k, v in pairs(value) do
      out[k] = M.model_json(v, k, key == "guests")
   end
   if next(out) == nil and (OBJECT_KEYS[key] or (key == "features" and parent_is_guest)) then
      setmetatable(out, { __jsontype = "object" })
   end
   return out
end

-- Standard input, read once and at most LIMIT bytes.
local function read_stdin(ctx)
   if ctx.stdin_taken then
      return nil, "-: standard input is named more than once"
   end
   ctx.stdin_taken = true
   local stdin = ctx.stdin or io.stdin
   local data, err = stdin:read(M.LIMIT + 1)
   if err then
      return nil, "-: " .. tostring(err)
   end
   data = data or ""
   if #data > M.LIMIT then
      return nil, string.format("-: larger than the limit of %d bytes", M.LIMIT)
   end
   return data
end

--- A file argument's bytes: a regular file of at most LIMIT bytes, or
-- standard input for "-". The type is checked on the file as opened (without
-- blocking), so that a FIFO or a device is refused instead of blocking or
-- filling memory, even one swapped in at the last moment.
-- @treturn[1] string
-- @treturn[2] nil
-- @treturn[2] string "PATH: what is wrong"
function M.read_file(ctx, path)
   if path == "-" then
      return read_stdin(ctx)
   end
   return require("virtcaps.core").read_file(path, M.LIMIT)
end

-- The connection URIs of the reference (and bare driver names) and the
-- driver each selects; the reference's default connection on a host
-- without Xen is the QEMU driver's.
local URIS = {
   qemu = "qemu", ["qemu:///system"] = "qemu",
   lxc = "lxc", ["lxc:///"] = "lxc", ["lxc:///system"] = "lxc",
   xen = "xen", ["xen:///"] = "xen", ["xen:///system"] = "xen",
}
M.DEFAULT_DRIVER = "qemu"

--- The probe options --connect asks for: `{drivers={name}}`, or nil and why.
function M.connection(opts)
   local uri = opts.connect
   if not uri then
      return { drivers = { M.DEFAULT_DRIVER } }
   end
   if opts.caps then
      return nil, "--connect and --caps exclude each other"
   end
   local driver = URIS[uri]
   if driver then
      return { drivers = { driver } }
   end
   if uri == "qemu:///session" then
      return nil, "unsupported connection URI 'qemu:///session': a user's session daemon is not modelled "
         .. "(use qemu:///system)"
   end
   return nil, string.format("unsupported connection URI '%s' (known: qemu:///system, lxc:///, lxc:///system, "
      .. "xen:///, xen:///system, or qemu, lxc, xen)", uri)
end

--- The probe options for this host: --connect's driver and ctx.probe (what
-- a caller of the command line, a spec, stands in for the host with: root,
-- paths, qemu_dirs, cache, ...); or nil and why.
function M.probe_options(ctx, opts)
   local popts, err = M.connection(opts)
   for k, v in pairs(popts and ctx.probe or {}) do
      popts[k] = v
   end
   return popts, err
end

--- probe() of this host, with a progress line on a terminal: the first
-- probe of QEMU binaries takes seconds.
function M.probing(ctx, probe, popts, ...)
   local tty = ctx.isatty and ctx.isatty(2)
   if tty then
      ctx.stderr:write(ctx.prog, ": probing this host (the first run asks every QEMU binary; later runs use the cache)...")
      ctx.stderr:flush()
   end
   local result, err = probe(popts, ...)
   if tty then
      ctx.stderr:write("\r\27[K")
   end
   return result, err
end

-- Warnings that change an answer: a driver that found nothing or left a
-- domain type out, a cache refused.
local function changes_answer(w)
   return w:find("^qemu: ") or w:find("^xen: ") or w:find("^lxc: ") or w:find("^cache: ")
end

--- Writes the warnings of caps on stderr: those that change the answer, all
-- of them with --verbose.
function M.notes(ctx, opts, caps)
   for _, w in ipairs(caps.warnings or {}) do
      if opts.verbose or changes_answer(w) then
         ctx.stderr:write(ctx.prog, ": warning: ", (w:gsub("\n", " ")), "\n")
      end
   end
end

--- A capabilities document from a file argument ("-": standard input).
-- lib: virtcaps or virtcaps.core (tables without methods).
-- @treturn[1] table caps
-- @treturn[2] nil
-- @treturn[2] string "PATH: what is wrong"
function M.load(ctx, path, lib)
   lib = lib or require "virtcaps"
   if path ~= "-" then
      return lib.load(path) -- bounded as read_file is, in C
   end
   local data, err = read_stdin(ctx)
   if not data then
      return nil, err
   end
   local caps, perr = lib.parse(data)
   return caps, caps == nil and "-: " .. tostring(perr) or nil
end

--- The capabilities to work on: --caps FILE ("-": standard input), or this
-- host through the driver --connect selects. plain: virtcaps.core's tables,
-- without virtcaps' methods (and without loading it).
-- @treturn[1] table caps
-- @treturn[2] nil
-- @treturn[2] string
function M.get_caps(ctx, opts, plain)
   local lib = plain and core or require "virtcaps"
   if opts.caps then
      return M.load(ctx, opts.caps, lib)
   end
   local popts, err = M.probe_options(ctx, opts)
   if not popts then
      return nil, err
   end
   return M.probing(ctx, lib.probe, popts)
end

--- The capabilities to work on (get_caps) with their warnings on stderr
-- (notes); on failure, the message said and the exit status.
-- @treturn[1] table caps
-- @treturn[2] nil
-- @treturn[2] integer the exit status
function M.caps(ctx, opts)
   local caps, err = M.get_caps(ctx, opts)
   if not caps then
      return nil, M.fail(ctx, 2, err)
   end
   M.notes(ctx, opts, caps)
   return caps
end

--- A file argument's bytes and the capabilities to look at them with; on
-- failure, the message said and the exit status.
-- @treturn[1] string the file's bytes
-- @treturn[1] table caps
-- @treturn[2] nil
-- @treturn[2] integer the exit status
function M.file_and_caps(ctx, opts, path)
   local data, err = M.read_file(ctx, path)
   if not data then
      return nil, M.fail(ctx, 2, err)
   end
   local caps, code = M.caps(ctx, opts)
   if not caps then
      return nil, code
   end
   return data, caps
end

--- The domain capabilities of --domcaps FILE, when it is given; on
-- failure, the message said and the exit status.
-- @treturn[1] table|nil domain capabilities (nil: no --domcaps)
-- @treturn[2] nil
-- @treturn[2] integer the exit status
function M.domcaps(ctx, opts)
   if not opts.domcaps then
      return nil
   end
   local dc, err = M.load(ctx, opts.domcaps, require "virtcaps.domcaps")
   if not dc then
      return nil, M.fail(ctx, 2, err)
   end
   return dc
end

--- This host's domain capabilities (domcaps.probe_host with the probe
-- options), with a progress line on a terminal; on failure, the message
-- said and the exit status 2.
-- @tparam table want emulatorbin, arch, machine, virttype, driver
function M.probe_domcaps(ctx, opts, want)
   local popts, err = M.probe_options(ctx, opts)
   local dc
   if popts then
      dc, err = M.probing(ctx, require("virtcaps.domcaps").probe_host, popts, want)
   end
   if not dc then
      return nil, M.fail(ctx, 2, err)
   end
   return dc
end

--- The options of `virsh hypervisor-cpu-compare` and `-baseline` that
-- choose the emulator, and domcapabilities' names for them.
M.HYPERVISOR_OPTIONS = { virttype = "virttype", emulator = "emulatorbin", arch = "arch", machine = "machine" }

--- A file argument's bytes and the domain capabilities of --domcaps FILE,
-- or this host's probed for virsh's --virttype, --emulator, --arch and
-- --machine; on failure, the message said and the exit status.
-- @treturn[1] table domain capabilities
-- @treturn[1] string the file's bytes
-- @treturn[2] nil
-- @treturn[2] integer the exit status
function M.domcaps_and_file(ctx, opts, path)
   local want = {}
   for name, key in pairs(M.HYPERVISOR_OPTIONS) do
      if opts[name] and opts.domcaps then
         return nil, M.fail(ctx, 2, "--" .. name .. " chooses what to probe; it cannot be combined with --domcaps")
      end
      want[key] = opts[name]
   end
   local data, rerr = M.read_file(ctx, path)
   if not data then
      return nil, M.fail(ctx, 2, rerr)
   end
   local dc, code
   if opts.domcaps then
      dc, code = M.domcaps(ctx, opts)
   else
      dc, code = M.probe_domcaps(ctx, opts, want)
   end
   if not dc then
      return nil, code
   end
   return dc, data
end

--- A CPU comparison's answer: virsh's line (with its line ends) or JSON;
-- the exit status, 1 with the message when incompatible.
function M.comparison(ctx, opts, line, result, features, message)
   if opts.json then
      local json = require "virtcaps.json"
      M.write(ctx, M.encode({ result = result, features = json.array(features or {}), message = message }), "\n")
   else
      M.write(ctx, line)
   end
   if result == "incompatible" then
      return M.fail(ctx, 1, message)
   end
   return 0
end

--- Columns padded to their widest cell.
function M.write_table(ctx, header, rows)
   local widths = {}
   for _, r in ipairs({ header, table.unpack(rows) }) do
      for i, cell in ipairs(r) do
         widths[i] = math.max(widths[i] or 0, #cell)
      end
   end
   for _, r in ipairs({ header, table.unpack(rows) }) do
      local cells = {}
      for i, cell in ipairs(r) do
         cells[i] = i < #r and cell .. string.rep(" ", widths[i] - #cell) or cell
      end
      M.write(ctx, table.concat(cells, "  "), "\n")
   end
end

--- Rows of records: a JSON array with --json, else an aligned table of the
-- header and cells(record) for each.
function M.rows(ctx, opts, records, header, cells)
   if opts.json then
      M.write(ctx, M.encode(setmetatable(records, { __jsontype = "array" })), "\n")
      return 0
   end
   local lines = {}
   for i, r in ipairs(records) do
      lines[i] = cells(r)
   end
   M.write_table(ctx, header, lines)
   return 0
end

return M
