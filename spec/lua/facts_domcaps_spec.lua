-- virtcaps.facts with domain capabilities: the virtcaps_domcaps_ facts of
-- the reference's documents, in Lua and from `virtcaps facts --domcaps`.
local virtcaps = require "virtcaps"
local facts = require "virtcaps.facts"
local json = require "dkjson"
local support = require "support"

local DC = support.DATA .. "/domcaps/expected/"
local CAPS = "spec/fixtures/xml/debian12-x86_64-virsh.xml"

local function domcaps_facts(f)
   return support.with_prefix(f, "virtcaps_domcaps_")
end

describe("virtcaps.facts with domain capabilities", function()
   it("adds what a scheduler asks of the emulator", function()
      local caps = assert(virtcaps.load(CAPS))
      local f = facts.of(caps, nil, assert(virtcaps.domcaps.load(DC .. "qemu_7.0.0-q35.x86_64.xml")))
      local usable = f.virtcaps_domcaps_cpu_models_usable
      f.virtcaps_domcaps_cpu_models_usable = nil
      assert.same({
         virtcaps_domcaps_emulator = "/usr/bin/qemu-system-x86_64", virtcaps_domcaps_arch = "x86_64",
         virtcaps_domcaps_domain_type = "kvm", virtcaps_domcaps_machine = "pc-q35-7.0", virtcaps_domcaps_max_vcpus = 288,
         virtcaps_domcaps_cpu_modes = { "custom", "host-model", "host-passthrough", "maximum" },
         virtcaps_domcaps_host_model = "EPYC-Rome", virtcaps_domcaps_host_model_vendor = "AMD",
         virtcaps_domcaps_firmware = { "bios", "efi" }, virtcaps_domcaps_secure_boot = true,
         virtcaps_domcaps_tpm_versions = { "2.0" }, virtcaps_domcaps_sev = false, virtcaps_domcaps_sgx = true,
         virtcaps_domcaps_sgx_epc_kib = 524288,
      }, domcaps_facts(f))
      assert.equal(20, #usable)
      assert.same({ "486", "Conroe", "Dhyana" }, { usable[1], usable[2], usable[3] })
      -- the host's own facts are unchanged
      assert.same(facts.of(caps), (function()
         for k in pairs(domcaps_facts(f)) do f[k] = nil end
         return f
      end)())
   end)

   it("says SEV, and what an emulator without host-model or firmware lacks", function()
      local caps = assert(virtcaps.load(CAPS))
      local sev = facts.of(caps, nil, assert(virtcaps.domcaps.load(DC .. "qemu_6.0.0.x86_64.xml")))
      assert.is_true(sev.virtcaps_domcaps_sev)
      assert.is_number(sev.virtcaps_domcaps_sev_max_guests)
      assert.is_false(sev.virtcaps_domcaps_sgx)
      local arm = facts.of(caps, nil, assert(virtcaps.domcaps.load(DC .. "qemu_7.0.0.aarch64.xml")))
      assert.is_nil(arm.virtcaps_domcaps_host_model)
      assert.same({}, arm.virtcaps_domcaps_firmware)
      assert.equal("[]", json.encode(arm.virtcaps_domcaps_firmware))
      assert.same({ "custom", "host-passthrough", "maximum" }, arm.virtcaps_domcaps_cpu_modes)
   end)

   it("virtcaps facts --domcaps prints them", function()
      local code, out = support.cli { "facts", "--caps", CAPS, "--domcaps", DC .. "qemu_7.2.0-tcg.x86_64.xml" }
      assert.equal(0, code)
      local f = json.decode(out)
      assert.equal("EPYC", f.virtcaps_domcaps_host_model)
      assert.equal("qemu", f.virtcaps_domcaps_domain_type)
      assert.same({ "bios", "efi" }, f.virtcaps_domcaps_firmware)
      assert.is_nil(select(2, support.cli { "facts", "--caps", CAPS }):match("virtcaps_domcaps_"))
      local bad = support.cli { "facts", "--caps", CAPS, "--domcaps", "/nonexistent" }
      assert.equal(2, bad)
   end)
end)
