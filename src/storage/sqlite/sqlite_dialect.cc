#include "storage/sqlite/sqlite_dialect.h"

#include <cctype>
#include <utility>

namespace statehouse::storage::sqlite {
namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool StartsWordAt(std::string_view sql, size_t i, std::string_view word) {
  if (sql.substr(i, word.size()) != word) return false;
  if (i > 0 && IsWordChar(sql[i - 1])) return false;
  const size_t end = i + word.size();
  return end >= sql.size() || !IsWordChar(sql[end]);
}

// The index just past the ')' closing the '(' at `open`, or npos.
size_t MatchingParen(std::string_view sql, size_t open) {
  int depth = 0;
  bool quoted = false;
  for (size_t i = open; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quoted) {
      if (c == '\'') quoted = false;
    } else if (c == '\'') {
      quoted = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

bool IsSimpleOperand(std::string_view text) {
  for (char c : text) {
    if (!IsWordChar(c) && c != '.' && c != '$' && c != '?') return false;
  }
  return !text.empty();
}

}  // namespace

std::string TranslateForSqlite(std::string_view sql) {
  static constexpr std::string_view kFold = "sh_fold(";
  static constexpr std::string_view kLocks[] = {" FOR NO KEY UPDATE", " FOR UPDATE",
                                                 " FOR KEY SHARE", " FOR SHARE"};
  std::string out;
  out.reserve(sql.size());
  for (size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (c == '\'') {
      const size_t end = sql.find('\'', i + 1);
      const size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop;
      continue;
    }
    if (c == '$' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out += '?';
      ++i;
      continue;
    }
    if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      size_t j = i + 2;
      while (j < sql.size() && IsWordChar(sql[j])) ++j;
      if (sql.substr(j, 2) == "[]") j += 2;
      i = j;
      continue;
    }
    if (StartsWordAt(sql, i, "sh_fold") && sql.substr(i, kFold.size()) == kFold) {
      const size_t open = i + kFold.size() - 1;
      const size_t close = MatchingParen(sql, open);
      if (close != std::string_view::npos) {
        const std::string inner =
            TranslateForSqlite(sql.substr(open + 1, close - open - 2));
        if (IsSimpleOperand(inner)) {
          out += inner;
        } else {
          out += '(';
          out += inner;
          out += ')';
        }
        out += " COLLATE NOCASE";
        i = close;
        continue;
      }
    }
    if (StartsWordAt(sql, i, "GREATEST")) {
      out += "MAX";
      i += 8;
      continue;
    }
    if (StartsWordAt(sql, i, "LEAST")) {
      out += "MIN";
      i += 5;
      continue;
    }
    bool dropped = false;
    for (std::string_view lock : kLocks) {
      if (sql.substr(i, lock.size()) == lock &&
          (i + lock.size() >= sql.size() || !IsWordChar(sql[i + lock.size()]))) {
        i += lock.size();
        // The clause's table, if it names one.
        if (sql.substr(i, 4) == " OF ") {
          for (i += 4; i < sql.size() && IsWordChar(sql[i]);) ++i;
        }
        dropped = true;
        break;
      }
    }
    if (dropped) continue;
    out += c;
    ++i;
  }
  return out;
}

std::vector<std::string> SplitStatements(std::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  bool quoted = false;
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == ';' && !quoted) {
      statements.push_back(std::exchange(current, {}));
    } else {
      current += c;
    }
  }
  statements.push_back(std::move(current));
  std::erase_if(statements, [](const std::string& statement) {
    return statement.find_first_not_of(" \t\n") == std::string::npos;
  });
  return statements;
}

}  // namespace statehouse::storage::sqlite
