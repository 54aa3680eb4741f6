#include "journal/entry.h"

#include <gtest/gtest.h>

#include <string>

namespace statehouse::journal {
namespace {

TEST(JournalEntry, ParsesEveryField) {
  const std::string text =
      R"({"version":1,"kind":1,"sequenceID":7,"operationID":3,"removeOld":0,"removeNew":null,)"
      R"("pendingReplacementOld":4,"pendingReplacementNew":5,"deleteOld":6,"deleteNew":8,)"
      R"("state":{"urn":"urn:pulumi:dev::proj::a:b:C::x","custom":true,"id":"x-1","type":"a:b:C",)"
      R"("parent":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev","dependencies":["u1","u2"],)"
      R"("propertyDependencies":{"p":["u1"],"q":[]},"aliases":["old"],"delete":true,"taint":true,"replaceWith":["u2"]},)"
      R"("isRefresh":true,"requiresByteString":true,"unknownKey":{"kept":1}})";
  auto entry = ParseEntry(text);
  ASSERT_TRUE(entry.has_value()) << entry.error().message;
  EXPECT_EQ(entry->raw, text);
  EXPECT_EQ(entry->kind, 1);
  EXPECT_EQ(entry->sequence_id, 7);
  EXPECT_EQ(entry->operation_id, 3);
  EXPECT_EQ(entry->remove_old, 0);  // 0 is a real index
  EXPECT_FALSE(entry->remove_new.has_value());
  EXPECT_EQ(entry->pending_replacement_old, 4);
  EXPECT_EQ(entry->pending_replacement_new, 5);
  EXPECT_EQ(entry->delete_old, 6);
  EXPECT_EQ(entry->delete_new, 8);
  EXPECT_TRUE(entry->is_refresh);
  EXPECT_TRUE(entry->requires_byte_string);
  ASSERT_NE(entry->state, nullptr);
  const Resource& state = *entry->state;
  EXPECT_TRUE(state.del);
  EXPECT_TRUE(state.taint);
  EXPECT_TRUE(state.has_aliases);
  EXPECT_TRUE(state.has_replace_with);
  EXPECT_FALSE(state.has_view_of);
  const ResourceLinks r = Links(state);
  EXPECT_EQ(r.urn, "urn:pulumi:dev::proj::a:b:C::x");
  EXPECT_EQ(r.parent, "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev");
  EXPECT_EQ(r.dependencies, (std::vector<std::string>{"u1", "u2"}));
  ASSERT_EQ(r.property_dependencies.size(), 2u);
  EXPECT_EQ(r.property_dependencies[0].first, "p");
  EXPECT_EQ(r.aliases, std::vector<std::string>{"old"});
  EXPECT_EQ(r.replace_with, std::vector<std::string>{"u2"});
  // The state keeps its exact bytes.
  EXPECT_EQ(state.raw.substr(0, 20), R"({"urn":"urn:pulumi:d)");
  EXPECT_EQ(state.raw.back(), '}');
}

TEST(JournalEntry, ParsesPayloadKinds) {
  auto op = ParseEntry(
      R"({"version":1,"kind":0,"sequenceID":6,"operationID":3,"removeOld":null,"removeNew":null,"operation":{"resource":{"urn":"u","type":"t"},"type":"importing"}})");
  ASSERT_TRUE(op.has_value()) << op.error().message;
  ASSERT_NE(op->operation, nullptr);
  EXPECT_EQ(op->operation->type, "importing");
  auto resource = OperationResource(*op->operation);
  ASSERT_TRUE(resource.has_value());
  EXPECT_EQ(Links(**resource).urn, "u");

  auto secrets = ParseEntry(
      R"({"version":1,"kind":6,"sequenceID":1,"operationID":0,"removeOld":null,"removeNew":null,"secretsProvider":{"type":"passphrase","state":{"salt":"v1:abc"}}})");
  ASSERT_TRUE(secrets.has_value());
  EXPECT_EQ(*secrets->secrets_provider, R"({"type":"passphrase","state":{"salt":"v1:abc"}})");

  auto ext = ParseEntry(
      R"({"version":1,"kind":8,"sequenceID":5,"operationID":4,"removeOld":null,"removeNew":null,"extensionRef":"ref-1","extension":{"name":"myext","version":"1.0.0","value":"SGVsbG8="}})");
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(*ext->extension_ref, "ref-1");
  EXPECT_EQ(*ext->extension, R"({"name":"myext","version":"1.0.0","value":"SGVsbG8="})");

  auto snippets = ParseEntry(
      R"({"version":1,"kind":9,"sequenceID":3,"operationID":0,"removeOld":null,"removeNew":null,"snippets":[{"uuid":"5b0e","name":"logs"}]})");
  ASSERT_TRUE(snippets.has_value());
  EXPECT_EQ(snippets->snippets, R"([{"uuid":"5b0e","name":"logs"}])");
  auto no_snippets = ParseEntry(
      R"({"version":1,"kind":9,"sequenceID":3,"operationID":0,"removeOld":null,"removeNew":null,"snippets":[]})");
  ASSERT_TRUE(no_snippets.has_value());
  EXPECT_EQ(no_snippets->snippets, "");

  auto write = ParseEntry(
      R"({"version":1,"kind":5,"sequenceID":2,"operationID":0,"removeOld":null,"removeNew":null,"newSnapshot":{"manifest":{"time":"2019-01-01T00:00:00Z","magic":"","version":""},"secrets_providers":{"type":"passphrase","state":{"salt":"v1:abc"}},"resources":[{"urn":"a","type":"t"},{"urn":"b","type":"t"}],"metadata":{}}})");
  ASSERT_TRUE(write.has_value()) << write.error().message;
  ASSERT_NE(write->new_snapshot, nullptr);
  EXPECT_EQ(write->new_snapshot->resources.size(), 2u);
  EXPECT_EQ(Links(*write->new_snapshot->resources[1]).urn, "b");

  auto future_kind = ParseEntry(R"({"version":1,"kind":42,"sequenceID":3,"operationID":0,"removeOld":null,"removeNew":null})");
  ASSERT_TRUE(future_kind.has_value());
  EXPECT_EQ(future_kind->kind, 42);
}

TEST(JournalEntry, RejectsMalformedEntries) {
  const char* bad[] = {
      "",
      "not json",
      "[1,2]",
      R"({"version":1,"kind":0,"sequenceID":1,"operationID":0)",                        // truncated
      R"({"kind":0,"sequenceID":1,"operationID":0})",                                   // no version
      R"({"version":2,"kind":10,"sequenceID":1,"operationID":0})",                      // version 2
      R"({"version":1,"sequenceID":1,"operationID":0})",                                // no kind
      R"({"version":1,"kind":"begin","sequenceID":1,"operationID":0})",                 // kind not int
      R"({"version":1,"kind":0,"operationID":0})",                                      // no sequenceID
      R"({"version":1,"kind":0,"sequenceID":0,"operationID":0})",                       // sequenceID 0
      R"({"version":1,"kind":0,"sequenceID":-3,"operationID":0})",                      // negative
      R"({"version":1,"kind":0,"sequenceID":1.5,"operationID":0})",                     // not integer
      R"({"version":1,"kind":0,"sequenceID":1})",                                       // no operationID
      R"({"version":1,"kind":1,"sequenceID":1,"operationID":1,"removeOld":"2"})",       // index not int
      R"({"version":1,"kind":1,"sequenceID":1,"operationID":1,"state":[1]})",           // state not object
      R"({"version":1,"kind":1,"sequenceID":1,"operationID":1,"state":{"urn":5}})",     // urn not string
      R"({"version":1,"kind":1,"sequenceID":1,"operationID":1,"state":{"dependencies":"x"}})",
      R"({"version":1,"kind":1,"sequenceID":1,"operationID":1,"state":{"propertyDependencies":{"a":[1]}}})",
      R"({"version":1,"kind":0,"sequenceID":1,"operationID":1,"operation":"creating"})",
      R"({"version":1,"kind":0,"sequenceID":1,"operationID":1,"operation":{"resource":[],"type":"creating"}})",
      R"({"version":1,"kind":6,"sequenceID":1,"operationID":0,"secretsProvider":"service"})",
      R"({"version":1,"kind":5,"sequenceID":1,"operationID":0,"newSnapshot":{"resources":{}}})",
      R"({"version":1,"kind":9,"sequenceID":1,"operationID":0,"snippets":{}})",
      R"({"version":1,"kind":1,"sequenceID":1,"operationID":1,"isRefresh":"yes"})",
      "{\"version\":1,\"kind\":0,\"sequenceID\":1,\"operationID\":0,\"x\":\"\xff\xfe\"}",  // not UTF-8
  };
  for (const char* text : bad) {
    auto entry = ParseEntry(text);
    ASSERT_FALSE(entry.has_value()) << text;
    EXPECT_EQ(entry.error().code, ErrorCode::kInvalidArgument) << text;
    EXPECT_FALSE(entry.error().message.empty());
  }
}

TEST(JournalEntry, ParsesBatchesKeepingEachEntrysBytes) {
  const std::string e1 = R"({"version":1,"kind":6,"sequenceID":1,"operationID":0,"removeOld":null,"removeNew":null,"secretsProvider":{"type":"passphrase","state":{}}})";
  const std::string e2 = R"({"version":1,"kind":0,"sequenceID":2,"operationID":1,"removeOld":null,"removeNew":null})";
  auto batch = ParseBatch("{\"entries\":[" + e1 + " ,\n " + e2 + "]}");
  ASSERT_TRUE(batch.has_value()) << batch.error().message;
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].raw, e1);
  EXPECT_EQ((*batch)[1].raw, e2);
  EXPECT_EQ((*batch)[1].sequence_id, 2);

  auto empty = ParseBatch("{}");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  auto null_entries = ParseBatch(R"({"entries":null})");
  ASSERT_TRUE(null_entries.has_value());
  EXPECT_TRUE(null_entries->empty());

  for (const char* bad : {"", "[]", R"({"entries":{}})", R"({"entries":[1]})",
                          R"({"entries":[{"version":1,"kind":0,"sequenceID":1,"operationID":0},{"version":1}]})"}) {
    auto result = ParseBatch(bad);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  }
  auto second_bad = ParseBatch(R"({"entries":[{"version":1,"kind":0,"sequenceID":1,"operationID":0},{"version":1}]})");
  EXPECT_NE(second_bad.error().message.find("entry 1"), std::string::npos) << second_bad.error().message;
}

}  // namespace
}  // namespace statehouse::journal
