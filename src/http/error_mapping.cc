#include "http/error_mapping.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace statehouse::http {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPreconditionFailed:
      return 412;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kTimeout:
      return 408;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Response ErrorResponseForStatus(int status, std::string_view message) {
  boost::json::object body;
  body["code"] = status;
  body["message"] = message;
  Response response = Response::Json(status, boost::json::serialize(body));
  // Temporary conditions (storage busy or unreachable, shutting down): the
  // CLI retries 5xx anyway; other clients learn when to.
  if (status == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

Response ErrorResponse(const Error& error) {
  return ErrorResponseForStatus(HttpStatusFor(error.code), error.message);
}

Response ErrorResponse(ErrorCode code, std::string message) {
  return ErrorResponseForStatus(HttpStatusFor(code), message);
}

}  // namespace statehouse::http
