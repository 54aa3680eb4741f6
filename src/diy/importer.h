#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "storage/store.h"

namespace statehouse::diy {

struct ImportOptions {
  std::filesystem::path from;  // the DIY backend's directory (or its .pulumi/)
  std::string org;             // the organization the stacks go to
  std::string user;            // login recorded as creator and as every update's requester
  // Legacy layout only: the project of a stack whose state names none (no
  // resources). Such stacks are skipped when this is empty.
  std::string default_project;
  bool dry_run = false;
};

// What happened to one stack.
struct StackOutcome {
  std::string project;
  std::string name;
  enum class Result { kImported, kWouldImport, kExists, kSkipped } result = Result::kSkipped;
  int64_t versions = 0;   // versions in history (to be) created
  int64_t resources = 0;  // in the current state
  std::string reason;     // kSkipped: why
};

struct ImportSummary {
  std::vector<StackOutcome> stacks;
  int64_t imported = 0, existing = 0, skipped = 0, versions = 0;
  // One line per stack, then the totals.
  std::string Render(const std::string& org, bool dry_run) const;
};

// `statehouse import-diy`: creates every stack of a Pulumi DIY backend in
// `options.org` with its whole history. Each history record becomes a
// version, oldest first (kind, result, message, environment, config, start
// and end times as recorded; its checkpoint file's state byte for byte as that
// version's state). When the stack file's state differs from the last
// record's checkpoint (e.g. after `pulumi stack import` on the DIY backend),
// one more "import" version makes it the current state, so the imported
// stack's export always equals the DIY stack's state. Previews are not kept
// in DIY history and so are not imported. States are not decrypted or
// re-encrypted: passphrase and cloud-KMS secrets providers stay as they are.
//
// A stack is imported in one transaction (all of it or nothing); a stack
// that already exists in the org is left alone, so re-running is safe. Stack
// tags come from ".pulumi-tags" files plus "pulumi:project". kNotFound when
// the org, the user or the directory is missing. A stack whose files cannot be
// read is reported as skipped with the reason and does not stop the others.
class Importer {
 public:
  Importer(storage::Store& store, Clock& clock, Random& random)
      : store_(store), clock_(clock), random_(random) {}
  Result<ImportSummary> Import(const ImportOptions& options);

 private:
  storage::Store& store_;
  Clock& clock_;
  Random& random_;
};

}  // namespace statehouse::diy
