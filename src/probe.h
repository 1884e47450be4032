/* The probe on top: the host section and the guests, from the options. */
#ifndef VC_PROBE_H
#define VC_PROBE_H

#include "base/options.h"
#include "model/model.h"

/* The host section (host/, cpu/) and the guests with what their drivers
 * add to the host (drivers/): a validated model, or NULL with err. */
vc_caps *vc_probe(const vc_probe_opts *opts, vc_error *err);

#endif
