#include "journal/entry.h"

#include <fmt/format.h>

#include "journal/json_internal.h"

namespace statehouse::journal {

using namespace internal;
namespace od = simdjson::ondemand;

namespace {

Result<void> ReadInt(od::value& value, int64_t& out, std::string_view key) {
  if (value.get_int64().get(out) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument(fmt::format("'{}' must be an integer", key)));
  }
  return {};
}

Result<void> ReadOptionalInt(od::value& value, std::optional<int64_t>& out, std::string_view key) {
  if (IsNull(value)) {
    out.reset();
    return {};
  }
  int64_t v = 0;
  SH_TRY(ReadInt(value, v, key));
  out = v;
  return {};
}

// Raw bytes of an object-valued key, nullopt for null.
Result<std::optional<std::string_view>> ReadObjectRaw(od::value& value, std::string_view key) {
  if (IsNull(value)) return std::optional<std::string_view>();
  od::object object;
  std::string_view raw;
  if (value.get_object().get(object) != simdjson::SUCCESS || object.raw_json().get(raw) != simdjson::SUCCESS) {
    return Fail(Error::InvalidArgument(fmt::format("'{}' must be an object", key)));
  }
  return std::optional<std::string_view>(TrimRight(raw));
}

// `raw` is a padded, already validated JSON text.
Result<Entry> ParseValidated(std::string raw) {
  Entry entry;
  entry.raw = std::move(raw);
  std::optional<std::string> state_text;
  std::optional<std::string> operation_text;
  std::optional<std::string> snapshot_text;
  bool have_version = false, have_kind = false, have_seq = false, have_op = false;
  {
    od::document doc;
    od::object object;
    if (OnDemand().iterate(View(entry.raw)).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(object) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("journal entry must be a JSON object"));
    }
    for (auto field : object) {
      std::string_view key;
      od::value value;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS) {
        return Fail(Error::InvalidArgument("journal entry is malformed"));
      }
      if (key == "version") {
        SH_TRY(ReadInt(value, entry.version, key));
        have_version = true;
      } else if (key == "kind") {
        SH_TRY(ReadInt(value, entry.kind, key));
        have_kind = true;
      } else if (key == "sequenceID") {
        SH_TRY(ReadInt(value, entry.sequence_id, key));
        have_seq = true;
      } else if (key == "operationID") {
        SH_TRY(ReadInt(value, entry.operation_id, key));
        have_op = true;
      } else if (key == "removeOld") {
        SH_TRY(ReadOptionalInt(value, entry.remove_old, key));
      } else if (key == "removeNew") {
        SH_TRY(ReadOptionalInt(value, entry.remove_new, key));
      } else if (key == "pendingReplacementOld") {
        SH_TRY(ReadOptionalInt(value, entry.pending_replacement_old, key));
      } else if (key == "pendingReplacementNew") {
        SH_TRY(ReadOptionalInt(value, entry.pending_replacement_new, key));
      } else if (key == "deleteOld") {
        SH_TRY(ReadOptionalInt(value, entry.delete_old, key));
      } else if (key == "deleteNew") {
        SH_TRY(ReadOptionalInt(value, entry.delete_new, key));
      } else if (key == "isRefresh") {
        SH_TRY(ReadBool(value, entry.is_refresh, "'isRefresh'"));
      } else if (key == "requiresByteString") {
        SH_TRY(ReadBool(value, entry.requires_byte_string, "'requiresByteString'"));
      } else if (key == "state" || key == "operation" || key == "newSnapshot") {
        SH_ASSIGN_OR_RETURN(auto span, ReadObjectRaw(value, key));
        auto& target = key == "state" ? state_text : key == "operation" ? operation_text : snapshot_text;
        if (span) {
          target = PaddedCopy(*span);
        } else {
          target.reset();
        }
      } else if (key == "secretsProvider" || key == "extension") {
        SH_ASSIGN_OR_RETURN(auto span, ReadObjectRaw(value, key));
        auto& target = key == "secretsProvider" ? entry.secrets_provider : entry.extension;
        if (span) {
          target = std::string(*span);
        } else {
          target.reset();
        }
      } else if (key == "extensionRef") {
        if (IsNull(value)) {
          entry.extension_ref.reset();
        } else {
          std::string ref;
          SH_TRY(ReadString(value, ref, "'extensionRef'"));
          entry.extension_ref = std::move(ref);
        }
      } else if (key == "snippets") {
        entry.snippets.clear();
        if (IsNull(value)) continue;
        od::array array;
        std::string_view raw_snippets;
        size_t count = 0;
        if (value.get_array().get(array) != simdjson::SUCCESS ||
            array.count_elements().get(count) != simdjson::SUCCESS ||
            array.raw_json().get(raw_snippets) != simdjson::SUCCESS) {
          return Fail(Error::InvalidArgument("'snippets' must be an array"));
        }
        if (count > 0) entry.snippets = std::string(TrimRight(raw_snippets));
      }
    }
  }
  if (!have_version) return Fail(Error::InvalidArgument("'version' is missing"));
  if (entry.version != 1) {
    return Fail(Error::InvalidArgument(fmt::format("unsupported journal entry version {}", entry.version)));
  }
  if (!have_kind) return Fail(Error::InvalidArgument("'kind' is missing"));
  if (!have_seq) return Fail(Error::InvalidArgument("'sequenceID' is missing"));
  if (entry.sequence_id <= 0) return Fail(Error::InvalidArgument("'sequenceID' must be positive"));
  if (!have_op) return Fail(Error::InvalidArgument("'operationID' is missing"));

  auto annotate = [](Error e, std::string_view what) {
    e.message = fmt::format("{}: {}", what, e.message);
    return e;
  };
  if (state_text) {
    auto state = ParseResource(std::move(*state_text));
    if (!state) return Fail(annotate(std::move(state).error(), "'state'"));
    entry.state = std::move(*state);
  }
  if (operation_text) {
    auto operation = ParseOperation(std::move(*operation_text));
    if (!operation) return Fail(annotate(std::move(operation).error(), "'operation'"));
    entry.operation = std::move(*operation);
  }
  if (snapshot_text) {
    auto snapshot = ParseSnapshot(*snapshot_text);
    if (!snapshot) return Fail(annotate(std::move(snapshot).error(), "'newSnapshot'"));
    entry.new_snapshot = std::move(*snapshot);
  }
  return entry;
}

}  // namespace

Result<Entry> ParseEntry(std::string_view json) {
  std::string padded = PaddedCopy(json);
  SH_TRY(Validate(padded, "journal entry"));
  return ParseValidated(std::move(padded));
}

Result<std::vector<Entry>> ParseBatch(std::string_view body) {
  std::string padded = PaddedCopy(body);
  SH_TRY(Validate(padded, "journal entries"));
  std::vector<std::string> texts;
  {
    od::document doc;
    od::object object;
    if (OnDemand().iterate(View(padded)).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(object) != simdjson::SUCCESS) {
      return Fail(Error::InvalidArgument("journal entries: body must be a JSON object"));
    }
    for (auto field : object) {
      std::string_view key;
      od::value value;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(value) != simdjson::SUCCESS) {
        return Fail(Error::InvalidArgument("journal entries: malformed JSON"));
      }
      if (key != "entries") continue;
      texts.clear();
      if (IsNull(value)) continue;
      od::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) {
        return Fail(Error::InvalidArgument("journal entries: 'entries' must be an array"));
      }
      for (auto item : array) {
        od::object inner;
        std::string_view raw;
        if (item.get_object().get(inner) != simdjson::SUCCESS || inner.raw_json().get(raw) != simdjson::SUCCESS) {
          return Fail(Error::InvalidArgument(
              fmt::format("journal entries: entry {}: journal entry must be a JSON object", texts.size())));
        }
        texts.push_back(PaddedCopy(TrimRight(raw)));
      }
    }
  }
  std::vector<Entry> entries;
  entries.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto entry = ParseValidated(std::move(texts[i]));
    if (!entry) {
      Error e = std::move(entry).error();
      e.message = fmt::format("journal entries: entry {}: {}", i, e.message);
      return Fail(std::move(e));
    }
    entries.push_back(std::move(*entry));
  }
  return entries;
}

}  // namespace statehouse::journal
