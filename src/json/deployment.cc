#include "json/deployment.h"

#include <simdjson.h>

#include <fmt/format.h>

namespace statehouse::json {

namespace {

simdjson::padded_string Pad(std::string_view text) { return simdjson::padded_string(text); }

Result<DeploymentSummary> InspectPadded(simdjson::padded_string_view padded);

}  // namespace

Result<std::optional<std::string>> RawObjectField(std::string_view body, std::string_view field) {
  simdjson::padded_string padded = Pad(body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument("Malformed JSON request body"));
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument("Request body must be a JSON object"));
  }
  for (auto entry : obj) {
    std::string_view key;
    if (entry.unescaped_key().get(key) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("Malformed JSON request body"));
    }
    if (key != field) continue;
    simdjson::ondemand::value value;
    if (entry.value().get(value) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("Malformed JSON request body"));
    }
    bool is_null = false;
    if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
      return std::optional<std::string>();
    }
    simdjson::ondemand::object inner;
    if (value.get_object().get(inner) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument(fmt::format("Invalid field '{}': expected an object", field)));
    }
    std::string_view raw;
    if (inner.raw_json().get(raw) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument(fmt::format("Invalid field '{}': malformed JSON", field)));
    }
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                            raw.back() == '\t')) {
      raw.remove_suffix(1);
    }
    return std::optional<std::string>(std::string(raw));
  }
  return std::optional<std::string>();
}

Result<DeploymentSummary> InspectUntypedDeployment(std::string_view text) {
  simdjson::padded_string padded = Pad(text);
  return InspectPadded(simdjson::padded_string_view(padded));
}

Result<DeploymentSummary> InspectOwnedDeployment(const std::string& text) {
  if (text.capacity() - text.size() >= simdjson::SIMDJSON_PADDING) {
    return InspectPadded(simdjson::padded_string_view(text.data(), text.size(), text.capacity()));
  }
  return InspectUntypedDeployment(std::string_view(text));
}

namespace {

Result<DeploymentSummary> InspectPadded(simdjson::padded_string_view padded) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument("Invalid deployment: malformed JSON"));
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument("Invalid deployment: expected a JSON object"));
  }
  DeploymentSummary summary;
  if (obj["version"].get_int64().get(summary.version) != simdjson::SUCCESS || summary.version < 1) {
    return Fail(Error::InvalidArgument("Invalid deployment: 'version' must be a positive integer"));
  }
  simdjson::dom::element deployment;
  if (obj["deployment"].get(deployment) != simdjson::SUCCESS || !deployment.is_object()) {
    return Fail(Error::InvalidArgument("Invalid deployment: 'deployment' must be an object"));
  }
  simdjson::dom::element resources;
  auto err = deployment["resources"].get(resources);
  if (err == simdjson::SUCCESS && !resources.is_null()) {
    simdjson::dom::array array;
    if (resources.get_array().get(array) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("Invalid deployment: 'resources' must be an array"));
    }
    summary.resource_count = static_cast<int64_t>(array.size());
  }
  return summary;
}

}  // namespace

}  // namespace statehouse::json
