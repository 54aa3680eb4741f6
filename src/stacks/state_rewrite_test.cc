// RewriteMovedState: what rename and transfer do to the stored state.

#include "stacks/state_rewrite.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>

namespace statehouse::stacks {
namespace {

const StackAddress kFrom{"acme", "proj", "dev"};

TEST(RewriteMovedStateTest, RenameMovesEveryUrnAndTheRootStackName) {
  const std::string text =
      R"({"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:00:00Z"},"resources":[)"
      R"({"urn":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev","type":"pulumi:pulumi:Stack"},)"
      R"({"urn":"urn:pulumi:dev::proj::pulumi:providers:aws::default","custom":true},)"
      R"({"urn":"urn:pulumi:dev::proj::a:b:C::x","parent":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev",)"
      R"("provider":"urn:pulumi:dev::proj::pulumi:providers:aws::default::0a1b",)"
      R"("dependencies":["urn:pulumi:dev::proj::a:b:C::y"],)"
      R"("propertyDependencies":{"p":["urn:pulumi:dev::proj::a:b:C::y"]},)"
      R"("outputs":{"ref":"urn:pulumi:dev::proj::a:b:C::y","other":"urn:pulumi:dev::other::k::v",)"
      R"("json":"{\"u\":\"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev\"}"}}],)"
      R"("pending_operations":[{"resource":{"urn":"urn:pulumi:dev::proj::a:b:C::z"},"type":"creating"}]}})";
  const std::string out = RewriteMovedState(text, kFrom, {"acme", "proj2", "prod"});
  EXPECT_EQ(
      out,
      R"({"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:00:00Z"},"resources":[)"
      R"({"urn":"urn:pulumi:prod::proj2::pulumi:pulumi:Stack::proj2-prod","type":"pulumi:pulumi:Stack"},)"
      R"({"urn":"urn:pulumi:prod::proj2::pulumi:providers:aws::default","custom":true},)"
      R"({"urn":"urn:pulumi:prod::proj2::a:b:C::x","parent":"urn:pulumi:prod::proj2::pulumi:pulumi:Stack::proj2-prod",)"
      R"("provider":"urn:pulumi:prod::proj2::pulumi:providers:aws::default::0a1b",)"
      R"("dependencies":["urn:pulumi:prod::proj2::a:b:C::y"],)"
      R"("propertyDependencies":{"p":["urn:pulumi:prod::proj2::a:b:C::y"]},)"
      R"("outputs":{"ref":"urn:pulumi:prod::proj2::a:b:C::y","other":"urn:pulumi:dev::other::k::v",)"
      R"("json":"{\"u\":\"urn:pulumi:prod::proj2::pulumi:pulumi:Stack::proj2-prod\"}"}}],)"
      R"("pending_operations":[{"resource":{"urn":"urn:pulumi:prod::proj2::a:b:C::z"},"type":"creating"}]}})");
}

TEST(RewriteMovedStateTest, RootStackIsRenamedWhateverItsOldName) {
  // The CLI's edit.RenameStack names the root "<project>-<stack>" regardless.
  EXPECT_EQ(RewriteMovedState(R"(["urn:pulumi:dev::proj::pulumi:pulumi:Stack::legacy"])", kFrom,
                              {"acme", "proj", "prod"}),
            R"(["urn:pulumi:prod::proj::pulumi:pulumi:Stack::proj-prod"])");
  // A type that only starts like the root's is not the root.
  EXPECT_EQ(RewriteMovedState(R"(["urn:pulumi:dev::proj::pulumi:pulumi:StackX::n"])", kFrom,
                              {"acme", "proj", "prod"}),
            R"(["urn:pulumi:prod::proj::pulumi:pulumi:StackX::n"])");
}

TEST(RewriteMovedStateTest, ServiceSecretsProviderFollowsTheStack) {
  const std::string text =
      R"({"version":3,"deployment":{"manifest":{"time":"t"},)"
      R"("secrets_providers":{"type":"service","state":{"url":"https://x","owner":"acme",)"
      R"("project":"proj","stack":"dev","insecure":true}},"metadata":{},"resources":[{"urn":"u",)"
      R"("outputs":{"owner":"acme","project":"proj","stack":"dev"}}]}})";
  // Transfer: only the owner changes; URNs carry no organization.
  EXPECT_EQ(RewriteMovedState(text, kFrom, {"globex", "proj", "dev"}),
            R"({"version":3,"deployment":{"manifest":{"time":"t"},)"
            R"("secrets_providers":{"type":"service","state":{"url":"https://x","owner":"globex",)"
            R"("project":"proj","stack":"dev","insecure":true}},"metadata":{},"resources":[{"urn":"u",)"
            R"("outputs":{"owner":"acme","project":"proj","stack":"dev"}}]}})");
  // Rename, with whitespace the scanner must walk over.
  const std::string spaced =
      "{ \"version\" : 3 , \"deployment\" : { \"manifest\" : {\"a\":[1,{\"b\":\"}\"}]} ,\n"
      " \"secrets_providers\" : {\"type\":\"service\",\"state\":{\"owner\":\"acme\"}} } }";
  EXPECT_EQ(RewriteMovedState(spaced, kFrom, {"acme", "proj2", "prod"}),
            "{ \"version\" : 3 , \"deployment\" : { \"manifest\" : {\"a\":[1,{\"b\":\"}\"}]} ,\n"
            " \"secrets_providers\" : {\"type\":\"service\",\"state\":{\"owner\":\"acme\","
            "\"project\":\"proj2\",\"stack\":\"prod\"}} } }");
}

TEST(RewriteMovedStateTest, LeavesOtherProvidersAndOddTextsAlone) {
  for (const std::string& text : {
           std::string(R"({"version":3,"deployment":{"secrets_providers":{"type":"passphrase",)"
                       R"("state":{"salt":"v1:abc"}}}})"),
           std::string(R"({"version":3,"deployment":{"manifest":{}}})"),
           std::string(R"({"version":3,"deployment":{"secrets_providers":null}})"),
           std::string(R"({"version":3,"deployment":{"secrets_providers":{"type":"service"}}})"),
           // A "secrets_providers" that is not deployment's own member.
           std::string(R"({"version":3,"deployment":{"resources":[{"secrets_providers":)"
                       R"({"type":"service","state":{"owner":"acme"}}}]}})"),
           std::string(R"({"version":3,"deployment":{"secrets_providers":{"type":"service",)"),
           std::string("not json"),
           std::string(),
       }) {
    EXPECT_EQ(RewriteMovedState(text, kFrom, {"globex", "proj", "dev"}), text);
  }
}

TEST(RewriteMovedStateTest, LargeStateIsRewrittenInOnePass) {
  // About 25 MB: 50,000 resources of ~500 bytes, each with three URNs.
  std::string text =
      R"({"version":3,"deployment":{"manifest":{"time":"t"},"secrets_providers":)"
      R"({"type":"service","state":{"owner":"acme","project":"proj","stack":"dev"}},"resources":[)";
  const std::string pad(380, 'x');
  for (int i = 0; i < 50000; ++i) {
    if (i > 0) text += ',';
    text += R"({"urn":"urn:pulumi:dev::proj::a:b:C::r)" + std::to_string(i) +
            R"(","parent":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev","dependencies":[)"
            R"("urn:pulumi:dev::proj::a:b:C::r0"],"outputs":{"p":")" + pad + R"("}})";
  }
  text += "]}}";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = RewriteMovedState(text, kFrom, {"acme", "proj", "prod"});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::cout << "rewrote " << text.size() << " bytes in " << ms << " ms\n";
  size_t moved = 0;
  for (size_t at = out.find("urn:pulumi:prod::proj::"); at != std::string::npos;
       at = out.find("urn:pulumi:prod::proj::", at + 1)) {
    ++moved;
  }
  EXPECT_EQ(moved, 150000u);
  EXPECT_EQ(out.find("urn:pulumi:dev::"), std::string::npos);
  // "prod" is one byte longer than "dev": three URNs and the root name per
  // resource, and the provider.
  EXPECT_EQ(out.size(), text.size() + 50000 * 4 + 1);
  EXPECT_NE(out.find(R"("owner":"acme","project":"proj","stack":"prod")"), std::string::npos);
}

}  // namespace
}  // namespace statehouse::stacks
