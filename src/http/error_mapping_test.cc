#include "http/error_mapping.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <utility>
#include <vector>

namespace statehouse::http {
namespace {

TEST(ErrorMappingTest, MapsEveryCode) {
  const std::vector<std::pair<ErrorCode, int>> expected = {
      {ErrorCode::kInvalidArgument, 400},  {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403}, {ErrorCode::kNotFound, 404},
      {ErrorCode::kMethodNotAllowed, 405}, {ErrorCode::kAlreadyExists, 409},
      {ErrorCode::kConflict, 409},         {ErrorCode::kPreconditionFailed, 412},
      {ErrorCode::kPayloadTooLarge, 413},  {ErrorCode::kUnsupportedMediaType, 415},
      {ErrorCode::kTimeout, 408},          {ErrorCode::kTooManyRequests, 429},
      {ErrorCode::kUnavailable, 503},      {ErrorCode::kInternal, 500},
  };
  EXPECT_EQ(expected.size(), static_cast<size_t>(ErrorCode::kInternal) + 1);
  for (const auto& [code, status] : expected) {
    EXPECT_EQ(HttpStatusFor(code), status) << static_cast<int>(code);
  }
}

TEST(ErrorMappingTest, BodyCodeEqualsStatus) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    auto code = static_cast<ErrorCode>(i);
    Response response = ErrorResponse(Error{code, "boom", "secret detail"});
    EXPECT_EQ(response.status, HttpStatusFor(code));
    EXPECT_EQ(response.content_type, "application/json");
    boost::json::value body = boost::json::parse(response.body);
    EXPECT_EQ(body.at("code").as_int64(), response.status);
    EXPECT_EQ(body.at("message").as_string(), "boom");
    EXPECT_EQ(response.body.find("secret"), std::string::npos);
  }
}

TEST(ErrorMappingTest, ExactBodyForNotFound) {
  Response response = ErrorResponse(Error::NotFound("Not Found: /api/x"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"code":404,"message":"Not Found: /api/x"})");
}

TEST(ErrorMappingTest, EscapesMessage) {
  const std::string message = "quote \" backslash \\ newline \n tab \t ctl \x01 <tag>";
  Response response = ErrorResponse(ErrorCode::kInvalidArgument, message);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body.find('\n'), std::string::npos);
  boost::json::value body = boost::json::parse(response.body);
  EXPECT_EQ(body.at("message").as_string(), message);
}

TEST(ErrorMappingTest, InternalHidesDetail) {
  Response response = ErrorResponse(Error::Internal("sqlite: disk I/O error at /var/db"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, R"({"code":500,"message":"Internal Server Error"})");
}

TEST(ErrorMappingTest, ResponseForTransportStatus) {
  Response response = ErrorResponseForStatus(431, "Request header fields too large");
  EXPECT_EQ(response.status, 431);
  EXPECT_EQ(response.body, R"({"code":431,"message":"Request header fields too large"})");
}

}  // namespace
}  // namespace statehouse::http
