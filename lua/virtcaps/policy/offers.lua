--- What a domain definition asks of its emulator, against what domain
-- capabilities say the emulator offers (policy.fits with a dc).
-- @submodule virtcaps.policy
local virtcaps = require "virtcaps"
local util = require "virtcaps.policy.util"

local failure = util.failure
local check_table = util.check_table

local M = {}

-- What a domain asks of the emulator, read from its XML with XPath
-- (libxml2, as virtcaps.domain reads the rest).
local function strings(xml, expr)
   return assert(virtcaps.xpath(xml, expr))
end

local function text(xml, expr)
   local s = assert(virtcaps.xpath(xml, "string(" .. expr .. ")"))
   return s ~= "" and s or nil
end

-- One record per element at path: field = the string of its relative XPath.
local function records(xml, path, fields)
   local list = {}
   for i = 1, assert(virtcaps.xpath(xml, "count(" .. path .. ")")) do
      local r = {}
      for k, rel in pairs(fields) do
         r[k] = text(xml, string.format("(%s)[%d]/%s", path, i, rel))
      end
      list[i] = r
   end
   return list
end

--- The emulator's part of a `<domain>` document: firmware, loader, secure
-- boot, CPU model, disks, graphics, video, TPMs, host devices, RNGs,
-- launch security and SGX memory.
-- @tparam string xml a document virtcaps.domain has read
-- @treturn table the fields `fits` takes in a domain table
function M.from_xml(xml)
   local loader
   if assert(virtcaps.xpath(xml, "count(/domain/os/loader)")) > 0 then
      loader = { path = text(xml, "/domain/os/loader"), type = text(xml, "/domain/os/loader/@type"),
         secure = text(xml, "/domain/os/loader/@secure"), readonly = text(xml, "/domain/os/loader/@readonly") }
   end
   local sb = text(xml, "/domain/os/firmware/feature[@name='secure-boot']/@enabled")
   return {
      firmware = text(xml, "/domain/os/@firmware"),
      loader = loader,
      secure_boot = sb and sb == "yes" or nil,
      cpu_model = text(xml, "/domain/cpu/model"),
      disks = records(xml, "/domain/devices/disk", { bus = "target/@bus", device = "@device", model = "@model" }),
      graphics = strings(xml, "/domain/devices/graphics/@type"),
      video = strings(xml, "/domain/devices/video/model/@type"),
      tpms = records(xml, "/domain/devices/tpm", { model = "@model", backend = "backend/@type",
         version = "backend/@version" }),
      hostdevs = records(xml, "/domain/devices/hostdev", { mode = "@mode", type = "@type" }),
      rngs = records(xml, "/domain/devices/rng", { model = "@model", backend = "backend/@model" }),
      launch_security = text(xml, "/domain/launchSecurity/@type"),
      sgx = assert(virtcaps.xpath(xml, "count(/domain/devices/memory[@model='sgx-epc'])")) > 0 or nil,
   }
end

--- The domain table's keys this module reads, for fits' key check.
M.KEYS = { "firmware", "loader", "secure_boot", "disks", "graphics", "video", "tpms", "hostdevs", "rngs",
   "launch_security", "sgx" }

local function list_text(list)
   return list and #list > 0 and table.concat(list, ", ") or "none"
end

local function has(list, value)
   for _, v in ipairs(list or {}) do
      if v == value then
         return true
      end
   end
   return false
end

-- A value the domain asks for, checked against an enum of the document:
-- "what: wanted value, found offered, ...".
local function offered(failures, rule, what, value, element, enum)
   if value == nil then
      return
   end
   local list = element and element.supported ~= false and element[enum] or nil
   if not has(list, value) then
      local found = element and element.supported == false and "none (not supported)" or list_text(list)
      failure(failures, rule, what .. " " .. value, found)
   end
end

local function check_firmware(dc, d, failures)
   local dos = dc.os or {}
   local loader = dos.loader or {}
   if d.firmware then
      offered(failures, "firmware", "firmware", d.firmware, dos, "firmware")
   end
   if d.loader then
      check_table(d.loader, "domain.loader", 4)
      if loader.supported == false then
         failure(failures, "loader", "a loader", "none (not supported)")
      else
         offered(failures, "loader", "loader", d.loader.path, { values = loader.values }, "values")
         offered(failures, "loader", "loader type", d.loader.type, loader, "type")
         offered(failures, "loader", "loader readonly", d.loader.readonly, loader, "readonly")
         offered(failures, "loader", "loader secure", d.loader.secure, loader, "secure")
      end
   end
   if d.secure_boot and not has(loader.secure, "yes") then
      failure(failures, "secure_boot", "secure boot", "loader secure " .. list_text(loader.secure))
   end
end

local MODES = { ["host-passthrough"] = true, ["host-model"] = true, maximum = true, custom = true }

local function check_cpu(dc, dom, d, failures, warnings)
   local mode = dom.cpu and dom.cpu.mode
   local model = d.cpu_model or (dom.cpu and dom.cpu.model)
   if not mode and model then
      mode = "custom"
   end
   if not mode or not MODES[mode] then
      return
   end
   local modes = dc.cpu and dc.cpu.modes or {}
   if not (modes[mode] and modes[mode].supported) then
      local names = {}
      for _, m in ipairs { "host-passthrough", "maximum", "host-model", "custom" } do
         if modes[m] and modes[m].supported then names[#names + 1] = m end
      end
      failure(failures, "cpu", "CPU mode " .. mode, "modes " .. list_text(names))
      return
   end
   if mode ~= "custom" or not model then
      return
   end
   local usable, why = dc:usable(model)
   if usable == false then
      failure(failures, "cpu", "CPU model " .. model, #why > 0 and "not usable here, blocked by " .. util.blockers_text(why)
         or "not usable here")
   elseif usable == nil and why:match("^no custom CPU model") then
      local names = {}
      for m in dc:cpu_models { usable = true } do names[#names + 1] = m.name end
      failure(failures, "cpu", "CPU model " .. model, "usable models " .. util.some(names))
   elseif usable == nil then
      failure(warnings, "cpu", "CPU model " .. model, "usability unknown")
   end
end

local function check_devices(dc, d, failures)
   local dev = dc.devices or {}
   for _, disk in ipairs(d.disks or {}) do
      offered(failures, "disk", "disk bus", disk.bus, dev.disk, "bus")
      offered(failures, "disk", "disk device", disk.device, dev.disk, "diskDevice")
      offered(failures, "disk", "disk model", disk.model, dev.disk, "model")
   end
   for _, g in ipairs(d.graphics or {}) do
      offered(failures, "graphics", "graphics", g, dev.graphics, "type")
   end
   for _, v in ipairs(d.video or {}) do
      offered(failures, "video", "video model", v, dev.video, "modelType")
   end
   for _, t in ipairs(d.tpms or {}) do
      offered(failures, "tpm", "TPM model", t.model, dev.tpm, "model")
      offered(failures, "tpm", "TPM backend", t.backend, dev.tpm, "backendModel")
      -- documents without the enum (older libvirt) say nothing about versions
      if dev.tpm and dev.tpm.backendVersion then
         offered(failures, "tpm", "TPM version", t.version, dev.tpm, "backendVersion")
      end
   end
   for _, h in ipairs(d.hostdevs or {}) do
      offered(failures, "hostdev", "hostdev mode", h.mode, dev.hostdev, "mode")
      offered(failures, "hostdev", "hostdev type", h.type, dev.hostdev, h.mode == "capabilities" and "capsType"
         or "subsysType")
   end
   for _, r in ipairs(d.rngs or {}) do
      offered(failures, "rng", "RNG model", r.model, dev.rng, "model")
      offered(failures, "rng", "RNG backend", r.backend, dev.rng, "backendModel")
   end
end

local SECURITY = { sev = "sev", ["s390-pv"] = "s390-pv" }

local function check_security(dc, d, failures)
   local features = dc.features or {}
   local ls = d.launch_security
   if ls then
      local f = SECURITY[ls] and features[SECURITY[ls]]
      if not (f and f.supported) then
         local names = {}
         for _, k in ipairs { "sev", "s390-pv" } do
            if features[k] and features[k].supported then names[#names + 1] = k end
         end
         failure(failures, "launch_security", "launch security " .. ls, list_text(names))
      end
   end
   if d.sgx and not (features.sgx and features.sgx.supported) then
      failure(failures, "sgx", "SGX EPC memory", "no SGX")
   end
end

--- Checks what a domain asks of its emulator against domain capabilities,
-- adding to failures and warnings.
-- @tparam table dc domain capabilities
-- @tparam table dom the domain (virtcaps.domain's table, or one given)
-- @tparam table d what it asks of the emulator (`from_xml`'s shape)
function M.check(dc, dom, d, failures, warnings)
   local os_t = dom.os or {}
   local want_arch, want_type = os_t.arch or dc.arch, dom.type
   if dc.arch ~= want_arch or dc.domain ~= want_type then
      failure(failures, "domcaps", string.format("%s %s guest", want_arch, want_type),
         string.format("domain capabilities for %s %s", tostring(dc.arch), tostring(dc.domain)))
      return
   end
   if dom.emulator and dc.path and dom.emulator ~= dc.path then
      failure(warnings, "domcaps", "emulator " .. dom.emulator, "domain capabilities of " .. dc.path)
   end
   check_firmware(dc, d, failures)
   check_cpu(dc, dom, d, failures, warnings)
   check_devices(dc, d, failures)
   check_security(dc, d, failures)
end

return M
