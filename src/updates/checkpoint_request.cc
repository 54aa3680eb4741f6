#include "updates/checkpoint_request.h"

#include <simdjson.h>

#include <fmt/format.h>

namespace statehouse::updates {

namespace {

Error Malformed() { return Error::InvalidArgument("Malformed JSON request body"); }

Error BadField(std::string_view field, std::string_view expected) {
  return Error::InvalidArgument(fmt::format("Invalid field '{}': expected {}", field, expected));
}

std::string_view TrimRight(std::string_view raw) {
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  return raw;
}

}  // namespace

Result<CheckpointRequest> ParseCheckpointRequest(std::string_view body) {
  simdjson::padded_string padded(body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return Fail(Malformed());
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument("Request body must be a JSON object"));
  }
  // Maps a view into the padded copy back onto `body`.
  auto in_body = [&](std::string_view raw) {
    return body.substr(static_cast<size_t>(raw.data() - padded.data()), raw.size());
  };
  CheckpointRequest out;
  for (auto entry : obj) {
    std::string_view key;
    if (entry.unescaped_key().get(key) != simdjson::SUCCESS) return Fail(Malformed());
    simdjson::ondemand::value value;
    if (entry.value().get(value) != simdjson::SUCCESS) return Fail(Malformed());
    bool is_null = false;
    if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null) continue;
    if (key == "version" || key == "sequenceNumber") {
      int64_t number = 0;
      if (value.get_int64().get(number) != simdjson::SUCCESS) return Fail(BadField(key, "an integer"));
      (key == "version" ? out.version : out.sequence_number) = number;
    } else if (key == "checkpointHash") {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return Fail(BadField(key, "a string"));
      out.checkpoint_hash = std::string(text);
    } else if (key == "deployment" || key == "untypedDeployment") {
      simdjson::ondemand::object inner;
      std::string_view raw;
      if (value.get_object().get(inner) != simdjson::SUCCESS ||
          inner.raw_json().get(raw) != simdjson::SUCCESS) {
        return Fail(BadField(key, "an object"));
      }
      (key == "deployment" ? out.deployment : out.untyped_deployment) = in_body(TrimRight(raw));
    } else if (key == "features" || key == "deploymentDelta") {
      simdjson::ondemand::array inner;
      std::string_view raw;
      if (value.get_array().get(inner) != simdjson::SUCCESS ||
          inner.raw_json().get(raw) != simdjson::SUCCESS) {
        return Fail(BadField(key, "an array"));
      }
      (key == "features" ? out.features : out.deployment_delta) = in_body(TrimRight(raw));
    }
  }
  return out;
}

}  // namespace statehouse::updates
