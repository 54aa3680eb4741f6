#include "deployment/delta.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace statehouse::deployment {

namespace {

Error Malformed(std::string_view what) {
  return Error::InvalidArgument(fmt::format("Invalid deploymentDelta: {}", what));
}

Result<size_t> ReadOffset(const simdjson::dom::element& span, std::string_view key) {
  int64_t offset = 0;
  if (span[key]["offset"].get_int64().get(offset) != simdjson::SUCCESS || offset < 0) {
    return Fail(Malformed(fmt::format("Span.{}.offset must be a non-negative integer", key)));
  }
  return static_cast<size_t>(offset);
}

}  // namespace

Result<std::vector<TextEdit>> ParseDeploymentDelta(std::string_view json_array) {
  simdjson::padded_string padded(json_array);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return Fail(Malformed("not JSON"));
  simdjson::dom::array array;
  if (doc.get_array().get(array) != simdjson::SUCCESS) return Fail(Malformed("expected an array"));
  std::vector<TextEdit> edits;
  edits.reserve(array.size());
  for (simdjson::dom::element element : array) {
    simdjson::dom::element span;
    if (!element.is_object() || element["Span"].get(span) != simdjson::SUCCESS ||
        !span.is_object()) {
      return Fail(Malformed("each edit needs a Span object"));
    }
    std::string_view text;
    if (element["NewText"].get_string().get(text) != simdjson::SUCCESS) {
      return Fail(Malformed("each edit needs a NewText string"));
    }
    TextEdit out;
    SH_ASSIGN_OR_RETURN(out.start, ReadOffset(span, "start"));
    SH_ASSIGN_OR_RETURN(out.end, ReadOffset(span, "end"));
    out.new_text.assign(text);
    edits.push_back(std::move(out));
  }
  return edits;
}

Result<std::string> ApplyTextEdits(std::string_view base, const std::vector<TextEdit>& edits) {
  size_t size = base.size();
  size_t cursor = 0;
  for (const TextEdit& e : edits) {
    if (e.start > e.end || e.end > base.size() || e.start < cursor) {
      return Fail(Malformed(fmt::format("edit [{}, {}) is out of order or outside the {} byte baseline",
                                        e.start, e.end, base.size())));
    }
    size = size - (e.end - e.start) + e.new_text.size();
    cursor = e.end;
  }
  std::string out;
  out.reserve(size + 64);  // room for the JSON validator's padding (json::kDeploymentPadding)
  cursor = 0;
  for (const TextEdit& e : edits) {
    out.append(base.substr(cursor, e.start - cursor));
    out.append(e.new_text);
    cursor = e.end;
  }
  out.append(base.substr(cursor));
  return out;
}

Result<std::string> AssembleCheckpoint(std::string base, std::vector<LoggedDelta> log) {
  std::sort(log.begin(), log.end(),
            [](const LoggedDelta& a, const LoggedDelta& b) { return a.ordinal < b.ordinal; });
  std::string text = std::move(base);
  for (const LoggedDelta& entry : log) {
    auto edits = ParseDeploymentDelta(entry.delta_json);
    if (!edits) {
      return Fail(
          Error::Internal(fmt::format("stored delta unreadable: {}", edits.error().message)));
    }
    auto applied = ApplyTextEdits(text, *edits);
    if (!applied) {
      return Fail(
          Error::Internal(fmt::format("stored delta does not apply: {}", applied.error().message)));
    }
    text = std::move(*applied);
  }
  return text;
}

}  // namespace statehouse::deployment
