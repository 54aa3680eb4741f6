#include "engine_events/model.h"

#include <simdjson.h>

#include <fmt/format.h>

#include "common/numbers.h"

namespace statehouse::engine_events {

namespace {

Error Invalid(std::string message) { return Error::InvalidArgument(std::move(message)); }

std::string_view TrimTrailingSpace(std::string_view raw) {
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  return raw;
}

constexpr std::string_view kPayloadKeys[] = {
    "cancelEvent",         "stdoutEvent",
    "diagnosticEvent",     "preludeEvent",
    "summaryEvent",        "resourcePreEvent",
    "resOutputsEvent",     "resourceOutputsEvent",
    "resOpFailedEvent",    "policyEvent",
    "policyRemediationEvent", "policyLoadEvent",
    "policyAnalyzeSummaryEvent", "policyRemediateSummaryEvent",
    "policyAnalyzeStackSummaryEvent", "startDebuggingEvent",
    "progressEvent",       "errorEvent"};

// `key` as a view that outlives the parser: a static payload key, or a copy
// kept in `unknown`.
std::string_view StableKey(std::string_view key, std::deque<std::string>& unknown) {
  for (std::string_view known : kPayloadKeys) {
    if (key == known) return known;
  }
  return unknown.emplace_back(key);
}

// Reads the keys of one event object (`raw`, inside a padded buffer ending
// at `buffer_end`) into `event`.
Result<void> ReadEvent(simdjson::ondemand::parser& parser, std::string_view raw,
                       const char* buffer_end, size_t index, std::deque<std::string>& unknown,
                       storage::NewEngineEvent& event) {
  const auto bad = [index](std::string_view what) {
    return Fail(Invalid(fmt::format("Invalid event {}: {}", index, what)));
  };
  simdjson::ondemand::document doc;
  if (parser.iterate(raw.data(), raw.size(), static_cast<size_t>(buffer_end - raw.data()))
          .get(doc) != simdjson::SUCCESS) {
    return bad("malformed JSON");
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return bad("expected an object");
  bool has_sequence = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return bad("malformed JSON");
    simdjson::ondemand::value value;
    if (field.value().get(value) != simdjson::SUCCESS) return bad("malformed JSON");
    if (key == "sequence") {
      int64_t sequence = 0;
      if (value.get_int64().get(sequence) != simdjson::SUCCESS || sequence < 0) {
        return bad("'sequence' must be a non-negative integer");
      }
      event.sequence = sequence;
      has_sequence = true;
    } else if (key == "timestamp") {
      if (value.get_int64().get(event.timestamp) != simdjson::SUCCESS) {
        return bad("'timestamp' must be an integer");
      }
    } else if (key == "type") {
      continue;
    } else if (event.type.empty()) {
      simdjson::ondemand::object payload;
      if (value.get_object().get(payload) != simdjson::SUCCESS) continue;  // null or scalar
      event.type = StableKey(key, unknown);
      if (key != "resOutputsEvent" && key != "resourceOutputsEvent") continue;
      simdjson::ondemand::object metadata;
      if (payload["metadata"].get_object().get(metadata) != simdjson::SUCCESS) continue;
      std::string_view op;
      if (metadata["op"].get_string().get(op) == simdjson::SUCCESS) event.op = CountedOp(op);
    }
  }
  if (!has_sequence) return bad("'sequence' is required");
  if (event.type.empty()) return bad("no event payload");
  return {};
}

}  // namespace

Result<ParsedBatch> ParseBatch(std::string_view body) {
  ParsedBatch batch;
  batch.buffer_.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  batch.buffer_.append(body);
  batch.buffer_.append(simdjson::SIMDJSON_PADDING, '\0');
  const char* begin = batch.buffer_.data();
  const char* end = begin + batch.buffer_.size();

  simdjson::ondemand::parser outer;
  simdjson::ondemand::parser inner;
  simdjson::ondemand::document doc;
  if (outer.iterate(begin, body.size(), batch.buffer_.size()).get(doc) != simdjson::SUCCESS) {
    return Fail(Invalid("Malformed JSON request body"));
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Fail(Invalid("Request body must be a JSON object"));
  }
  simdjson::ondemand::array events;
  if (obj["events"].get_array().get(events) != simdjson::SUCCESS) {
    return Fail(Invalid("Invalid field 'events': expected an array"));
  }
  size_t index = 0;
  for (auto element : events) {
    simdjson::ondemand::object event_obj;
    if (element.get_object().get(event_obj) != simdjson::SUCCESS) {
      return Fail(Invalid(fmt::format("Invalid event {}: expected an object", index)));
    }
    std::string_view raw;
    if (event_obj.raw_json().get(raw) != simdjson::SUCCESS) {
      return Fail(Invalid(fmt::format("Invalid event {}: malformed JSON", index)));
    }
    raw = TrimTrailingSpace(raw);
    storage::NewEngineEvent event;
    event.json = raw;
    SH_TRY(ReadEvent(inner, raw, end, index, batch.unknown_types_, event));
    batch.events_.push_back(event);
    ++index;
  }
  return batch;
}

std::string_view CountedOp(std::string_view op) {
  for (std::string_view counted :
       {"create", "update", "delete", "same", "replace", "read", "refresh", "import", "discard"}) {
    if (op == counted) return counted;
  }
  return {};
}

std::map<std::string, int64_t> ResourceChanges(const storage::ResourceChangesRecord& record) {
  if (record.summary_json) {
    std::map<std::string, int64_t> out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(*record.summary_json).get(doc) == simdjson::SUCCESS) {
      simdjson::dom::object changes;
      if (doc["summaryEvent"]["resourceChanges"].get_object().get(changes) == simdjson::SUCCESS) {
        for (auto [key, value] : changes) {
          int64_t count = 0;
          if (value.get_int64().get(count) == simdjson::SUCCESS) out[std::string(key)] = count;
        }
        return out;
      }
    }
  }
  return record.op_counts;
}

std::string MakeContinuationToken(int64_t next_sequence) { return std::to_string(next_sequence); }

Result<int64_t> ParseContinuationToken(std::string_view token) {
  auto value = ParseInt<int64_t>(token);
  if (!value || token.size() > 18 || token.front() == '-') {
    return Fail(Invalid("Invalid continuation token."));
  }
  return *value;
}

}  // namespace statehouse::engine_events
