//! The one place SQL is sent. Queries are written with `?` placeholders; PostgreSQL gets `$1, $2, …`.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TryGetable, Value};

use crate::{Result, StoreError};

#[derive(Clone, Copy, Debug)]
pub struct Sql {
    backend: DbBackend,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Sql { backend }
    }

    pub fn of<C: ConnectionTrait>(c: &C) -> Self {
        Sql::new(c.get_database_backend())
    }

    pub fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        let text = if self.backend == DbBackend::Postgres {
            number_placeholders(sql)
        } else {
            sql.to_string()
        };
        Statement::from_sql_and_values(self.backend, text, values)
    }

    pub async fn exec<C: ConnectionTrait>(
        &self,
        c: &C,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<u64> {
        Ok(c.execute_raw(self.statement(sql, values))
            .await?
            .rows_affected())
    }

    pub async fn one<C: ConnectionTrait>(
        &self,
        c: &C,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Option<QueryResult>> {
        Ok(c.query_one_raw(self.statement(sql, values)).await?)
    }

    pub async fn all<C: ConnectionTrait>(
        &self,
        c: &C,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<QueryResult>> {
        Ok(c.query_all_raw(self.statement(sql, values)).await?)
    }

    /// A single integer (COUNT, MAX, …); NULL reads as 0.
    pub async fn scalar<C: ConnectionTrait>(
        &self,
        c: &C,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<i64> {
        match self.one(c, sql, values).await? {
            Some(r) => Ok(r.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0)),
            None => Ok(0),
        }
    }
}

/// Rewrites `?` to `$n`. Our SQL never has `?` inside string literals; quoted text is skipped anyway.
fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_quote = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                in_quote = !in_quote;
                out.push(ch);
            }
            '?' if !in_quote => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(ch),
        }
    }
    out
}

pub fn get<T: TryGetable>(row: &QueryResult, col: &str) -> Result<T> {
    row.try_get::<T>("", col).map_err(StoreError::from)
}

/// Builds `Vec<Value>` from mixed arguments.
#[macro_export]
macro_rules! vals {
    () => { Vec::<sea_orm::Value>::new() };
    ($($v:expr),+ $(,)?) => { vec![$(sea_orm::Value::from($v)),+] };
}

/// `1` or `0`: flags are integers so that one schema serves both backends.
pub fn flag(b: bool) -> i32 {
    i32::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            number_placeholders("a = ? AND b = '?' AND c = ?"),
            "a = $1 AND b = '?' AND c = $2"
        );
    }
}
