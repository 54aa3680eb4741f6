#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

class TagsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = std::make_unique<HttpClient>(AdminClient());
    project_ = UniqueName("tag-proj");
    path_ = StackPath("admin", project_, "dev");
    ASSERT_EQ(CreateStack(*admin_, "admin", project_, "dev").status, 200);
  }

  json::object Tags() {
    HttpResponse r = admin_->Get(path_);
    EXPECT_EQ(r.status, 200) << r;
    json::value stack = ParseJson(r.body);
    const json::object* tags = FindObject(stack, "tags");
    return tags != nullptr ? *tags : json::object{};
  }

  json::object BaseTags() const {
    return {{"pulumi:project", project_}, {"pulumi:runtime", "nodejs"}};
  }

  std::unique_ptr<HttpClient> admin_;
  std::string project_;
  std::string path_;
};

TEST_F(TagsTest, PatchReplacesTheWholeMap) {
  json::object first = BaseTags();
  first["owner"] = "alice";
  first["team"] = "blue";
  first["vcs:repo"] = "acme/infra";
  HttpResponse r = admin_->Patch(path_ + "/tags", Json(first));
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_EQ(Tags(), first);

  json::object second = BaseTags();
  second["team"] = "red";
  r = admin_->Patch(path_ + "/tags", Json(second));
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_EQ(Tags(), second);
}

TEST_F(TagsTest, PatchRejectsInvalidNamesAndValues) {
  json::object before = Tags();
  const std::string long_name(41, 'n');
  for (const std::string& name :
       {std::string("bad name!"), long_name, std::string(""), std::string("a/b")}) {
    SCOPED_TRACE("name '" + name + "'");
    json::object tags = BaseTags();
    tags[name] = "v";
    ExpectJsonError(admin_->Patch(path_ + "/tags", Json(tags)), 400);
  }
  json::object too_long = BaseTags();
  too_long["owner"] = std::string(257, 'v');
  ExpectJsonError(admin_->Patch(path_ + "/tags", Json(too_long)), 400);
  EXPECT_EQ(Tags(), before);

  json::object limits = BaseTags();
  limits[std::string(40, 'n')] = std::string(256, 'v');
  limits["a-b_c.d:e"] = "x";
  EXPECT_EQ(admin_->Patch(path_ + "/tags", Json(limits)).status, 204);
  EXPECT_EQ(Tags(), limits);
}

TEST_F(TagsTest, PatchCannotChangeTheProjectTag) {
  json::object tags = BaseTags();
  tags["pulumi:project"] = "someotherproject";
  ExpectJsonError(admin_->Patch(path_ + "/tags", Json(tags)), 400);
  EXPECT_EQ(GetString(json::value(Tags()), "pulumi:project"), project_);
}

TEST_F(TagsTest, PatchRequiresAnObjectOfStrings) {
  ExpectJsonError(admin_->Patch(path_ + "/tags", "[]"), 400);
  ExpectJsonError(admin_->Patch(path_ + "/tags", R"({"owner":5})"), 400);
  ExpectJsonError(admin_->Patch(path_ + "/tags", "{"), 400);
}

TEST_F(TagsTest, AddTagIsCreateOnly) {
  HttpResponse r = admin_->Post(path_ + "/tags", R"({"name":"owner","value":"alice"})");
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_EQ(GetString(json::value(Tags()), "owner"), "alice");

  ExpectJsonError(admin_->Post(path_ + "/tags", R"({"name":"owner","value":"bob"})"), 400);
  EXPECT_EQ(GetString(json::value(Tags()), "owner"), "alice");
  ExpectJsonError(admin_->Post(path_ + "/tags", R"({"name":"pulumi:runtime","value":"go"})"), 400);
  ExpectJsonError(admin_->Post(path_ + "/tags", R"({"name":"vcs:owner","value":"acme"})"), 400);
  ExpectJsonError(admin_->Post(path_ + "/tags", R"({"name":"bad name!","value":"x"})"), 400);
  ExpectJsonError(
      admin_->Post(path_ + "/tags", Json({{"name", "big"}, {"value", std::string(257, 'v')}})),
      400);
}

TEST_F(TagsTest, UpdateSingleTag) {
  ASSERT_EQ(admin_->Post(path_ + "/tags", R"({"name":"owner","value":"alice"})").status, 204);
  HttpResponse r = admin_->Patch(path_ + "/tags/owner", R"({"name":"owner","value":"bob"})");
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_EQ(GetString(json::value(Tags()), "owner"), "bob");

  ExpectJsonError(admin_->Patch(path_ + "/tags/missing", R"({"name":"missing","value":"x"})"), 404);
  ExpectJsonError(admin_->Patch(path_ + "/tags/vcs:repo", R"({"name":"vcs:repo","value":"x"})"),
                  400);
  ExpectJsonError(
      admin_->Patch(path_ + "/tags/pulumi:runtime", R"({"name":"pulumi:runtime","value":"go"})"),
      400);
  EXPECT_EQ(GetString(json::value(Tags()), "pulumi:runtime"), "nodejs");
}

TEST_F(TagsTest, DeleteSingleTag) {
  ASSERT_EQ(admin_->Post(path_ + "/tags", R"({"name":"owner","value":"alice"})").status, 204);
  HttpResponse r = admin_->Delete(path_ + "/tags/owner");
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_FALSE(Tags().contains("owner"));
  ExpectJsonError(admin_->Delete(path_ + "/tags/owner"), 404);
  ExpectJsonError(admin_->Delete(path_ + "/tags/pulumi:runtime"), 400);
  EXPECT_EQ(GetString(json::value(Tags()), "pulumi:runtime"), "nodejs");
}

TEST_F(TagsTest, TagsOfUnknownStackAre404) {
  std::string ghost = StackPath("admin", project_, "ghost");
  ExpectJsonError(admin_->Patch(ghost + "/tags", Json(BaseTags())), 404);
  ExpectJsonError(admin_->Post(ghost + "/tags", R"({"name":"owner","value":"alice"})"), 404);
  ExpectJsonError(admin_->Patch(ghost + "/tags/owner", R"({"name":"owner","value":"x"})"), 404);
  ExpectJsonError(admin_->Delete(ghost + "/tags/owner"), 404);
}

TEST_F(TagsTest, ValuesRoundTripExactly) {
  json::object tags = BaseTags();
  tags["unicode"] = "caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x9a\x80";
  tags["quotes"] = "a\"b\\c\nd\te/f";
  tags["html"] = "<script>&amp;</script>";
  tags["control"] = std::string("x\x01y\x1fz");
  ASSERT_EQ(admin_->Patch(path_ + "/tags", Json(tags)).status, 204);
  EXPECT_EQ(Tags(), tags);
}

TEST_F(TagsTest, ValueLimitCountsBytes) {
  std::string e_acute = "\xc3\xa9";
  std::string at_limit;
  for (int i = 0; i < 128; ++i) at_limit += e_acute;
  json::object tags = BaseTags();
  tags["accents"] = at_limit;
  EXPECT_EQ(admin_->Patch(path_ + "/tags", Json(tags)).status, 204);
  tags["accents"] = at_limit + e_acute;
  ExpectJsonError(admin_->Patch(path_ + "/tags", Json(tags)), 400);
  ExpectJsonError(
      admin_->Post(path_ + "/tags", Json({{"name", "more"}, {"value", at_limit + e_acute}})), 400);
}

}  // namespace
}  // namespace statehouse::testing
