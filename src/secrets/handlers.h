#pragma once

#include <cstddef>

#include "auth/authorizer.h"
#include "http/router.h"
#include "secrets/service.h"

namespace statehouse::secrets {

// Secrets routes under /api/stacks/{org}/{project}/{stack}: encrypt,
// decrypt, batch-encrypt, batch-decrypt, and the decrypt/log-decryption and
// decrypt/log-batch-decryption audit pings, all with stack read access.
// `batch_body_limit` caps the (inflated) bodies of the batch routes, which
// carry every secret of a state.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, SecretsService& service,
                    size_t batch_body_limit);

}  // namespace statehouse::secrets
