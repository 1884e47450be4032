--- virtcaps.policy: decisions over capabilities tables, with reasons.
-- Choosing how to run a guest, checking a host against rules, checking that a
-- domain definition fits a host, what changed between two documents, and
-- whether guests can move between hosts. Expected failures come back as
-- values with reasons; misuse (unknown rules or options, values of the wrong
-- kind) raises. Each job lives in its own module under `virtcaps.policy.`;
-- this one gathers them.
-- @module virtcaps.policy
local check = require "virtcaps.policy.check"

return {
   size = require("virtcaps.policy.util").size,
   choose = require("virtcaps.policy.choose").choose,
   check = check.check,
   rules = check.rules,
   fits = require("virtcaps.policy.fits").fits,
   diff = require("virtcaps.policy.diff").diff,
   migratable = require("virtcaps.policy.migratable").migratable,
}
