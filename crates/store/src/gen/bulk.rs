//! Multi-row INSERTs for the generator: rows are buffered per table and sent a few thousand values per
//! statement (well under both backends' parameter limits), tables flushed in the order given so that a
//! child row never reaches the database before its parent. Numbers shown to people are taken from the
//! same `counters` rows live code uses, a block at a time.

use sea_orm::{ConnectionTrait, Value};

use crate::{Result, Sql, vals};

/// Values one statement carries at most.
const MAX_VALUES: usize = 4000;

/// One table's pending rows.
pub(super) struct Rows {
    head: String,
    row: &'static str,
    per_row: usize,
    cap: usize,
    values: Vec<Value>,
    pending: usize,
    /// The statement for a full batch, built once so the backend's statement cache can reuse it.
    full_sql: Option<String>,
    pub written: u64,
}

impl Rows {
    /// `table` names the table and its columns (`"t (a, b, c)"`); `row` is one row's tuple, with `?` for
    /// each bound value and literals for constants (`"(?, ?, 1)"`).
    pub fn new(table: &str, row: &'static str) -> Rows {
        let per_row = row.matches('?').count().max(1);
        let cap = (MAX_VALUES / per_row).clamp(1, 1000);
        Rows {
            head: format!("INSERT INTO {table} VALUES "),
            row,
            per_row,
            cap,
            values: Vec::with_capacity(cap * per_row),
            pending: 0,
            full_sql: None,
            written: 0,
        }
    }

    pub fn push(&mut self, v: Vec<Value>) {
        debug_assert_eq!(v.len(), self.per_row, "{}", self.head);
        self.values.extend(v);
        self.pending += 1;
    }

    fn full(&self) -> bool {
        self.pending >= self.cap
    }

    fn sql_for(&self, n: usize) -> String {
        let mut s = String::with_capacity(self.head.len() + n * (self.row.len() + 2));
        s.push_str(&self.head);
        for i in 0..n {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(self.row);
        }
        s
    }

    async fn flush<C: ConnectionTrait>(&mut self, c: &C) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let sql = if self.pending == self.cap {
            if self.full_sql.is_none() {
                self.full_sql = Some(self.sql_for(self.cap));
            }
            self.full_sql.clone().unwrap_or_default()
        } else {
            self.sql_for(self.pending)
        };
        let values = std::mem::replace(
            &mut self.values,
            Vec::with_capacity(self.cap * self.per_row),
        );
        Sql::of(c).exec(c, &sql, values).await?;
        self.written += self.pending as u64;
        self.pending = 0;
        Ok(())
    }
}

/// Several tables written together, parents first.
pub(super) struct Tables {
    pub tables: Vec<Rows>,
}

impl Tables {
    pub fn new(tables: Vec<Rows>) -> Tables {
        Tables { tables }
    }

    pub fn push(&mut self, table: usize, v: Vec<Value>) {
        self.tables[table].push(v);
    }

    /// Writes everything once any table has a full batch; flushing all of them in order keeps every
    /// child after its parent.
    pub async fn maybe_flush<C: ConnectionTrait>(&mut self, c: &C) -> Result<()> {
        if self.tables.iter().any(Rows::full) {
            self.flush(c).await?;
        }
        Ok(())
    }

    pub async fn flush<C: ConnectionTrait>(&mut self, c: &C) -> Result<()> {
        for t in &mut self.tables {
            t.flush(c).await?;
        }
        Ok(())
    }

    pub fn written(&self, table: usize) -> u64 {
        self.tables[table].written + self.tables[table].pending as u64
    }
}

/// Takes `n` numbers of `{prefix}-{year}` at once and returns the first; the counter then stands at the
/// last one taken, so the next live number follows on without a collision.
pub(super) async fn reserve_numbers<C: ConnectionTrait>(
    c: &C,
    prefix: &str,
    year: i32,
    n: usize,
) -> Result<i64> {
    let sql = Sql::of(c);
    let name = format!("{prefix}-{year}");
    let n = n as i64;
    let row = sql
        .one(
            c,
            "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value",
            vals![n, name.as_str()],
        )
        .await?;
    match row {
        Some(r) => Ok(crate::db::get::<i64>(&r, "value")? - n + 1),
        None => {
            sql.exec(
                c,
                "INSERT INTO counters (name, value) VALUES (?, ?)",
                vals![name.as_str(), n],
            )
            .await?;
            Ok(1)
        }
    }
}

/// `ZG-2026-000123`, the way `tips::next_number` writes it.
pub(super) fn number(prefix: &str, year: i32, value: i64) -> String {
    format!("{prefix}-{year}-{value:06}")
}

/// Gives each item a number of `prefix` in the order of `at` (epoch ms), taking one block per year.
pub(super) async fn numbers_in_order<C: ConnectionTrait>(
    c: &C,
    prefix: &str,
    at: &[i64],
) -> Result<Vec<String>> {
    let mut order: Vec<usize> = (0..at.len()).collect();
    order.sort_by_key(|i| (at[*i], *i));
    let year_of = |ms: i64| -> i32 {
        use chrono::Datelike;
        crate::clues::local_date(ms).year()
    };
    let mut out = vec![String::new(); at.len()];
    let mut i = 0;
    while i < order.len() {
        let year = year_of(at[order[i]]);
        let mut j = i;
        while j < order.len() && year_of(at[order[j]]) == year {
            j += 1;
        }
        let first = reserve_numbers(c, prefix, year, j - i).await?;
        for (k, idx) in order[i..j].iter().enumerate() {
            out[*idx] = number(prefix, year, first + k as i64);
        }
        i = j;
    }
    Ok(out)
}
