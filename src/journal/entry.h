#pragma once

// One JournalEntry (shared/spec/journaling.md §4): parsing and validation of
// what the CLI sends to PATCH …/update/{id}/journalentries. Parsing keeps the
// entry's exact bytes (`Entry::raw`, to be stored byte for byte) and turns the
// payloads replay needs into shared immutable documents (document.h), so that
// folding never parses again.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "journal/document.h"

namespace statehouse::journal {

enum class EntryKind : int64_t {
  kBegin = 0,
  kSuccess = 1,
  kFailure = 2,
  kRefreshSuccess = 3,
  kOutputs = 4,
  kWrite = 5,
  kSecretsManager = 6,
  kRebuiltBaseState = 7,
  kExtensionParameterize = 8,
  kSnippets = 9,
};

// The fields of an entry replay uses. Index/operation fields are unset when
// the key is absent or null; 0 is a real value (never test for truthiness).
struct EntryFields {
  int64_t version = 1;
  int64_t kind = 0;  // any integer: kinds replay does not know are ignored (§5.10)
  int64_t sequence_id = 0;
  int64_t operation_id = 0;
  std::optional<int64_t> remove_old;
  std::optional<int64_t> remove_new;
  std::optional<int64_t> pending_replacement_old;
  std::optional<int64_t> pending_replacement_new;
  std::optional<int64_t> delete_old;
  std::optional<int64_t> delete_new;
  bool is_refresh = false;
  bool requires_byte_string = false;
  std::shared_ptr<const Resource> state;         // `state`
  std::shared_ptr<const Operation> operation;    // `operation`
  std::optional<std::string> secrets_provider;   // raw `secretsProvider` object
  std::string snippets;                          // raw non-empty `snippets` array, else ""
  std::shared_ptr<const Snapshot> new_snapshot;  // `newSnapshot`
  std::optional<std::string> extension_ref;      // `extensionRef`
  std::optional<std::string> extension;          // raw `extension` value
};

// A parsed entry and its exact bytes.
struct Entry : EntryFields {
  std::string raw;
};

// Parses one JournalEntry object. kInvalidArgument (message names the entry's
// problem) when the text is not valid JSON or not an object; `version` is not
// 1; `kind`, `sequenceID` or `operationID` is missing or not an integer;
// `sequenceID` ≤ 0; an index field is neither null nor an integer; a payload
// field has the wrong JSON type (e.g. `state` not an object, `urn` not a
// string). Unknown keys are accepted (and kept in `raw`).
Result<Entry> ParseEntry(std::string_view json);

// Parses a request body {"entries":[JournalEntry, …]} (after gunzip). A
// missing or null `entries` is an empty batch. Any invalid entry fails the
// whole batch (kInvalidArgument "entry <i>: …"); duplicate sequence IDs inside
// the batch are kept (replay and storage keep the first).
Result<std::vector<Entry>> ParseBatch(std::string_view body);

}  // namespace statehouse::journal
