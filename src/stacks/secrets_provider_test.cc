// RetargetServiceSecretsProvider (stack rename).

#include <gtest/gtest.h>

#include <string>

#include "stacks/service.h"

namespace statehouse::stacks {
namespace {

TEST(RetargetServiceSecretsProviderTest, RewritesOnlyTheServiceProviderState) {
  const std::string text =
      R"({"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:00:00Z"},)"
      R"("secrets_providers":{"type":"service","state":{"url":"https://x","owner":"o",)"
      R"("project":"proj","stack":"dev"}},"resources":[{"urn":"u","outputs":)"
      R"({"project":"proj","stack":"dev"}}]}})";
  EXPECT_EQ(RetargetServiceSecretsProvider(text, "prod", "proj2"),
            R"({"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:00:00Z"},)"
            R"("secrets_providers":{"type":"service","state":{"url":"https://x","owner":"o",)"
            R"("project":"proj2","stack":"prod"}},"resources":[{"urn":"u","outputs":)"
            R"({"project":"proj","stack":"dev"}}]}})");
}

TEST(RetargetServiceSecretsProviderTest, LeavesOtherProvidersAndOddTextsAlone) {
  for (const std::string& text : {
           std::string(R"({"version":3,"deployment":{"secrets_providers":{"type":"passphrase",)"
                       R"("state":{"salt":"v1:abc"}}}})"),
           std::string(R"({"version":3,"deployment":{"manifest":{}}})"),
           std::string(R"({"version":3,"deployment":{"secrets_providers":null}})"),
           std::string(R"({"version":3,"deployment":{"secrets_providers":{"type":"service"}}})"),
           std::string("not json"),
       }) {
    EXPECT_EQ(RetargetServiceSecretsProvider(text, "prod", "proj2"), text);
  }
}

}  // namespace
}  // namespace statehouse::stacks
