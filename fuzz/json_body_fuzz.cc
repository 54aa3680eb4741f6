// JSON request bodies. Every handler reads its body with json::ParseObject
// and the field readers of src/json/json_util.h (the checkpoint routes with
// updates::ParseCheckpointRequest, the event batch route with
// engine_events::ParseBatch, bodies holding a state with RawObjectField):
// all of them run on every input, each reader on every key of the object and
// on the field names the handlers use.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"

#include "engine_events/model.h"
#include "json/deployment.h"
#include "json/json_util.h"
#include "updates/checkpoint_request.h"

namespace js = statehouse::json;
using statehouse::ErrorCode;

namespace {

constexpr std::string_view kFields[] = {
    "stackName", "tags", "teams", "state", "newName", "newProject", "toOrg", "name", "value",
    "login", "email", "admin", "role", "description", "expires", "plaintext", "ciphertext",
    "plaintexts", "ciphertexts", "organizationName", "projectName", "payloadUrl", "active",
    "format", "filters", "groups", "secret", "options", "metadata", "dryRun", "config",
    "addStackPermission", "memberAction", "displayName", "items", "version", "deployment",
    "isDefault", "defaultStackPermission"};

template <class R>
void ExpectInvalidArgument(const R& result) {
  if (!result) Check(result.error().code == ErrorCode::kInvalidArgument);
}

void ReadField(const boost::json::object& object, std::string_view field) {
  ExpectInvalidArgument(js::OptionalString(object, field));
  ExpectInvalidArgument(js::RequiredString(object, field));
  ExpectInvalidArgument(js::OptionalInt(object, field));
  ExpectInvalidArgument(js::OptionalBool(object, field));
  ExpectInvalidArgument(js::OptionalStringMap(object, field));
  if (auto it = object.find(field); it != object.end()) {
    ExpectInvalidArgument(js::AsStringMap(it->value(), field));
    if (it->value().is_object()) {
      for (const auto& inner : it->value().get_object()) ReadField(it->value().get_object(), inner.key());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);

  auto object = js::ParseObject(body);
  ExpectInvalidArgument(object);
  if (object) {
    for (const auto& entry : *object) ReadField(*object, entry.key());
    for (std::string_view field : kFields) ReadField(*object, field);
    ExpectInvalidArgument(js::AsStringMap(*object, "body"));
    // What the server serializes it can parse again. (Not compared for
    // equality: Boost.JSON 1.81 parses doubles to within one ulp only.)
    Check(js::ParseObject(js::Serialize(*object)).has_value());
    for (const auto& entry : *object) {
      auto raw = js::RawObjectField(body, entry.key());
      ExpectInvalidArgument(raw);
    }
  }

  auto checkpoint = statehouse::updates::ParseCheckpointRequest(body);
  ExpectInvalidArgument(checkpoint);
  if (checkpoint) {
    for (const auto& view : {checkpoint->deployment, checkpoint->features,
                             checkpoint->untyped_deployment, checkpoint->deployment_delta}) {
      if (view) Check(view->data() >= body.data() && view->data() + view->size() <= body.data() + body.size());
    }
  }

  auto batch = statehouse::engine_events::ParseBatch(body);
  ExpectInvalidArgument(batch);
  if (batch) {
    for (const auto& event : batch->events()) Check(event.sequence >= 0);
  }
  return 0;
}
