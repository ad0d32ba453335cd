// sql.h — one statement on either backend, for the read queries both share (queries.cpp,
// programme_store.cpp): the SQL is written once, in the dialect both accept, with SQLite's
// placeholders (?N, or ? numbered in order); the PostgreSQL backend turns them into $N.
// Integer and text columns only (0/1 flags are integers on both backends, docs/store.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace collector {

class SqlQuery {
 public:
  virtual ~SqlQuery() = default;
  virtual bool ok() const = 0;  // prepared
  virtual SqlQuery& reset() = 0;  // before binding anew (and running again)
  virtual SqlQuery& bind(int index, int64_t value) = 0;
  virtual SqlQuery& bind(int index, const std::string& value) = 0;
  virtual SqlQuery& bind_null(int index) = 0;
  // The next row → true; no more → false with done(); an error → false with failed().
  virtual bool step() = 0;
  virtual bool done() const = 0;
  virtual bool failed() const = 0;
  virtual int64_t int_col(int index) const = 0;
  virtual std::string text_col(int index) const = 0;
  virtual bool is_null(int index) const = 0;
  // The column's text, valid until the next step(); nullptr for NULL.
  virtual const char* text_ptr(int index, int& length) const = 0;
};

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  virtual std::unique_ptr<SqlQuery> prepare(const std::string& sql) = 0;
  virtual std::string last_error() const = 0;
};

}  // namespace collector
