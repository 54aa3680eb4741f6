#include "secrets/handlers.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "api/endpoint.h"
#include "api/paths.h"
#include "crypto/base64.h"
#include "json/json_util.h"

namespace statehouse::secrets {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

Error NotBase64(std::string_view field) {
  return Error::InvalidArgument(
      fmt::format("Invalid field '{}': expected standard padded base64", field));
}

// The bytes of a required base64 string field.
Result<std::string> RequiredBytes(const bj::object& body, std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || !it->value().is_string()) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid field '{}': expected a base64 string", field)));
  }
  auto decoded = crypto::Base64Decode(it->value().get_string());
  if (!decoded) return Fail(NotBase64(field));
  return std::move(*decoded);
}

// The bytes of every element of a required array of base64 strings, with
// the original strings in `encoded` when given.
Result<std::vector<std::string>> RequiredBytesArray(const bj::object& body, std::string_view field,
                                                    std::vector<std::string>* encoded) {
  auto it = body.find(field);
  if (it == body.end() || !it->value().is_array()) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid field '{}': expected an array of base64 strings", field)));
  }
  const bj::array& items = it->value().get_array();
  if (items.size() > kMaxBatchValues) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid field '{}': at most {} values", field, kMaxBatchValues)));
  }
  std::vector<std::string> out;
  out.reserve(items.size());
  if (encoded != nullptr) encoded->reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    std::string name = fmt::format("{}[{}]", field, i);
    if (!items[i].is_string()) {
      return Fail(Error::InvalidArgument(
          fmt::format("Invalid field '{}': expected a base64 string", name)));
    }
    auto decoded = crypto::Base64Decode(items[i].get_string());
    if (!decoded) return Fail(NotBase64(name));
    out.push_back(std::move(*decoded));
    if (encoded != nullptr) encoded->emplace_back(items[i].get_string());
  }
  return out;
}

// An optional string field of an audit ping; anything else is ignored.
std::string OptionalText(std::string_view body, std::string_view field) {
  auto parsed = json::ParseObject(body);
  if (!parsed) return "";
  auto value = json::OptionalString(*parsed, field);
  if (!value || !*value) return "";
  return std::move(**value);
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, SecretsService& service,
                    size_t batch_body_limit) {
  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/encrypt"),
                Need::kStackRead,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto plaintext, RequiredBytes(body, "plaintext"));
                  SH_ASSIGN_OR_RETURN(auto ciphertext, service.Encrypt(access, plaintext));
                  return api::JsonOk(json::Serialize(
                      bj::object{{"ciphertext", crypto::Base64Encode(ciphertext)}}));
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/decrypt"),
                Need::kStackRead,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto ciphertext, RequiredBytes(body, "ciphertext"));
                  SH_ASSIGN_OR_RETURN(auto plaintext, service.Decrypt(access, ciphertext));
                  return api::JsonOk(json::Serialize(
                      bj::object{{"plaintext", crypto::Base64Encode(plaintext)}}));
                });

  api::AddRoute(
      router, authorizer, "POST",
      api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/batch-encrypt"),
      Need::kStackRead,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
        SH_ASSIGN_OR_RETURN(auto plaintexts, RequiredBytesArray(body, "plaintexts", nullptr));
        SH_ASSIGN_OR_RETURN(auto ciphertexts, service.EncryptBatch(access, plaintexts));
        bj::array out;
        out.reserve(ciphertexts.size());
        for (const auto& c : ciphertexts) out.emplace_back(crypto::Base64Encode(c));
        return api::JsonOk(json::Serialize(bj::object{{"ciphertexts", std::move(out)}}));
      },
      http::RouteOptions{batch_body_limit});

  api::AddRoute(
      router, authorizer, "POST",
      api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/batch-decrypt"),
      Need::kStackRead,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
        std::vector<std::string> encoded;
        SH_ASSIGN_OR_RETURN(auto ciphertexts, RequiredBytesArray(body, "ciphertexts", &encoded));
        SH_ASSIGN_OR_RETURN(auto plaintexts, service.DecryptBatch(access, ciphertexts));
        // Keyed by the ciphertext's base64 as the client sent it; the strict
        // decoder accepts only the canonical encoding, which is the CLI's.
        bj::object map;
        map.reserve(plaintexts.size());
        for (size_t i = 0; i < plaintexts.size(); ++i) {
          map[encoded[i]] = crypto::Base64Encode(plaintexts[i]);
        }
        return api::JsonOk(json::Serialize(bj::object{{"plaintexts", std::move(map)}}));
      },
      http::RouteOptions{batch_body_limit});

  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kStackPath,
                          "/api/stacks/{org}/{project}/{stack}/decrypt/log-decryption"),
                Need::kStackRead,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(service.LogDecryption(access, OptionalText(request.body, "secretName")));
                  return Response::NoContent();
                });

  api::AddRoute(
      router, authorizer, "POST",
      api::Path(api::kStackPath,
                "/api/stacks/{org}/{project}/{stack}/decrypt/log-batch-decryption"),
      Need::kStackRead,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_TRY(service.LogBatchDecryption(access, OptionalText(request.body, "commandName")));
        return Response::NoContent();
      });
}

}  // namespace statehouse::secrets
