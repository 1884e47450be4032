--- virtcaps.cli: the `virtcaps` command line, as a function specs can run.
-- Exit codes: 0 ok, 1 a check or comparison failed, 2 bad usage or
-- unreadable input; messages are one line on stderr.
-- @module virtcaps.cli
-- Printing the document, the common case, loads only virtcaps.core and
-- virtcaps.cli.output: a command's module (virtcaps.cli.NAME) and what it
-- uses are loaded when the command is named.
local core = require "virtcaps.core"
local output = require "virtcaps.cli.output"

local write, fail = output.write, output.fail

local M = {}

local USAGE = [=[
usage: virtcaps [--json] [-v] [--caps FILE | -c URI] [COMMAND [ARGS]]

With no command, prints this host's capabilities document as
`virsh capabilities` does (or FILE's, with --caps).

commands:
  nodeinfo                 CPU and memory summary, as `virsh nodeinfo`
  guests                   the guests this host can run, as a table
  validate FILE...         checks capabilities (and domain capabilities) documents
  domcapabilities          what an emulator offers a guest, as `virsh domcapabilities`
  diff A.xml B.xml         what changed from A to B
  check RULES              checks the host against rules (a data file)
  choose --arch A ...      the best way to run a guest
  fits DOMAIN.xml          whether a domain definition can run here
  baseline FILE...         the CPU model every host can run
  cpu-compare CPU.xml      whether the host CPU runs a guest CPU
  hypervisor-cpu-compare FILE
                           whether the emulator's CPU runs a guest CPU
  hypervisor-cpu-baseline FILE
                           the CPU model all CPUs run in the emulator's models
  xpath EXPR               XPath over the capabilities document
  detect-virt              the VM and container this host runs in
  facts                    one JSON object for config management

options:
  --json                   JSON output (any command)
  --caps FILE              read capabilities from FILE ("-": stdin) instead of probing
  -c, --connect URI        the driver to probe, as virsh -c: qemu:///system
                           (the default), lxc:///, xen:///, or qemu, lxc, xen
  -v, --verbose            every warning on stderr (by default only those
                           that change the answer)
  --version                the version
  -h, --help               this text; COMMAND --help for a command's

A FILE may be "-" for standard input; files are regular files of at most
64 MiB.

exit status: 0 ok, 1 a check or comparison failed, 2 bad usage or input
]=]

-- Each command's module under virtcaps.cli.
local COMMANDS = {
   nodeinfo = "nodeinfo", guests = "guests", validate = "validate", diff = "diff", check = "check",
   choose = "choose", fits = "fits", baseline = "baseline", ["cpu-compare"] = "cpu_compare", xpath = "xpath",
   ["detect-virt"] = "detect_virt", facts = "facts", domcapabilities = "domcapabilities",
   ["hypervisor-cpu-compare"] = "hypervisor_cpu_compare", ["hypervisor-cpu-baseline"] = "hypervisor_cpu_baseline",
}

local ALIASES = { h = "help", c = "connect", v = "verbose" }

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
         name = ALIASES[name] or name
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
            if opts[name] ~= nil then
               return nil, string.format("option --%s is given twice", name)
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

local function document(ctx, opts)
   local out, err
   if opts.json or opts.caps or opts.verbose then
      out, err = output.get_caps(ctx, opts, true)
      if out then
         output.notes(ctx, opts, out)
         -- a probe's document ends as virsh prints it: with an empty line
         out.trailer = out.trailer or (not (opts.caps or opts.json) and "\n\n" or nil)
         out = opts.json and output.encode(output.model_json(out)) .. "\n" or core.format(out)
      end
   else
      -- The document straight from C; virsh prints it followed by an empty line.
      local popts
      popts, err = output.probe_options(ctx, opts)
      if popts then
         out, err = output.probing(ctx, core.probe_xml, popts)
      end
      out = out and out .. "\n\n"
   end
   if not out then
      return fail(ctx, 2, err)
   end
   write(ctx, out)
   return 0
end

-- Arguments a command takes: cmd.args = {min, max, "what it needs"}.
local function check_args(cmd, args)
   local min, max, what = table.unpack(cmd.args or { 0, 0 })
   if max == 0 and #args > 0 then
      return string.format("unexpected argument '%s'", args[1])
   end
   if #args < min or (max and #args > max) then
      return string.format("needs %s, got %d", what, #args)
   end
end

local GLOBAL = { json = "flag", caps = "value", connect = "value", verbose = "flag", help = "flag", version = "flag" }
local GLOBAL_VALUES = { ["--caps"] = true, ["--connect"] = true, ["-c"] = true }

local function run(argv, ctx)
   -- The command is the first word that is not an option's value.
   local name, rest = nil, {}
   do
      local skip = false
      for _, a in ipairs(argv) do
         if skip then
            skip = false
            rest[#rest + 1] = a
         elseif not name and a:sub(1, 1) ~= "-" then
            name = a
         else
            rest[#rest + 1] = a
            skip = GLOBAL_VALUES[a] or false
         end
      end
   end
   if name == "help" then
      write(ctx, USAGE)
      return 0
   end
   local cmd
   if name then
      if not COMMANDS[name] then
         return fail(ctx, 2, string.format("unknown command '%s' (try virtcaps --help)", name))
      end
      cmd = require("virtcaps.cli." .. COMMANDS[name])
      ctx.prog = ctx.prog .. " " .. name
   end
   local spec = {}
   for k, v in pairs(GLOBAL) do spec[k] = v end
   for k, v in pairs(cmd and cmd.options or {}) do spec[k] = v end
   local opts, args = parse_args(rest, spec)
   if not opts then
      return fail(ctx, 2, args)
   end
   if opts.help then
      write(ctx, cmd and cmd.usage or USAGE)
      return 0
   end
   if opts.version then
      write(ctx, require("virtcaps")._VERSION, "\n")
      return 0
   end
   if opts.connect then
      local ok, err = output.connection(opts)
      if not ok then
         return fail(ctx, 2, err)
      end
   end
   if not cmd then
      if #args > 0 then
         return fail(ctx, 2, string.format("unexpected argument '%s' (try virtcaps --help)", args[1]))
      end
      return document(ctx, opts)
   end
   if (opts.caps or opts.connect) and not cmd.probes then
      return fail(ctx, 2, string.format("%s does not apply here (%s)", opts.caps and "--caps" or "--connect",
         cmd.no_caps or "it reads no capabilities document"))
   end
   local err = check_args(cmd, args)
   if err then
      return fail(ctx, 2, err)
   end
   return cmd.run(ctx, opts, args)
end

--- Runs the command line.
-- @tparam table argv the arguments (without the program name)
-- @tparam[opt] table ctx stdout, stderr (objects with :write), stdin (for
-- "-"), isatty(fd), prog (the name messages start with), probe (options
-- added to every probe of this host: root, paths, qemu_dirs, cache, ...)
-- @treturn integer the exit status; 2 when the output could not be written
function M.main(argv, ctx)
   ctx = ctx or {}
   ctx.stdout = ctx.stdout or io.stdout
   ctx.stderr = ctx.stderr or io.stderr
   ctx.prog = ctx.prog or "virtcaps"
   local code = run(argv, ctx)
   if not ctx.write_error and ctx.stdout.flush then
      local ok, err = ctx.stdout:flush()
      if ok == nil and err ~= nil then
         ctx.write_error = err
      end
   end
   if ctx.write_error then
      return fail(ctx, 2, "cannot write the output: " .. tostring(ctx.write_error))
   end
   return code
end

return M
