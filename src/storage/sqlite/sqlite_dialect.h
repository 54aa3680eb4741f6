#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace statehouse::storage::sqlite {

// Rewrites a statement written in the PostgreSQL dialect the stores use (see
// storage/engine/engine.h) into SQLite's: $N -> ?N; sh_fold(x) (ASCII case
// folding) -> x COLLATE NOCASE; `::type` and `::type[]` casts dropped;
// row-lock clauses (FOR [NO KEY] UPDATE, FOR [KEY] SHARE, each with an
// optional OF table) dropped, since SQLite's writers are serialized;
// GREATEST/LEAST -> MAX/MIN. Text inside '...' literals is copied unchanged.
std::string TranslateForSqlite(std::string_view sql);

// The statements of a script separated by ';' (outside '...' literals),
// without empty ones.
std::vector<std::string> SplitStatements(std::string_view sql);

}  // namespace statehouse::storage::sqlite
