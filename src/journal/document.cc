#include "journal/document.h"

#include <fmt/format.h>

#include "journal/json_internal.h"

namespace statehouse::journal {

namespace internal {

simdjson::ondemand::parser& OnDemand() {
  thread_local simdjson::ondemand::parser parser;
  return parser;
}

Result<void> Validate(const std::string& padded, std::string_view what) {
  thread_local auto parser = std::make_unique<simdjson::dom::parser>();
  simdjson::dom::element root;
  auto error = parser->parse(reinterpret_cast<const uint8_t*>(padded.data()), padded.size(),
                             padded.capacity() - padded.size() < simdjson::SIMDJSON_PADDING)
                   .get(root);
  // Do not keep buffers sized for a huge document (a write entry can carry a
  // whole deployment) alive in every thread.
  if (parser->capacity() > (size_t{64} << 20)) parser = std::make_unique<simdjson::dom::parser>();
  if (error != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument(fmt::format("{}: malformed JSON", what)));
  }
  return {};
}

std::string_view TrimRight(std::string_view v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\n' || v.back() == '\r' || v.back() == '\t')) {
    v.remove_suffix(1);
  }
  return v;
}

simdjson::error_code RawValue(simdjson::ondemand::value& value, std::string_view& out) {
  simdjson::ondemand::json_type type;
  if (auto error = value.type().get(type)) return error;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object object;
    if (auto error = value.get_object().get(object)) return error;
    if (auto error = object.raw_json().get(out)) return error;
  } else if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array array;
    if (auto error = value.get_array().get(array)) return error;
    if (auto error = array.raw_json().get(out)) return error;
  } else {
    out = value.raw_json_token();
  }
  out = TrimRight(out);
  return simdjson::SUCCESS;
}

bool IsNull(simdjson::ondemand::value& value) {
  bool is_null = false;
  return value.is_null().get(is_null) == simdjson::SUCCESS && is_null;
}

Result<void> ReadString(simdjson::ondemand::value& value, std::string& out, std::string_view what) {
  if (IsNull(value)) {
    out.clear();
    return {};
  }
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument(fmt::format("{} must be a string", what)));
  }
  out.assign(s);
  return {};
}

Result<void> ReadBool(simdjson::ondemand::value& value, bool& out, std::string_view what) {
  if (IsNull(value)) {
    out = false;
    return {};
  }
  if (value.get_bool().get(out) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument(fmt::format("{} must be a boolean", what)));
  }
  return {};
}

Result<void> ReadStringArray(simdjson::ondemand::value& value, std::vector<std::string>& out,
                             std::string_view what) {
  out.clear();
  if (IsNull(value)) return {};
  simdjson::ondemand::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument(fmt::format("{} must be an array of strings", what)));
  }
  for (auto item : array) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument(fmt::format("{} must be an array of strings", what)));
    }
    out.emplace_back(s);
  }
  return {};
}

}  // namespace internal

using namespace internal;
namespace od = simdjson::ondemand;

std::string PaddedCopy(std::string_view json) {
  std::string out;
  out.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  out.assign(json);
  return out;
}

namespace {

bool NonEmptyObject(od::value& value) {
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  for (auto field : object) {
    (void)field;
    return true;
  }
  return false;
}

// String-valued key: validated without copying unless `out` is given.
Result<std::string_view> ScanString(od::value& value, std::string_view what) {
  if (IsNull(value)) return std::string_view();
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument(fmt::format("{} must be a string", what)));
  }
  return s;
}

// Array of strings; returns its length.
Result<size_t> ScanStringArray(od::value& value, std::vector<std::string>* out, std::string_view what) {
  if (out) out->clear();
  if (IsNull(value)) return size_t{0};
  od::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument(fmt::format("{} must be an array of strings", what)));
  }
  size_t n = 0;
  for (auto item : array) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument(fmt::format("{} must be an array of strings", what)));
    }
    if (out) out->emplace_back(s);
    ++n;
  }
  return n;
}

Result<void> ScanPropertyDependencies(od::value& value,
                                      std::vector<std::pair<std::string, std::vector<std::string>>>* out) {
  if (out) out->clear();
  if (IsNull(value)) return {};
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument("resource 'propertyDependencies' must be an object"));
  }
  for (auto field : object) {
    std::string_view key;
    od::value item;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(item) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("resource 'propertyDependencies' is malformed"));
    }
    std::vector<std::string>* list = nullptr;
    if (out) list = &out->emplace_back(std::string(key), std::vector<std::string>{}).second;
    SH_TRY(ScanStringArray(item, list, "resource 'propertyDependencies' values"));
  }
  return {};
}

// Reads the flags of the resource in `padded` into `r` and, if `links` is
// given, its reference keys.
Result<void> ScanResource(const std::string& padded, Resource& r, ResourceLinks* links) {
  od::document doc;
  od::object object;
  if (OnDemand().iterate(View(padded)).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument("resource state must be a JSON object"));
  }
  auto keep = [&](std::string* target, std::string_view value) {
    if (target) target->assign(value);
  };
  for (auto field : object) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("resource state is malformed"));
    }
    if (key.empty()) continue;
    switch (key[0]) {
      case 'u':
        if (key == "urn") {
          SH_ASSIGN_OR_RETURN(auto v, ScanString(value, "resource 'urn'"));
          keep(links ? &links->urn : nullptr, v);
        }
        break;
      case 'p':
        if (key == "parent") {
          SH_ASSIGN_OR_RETURN(auto v, ScanString(value, "resource 'parent'"));
          keep(links ? &links->parent : nullptr, v);
        } else if (key == "provider") {
          SH_ASSIGN_OR_RETURN(auto v, ScanString(value, "resource 'provider'"));
          keep(links ? &links->provider : nullptr, v);
        } else if (key == "propertyDependencies") {
          SH_TRY(ScanPropertyDependencies(value, links ? &links->property_dependencies : nullptr));
        } else if (key == "pendingReplacement") {
          SH_TRY(ReadBool(value, r.pending_replacement, "resource 'pendingReplacement'"));
        }
        break;
      case 'd':
        if (key == "dependencies") {
          SH_TRY(ScanStringArray(value, links ? &links->dependencies : nullptr, "resource 'dependencies'"));
        } else if (key == "deletedWith") {
          SH_ASSIGN_OR_RETURN(auto v, ScanString(value, "resource 'deletedWith'"));
          keep(links ? &links->deleted_with : nullptr, v);
        } else if (key == "delete") {
          SH_TRY(ReadBool(value, r.del, "resource 'delete'"));
        }
        break;
      case 'v':
        if (key == "viewOf") {
          SH_ASSIGN_OR_RETURN(auto v, ScanString(value, "resource 'viewOf'"));
          r.has_view_of = !v.empty();
          keep(links ? &links->view_of : nullptr, v);
        }
        break;
      case 'r':
        if (key == "replaceWith") {
          SH_ASSIGN_OR_RETURN(auto n, ScanStringArray(value, links ? &links->replace_with : nullptr,
                                                      "resource 'replaceWith'"));
          r.has_replace_with = n > 0;
        } else if (key == "refreshBeforeUpdate") {
          SH_TRY(ReadBool(value, r.refresh_before_update, "resource 'refreshBeforeUpdate'"));
        } else if (key == "resourceHooks") {
          r.has_hooks = NonEmptyObject(value);
        }
        break;
      case 'a':
        if (key == "aliases") {
          r.has_aliases_key = true;
          SH_ASSIGN_OR_RETURN(auto n, ScanStringArray(value, links ? &links->aliases : nullptr, "resource 'aliases'"));
          r.has_aliases = n > 0;
        }
        break;
      case 't':
        if (key == "taint") SH_TRY(ReadBool(value, r.taint, "resource 'taint'"));
        break;
      case 'e':
        if (key == "extensionRef") {
          SH_ASSIGN_OR_RETURN(auto v, ScanString(value, "resource 'extensionRef'"));
          r.has_extension_ref = !v.empty();
        }
        break;
      case 's':
        if (key == "snippetID") {
          SH_ASSIGN_OR_RETURN(auto v, ScanString(value, "resource 'snippetID'"));
          r.has_snippet_id = !v.empty();
        }
        break;
      default:
        break;
    }
  }
  return {};
}

Result<std::shared_ptr<const Resource>> ParseResourceOwned(std::string raw) {
  auto resource = std::make_shared<Resource>();
  resource->raw = std::move(raw);
  SH_TRY(ScanResource(resource->raw, *resource, nullptr));
  return std::shared_ptr<const Resource>(std::move(resource));
}

// The raw `resource` object of an operation text (nullopt when absent/null).
Result<std::optional<std::string_view>> OperationResourceRaw(const std::string& padded, std::string* type) {
  std::optional<std::string_view> resource_raw;
  od::document doc;
  od::object object;
  if (OnDemand().iterate(View(padded)).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument("operation must be a JSON object"));
  }
  for (auto field : object) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("operation is malformed"));
    }
    if (key == "type") {
      if (type) SH_TRY(ReadString(value, *type, "operation 'type'"));
    } else if (key == "resource") {
      if (IsNull(value)) {
        resource_raw.reset();
        continue;
      }
      od::object inner;
      std::string_view raw;
      if (value.get_object().get(inner) != simdjson::SUCCESS || inner.raw_json().get(raw) != simdjson::SUCCESS) {
        return Fail(Error::InvalidArgument("operation 'resource' must be an object"));
      }
      resource_raw = TrimRight(raw);
    }
  }
  return resource_raw;
}

Result<std::shared_ptr<const Operation>> ParseOperationOwned(std::string raw) {
  auto operation = std::make_shared<Operation>();
  operation->raw = std::move(raw);
  SH_ASSIGN_OR_RETURN(auto resource_raw, OperationResourceRaw(operation->raw, &operation->type));
  operation->has_resource = resource_raw.has_value();
  return std::shared_ptr<const Operation>(std::move(operation));
}

// Parses a DeploymentV3 object held in `padded` (already validated).
Result<std::shared_ptr<Snapshot>> ParseSnapshotPadded(const std::string& padded) {
  auto snapshot = std::make_shared<Snapshot>();
  std::vector<std::string> resource_texts;
  std::vector<std::string> operation_texts;
  {
    od::document doc;
    if (OnDemand().iterate(View(padded)).get(doc) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("deployment: malformed JSON"));
    }
    bool is_null = false;
    if (doc.is_null().get(is_null) == simdjson::SUCCESS && is_null) return snapshot;
    od::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("deployment must be a JSON object"));
    }
    for (auto field : object) {
      std::string_view key;
      od::value value;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS) {
        return Fail(Error::InvalidArgument("deployment is malformed"));
      }
      if (IsNull(value)) continue;
      if (key == "resources" || key == "pending_operations") {
        od::array array;
        if (value.get_array().get(array) != simdjson::SUCCESS) {
          return Fail(Error::InvalidArgument(fmt::format("deployment '{}' must be an array", key)));
        }
        auto& texts = key == "resources" ? resource_texts : operation_texts;
        texts.clear();
        for (auto item : array) {
          od::object inner;
          std::string_view raw;
          if (item.get_object().get(inner) != simdjson::SUCCESS || inner.raw_json().get(raw) != simdjson::SUCCESS) {
            return Fail(Error::InvalidArgument(fmt::format("deployment '{}' items must be objects", key)));
          }
          texts.push_back(PaddedCopy(TrimRight(raw)));
        }
      } else if (key == "secrets_providers" || key == "metadata") {
        od::object inner;
        std::string_view raw;
        if (value.get_object().get(inner) != simdjson::SUCCESS || inner.raw_json().get(raw) != simdjson::SUCCESS) {
          return Fail(Error::InvalidArgument(fmt::format("deployment '{}' must be an object", key)));
        }
        (key == "metadata" ? snapshot->metadata : snapshot->secrets_providers) = std::string(TrimRight(raw));
      } else if (key == "snippets") {
        od::array array;
        std::string_view raw;
        if (value.get_array().get(array) != simdjson::SUCCESS) {
          return Fail(Error::InvalidArgument("deployment 'snippets' must be an array"));
        }
        size_t count = 0;
        if (array.count_elements().get(count) != simdjson::SUCCESS || array.raw_json().get(raw) != simdjson::SUCCESS) {
          return Fail(Error::InvalidArgument("deployment 'snippets' is malformed"));
        }
        snapshot->snippets = count > 0 ? std::string(TrimRight(raw)) : std::string();
      } else if (key == "extensions") {
        od::object inner;
        if (value.get_object().get(inner) != simdjson::SUCCESS) {
          return Fail(Error::InvalidArgument("deployment 'extensions' must be an object"));
        }
        snapshot->extensions.clear();
        for (auto ext : inner) {
          std::string_view ref;
          od::value ext_value;
          std::string_view raw;
          if (ext.unescaped_key().get(ref) != simdjson::SUCCESS || ext.value().get(ext_value) != simdjson::SUCCESS ||
              RawValue(ext_value, raw) != simdjson::SUCCESS) {
            return Fail(Error::InvalidArgument("deployment 'extensions' is malformed"));
          }
          snapshot->extensions[std::string(ref)] = std::string(raw);
        }
      }
    }
  }
  snapshot->resources.reserve(resource_texts.size());
  for (auto& text : resource_texts) {
    SH_ASSIGN_OR_RETURN(auto resource, ParseResourceOwned(std::move(text)));
    snapshot->resources.push_back(std::move(resource));
  }
  for (auto& text : operation_texts) {
    SH_ASSIGN_OR_RETURN(auto operation, ParseOperationOwned(std::move(text)));
    snapshot->pending_operations.push_back(std::move(operation));
  }
  return snapshot;
}

}  // namespace

ResourceLinks Links(const Resource& resource) {
  ResourceLinks links;
  Resource flags;
  if (resource.raw.capacity() - resource.raw.size() < simdjson::SIMDJSON_PADDING) {
    (void)ScanResource(PaddedCopy(resource.raw), flags, &links);
  } else {
    (void)ScanResource(resource.raw, flags, &links);
  }
  return links;
}

Result<std::shared_ptr<const Resource>> ParseResource(std::string_view json) {
  return ParseResourceOwned(PaddedCopy(json));
}

Result<std::shared_ptr<const Resource>> ParseResource(std::string&& json) {
  if (json.capacity() - json.size() < simdjson::SIMDJSON_PADDING) return ParseResourceOwned(PaddedCopy(json));
  return ParseResourceOwned(std::move(json));
}

Result<std::shared_ptr<const Operation>> ParseOperation(std::string_view json) {
  return ParseOperationOwned(PaddedCopy(json));
}

Result<std::shared_ptr<const Operation>> ParseOperation(std::string&& json) {
  if (json.capacity() - json.size() < simdjson::SIMDJSON_PADDING) return ParseOperationOwned(PaddedCopy(json));
  return ParseOperationOwned(std::move(json));
}

Result<std::shared_ptr<const Resource>> OperationResource(const Operation& operation) {
  std::string padded;
  const std::string* text = &operation.raw;
  if (operation.raw.capacity() - operation.raw.size() < simdjson::SIMDJSON_PADDING) {
    padded = PaddedCopy(operation.raw);
    text = &padded;
  }
  SH_ASSIGN_OR_RETURN(auto resource_raw, OperationResourceRaw(*text, nullptr));
  if (!resource_raw) return std::shared_ptr<const Resource>();
  return ParseResource(*resource_raw);
}

Result<std::shared_ptr<const Snapshot>> ParseSnapshot(std::string_view deployment_json) {
  std::string padded = PaddedCopy(deployment_json);
  SH_TRY(Validate(padded, "deployment"));
  SH_ASSIGN_OR_RETURN(auto snapshot, ParseSnapshotPadded(padded));
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

Result<std::shared_ptr<const Snapshot>> ParseUntypedDeployment(std::string_view text) {
  std::string padded = PaddedCopy(text);
  SH_TRY(Validate(padded, "deployment"));
  std::optional<std::string> deployment;
  bool byte_string = false;
  {
    od::document doc;
    od::object object;
    if (OnDemand().iterate(View(padded)).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(object) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("deployment must be a JSON object"));
    }
    bool have_version = false;
    for (auto field : object) {
      std::string_view key;
      od::value value;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS) {
        return Fail(Error::InvalidArgument("deployment is malformed"));
      }
      if (key == "version") {
        int64_t version = 0;
        if (value.get_int64().get(version) != simdjson::SUCCESS || version < 1 || version > 4) {
          return Fail(Error::InvalidArgument("deployment 'version' must be 1 to 4"));
        }
        have_version = true;
      } else if (key == "features") {
        std::vector<std::string> features;
        SH_TRY(ReadStringArray(value, features, "deployment 'features'"));
        for (const auto& f : features) byte_string = byte_string || f == "byteString";
      } else if (key == "deployment") {
        if (IsNull(value)) {
          deployment.reset();
          continue;
        }
        od::object inner;
        std::string_view raw;
        if (value.get_object().get(inner) != simdjson::SUCCESS || inner.raw_json().get(raw) != simdjson::SUCCESS) {
          return Fail(Error::InvalidArgument("deployment 'deployment' must be an object"));
        }
        deployment = PaddedCopy(TrimRight(raw));
      }
    }
    if (!have_version) return Fail(Error::InvalidArgument("deployment 'version' is missing"));
  }
  if (!deployment) {
    auto empty = std::make_shared<Snapshot>();
    empty->declares_byte_string = byte_string;
    return std::shared_ptr<const Snapshot>(std::move(empty));
  }
  SH_ASSIGN_OR_RETURN(auto snapshot, ParseSnapshotPadded(*deployment));
  snapshot->declares_byte_string = byte_string;
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

// ---------------------------------------------------------------------------
// Output

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void AppendJsonStringArray(std::string& out, const std::vector<std::string>& items) {
  out.push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(out, items[i]);
  }
  out.push_back(']');
}

namespace {

void AppendPropertyDependencies(std::string& out,
                                const std::vector<std::pair<std::string, std::vector<std::string>>>& deps) {
  out.push_back('{');
  bool first = true;
  for (const auto& [key, urns] : deps) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, key);
    out.push_back(':');
    AppendJsonStringArray(out, urns);
  }
  out.push_back('}');
}

}  // namespace

std::shared_ptr<const Resource> ApplyPatch(const Resource& src, const ResourcePatch& patch) {
  auto result = std::make_shared<Resource>(src);
  Resource& r = *result;
  std::string out;
  out.reserve(src.raw.size() + 64 + simdjson::SIMDJSON_PADDING);
  out.push_back('{');
  bool first = true;
  bool wrote_delete = false;
  bool wrote_pending = false;
  auto member = [&](std::string_view key) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, key);
    out.push_back(':');
  };
  auto string_field = [&](std::string_view key, const std::optional<std::string>& value, std::string_view raw) {
    if (!value) {
      member(key);
      out.append(raw);
    } else if (!value->empty()) {
      member(key);
      AppendJsonString(out, *value);
    }
  };
  auto list_field = [&](std::string_view key, const std::optional<std::vector<std::string>>& value,
                        std::string_view raw) {
    if (!value) {
      member(key);
      out.append(raw);
    } else if (!value->empty()) {
      member(key);
      AppendJsonStringArray(out, *value);
    }
  };
  // `src.raw` was parsed successfully before, so errors cannot happen here;
  // should one happen anyway, the original bytes are kept.
  od::document doc;
  od::object object;
  bool ok = OnDemand().iterate(View(src.raw)).get(doc) == simdjson::SUCCESS &&
            doc.get_object().get(object) == simdjson::SUCCESS;
  if (ok) {
    for (auto field : object) {
      std::string_view key;
      od::value value;
      std::string_view raw;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS ||
          RawValue(value, raw) != simdjson::SUCCESS) {
        ok = false;
        break;
      }
      if (key == "urn") {
        string_field(key, patch.urn, raw);
      } else if (key == "parent") {
        string_field(key, patch.parent, raw);
      } else if (key == "provider") {
        string_field(key, patch.provider, raw);
      } else if (key == "deletedWith") {
        string_field(key, patch.deleted_with, raw);
      } else if (key == "viewOf") {
        string_field(key, patch.view_of, raw);
      } else if (key == "dependencies") {
        list_field(key, patch.dependencies, raw);
      } else if (key == "replaceWith") {
        list_field(key, patch.replace_with, raw);
      } else if (key == "aliases") {
        if (!patch.drop_aliases) {
          member(key);
          out.append(raw);
        }
      } else if (key == "propertyDependencies") {
        if (!patch.property_dependencies) {
          member(key);
          out.append(raw);
        } else if (!patch.property_dependencies->empty()) {
          member(key);
          AppendPropertyDependencies(out, *patch.property_dependencies);
        }
      } else if (key == "delete" && patch.set_delete) {
        if (!wrote_delete) {
          member(key);
          out += "true";
        }
        wrote_delete = true;
      } else if (key == "pendingReplacement" && patch.set_pending_replacement) {
        if (!wrote_pending) {
          member(key);
          out += "true";
        }
        wrote_pending = true;
      } else {
        member(key);
        out.append(raw);
      }
    }
  }
  if (!ok) return std::make_shared<const Resource>(src);
  if (patch.set_delete && !wrote_delete) {
    member("delete");
    out += "true";
  }
  if (patch.set_pending_replacement && !wrote_pending) {
    member("pendingReplacement");
    out += "true";
  }
  out.push_back('}');
  r.raw = std::move(out);

  if (patch.set_delete) r.del = true;
  if (patch.set_pending_replacement) r.pending_replacement = true;
  if (patch.drop_aliases) {
    r.has_aliases = false;
    r.has_aliases_key = false;
  }
  if (patch.view_of) r.has_view_of = !patch.view_of->empty();
  if (patch.replace_with) r.has_replace_with = !patch.replace_with->empty();
  return result;
}

std::string SetObjectMember(const std::string& object, std::string_view key, std::string_view raw_value) {
  std::string padded = PaddedCopy(object);
  std::string out = "{";
  od::document doc;
  od::object obj;
  bool ok = OnDemand().iterate(View(padded)).get(doc) == simdjson::SUCCESS &&
            doc.get_object().get(obj) == simdjson::SUCCESS;
  if (ok) {
    for (auto field : obj) {
      std::string_view k;
      od::value value;
      std::string_view raw;
      if (field.unescaped_key().get(k) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS ||
          RawValue(value, raw) != simdjson::SUCCESS) {
        ok = false;
        break;
      }
      if (k == key) continue;
      std::string key_copy(k);
      if (out.size() > 1) out.push_back(',');
      AppendJsonString(out, key_copy);
      out.push_back(':');
      out.append(raw);
    }
  }
  if (!ok) out = "{";
  if (out.size() > 1) out.push_back(',');
  AppendJsonString(out, key);
  out.push_back(':');
  out.append(raw_value);
  out.push_back('}');
  return out;
}

std::string RewriteSnippetReferences(const std::string& snippets,
                                     const std::function<const std::string*(const std::string&)>& fix) {
  std::string padded = PaddedCopy(snippets);
  std::string out;
  out.reserve(snippets.size() + 64);
  od::document doc;
  od::array array;
  if (OnDemand().iterate(View(padded)).get(doc) != simdjson::SUCCESS || doc.get_array().get(array) != simdjson::SUCCESS) {
    return snippets;
  }
  out.push_back('[');
  bool first_item = true;
  for (auto item : array) {
    od::value item_value;
    if (item.get(item_value) != simdjson::SUCCESS) return snippets;
    if (!first_item) out.push_back(',');
    first_item = false;
    od::object object;
    if (item_value.get_object().get(object) != simdjson::SUCCESS) {
      std::string_view raw;
      if (RawValue(item_value, raw) != simdjson::SUCCESS) return snippets;
      out.append(raw);
      continue;
    }
    out.push_back('{');
    bool first = true;
    for (auto field : object) {
      std::string_view key_view;
      od::value value;
      if (field.unescaped_key().get(key_view) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS) {
        return snippets;
      }
      std::string key(key_view);
      if (!first) out.push_back(',');
      first = false;
      AppendJsonString(out, key);
      out.push_back(':');
      od::object references;
      if (key == "references" && value.get_object().get(references) == simdjson::SUCCESS) {
        out.push_back('{');
        bool first_ref = true;
        for (auto ref : references) {
          std::string_view name_view;
          od::value ref_value;
          if (ref.unescaped_key().get(name_view) != simdjson::SUCCESS || ref.value().get(ref_value) != simdjson::SUCCESS) {
            return snippets;
          }
          std::string name(name_view);
          if (!first_ref) out.push_back(',');
          first_ref = false;
          AppendJsonString(out, name);
          out.push_back(':');
          std::string_view urn;
          if (ref_value.get_string().get(urn) == simdjson::SUCCESS) {
            const std::string* fixed = fix(std::string(urn));
            AppendJsonString(out, fixed ? std::string_view(*fixed) : urn);
          } else {
            std::string_view raw;
            if (RawValue(ref_value, raw) != simdjson::SUCCESS) return snippets;
            out.append(raw);
          }
        }
        out.push_back('}');
        continue;
      }
      std::string_view raw;
      if (RawValue(value, raw) != simdjson::SUCCESS) return snippets;
      out.append(raw);
    }
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

}  // namespace statehouse::journal
