//! Guiding cases (案例指导) and case commentary sessions (案件点评), searchable in Chinese full text.
//!
//! Guiding cases are a library: every person allowed to read them reads all of them; changing one needs
//! the unit that entered it to lie in the editor's scope. A commentary session belongs to a unit and is
//! read within scope like any unit's row; it names the register's cases it discussed and the guiding
//! cases it cited. Every write commits the row first and then catches the index up (see `index`).

mod index;

use domain::enforcement::guiding::{ValidGuiding, ValidSession};
use domain::org::DataScope;
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use search::fulltext::{Results, Scope};
use serde::Serialize;

use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

pub use index::{INDEX_DIR, KIND_COMMENTARY, KIND_GUIDING};
use index::{PUBLIC_TAG, next_revision};

pub(crate) const MIGRATION_SQL: &str = r#"
CREATE TABLE guiding_cases (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, title TEXT NOT NULL, issuer TEXT NOT NULL, kind TEXT NOT NULL,
  keywords TEXT NOT NULL, gist TEXT NOT NULL, significance TEXT, full_text TEXT NOT NULL, issued_on TEXT,
  unit_id TEXT NOT NULL REFERENCES units(id), rev BIGINT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
CREATE INDEX guiding_cases_rev ON guiding_cases(rev, id);
CREATE INDEX guiding_cases_issued ON guiding_cases(issued_on, number);
CREATE TABLE commentary_sessions (
  id TEXT PRIMARY KEY, held_on TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id), title TEXT NOT NULL,
  presenter TEXT NOT NULL, notes TEXT NOT NULL, cases_text TEXT NOT NULL, guiding_text TEXT NOT NULL, rev BIGINT NOT NULL,
  created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX commentary_sessions_unit ON commentary_sessions(unit_id, held_on);
CREATE INDEX commentary_sessions_rev ON commentary_sessions(rev, id);
CREATE TABLE commentary_cases (
  session_id TEXT NOT NULL REFERENCES commentary_sessions(id), case_id TEXT NOT NULL REFERENCES cases(id),
  PRIMARY KEY (session_id, case_id));
CREATE INDEX commentary_cases_case ON commentary_cases(case_id);
CREATE TABLE commentary_citations (
  session_id TEXT NOT NULL REFERENCES commentary_sessions(id), guiding_id TEXT NOT NULL REFERENCES guiding_cases(id),
  PRIMARY KEY (session_id, guiding_id));
CREATE INDEX commentary_citations_guiding ON commentary_citations(guiding_id);
CREATE TABLE fulltext_state (name TEXT PRIMARY KEY, epoch TEXT NOT NULL, rev BIGINT NOT NULL)
"#;

#[derive(Debug, Clone, Serialize)]
pub struct GuidingCase {
    pub id: String,
    pub number: String,
    pub title: String,
    pub issuer: String,
    pub kind: String,
    pub keywords: String,
    pub gist: String,
    pub significance: Option<String>,
    pub full_text: String,
    pub issued_on: Option<String>,
    pub unit_id: String,
    pub unit_name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A guiding case in a list.
#[derive(Debug, Clone, Serialize)]
pub struct GuidingSummary {
    pub id: String,
    pub number: String,
    pub title: String,
    pub issuer: String,
    pub kind: String,
    pub keywords: String,
    pub issued_on: Option<String>,
}

/// A case of the register or a guiding case a session names: (id, number, title).
#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: String,
    pub number: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: String,
    pub held_on: String,
    pub unit_id: String,
    pub unit_name: String,
    pub title: String,
    pub presenter: String,
    pub notes: String,
    pub cases: Vec<Named>,
    pub cited: Vec<Named>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub id: String,
    pub held_on: String,
    pub unit_name: String,
    pub title: String,
    pub presenter: String,
    pub cases: i64,
}

const GUIDING_COLUMNS: &str = "g.id, g.number, g.title, g.issuer, g.kind, g.keywords, g.gist, g.significance, g.full_text, g.issued_on, g.unit_id, u.name AS unit_name, g.created_at, g.updated_at";

fn guiding_from(r: &QueryResult) -> Result<GuidingCase> {
    Ok(GuidingCase {
        id: get(r, "id")?,
        number: get(r, "number")?,
        title: get(r, "title")?,
        issuer: get(r, "issuer")?,
        kind: get(r, "kind")?,
        keywords: get(r, "keywords")?,
        gist: get(r, "gist")?,
        significance: get(r, "significance")?,
        full_text: get(r, "full_text")?,
        issued_on: get(r, "issued_on")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

fn session_summary_from(r: &QueryResult) -> Result<SessionSummary> {
    Ok(SessionSummary {
        id: get(r, "id")?,
        held_on: get(r, "held_on")?,
        unit_name: get(r, "unit_name")?,
        title: get(r, "title")?,
        presenter: get(r, "presenter")?,
        cases: get::<Option<i64>>(r, "cases")?.unwrap_or(0),
    })
}

fn named_from(r: &QueryResult) -> Result<Named> {
    Ok(Named {
        id: get(r, "id")?,
        number: get(r, "number")?,
        title: get(r, "title")?,
    })
}

/// `?, ?, ?` for a list of values.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The index filter for what the actor may read: all guiding cases, and commentary of units in scope.
fn search_scope(actor: &Actor) -> Scope {
    match actor.scope {
        DataScope::All => Scope::Everything,
        DataScope::OwnUnit => Scope::AnyTag(vec![
            PUBLIC_TAG.to_string(),
            format!("own:{}", actor.unit_path),
        ]),
        DataScope::Subtree => Scope::AnyTag(vec![
            PUBLIC_TAG.to_string(),
            format!("sub:{}", actor.unit_path),
        ]),
    }
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    /// After a committed write: brings the index up to it. A failure here loses nothing (the row is
    /// committed and the next catch-up indexes it), so it is logged, not returned.
    async fn reindex_after_write(&self) {
        let done = async {
            let ix = self.guiding_index().await?;
            self.catch_up(&ix, true).await
        }
        .await;
        if let Err(e) = done {
            tracing::error!(error = %e, "guiding index not caught up after a write");
        }
    }

    async fn number_taken<C: ConnectionTrait>(
        &self,
        c: &C,
        number: &str,
        except: Option<&str>,
    ) -> Result<bool> {
        Ok(Sql::of(c)
            .scalar(
                c,
                "SELECT COUNT(*) FROM guiding_cases WHERE number = ? AND id <> ?",
                vals![number, except.unwrap_or("")],
            )
            .await?
            > 0)
    }

    /// Adds a guiding case to the library, entered by the actor's unit.
    pub async fn create_guiding_case(&self, actor: &Actor, g: &ValidGuiding) -> Result<String> {
        let id = new_id();
        let now = now_ms();
        {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            if self.number_taken(&txn, &g.number, None).await? {
                return Err(StoreError::invalid(
                    "number",
                    format!("案例编号「{}」已存在", g.number),
                ));
            }
            let rev = next_revision(&txn).await?;
            Sql::of(&txn)
                .exec(
                    &txn,
                    "INSERT INTO guiding_cases (id, number, title, issuer, kind, keywords, gist, significance, full_text, issued_on, unit_id, rev, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    vals![
                        id.as_str(), g.number.as_str(), g.title.as_str(), g.issuer.as_str(), g.kind.as_str(),
                        g.keywords.join("、"), g.gist.as_str(), g.significance.clone(), g.full_text.as_str(),
                        g.issued_on.map(day), actor.unit_id.as_str(), rev, actor.display_name.as_str(), now, now
                    ],
                )
                .await?;
            append(
                &txn,
                &self.audit_key(),
                &actor.audit(),
                "guiding.create",
                &format!("guiding:{}", g.number),
                &g.title,
            )
            .await?;
            txn.commit().await?;
        }
        self.reindex_after_write().await;
        Ok(id)
    }

    /// Changes a guiding case entered by a unit in the actor's scope (`NotFound` otherwise).
    pub async fn update_guiding_case(
        &self,
        actor: &Actor,
        id: &str,
        g: &ValidGuiding,
    ) -> Result<()> {
        self.guiding_case_editable(actor, id).await?;
        {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            if self.number_taken(&txn, &g.number, Some(id)).await? {
                return Err(StoreError::invalid(
                    "number",
                    format!("案例编号「{}」已存在", g.number),
                ));
            }
            let rev = next_revision(&txn).await?;
            Sql::of(&txn)
                .exec(
                    &txn,
                    "UPDATE guiding_cases SET number = ?, title = ?, issuer = ?, kind = ?, keywords = ?, gist = ?, significance = ?, full_text = ?, issued_on = ?, rev = ?, updated_at = ? WHERE id = ?",
                    vals![
                        g.number.as_str(), g.title.as_str(), g.issuer.as_str(), g.kind.as_str(), g.keywords.join("、"),
                        g.gist.as_str(), g.significance.clone(), g.full_text.as_str(), g.issued_on.map(day), rev,
                        now_ms(), id
                    ],
                )
                .await?;
            append(
                &txn,
                &self.audit_key(),
                &actor.audit(),
                "guiding.update",
                &format!("guiding:{}", g.number),
                &g.title,
            )
            .await?;
            txn.commit().await?;
        }
        self.reindex_after_write().await;
        Ok(())
    }

    /// A guiding case of the library (every reader may read every one).
    pub async fn guiding_case(&self, id: &str) -> Result<GuidingCase> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {GUIDING_COLUMNS} FROM guiding_cases g JOIN units u ON u.id = g.unit_id WHERE g.id = ?"),
                vals![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        guiding_from(&r)
    }

    /// The guiding case if the unit that entered it lies in the actor's scope: who may change it.
    pub async fn guiding_case_editable(&self, actor: &Actor, id: &str) -> Result<GuidingCase> {
        let (w, mut v) = actor.scope_condition("g.unit_id");
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {GUIDING_COLUMNS} FROM guiding_cases g JOIN units u ON u.id = g.unit_id WHERE {w} AND g.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        guiding_from(&r)
    }

    /// The library, newest issue first.
    pub async fn guiding_cases(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<GuidingSummary>, i64)> {
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(&self.db, "SELECT COUNT(*) FROM guiding_cases", vals![])
            .await?;
        let rows = sql
            .all(
                &self.db,
                "SELECT id, number, title, issuer, kind, keywords, issued_on FROM guiding_cases ORDER BY COALESCE(issued_on, '') DESC, number DESC LIMIT ? OFFSET ?",
                vals![limit as i64, offset as i64],
            )
            .await?;
        let list = rows
            .iter()
            .map(|r| {
                Ok(GuidingSummary {
                    id: get(r, "id")?,
                    number: get(r, "number")?,
                    title: get(r, "title")?,
                    issuer: get(r, "issuer")?,
                    kind: get(r, "kind")?,
                    keywords: get(r, "keywords")?,
                    issued_on: get(r, "issued_on")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((list, total))
    }

    /// The register's cases (in the actor's scope) and the guiding cases a session names; every number
    /// must be found, or the message lists those that were not.
    async fn resolve_numbers(
        &self,
        actor: &Actor,
        s: &ValidSession,
    ) -> Result<(Vec<Named>, Vec<Named>)> {
        let sql = Sql::of(&self.db);
        let (w, mut v) = actor.scope_condition("c.unit_id");
        v.extend(s.case_numbers.iter().map(|n| Value::from(n.as_str())));
        let cases = sql
            .all(
                &self.db,
                &format!(
                    "SELECT c.id, c.number, c.title FROM cases c WHERE {w} AND c.number IN ({})",
                    marks(s.case_numbers.len())
                ),
                v,
            )
            .await?
            .iter()
            .map(named_from)
            .collect::<Result<Vec<_>>>()?;
        let missing: Vec<&str> = s
            .case_numbers
            .iter()
            .filter(|n| !cases.iter().any(|c| &c.number == *n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::invalid(
                "case_numbers",
                format!(
                    "以下案号不在案件登记中或不在您的权限范围内：{}",
                    missing.join("、")
                ),
            ));
        }
        let cited = if s.guiding_numbers.is_empty() {
            vec![]
        } else {
            sql.all(
                &self.db,
                &format!(
                    "SELECT id, number, title FROM guiding_cases WHERE number IN ({})",
                    marks(s.guiding_numbers.len())
                ),
                s.guiding_numbers
                    .iter()
                    .map(|n| Value::from(n.as_str()))
                    .collect(),
            )
            .await?
            .iter()
            .map(named_from)
            .collect::<Result<Vec<_>>>()?
        };
        let missing: Vec<&str> = s
            .guiding_numbers
            .iter()
            .filter(|n| !cited.iter().any(|c| &c.number == *n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::invalid(
                "guiding_numbers",
                format!("以下指导案例编号不在案例库中：{}", missing.join("、")),
            ));
        }
        // In the order typed.
        let order = |list: Vec<Named>, wanted: &[String]| -> Vec<Named> {
            let mut out = Vec::new();
            for n in wanted {
                if let Some(x) = list.iter().find(|x| &x.number == n) {
                    out.push(x.clone());
                }
            }
            out
        };
        Ok((
            order(cases, &s.case_numbers),
            order(cited, &s.guiding_numbers),
        ))
    }

    /// Saves a session (new when `id` is `None`) with its links, in one transaction.
    async fn save_session(
        &self,
        actor: &Actor,
        id: Option<&str>,
        unit_id: &str,
        s: &ValidSession,
    ) -> Result<String> {
        let unit = self
            .unit_in_scope(actor, unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid("unit", "请选择本人权限范围内的单位"),
                other => other,
            })?;
        let (cases, cited) = self.resolve_numbers(actor, s).await?;
        let text = |list: &[Named]| {
            list.iter()
                .map(|n| format!("{} {}", n.number, n.title))
                .collect::<Vec<_>>()
                .join("；")
        };
        let now = now_ms();
        let session_id = id.map(str::to_string).unwrap_or_else(new_id);
        {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            let sql = Sql::of(&txn);
            let rev = next_revision(&txn).await?;
            match id {
                None => {
                    sql.exec(
                        &txn,
                        "INSERT INTO commentary_sessions (id, held_on, unit_id, title, presenter, notes, cases_text, guiding_text, rev, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        vals![
                            session_id.as_str(), day(s.held_on), unit.id.as_str(), s.title.as_str(), s.presenter.as_str(),
                            s.notes.as_str(), text(&cases), text(&cited), rev, actor.display_name.as_str(), now, now
                        ],
                    )
                    .await?;
                }
                Some(_) => {
                    sql.exec(
                        &txn,
                        "UPDATE commentary_sessions SET held_on = ?, unit_id = ?, title = ?, presenter = ?, notes = ?, cases_text = ?, guiding_text = ?, rev = ?, updated_at = ? WHERE id = ?",
                        vals![
                            day(s.held_on), unit.id.as_str(), s.title.as_str(), s.presenter.as_str(), s.notes.as_str(),
                            text(&cases), text(&cited), rev, now, session_id.as_str()
                        ],
                    )
                    .await?;
                    sql.exec(
                        &txn,
                        "DELETE FROM commentary_cases WHERE session_id = ?",
                        vals![session_id.as_str()],
                    )
                    .await?;
                    sql.exec(
                        &txn,
                        "DELETE FROM commentary_citations WHERE session_id = ?",
                        vals![session_id.as_str()],
                    )
                    .await?;
                }
            }
            for c in &cases {
                sql.exec(
                    &txn,
                    "INSERT INTO commentary_cases (session_id, case_id) VALUES (?, ?)",
                    vals![session_id.as_str(), c.id.as_str()],
                )
                .await?;
            }
            for g in &cited {
                sql.exec(
                    &txn,
                    "INSERT INTO commentary_citations (session_id, guiding_id) VALUES (?, ?)",
                    vals![session_id.as_str(), g.id.as_str()],
                )
                .await?;
            }
            append(
                &txn,
                &self.audit_key(),
                &actor.audit(),
                if id.is_some() {
                    "commentary.update"
                } else {
                    "commentary.create"
                },
                &format!("commentary:{session_id}"),
                &format!("unit={} cases={}", unit.code, cases.len()),
            )
            .await?;
            txn.commit().await?;
        }
        self.reindex_after_write().await;
        Ok(session_id)
    }

    /// Records a commentary session held by a unit in the actor's scope.
    pub async fn create_commentary(
        &self,
        actor: &Actor,
        unit_id: &str,
        s: &ValidSession,
    ) -> Result<String> {
        self.save_session(actor, None, unit_id, s).await
    }

    /// Changes a session in the actor's scope (`NotFound` otherwise).
    pub async fn update_commentary(
        &self,
        actor: &Actor,
        id: &str,
        unit_id: &str,
        s: &ValidSession,
    ) -> Result<()> {
        self.commentary_in_scope(actor, id).await?;
        self.save_session(actor, Some(id), unit_id, s).await?;
        Ok(())
    }

    /// The session with the cases and guiding cases it names, if its unit lies in the actor's scope.
    pub async fn commentary_in_scope(&self, actor: &Actor, id: &str) -> Result<Session> {
        let (w, mut v) = actor.scope_condition("s.unit_id");
        v.push(Value::from(id));
        let sql = Sql::of(&self.db);
        let r = sql
            .one(
                &self.db,
                &format!("SELECT s.id, s.held_on, s.unit_id, u.name AS unit_name, s.title, s.presenter, s.notes, s.created_at, s.updated_at FROM commentary_sessions s JOIN units u ON u.id = s.unit_id WHERE {w} AND s.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let cases = sql
            .all(
                &self.db,
                "SELECT c.id, c.number, c.title FROM commentary_cases x JOIN cases c ON c.id = x.case_id WHERE x.session_id = ? ORDER BY c.number",
                vals![id],
            )
            .await?
            .iter()
            .map(named_from)
            .collect::<Result<Vec<_>>>()?;
        let cited = sql
            .all(
                &self.db,
                "SELECT g.id, g.number, g.title FROM commentary_citations x JOIN guiding_cases g ON g.id = x.guiding_id WHERE x.session_id = ? ORDER BY g.number",
                vals![id],
            )
            .await?
            .iter()
            .map(named_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Session {
            id: get(&r, "id")?,
            held_on: get(&r, "held_on")?,
            unit_id: get(&r, "unit_id")?,
            unit_name: get(&r, "unit_name")?,
            title: get(&r, "title")?,
            presenter: get(&r, "presenter")?,
            notes: get(&r, "notes")?,
            cases,
            cited,
            created_at: get(&r, "created_at")?,
            updated_at: get(&r, "updated_at")?,
        })
    }

    /// Sessions of units in the actor's scope, newest first; with `citing`, only those citing that
    /// guiding case.
    pub async fn commentaries(
        &self,
        actor: &Actor,
        citing: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<SessionSummary>, i64)> {
        let (mut w, mut v) = actor.scope_condition("s.unit_id");
        if let Some(g) = citing {
            w.push_str(" AND EXISTS (SELECT 1 FROM commentary_citations x WHERE x.session_id = s.id AND x.guiding_id = ?)");
            v.push(Value::from(g));
        }
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM commentary_sessions s WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!("SELECT s.id, s.held_on, u.name AS unit_name, s.title, s.presenter, (SELECT COUNT(*) FROM commentary_cases x WHERE x.session_id = s.id) AS cases FROM commentary_sessions s JOIN units u ON u.id = s.unit_id WHERE {w} ORDER BY s.held_on DESC, s.id DESC LIMIT ? OFFSET ?"),
                v,
            )
            .await?;
        Ok((
            rows.iter()
                .map(session_summary_from)
                .collect::<Result<_>>()?,
            total,
        ))
    }

    /// Full-text search of guiding cases and the commentary sessions the actor may read; `kind` is
    /// `KIND_GUIDING`, `KIND_COMMENTARY` or `None` for both. Titles and snippets come back as HTML,
    /// escaped, with `<mark>` around what matched.
    pub async fn search_guiding(
        &self,
        actor: &Actor,
        query: &str,
        kind: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<Results> {
        let ix = self.fresh_guiding_index().await?;
        ix.ft
            .search(
                query,
                &search_scope(actor),
                kind,
                offset as usize,
                limit as usize,
            )
            .map_err(|e| StoreError::Integrity(e.to_string()))
    }
}
