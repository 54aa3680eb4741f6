#include "storage/sqlite/sqlite_dialect.h"

#include <gtest/gtest.h>

namespace statehouse::storage::sqlite {
namespace {

TEST(SqliteDialectTest, RewritesPlaceholders) {
  EXPECT_EQ(TranslateForSqlite("SELECT a FROM t WHERE b = $1 AND c = $12"),
            "SELECT a FROM t WHERE b = ?1 AND c = ?12");
}

TEST(SqliteDialectTest, FoldsBecomeNocaseCollation) {
  EXPECT_EQ(TranslateForSqlite("WHERE sh_fold(o.name) = sh_fold($1) ORDER BY sh_fold(s.name)"),
            "WHERE o.name COLLATE NOCASE = ?1 COLLATE NOCASE ORDER BY s.name COLLATE NOCASE");
  EXPECT_EQ(TranslateForSqlite("sh_fold(a || b)"), "(a || b) COLLATE NOCASE");
}

TEST(SqliteDialectTest, DropsCastsAndRowLocks) {
  EXPECT_EQ(TranslateForSqlite("SELECT $1::text, NULL::bytea, x::text[] FROM t FOR NO KEY UPDATE"),
            "SELECT ?1, NULL, x FROM t");
  EXPECT_EQ(TranslateForSqlite("SELECT 1 FROM t WHERE id = $1 FOR UPDATE"),
            "SELECT 1 FROM t WHERE id = ?1");
  EXPECT_EQ(TranslateForSqlite("SELECT 1 FROM t WHERE id = $1 FOR KEY SHARE"),
            "SELECT 1 FROM t WHERE id = ?1");
  EXPECT_EQ(TranslateForSqlite("SELECT 1 FROM t JOIN o ON o.id = t.o FOR KEY SHARE OF t FOR SHARE"
                               " OF o ON CONFLICT DO NOTHING"),
            "SELECT 1 FROM t JOIN o ON o.id = t.o ON CONFLICT DO NOTHING");
}

TEST(SqliteDialectTest, MapsGreatestAndLeast) {
  EXPECT_EQ(TranslateForSqlite("SET v = GREATEST(v, $2), w = LEAST(w, 1), greatest_x = 1"),
            "SET v = MAX(v, ?2), w = MIN(w, 1), greatest_x = 1");
}

TEST(SqliteDialectTest, LeavesStringLiteralsAlone) {
  EXPECT_EQ(TranslateForSqlite("SELECT '$1::text sh_fold(x)' FROM t WHERE a = $1"),
            "SELECT '$1::text sh_fold(x)' FROM t WHERE a = ?1");
}

TEST(SqliteDialectTest, SplitsScriptsIntoStatements) {
  EXPECT_EQ(SplitStatements("UPDATE a SET x = ';'; DELETE FROM b ;  "),
            (std::vector<std::string>{"UPDATE a SET x = ';'", " DELETE FROM b "}));
  EXPECT_EQ(SplitStatements("SELECT 1"), (std::vector<std::string>{"SELECT 1"}));
}

}  // namespace
}  // namespace statehouse::storage::sqlite
