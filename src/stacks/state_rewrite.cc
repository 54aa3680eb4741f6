#include "stacks/state_rewrite.h"

#include <string.h>

#include <optional>

#include <boost/json.hpp>

namespace statehouse::stacks {

namespace {

constexpr size_t kNpos = std::string_view::npos;
constexpr std::string_view kRootType = "pulumi:pulumi:Stack::";

// A minimal scanner over JSON text that was validated when it was stored: it
// walks the members of an object and skips values without building
// anything, so finding deployment.secrets_providers costs no allocation.
// Every function answers kNpos on text it cannot follow.

size_t SkipWs(std::string_view t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
  return i;
}

// `i` at the opening quote; returns the index after the closing one.
size_t SkipString(std::string_view t, size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return kNpos;
}

// `i` at the first byte of a value; returns the index after it.
size_t SkipValue(std::string_view t, size_t i) {
  if (i >= t.size()) return kNpos;
  if (t[i] == '"') return SkipString(t, i);
  if (t[i] == '{' || t[i] == '[') {
    size_t depth = 0;
    while (i < t.size()) {
      const char c = t[i];
      if (c == '"') {
        i = SkipString(t, i);
        if (i == kNpos) return kNpos;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return kNpos;
  }
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' &&
         t[i] != '\n' && t[i] != '\r' && t[i] != '\t') {
    ++i;
  }
  return i;
}

struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// The value of member `key` of the object starting at `at` ('{'); nullopt when
// absent or when the text cannot be followed. Keys are compared as written
// (the keys looked for have no escapes).
std::optional<Span> FindMember(std::string_view t, size_t at, std::string_view key) {
  if (at >= t.size() || t[at] != '{') return std::nullopt;
  size_t i = SkipWs(t, at + 1);
  if (i < t.size() && t[i] == '}') return std::nullopt;
  while (i < t.size() && t[i] == '"') {
    const size_t key_end = SkipString(t, i);
    if (key_end == kNpos) return std::nullopt;
    const std::string_view name = t.substr(i + 1, key_end - i - 2);
    i = SkipWs(t, key_end);
    if (i >= t.size() || t[i] != ':') return std::nullopt;
    const size_t value = SkipWs(t, i + 1);
    const size_t value_end = SkipValue(t, value);
    if (value_end == kNpos) return std::nullopt;
    if (name == key) return Span{value, value_end};
    i = SkipWs(t, value_end);
    if (i >= t.size() || t[i] != ',') return std::nullopt;
    i = SkipWs(t, i + 1);
  }
  return std::nullopt;
}

// The span of deployment.secrets_providers when it is an object.
std::optional<Span> FindSecretsProvider(std::string_view t) {
  const size_t start = SkipWs(t, 0);
  auto deployment = FindMember(t, start, "deployment");
  if (!deployment) return std::nullopt;
  auto provider = FindMember(t, deployment->begin, "secrets_providers");
  if (!provider || t[provider->begin] != '{') return std::nullopt;
  return provider;
}

// The provider object retargeted at `to`, or nullopt when it is not a
// "service" provider with a state object.
std::optional<std::string> RetargetProvider(std::string_view provider, const StackAddress& to) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(provider, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const boost::json::value* type = value.as_object().if_contains("type");
  boost::json::value* state = value.as_object().if_contains("state");
  if (type == nullptr || !type->is_string() || type->as_string() != "service" ||
      state == nullptr || !state->is_object()) {
    return std::nullopt;
  }
  boost::json::object& fields = state->as_object();
  fields["owner"] = to.owner;
  fields["project"] = to.project;
  fields["stack"] = to.stack;
  return boost::json::serialize(value);
}

// Appends t[begin, end) to `out` with every URN of `from` moved to `to`.
void AppendRewrittenUrns(std::string& out, std::string_view t, size_t begin, size_t end,
                         const std::string& from_prefix, const std::string& to_prefix,
                         const std::string& root_name) {
  size_t pos = begin;
  while (pos < end) {
    // memmem: glibc's two-way search, linear in the text.
    const void* found =
        memmem(t.data() + pos, end - pos, from_prefix.data(), from_prefix.size());
    if (found == nullptr) break;
    const size_t hit = static_cast<size_t>(static_cast<const char*>(found) - t.data());
    out.append(t.substr(pos, hit - pos));
    out.append(to_prefix);
    pos = hit + from_prefix.size();
    if (t.substr(pos, end - pos).starts_with(kRootType)) {
      out.append(kRootType);
      out.append(root_name);
      pos += kRootType.size();
      while (pos < end && t[pos] != '"' && t[pos] != '\\') ++pos;
    }
  }
  out.append(t.substr(pos, end - pos));
}

}  // namespace

std::string RewriteMovedState(std::string_view text, const StackAddress& from,
                              const StackAddress& to) {
  const bool urns_move = from.project != to.project || from.stack != to.stack;
  const std::string from_prefix =
      "urn:pulumi:" + std::string(from.stack) + "::" + std::string(from.project) + "::";
  const std::string to_prefix =
      "urn:pulumi:" + std::string(to.stack) + "::" + std::string(to.project) + "::";
  const std::string root_name = std::string(to.project) + "-" + std::string(to.stack);

  std::optional<Span> provider = FindSecretsProvider(text);
  std::optional<std::string> retargeted;
  if (provider) {
    retargeted = RetargetProvider(text.substr(provider->begin, provider->end - provider->begin), to);
  }
  if (!retargeted) provider.reset();

  std::string out;
  out.reserve(text.size() + (retargeted ? retargeted->size() : 0) + 64);
  auto copy = [&](size_t begin, size_t end) {
    if (urns_move) {
      AppendRewrittenUrns(out, text, begin, end, from_prefix, to_prefix, root_name);
    } else {
      out.append(text.substr(begin, end - begin));
    }
  };
  if (provider) {
    copy(0, provider->begin);
    out.append(*retargeted);
    copy(provider->end, text.size());
  } else {
    copy(0, text.size());
  }
  return out;
}

}  // namespace statehouse::stacks
