//! The full-text index of guiding cases and commentary sessions, kept in the data folder and caught up
//! with the tables. The tables are the truth: every write commits its row first, with a revision from
//! one counter (`fulltext_state`), then brings the index up to that revision. The index records in its
//! commit marker the database's epoch and the revision it holds, so a crash between the two loses
//! nothing (the rows past the marker are indexed at the next catch-up), and an index that belongs to
//! another database, is ahead of it (a restore), is missing or unreadable, or holds the wrong number of
//! documents is rebuilt from the tables.
//!
//! One index per data folder per process, opened once and kept (`INDEXES`): searches never reopen it.
//! A search looks at the revision counter at most once a second, which is how writes made by another
//! process on the same PostgreSQL database reach this one's index.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use search::fulltext::{Document, FullText};

use crate::db::get;
use crate::{Result, Sql, Store, StoreError, new_id, vals};

/// Where in the data folder the index lives.
pub const INDEX_DIR: &str = "guiding_index";
/// Kinds of documents in the index.
pub const KIND_GUIDING: &str = "guiding";
pub const KIND_COMMENTARY: &str = "commentary";
/// Guiding cases are a library every reader may search; commentary sessions carry their unit's tags.
pub(crate) const PUBLIC_TAG: &str = "public";

const CHECK_EVERY: Duration = Duration::from_secs(1);
const BATCH: i64 = 500;

pub(crate) struct GuidingIndex {
    pub(crate) ft: FullText,
    state: tokio::sync::Mutex<Synced>,
}

#[derive(Default)]
struct Synced {
    /// (epoch, revision) the index holds, once known.
    applied: Option<(String, i64)>,
    checked: Option<Instant>,
}

static INDEXES: LazyLock<tokio::sync::Mutex<HashMap<PathBuf, Arc<GuidingIndex>>>> =
    LazyLock::new(|| tokio::sync::Mutex::new(HashMap::new()));

fn index_err(e: search::fulltext::SearchError) -> StoreError {
    StoreError::Integrity(e.to_string())
}

fn parse_marker(m: &str) -> Option<(String, i64)> {
    let (epoch, rev) = m.rsplit_once(':')?;
    Some((epoch.to_string(), rev.parse().ok()?))
}

/// The tags a commentary session of a unit at `path` carries: its own unit, and every unit above it
/// (for readers whose scope is a subtree).
pub(crate) fn unit_tags(path: &str) -> Vec<String> {
    let mut tags = vec![format!("own:{path}")];
    let mut at = 0;
    while let Some(i) = path[at..].find('/') {
        let end = at + i + 1;
        if end > 1 {
            tags.push(format!("sub:{}", &path[..end]));
        }
        at = end;
    }
    tags
}

/// One row as the index takes it.
struct Row {
    id: String,
    kind: &'static str,
    title: String,
    body: String,
    tags: Vec<String>,
}

fn case_kind_label(k: &str) -> &str {
    domain::enforcement::cases::CaseKind::parse(k)
        .map(|k| k.label())
        .unwrap_or(k)
}

impl Store {
    /// The index of this data folder, opened (and caught up) on first use.
    pub(crate) async fn guiding_index(&self) -> Result<Arc<GuidingIndex>> {
        let mut all = INDEXES.lock().await;
        if let Some(ix) = all.get(&self.data_dir) {
            return Ok(ix.clone());
        }
        let dir = self.data_dir.join(INDEX_DIR);
        let ft = tokio::task::spawn_blocking(move || FullText::open(&dir))
            .await
            .map_err(|e| StoreError::Integrity(e.to_string()))?
            .map_err(index_err)?;
        let ix = Arc::new(GuidingIndex {
            ft,
            state: tokio::sync::Mutex::new(Synced::default()),
        });
        self.catch_up(&ix, true).await?;
        all.insert(self.data_dir.clone(), ix.clone());
        Ok(ix)
    }

    /// Opens the index and brings it up to the tables now (at start, so the first search does not wait
    /// for a rebuild; after bulk writes, so they are searchable at once). Returns the documents indexed.
    pub async fn open_guiding_index(&self) -> Result<u64> {
        let ix = self.guiding_index().await?;
        self.catch_up(&ix, true).await?;
        Ok(ix.ft.num_docs())
    }

    /// The index, caught up at most a second ago.
    pub(crate) async fn fresh_guiding_index(&self) -> Result<Arc<GuidingIndex>> {
        let ix = self.guiding_index().await?;
        self.catch_up(&ix, false).await?;
        Ok(ix)
    }

    /// Brings the index up to the tables (see the module's notes). `force` looks now, otherwise at most
    /// once a second.
    pub(crate) async fn catch_up(&self, ix: &Arc<GuidingIndex>, force: bool) -> Result<()> {
        let mut st = ix.state.lock().await;
        if !force && st.checked.is_some_and(|t| t.elapsed() < CHECK_EVERY) {
            return Ok(());
        }
        let (epoch, rev) = self.fulltext_revision().await?;
        let applied = match st.applied.clone() {
            Some(a) => Some(a),
            None => ix.ft.marker().as_deref().and_then(parse_marker),
        };
        let from = match &applied {
            Some((e, r)) if *e == epoch && *r <= rev => Some(*r),
            _ => None,
        };
        match from {
            Some(r) => {
                if r < rev {
                    self.index_rows_after(ix, r, &epoch, rev).await?;
                }
                // On the first look, a count that differs from the tables means a damaged index.
                if st.applied.is_none() && ix.ft.num_docs() as i64 != self.indexed_rows().await? {
                    tracing::warn!("guiding index does not match its tables: rebuilding");
                    self.rebuild(ix, &epoch, rev).await?;
                }
            }
            None => self.rebuild(ix, &epoch, rev).await?,
        }
        st.applied = Some((epoch, rev));
        st.checked = Some(Instant::now());
        Ok(())
    }

    /// The database's epoch and the last revision of the indexed tables (the row is made on first use,
    /// with a fresh epoch: a restored database brings its own).
    async fn fulltext_revision(&self) -> Result<(String, i64)> {
        let sql = Sql::of(&self.db);
        for _ in 0..2 {
            if let Some(r) = sql
                .one(
                    &self.db,
                    "SELECT epoch, rev FROM fulltext_state WHERE name = 'guiding'",
                    vals![],
                )
                .await?
            {
                return Ok((get::<String>(&r, "epoch")?, get::<i64>(&r, "rev")?));
            }
            create_state(&self.db).await?;
        }
        Err(StoreError::Integrity("fulltext_state has no row".into()))
    }

    async fn indexed_rows(&self) -> Result<i64> {
        let sql = Sql::of(&self.db);
        Ok(sql
            .scalar(&self.db, "SELECT COUNT(*) FROM guiding_cases", vals![])
            .await?
            + sql
                .scalar(
                    &self.db,
                    "SELECT COUNT(*) FROM commentary_sessions",
                    vals![],
                )
                .await?)
    }

    async fn rebuild(&self, ix: &Arc<GuidingIndex>, epoch: &str, rev: i64) -> Result<()> {
        let ix2 = ix.clone();
        tokio::task::spawn_blocking(move || ix2.ft.clear())
            .await
            .map_err(|e| StoreError::Integrity(e.to_string()))?
            .map_err(index_err)?;
        // Rows are re-read from revision -1: everything. Rows written meanwhile carry a later revision
        // and are indexed (again) by the next catch-up.
        self.index_rows_after(ix, -1, epoch, rev).await
    }

    /// Indexes every row with a revision after `after`, then commits the marker `epoch:rev`.
    async fn index_rows_after(
        &self,
        ix: &Arc<GuidingIndex>,
        after: i64,
        epoch: &str,
        rev: i64,
    ) -> Result<()> {
        for kind in [KIND_GUIDING, KIND_COMMENTARY] {
            let mut cursor = (after, String::new());
            loop {
                let rows = self.rows_after(kind, &cursor).await?;
                let Some(last) = rows.last() else { break };
                cursor = last.0.clone();
                let docs: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
                let ix2 = ix.clone();
                tokio::task::spawn_blocking(move || {
                    for d in &docs {
                        ix2.ft.add(&Document {
                            id: &d.id,
                            kind: d.kind,
                            title: &d.title,
                            body: &d.body,
                            tags: &d.tags,
                        })?;
                    }
                    Ok::<_, search::fulltext::SearchError>(())
                })
                .await
                .map_err(|e| StoreError::Integrity(e.to_string()))?
                .map_err(index_err)?;
            }
        }
        let ix2 = ix.clone();
        let marker = format!("{epoch}:{rev}");
        tokio::task::spawn_blocking(move || ix2.ft.commit(&marker))
            .await
            .map_err(|e| StoreError::Integrity(e.to_string()))?
            .map_err(index_err)
    }

    /// A page of rows after the (revision, id) cursor, in that order.
    async fn rows_after(
        &self,
        kind: &'static str,
        cursor: &(i64, String),
    ) -> Result<Vec<((i64, String), Row)>> {
        let sql = Sql::of(&self.db);
        let (rev, id) = (cursor.0, cursor.1.as_str());
        let text = if kind == KIND_GUIDING {
            "SELECT g.id, g.rev, g.number, g.title, g.issuer, g.kind, g.keywords, g.gist, g.significance, g.full_text FROM guiding_cases g WHERE g.rev > ? OR (g.rev = ? AND g.id > ?) ORDER BY g.rev, g.id LIMIT ?"
        } else {
            "SELECT s.id, s.rev, s.held_on, s.title, s.presenter, s.cases_text, s.guiding_text, s.notes, u.name AS unit_name, u.path FROM commentary_sessions s JOIN units u ON u.id = s.unit_id WHERE s.rev > ? OR (s.rev = ? AND s.id > ?) ORDER BY s.rev, s.id LIMIT ?"
        };
        let rows = sql.all(&self.db, text, vals![rev, rev, id, BATCH]).await?;
        rows.iter()
            .map(|r| {
                let id: String = get(r, "id")?;
                let rev: i64 = get(r, "rev")?;
                let row = if kind == KIND_GUIDING {
                    let significance: Option<String> = get(r, "significance")?;
                    let kind_code: String = get(r, "kind")?;
                    Row {
                        id: id.clone(),
                        kind: KIND_GUIDING,
                        title: get(r, "title")?,
                        body: format!(
                            "{}　{}　{}\n关键词：{}\n裁判要点：{}\n指导意义：{}\n{}",
                            get::<String>(r, "number")?,
                            get::<String>(r, "issuer")?,
                            case_kind_label(&kind_code),
                            get::<String>(r, "keywords")?,
                            get::<String>(r, "gist")?,
                            significance.unwrap_or_default(),
                            get::<String>(r, "full_text")?
                        ),
                        tags: vec![PUBLIC_TAG.to_string()],
                    }
                } else {
                    let path: String = get(r, "path")?;
                    Row {
                        id: id.clone(),
                        kind: KIND_COMMENTARY,
                        title: get(r, "title")?,
                        body: format!(
                            "{}　{}　点评人：{}\n点评案件：{}\n引用指导案例：{}\n{}",
                            get::<String>(r, "held_on")?,
                            get::<String>(r, "unit_name")?,
                            get::<String>(r, "presenter")?,
                            get::<String>(r, "cases_text")?,
                            get::<String>(r, "guiding_text")?,
                            get::<String>(r, "notes")?
                        ),
                        tags: unit_tags(&path),
                    }
                };
                Ok(((rev, id), row))
            })
            .collect()
    }
}

/// The revision counter's row, with a fresh epoch, unless it is there already.
async fn create_state<C: ConnectionTrait>(c: &C) -> Result<()> {
    Sql::of(c)
        .exec(
            c,
            "INSERT INTO fulltext_state (name, epoch, rev) VALUES ('guiding', ?, 0) ON CONFLICT (name) DO NOTHING",
            vals![new_id()],
        )
        .await?;
    Ok(())
}

/// The next revision of the indexed tables, inside the writing transaction: the counter row's lock makes
/// revisions commit in order.
pub(crate) async fn next_revision<C: ConnectionTrait>(c: &C) -> Result<i64> {
    let sql = Sql::of(c);
    for _ in 0..2 {
        if let Some(r) = sql
            .one(
                c,
                "UPDATE fulltext_state SET rev = rev + 1 WHERE name = 'guiding' RETURNING rev",
                vals![],
            )
            .await?
        {
            return get(&r, "rev");
        }
        create_state(c).await?;
    }
    Err(StoreError::Integrity("fulltext_state has no row".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_the_unit_and_every_unit_above() {
        assert_eq!(
            unit_tags("/r/a/c/"),
            ["own:/r/a/c/", "sub:/r/", "sub:/r/a/", "sub:/r/a/c/"]
        );
        assert_eq!(parse_marker("0192-ab:17"), Some(("0192-ab".into(), 17)));
        assert_eq!(parse_marker("x"), None);
    }
}
