#pragma once

#include "auth/authorizer.h"
#include "http/router.h"
#include "tokens/service.h"

namespace statehouse::tokens {

// GET/POST /api/user/tokens, DELETE /api/user/tokens/{tokenId}.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, TokenService& service);

}  // namespace statehouse::tokens
