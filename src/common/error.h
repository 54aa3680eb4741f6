#pragma once

#include <expected>
#include <string>
#include <utility>

namespace statehouse {

// Protocol-agnostic error categories. Every enumerator must be mapped in
// src/http/error_mapping.cc (the only place that knows about HTTP statuses).
enum class ErrorCode {
  kInvalidArgument,     // malformed or semantically invalid input
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // caller known, may see the resource, lacks the level
  kNotFound,            // resource absent, or caller may not know it exists
  kMethodNotAllowed,    // known path, wrong method
  kAlreadyExists,       // create of something that exists
  kConflict,            // state conflict (update in progress, ...)
  kPreconditionFailed,  // explicit precondition not met
  kPayloadTooLarge,     // body above the route's limit
  kUnsupportedMediaType,
  kTimeout,             // client too slow
  kTooManyRequests,
  kUnavailable,         // shutting down, overloaded, storage busy
  kInternal,            // broken invariant or unexpected environment failure
};

// An error value. `message` is shown to clients verbatim; `detail` is only
// logged (it may carry SQL errors, paths and other internals).
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string detail;

  static Error InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m), {}}; }
  static Error Unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m), {}}; }
  static Error PermissionDenied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m), {}}; }
  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m), {}}; }
  static Error AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m), {}}; }
  static Error Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m), {}}; }
  static Error PreconditionFailed(std::string m) { return {ErrorCode::kPreconditionFailed, std::move(m), {}}; }
  static Error PayloadTooLarge(std::string m) { return {ErrorCode::kPayloadTooLarge, std::move(m), {}}; }
  static Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m), {}}; }
  static Error Internal(std::string detail) { return {ErrorCode::kInternal, "Internal Server Error", std::move(detail)}; }
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error from a function returning Result<T>.
inline std::unexpected<Error> Fail(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace statehouse

// Propagates the error of a Result-valued expression; binds nothing.
#define SH_TRY(expr)                                      \
  do {                                                    \
    auto&& sh_try_result_ = (expr);                       \
    if (!sh_try_result_) return ::statehouse::Fail(std::move(sh_try_result_).error()); \
  } while (0)

// Evaluates a Result-valued expression, propagates its error, else moves the
// value into `lhs` (a declaration such as `auto x`).
#define SH_CONCAT_INNER_(a, b) a##b
#define SH_CONCAT_(a, b) SH_CONCAT_INNER_(a, b)
#define SH_ASSIGN_OR_RETURN(lhs, expr) SH_ASSIGN_OR_RETURN_IMPL_(SH_CONCAT_(sh_r_, __LINE__), lhs, expr)
#define SH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                  \
  auto tmp = (expr);                                               \
  if (!tmp) return ::statehouse::Fail(std::move(tmp).error());     \
  lhs = std::move(*tmp)
