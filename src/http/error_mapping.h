#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "http/message.h"

namespace statehouse::http {

// The HTTP status for an error code. Total over ErrorCode.
int HttpStatusFor(ErrorCode code);

// The Pulumi error response: status from HttpStatusFor and the JSON body
// {"code": <status>, "message": "<error.message>"}.
Response ErrorResponse(const Error& error);

// Shorthand: ErrorResponse for an error built from a status-like code.
Response ErrorResponse(ErrorCode code, std::string message);

// The same JSON error body for a transport-level status that no ErrorCode maps
// to (e.g. 431 Request Header Fields Too Large).
Response ErrorResponseForStatus(int status, std::string_view message);

}  // namespace statehouse::http
