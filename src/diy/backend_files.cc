#include "diy/backend_files.h"

#include <simdjson.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <tuple>
#include <charconv>
#include <fstream>
#include <sstream>

#include "common/names.h"
#include "http/gzip.h"

namespace statehouse::diy {

namespace fs = std::filesystem;
namespace bj = boost::json;

namespace {

constexpr size_t kMaxFileBytes = size_t{4} << 30;

bool EndsWith(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

// "<stem>.json", "<stem>.json.gz" → stem; else nullopt.
std::optional<std::string> JsonStem(const std::string& file_name) {
  for (std::string_view ext : {".json", ".json.gz"}) {
    if (EndsWith(file_name, ext) && file_name.size() > ext.size()) {
      return file_name.substr(0, file_name.size() - ext.size());
    }
  }
  return std::nullopt;
}

// 1 when meta.yaml says "version: 1" (or more), else 0.
int LayoutVersion(const fs::path& bookkeeping) {
  std::ifstream in(bookkeeping / "meta.yaml");
  std::string line;
  while (std::getline(in, line)) {
    std::string_view view(line);
    if (!view.starts_with("version:")) continue;
    view.remove_prefix(8);
    while (!view.empty() && view.front() == ' ') view.remove_prefix(1);
    int version = 0;
    std::from_chars(view.data(), view.data() + view.size(), version);
    return version;
  }
  return 0;
}

// Files "<name>-<ns>.history.json[.gz]" and their checkpoints, oldest first.
std::vector<HistoryFiles> ListHistory(const fs::path& dir, const std::string& name) {
  std::map<int64_t, HistoryFiles> by_time;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string file = entry.path().filename().string();
    if (!file.starts_with(name + "-")) continue;
    std::string_view rest = std::string_view(file).substr(name.size() + 1);
    int64_t ns = 0;
    auto [end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), ns);
    if (err != std::errc() || end == rest.data()) continue;
    std::string_view kind(end, rest.data() + rest.size() - end);
    HistoryFiles& files = by_time[ns];
    files.timestamp_ns = ns;
    if (kind == ".history.json" || kind == ".history.json.gz") {
      files.history = entry.path();
    } else if (kind == ".checkpoint.json" || kind == ".checkpoint.json.gz") {
      files.checkpoint = entry.path();
    }
  }
  std::vector<HistoryFiles> out;
  for (auto& [ns, files] : by_time) {
    if (!files.history.empty()) out.push_back(std::move(files));
  }
  return out;
}

void AddStacksIn(const fs::path& dir, const std::string& project, const fs::path& history_root,
                 std::vector<StackFiles>& out) {
  std::error_code ec;
  std::map<std::string, StackFiles> found;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string file = entry.path().filename().string();
    std::optional<std::string> stem = JsonStem(file);
    if (!stem || !names::IsValidStackName(*stem)) continue;
    StackFiles& stack = found[*stem];
    // Both a plain and a gzipped file: the newer one is current (as the CLI reads it).
    if (!stack.stack_file.empty() &&
        fs::last_write_time(stack.stack_file, ec) > fs::last_write_time(entry.path(), ec)) {
      continue;
    }
    stack.project = project;
    stack.name = *stem;
    stack.stack_file = entry.path();
  }
  for (auto& [name, stack] : found) {
    const fs::path tags = dir / (name + ".pulumi-tags");
    if (fs::is_regular_file(tags, ec)) stack.tags_file = tags;
    stack.history = ListHistory(
        project.empty() ? history_root / name : history_root / project / name, name);
    out.push_back(std::move(stack));
  }
}

}  // namespace

Result<std::vector<StackFiles>> ListStacks(const fs::path& root) {
  std::error_code ec;
  fs::path bookkeeping = root / ".pulumi";
  if (!fs::is_directory(bookkeeping / "stacks", ec)) bookkeeping = root;
  const fs::path stacks_dir = bookkeeping / "stacks";
  if (!fs::is_directory(stacks_dir, ec)) {
    return Fail(Error::NotFound(fmt::format(
        "{} is not a Pulumi DIY backend directory (no .pulumi/stacks folder)", root.string())));
  }
  const fs::path history_root = bookkeeping / "history";
  std::vector<StackFiles> out;
  if (LayoutVersion(bookkeeping) >= 1) {
    for (const fs::directory_entry& entry : fs::directory_iterator(stacks_dir, ec)) {
      const std::string project = entry.path().filename().string();
      if (entry.is_directory() && names::IsValidProjectName(project)) {
        AddStacksIn(entry.path(), project, history_root, out);
      }
    }
  } else {
    AddStacksIn(stacks_dir, "", history_root, out);
  }
  std::sort(out.begin(), out.end(), [](const StackFiles& a, const StackFiles& b) {
    return std::tie(a.project, a.name) < std::tie(b.project, b.name);
  });
  return out;
}

Result<std::string> ReadBackendFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::NotFound(fmt::format("cannot read {}", path.string())));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string bytes = std::move(buffer).str();
  if (bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0x28 &&
      static_cast<unsigned char>(bytes[1]) == 0xb5 && static_cast<unsigned char>(bytes[2]) == 0x2f &&
      static_cast<unsigned char>(bytes[3]) == 0xfd) {
    return Fail(Error::InvalidArgument(
        fmt::format("{} is zstd-compressed, which is not supported: decompress it first "
                    "(zstd -d) or re-save the stack without PULUMI_DIY_BACKEND_COMPRESSION",
                    path.string())));
  }
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
      static_cast<unsigned char>(bytes[1]) == 0x8b) {
    auto inflated = http::GzipInflate(bytes, kMaxFileBytes);
    if (!inflated) {
      return Fail(Error::InvalidArgument(
          fmt::format("{}: {}", path.string(), inflated.error().message)));
    }
    return std::move(*inflated);
  }
  return bytes;
}

Result<std::optional<std::string>> UntypedDeploymentOf(std::string_view text) {
  const auto invalid = [](std::string_view what) {
    return Fail(Error::InvalidArgument(fmt::format("not a Pulumi stack file: {}", what)));
  };
  simdjson::padded_string padded(text);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object top;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(top) != simdjson::SUCCESS) {
    return invalid("not a JSON object");
  }
  int64_t version = -1;
  std::string features;
  std::optional<std::string> latest;
  for (auto field : top) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return invalid("malformed JSON");
    simdjson::ondemand::value value;
    if (field.value().get(value) != simdjson::SUCCESS) return invalid("malformed JSON");
    if (key == "version") {
      if (value.get_int64().get(version) != simdjson::SUCCESS) return invalid("'version' is not an integer");
    } else if (key == "features") {
      simdjson::ondemand::array list;
      std::string_view raw;
      if (value.get_array().get(list) != simdjson::SUCCESS ||
          list.raw_json().get(raw) != simdjson::SUCCESS) {
        return invalid("'features' is not an array");
      }
      while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
      features = std::string(raw);
    } else if (key == "checkpoint") {
      simdjson::ondemand::object checkpoint;
      if (value.get_object().get(checkpoint) != simdjson::SUCCESS) {
        return invalid("'checkpoint' is not an object");
      }
      for (auto inner : checkpoint) {
        std::string_view inner_key;
        if (inner.unescaped_key().get(inner_key) != simdjson::SUCCESS) return invalid("malformed JSON");
        simdjson::ondemand::value inner_value;
        if (inner.value().get(inner_value) != simdjson::SUCCESS) return invalid("malformed JSON");
        if (inner_key != "latest") continue;  // skipped by the next iteration
        bool is_null = false;
        if (inner_value.is_null().get(is_null) == simdjson::SUCCESS && is_null) continue;
        simdjson::ondemand::object deployment;
        std::string_view raw;
        if (inner_value.get_object().get(deployment) != simdjson::SUCCESS ||
            deployment.raw_json().get(raw) != simdjson::SUCCESS) {
          return invalid("'checkpoint.latest' is not an object");
        }
        while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
        latest = std::string(raw);
      }
    }
  }
  if (version < 1) return invalid("no 'version'");
  if (!latest) return std::optional<std::string>();
  std::string out = fmt::format("{{\"version\":{}", version);
  if (!features.empty()) out += ",\"features\":" + features;
  out += ",\"deployment\":";
  out += *latest;
  out += '}';
  return std::optional<std::string>(std::move(out));
}

std::string ProjectOfDeployment(std::string_view untyped_deployment) {
  // The first "urn:pulumi:<stack>::<project>::" in the text.
  constexpr std::string_view kPrefix = "\"urn:pulumi:";
  size_t at = untyped_deployment.find(kPrefix);
  if (at == std::string_view::npos) return "";
  std::string_view rest = untyped_deployment.substr(at + kPrefix.size());
  size_t stack_end = rest.find("::");
  if (stack_end == std::string_view::npos) return "";
  rest.remove_prefix(stack_end + 2);
  size_t project_end = rest.find("::");
  if (project_end == std::string_view::npos) return "";
  return std::string(rest.substr(0, project_end));
}

Result<HistoryRecord> ParseHistoryRecord(std::string_view text) {
  bj::error_code ec;
  bj::value parsed = bj::parse(text, ec);
  if (ec || !parsed.is_object()) {
    return Fail(Error::InvalidArgument("not a Pulumi history record: not a JSON object"));
  }
  const bj::object& obj = parsed.as_object();
  HistoryRecord record;
  auto string_of = [&](std::string_view key) -> std::string {
    const bj::value* v = obj.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto int_of = [&](std::string_view key) -> int64_t {
    const bj::value* v = obj.if_contains(key);
    if (v == nullptr) return 0;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
    return 0;
  };
  record.kind = string_of("kind");
  record.message = string_of("message");
  record.result = string_of("result");
  record.start_time = int_of("startTime");
  record.end_time = int_of("endTime");
  if (record.kind.empty()) return Fail(Error::InvalidArgument("not a Pulumi history record: no 'kind'"));
  if (const bj::value* env = obj.if_contains("environment"); env != nullptr && env->is_object()) {
    bj::object strings;
    for (const auto& [key, value] : env->as_object()) {
      if (value.is_string()) strings[key] = value;
    }
    record.environment_json = bj::serialize(strings);
  }
  if (const bj::value* config = obj.if_contains("config"); config != nullptr && config->is_object()) {
    bj::object api;
    for (const auto& [key, value] : config->as_object()) {
      if (value.is_string()) {
        api[key] = bj::object{{"string", value}, {"secret", false}, {"object", false}};
      } else if (value.is_object() && value.as_object().size() == 1 &&
                 value.as_object().contains("secure") && value.as_object().at("secure").is_string()) {
        api[key] = bj::object{{"string", value.as_object().at("secure")}, {"secret", true}, {"object", false}};
      } else {
        api[key] = bj::object{{"string", bj::serialize(value)}, {"secret", false}, {"object", true}};
      }
    }
    record.config_json = bj::serialize(api);
  }
  return record;
}

Result<std::map<std::string, std::string>> ParseTagsFile(std::string_view text) {
  bj::error_code ec;
  bj::value parsed = bj::parse(text, ec);
  const bj::object* obj = !ec && parsed.is_object() ? &parsed.as_object() : nullptr;
  const bj::value* version = obj != nullptr ? obj->if_contains("version") : nullptr;
  if (version == nullptr || !version->is_int64() || version->as_int64() != 1) {
    return Fail(Error::InvalidArgument("not a version 1 stack tags file"));
  }
  std::map<std::string, std::string> tags;
  if (const bj::value* t = obj->if_contains("tags"); t != nullptr && t->is_object()) {
    for (const auto& [key, value] : t->as_object()) {
      if (value.is_string()) tags[std::string(key)] = std::string(value.as_string());
    }
  }
  return tags;
}

}  // namespace statehouse::diy
