#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// Reading a Pulumi DIY ("file") backend's directory, as the Pulumi CLI's
// pkg/backend/diy writes it:
//
//   .pulumi/meta.yaml                      "version: 1" = project layout; absent = legacy
//   .pulumi/stacks/<project>/<stack>.json  the stack file (project layout)
//   .pulumi/stacks/<stack>.json            the stack file (legacy layout)
//   .pulumi/stacks/…/<stack>.pulumi-tags   {"version":1,"tags":{…}} (optional)
//   .pulumi/history/<project>/<stack>/     (legacy: history/<stack>/)
//       <stack>-<unix ns>.history.json     one finished operation (backend.UpdateInfo)
//       <stack>-<unix ns>.checkpoint.json  the stack file as that operation left it
//
// Any of the JSON files may be gzipped (".gz", detected by content); ".zst"
// files are reported as unsupported. A stack file holds a VersionedCheckpoint
// {"version":N,"features"?:[…],"checkpoint":{"stack":…,"latest":Deployment|null}}.
namespace statehouse::diy {

struct HistoryFiles {
  int64_t timestamp_ns = 0;
  std::filesystem::path history;                    // …history.json[.gz]
  std::optional<std::filesystem::path> checkpoint;  // …checkpoint.json[.gz]
};

struct StackFiles {
  std::string project;  // "" in the legacy layout (read from the state's URNs)
  std::string name;
  std::filesystem::path stack_file;
  std::optional<std::filesystem::path> tags_file;
  std::vector<HistoryFiles> history;  // oldest first
};

// The stacks under `root`, which is a DIY backend's directory (the one
// holding ".pulumi/") or its ".pulumi/" folder itself, sorted by (project,
// name). kNotFound when `root` holds no ".pulumi/stacks" folder.
Result<std::vector<StackFiles>> ListStacks(const std::filesystem::path& root);

// A file's bytes, inflated when they are gzip. kInvalidArgument for zstd or
// a corrupt gzip stream; kNotFound when unreadable.
Result<std::string> ReadBackendFile(const std::filesystem::path& path);

// The UntypedDeployment the stack file `text` describes:
// {"version":N[,"features":[…]],"deployment":<latest, byte for byte>}, or
// nullopt when its "latest" is null or absent (a stack never updated).
// kInvalidArgument when `text` is not a VersionedCheckpoint.
Result<std::optional<std::string>> UntypedDeploymentOf(std::string_view stack_file_text);

// The project named by the first resource URN ("urn:pulumi:<stack>::<project>::…")
// of an UntypedDeployment text; "" when it has none.
std::string ProjectOfDeployment(std::string_view untyped_deployment);

// One operation's record (backend.UpdateInfo).
struct HistoryRecord {
  std::string kind;  // "update", "refresh", "destroy", "import", …
  int64_t start_time = 0;  // unix seconds
  int64_t end_time = 0;
  std::string message;
  std::string result;  // "succeeded", "failed", "in-progress"
  std::string environment_json = "{}";  // {"key":"value",…}
  // The config as the Pulumi Cloud API writes it: {"key":{"string":…,"secret":bool,"object":bool}}.
  std::string config_json = "{}";
};
Result<HistoryRecord> ParseHistoryRecord(std::string_view text);

// The tags of a ".pulumi-tags" file. kInvalidArgument unless version 1.
Result<std::map<std::string, std::string>> ParseTagsFile(std::string_view text);

}  // namespace statehouse::diy
