//! Early warning (队伍风险预警): the office's settings, the stored scores (recomputed in `recompute`), and
//! the scoped reads the pages need — the list for talks (谈心谈话), one officer's score with the facts
//! behind it, and the per-unit totals of the heat map. Lists read stored rows only; nothing is scored
//! while a person waits.

mod recompute;

use std::collections::BTreeMap;

use domain::org::DataScope;
use domain::warning::{FactCounts, FactKind, Level, WarningSettings};
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, vals};

/// `warning_scores` holds one row per active officer with at least one fact (the others score 0);
/// `warning_items` the facts themselves, so a score is explained by exactly what it was computed from;
/// `warning_units` each unit's own officers summed; `warning_runs` when and with which settings each
/// recomputation ran. All four are derived: a recomputation rewrites the first three.
pub(crate) const MIGRATION_SQL: &str = r#"
CREATE TABLE warning_scores (
  officer_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, score BIGINT NOT NULL, level TEXT NOT NULL,
  facts TEXT NOT NULL, computed_at BIGINT NOT NULL);
CREATE INDEX warning_scores_rank ON warning_scores(score, officer_id);
CREATE INDEX warning_scores_unit ON warning_scores(unit_id, level, score, officer_id);
CREATE INDEX warning_scores_level ON warning_scores(level, score, officer_id);
CREATE TABLE warning_items (
  officer_id TEXT NOT NULL, kind TEXT NOT NULL, source_id TEXT NOT NULL, ref_id TEXT NOT NULL, ref_no TEXT NOT NULL,
  on_date TEXT, at_ms BIGINT, detail TEXT, extra TEXT, qty BIGINT NOT NULL);
CREATE INDEX warning_items_officer ON warning_items(officer_id, kind);
CREATE TABLE warning_units (
  unit_id TEXT PRIMARY KEY, officers BIGINT NOT NULL, score BIGINT NOT NULL, watch BIGINT NOT NULL,
  alert BIGINT NOT NULL, computed_at BIGINT NOT NULL);
CREATE TABLE warning_runs (
  id TEXT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE, as_of TEXT NOT NULL, since TEXT NOT NULL, settings TEXT NOT NULL,
  officers BIGINT NOT NULL, items BIGINT NOT NULL, run_by TEXT NOT NULL, started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL)
"#;

/// The settings key of the office's weights, window and thresholds (JSON of `WarningSettings`).
const SETTINGS_KEY: &str = "warning_settings";

/// One officer's stored score, as the list and the officer's page show it.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerScore {
    pub officer_id: String,
    pub name: String,
    pub badge: String,
    pub position: String,
    pub unit_id: String,
    pub unit_name: String,
    pub score: i64,
    pub level: String,
    #[serde(skip)]
    pub facts: FactCounts,
    pub computed_at: i64,
}

impl OfficerScore {
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Normal)
    }
}

const SCORE_COLUMNS: &str = "w.officer_id, o.name, o.badge, o.position, w.unit_id, u.name AS unit_name, w.score, w.level, w.facts, w.computed_at";
const SCORE_FROM: &str =
    "warning_scores w JOIN officers o ON o.id = w.officer_id JOIN units u ON u.id = w.unit_id";

/// Stored counts `{"clue": 2, …}`; a damaged text reads as no facts rather than failing the page.
fn facts_from(text: &str) -> FactCounts {
    let map: BTreeMap<String, i64> = serde_json::from_str(text).unwrap_or_default();
    FactCounts::from_pairs(map.iter().map(|(k, v)| (k.as_str(), *v)))
}

fn score_from(r: &QueryResult) -> Result<OfficerScore> {
    Ok(OfficerScore {
        officer_id: get(r, "officer_id")?,
        name: get(r, "name")?,
        badge: get(r, "badge")?,
        position: get(r, "position")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        score: get(r, "score")?,
        level: get(r, "level")?,
        facts: facts_from(&get::<String>(r, "facts")?),
        computed_at: get(r, "computed_at")?,
    })
}

/// Which stored scores a list shows: officers at 关注 or 预警 (or one of the two), optionally of one unit.
#[derive(Debug, Clone, Default)]
pub struct ScoreFilter {
    pub unit_id: Option<String>,
    pub level: Option<Level>,
}

/// One fact behind a score: what it is (`kind`), the row it was counted from, and what to show.
#[derive(Debug, Clone, Serialize)]
pub struct WarningItem {
    pub kind: FactKind,
    /// The clue, case or finding a link opens.
    pub ref_id: String,
    /// Its number as people know it (clue, case or finding number).
    pub ref_no: String,
    /// The day it happened, for facts dated by day (stages, findings, due days).
    pub on_date: Option<String>,
    /// The moment it happened, for facts timed to the millisecond (clues, inquiries, reviews).
    pub at_ms: Option<i64>,
    /// Per kind: the clue's category, the stage, the inquiry number, the grade, the finding's category.
    pub detail: Option<String>,
    /// Per kind: the clue's source or conclusion, a stage's due day, a finding's decision.
    pub extra: Option<String>,
    /// How many this item counts for (a review's defects; 1 otherwise).
    pub qty: i64,
}

/// An officer in scope with their stored score (none when they have no facts or nothing was computed).
#[derive(Debug, Clone, Serialize)]
pub struct OfficerWarning {
    pub officer_id: String,
    pub name: String,
    pub badge: String,
    pub position: String,
    pub unit_id: String,
    pub unit_name: String,
    pub score: Option<OfficerScore>,
    pub items: Vec<WarningItem>,
    /// More items exist than were loaded.
    pub more_items: bool,
}

/// A unit's own officers, summed by the last recomputation.
#[derive(Debug, Clone, Serialize)]
pub struct UnitWarning {
    pub unit_id: String,
    pub code: String,
    pub name: String,
    pub path: String,
    pub depth: usize,
    pub officers: i64,
    pub score: i64,
    pub watch: i64,
    pub alert: i64,
}

/// One recomputation: when, as of which day, over which window and with which settings.
#[derive(Debug, Clone, Serialize)]
pub struct WarningRun {
    pub seq: i64,
    pub as_of: String,
    pub since: String,
    pub settings: WarningSettings,
    pub officers: i64,
    pub items: i64,
    pub run_by: String,
    pub started_at: i64,
    pub finished_at: i64,
}

/// A subtree with at most this many units is listed by its unit ids (see `page_where`).
const LISTED_UNITS: usize = 300;

/// Most items loaded for one officer's page.
pub const MAX_ITEMS_SHOWN: u64 = 2000;

impl Store {
    // ---------- settings ----------

    /// The office's settings, or the defaults when none are saved. Saved settings that no longer pass
    /// the rules (edited by hand) fall back to the defaults rather than score with nonsense.
    pub async fn warning_settings(&self) -> Result<WarningSettings> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT value FROM settings WHERE key = ?",
                vals![SETTINGS_KEY],
            )
            .await?;
        let Some(r) = r else {
            return Ok(WarningSettings::default());
        };
        let text: String = get(&r, "value")?;
        match serde_json::from_str::<WarningSettings>(&text) {
            Ok(s) if s.check().is_ok() => Ok(s),
            _ => {
                tracing::warn!("stored early-warning settings are invalid; using the defaults");
                Ok(WarningSettings::default())
            }
        }
    }

    /// Saves the settings (checked again here) with an audit row; scores change at the next recomputation.
    pub async fn set_warning_settings(&self, actor: &Actor, s: &WarningSettings) -> Result<()> {
        if let Err(mut errors) = s.check() {
            return Err(StoreError::Invalid(errors.remove(0)));
        }
        let json = serde_json::to_string(s).map_err(|e| StoreError::Integrity(e.to_string()))?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "DELETE FROM settings WHERE key = ?",
            vals![SETTINGS_KEY],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            vals![SETTINGS_KEY, json.as_str()],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "settings.warning",
            "settings",
            &json,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The last recomputation, if any ran.
    pub async fn last_warning_run(&self) -> Result<Option<WarningRun>> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT seq, as_of, since, settings, officers, items, run_by, started_at, finished_at FROM warning_runs ORDER BY seq DESC LIMIT 1",
                vals![],
            )
            .await?;
        let Some(r) = r else { return Ok(None) };
        let settings: String = get(&r, "settings")?;
        Ok(Some(WarningRun {
            seq: get(&r, "seq")?,
            as_of: get(&r, "as_of")?,
            since: get(&r, "since")?,
            settings: serde_json::from_str(&settings).unwrap_or_default(),
            officers: get(&r, "officers")?,
            items: get(&r, "items")?,
            run_by: get(&r, "run_by")?,
            started_at: get(&r, "started_at")?,
            finished_at: get(&r, "finished_at")?,
        }))
    }

    // ---------- the list for talks ----------

    /// The condition every list of scores shares: the actor's scope, the levels wanted and the unit. A
    /// unit outside the scope simply matches nothing. `me` leaves out the actor's own score.
    fn score_where(&self, actor: &Actor, f: &ScoreFilter, me: bool) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("w.unit_id");
        let mut w = vec![scope];
        if let (true, Some(own)) = (me, &actor.officer_id) {
            w.push("w.officer_id <> ?".into());
            v.push(Value::from(own.as_str()));
        }
        match f.level {
            Some(l) => {
                w.push("w.level = ?".into());
                v.push(Value::from(l.as_str()));
            }
            // Across everything, the flagged are the top of the score index: `<>` keeps the planner on
            // it (no sort, stops after one page). Within units, their own index holds the levels.
            None if matches!(actor.scope, DataScope::All) && f.unit_id.is_none() => {
                w.push("w.level <> 'normal'".into())
            }
            None => w.push("w.level IN ('watch', 'alert')".into()),
        }
        if let Some(u) = &f.unit_id {
            w.push("w.unit_id = ?".into());
            v.push(Value::from(u.as_str()));
        }
        (w.join(" AND "), v)
    }

    /// How many a list holds, from the units' totals (a few thousand rows at most, where counting the
    /// scores would read every flagged officer), less the actor's own score when it would be in it.
    async fn warning_count(&self, actor: &Actor, f: &ScoreFilter) -> Result<i64> {
        let sql = Sql::of(&self.db);
        if f.level == Some(Level::Normal) {
            let (w, v) = self.score_where(actor, f, true);
            return sql
                .scalar(
                    &self.db,
                    &format!("SELECT COUNT(*) FROM warning_scores w WHERE {w}"),
                    v,
                )
                .await;
        }
        let (scope, mut v) = actor.scope_condition("w.unit_id");
        let mut w = scope;
        if let Some(u) = &f.unit_id {
            w.push_str(" AND w.unit_id = ?");
            v.push(Value::from(u.as_str()));
        }
        let counted = match f.level {
            Some(Level::Watch) => "w.watch",
            Some(_) => "w.alert",
            None => "w.watch + w.alert",
        };
        let mut total = sql
            .scalar(
                &self.db,
                &format!("SELECT CAST(COALESCE(SUM({counted}), 0) AS BIGINT) FROM warning_units w WHERE {w}"),
                v,
            )
            .await?;
        if let Some(own) = &actor.officer_id {
            let (w, mut v) = self.score_where(actor, f, false);
            v.push(Value::from(own.as_str()));
            total -= sql
                .scalar(
                    &self.db,
                    &format!(
                        "SELECT COUNT(*) FROM warning_scores w WHERE {w} AND w.officer_id = ?"
                    ),
                    v,
                )
                .await?;
        }
        Ok(total.max(0))
    }

    /// Officers at 关注 or 预警 in scope, highest score first. The page is cut from `warning_scores` alone
    /// before the names are joined, so the score index decides the order and only one page is read.
    pub async fn warning_list(
        &self,
        actor: &Actor,
        f: &ScoreFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<OfficerScore>, i64)> {
        let total = self.warning_count(actor, f).await?;
        let (w, mut v) = self.page_where(actor, f).await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT {SCORE_COLUMNS} FROM (SELECT w.officer_id, w.unit_id, w.score, w.level, w.facts, w.computed_at FROM warning_scores w WHERE {w} ORDER BY w.score DESC, w.officer_id DESC LIMIT ? OFFSET ?) w \
                     JOIN officers o ON o.id = w.officer_id JOIN units u ON u.id = w.unit_id ORDER BY w.score DESC, w.officer_id DESC"
                ),
                v,
            )
            .await?;
        Ok((rows.iter().map(score_from).collect::<Result<_>>()?, total))
    }

    /// `score_where` for one page. A subtree of up to `LISTED_UNITS` units is named unit by unit: the
    /// planner then reads just those units' flagged officers from their index instead of walking the
    /// whole city's scores to find a page of them.
    async fn page_where(&self, actor: &Actor, f: &ScoreFilter) -> Result<(String, Vec<Value>)> {
        let (w, v) = self.score_where(actor, f, true);
        if !matches!(actor.scope, DataScope::Subtree) || f.unit_id.is_some() {
            return Ok((w, v));
        }
        let units = self.units_in_scope(actor).await?;
        if units.is_empty() || units.len() > LISTED_UNITS {
            return Ok((w, v));
        }
        let (scope, scope_values) = actor.scope_condition("w.unit_id");
        let marks = vec!["?"; units.len()].join(", ");
        let w = w.replacen(&scope, &format!("w.unit_id IN ({marks})"), 1);
        let mut listed: Vec<Value> = units.iter().map(|u| Value::from(u.id.as_str())).collect();
        listed.extend(v.into_iter().skip(scope_values.len()));
        Ok((w, listed))
    }

    /// The next page of the same list for an export, after `cursor` (from [`score_cursor`]; empty to begin).
    pub async fn warning_list_after(
        &self,
        actor: &Actor,
        f: &ScoreFilter,
        cursor: &str,
        limit: u64,
    ) -> Result<Vec<OfficerScore>> {
        let (mut w, mut v) = self.score_where(actor, f, true);
        if let Some((score, officer)) = cursor
            .split_once('|')
            .and_then(|(s, o)| Some((s.parse::<i64>().ok()?, o)))
        {
            w.push_str(" AND (w.score < ? OR (w.score = ? AND w.officer_id < ?))");
            v.extend([Value::from(score), Value::from(score), Value::from(officer)]);
        }
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {SCORE_COLUMNS} FROM {SCORE_FROM} WHERE {w} ORDER BY w.score DESC, w.officer_id DESC LIMIT ?"),
                v,
            )
            .await?;
        rows.iter().map(score_from).collect()
    }

    // ---------- one officer ----------

    /// An officer of a unit in scope with their score and every fact behind it; `NotFound` for an officer
    /// outside the scope, and for the actor themself (nobody reads their own warning).
    pub async fn officer_warning(&self, actor: &Actor, officer_id: &str) -> Result<OfficerWarning> {
        if actor.officer_id.as_deref() == Some(officer_id) {
            return Err(StoreError::NotFound);
        }
        let sql = Sql::of(&self.db);
        let (scope, mut v) = actor.scope_condition("o.unit_id");
        v.push(Value::from(officer_id));
        let r = sql
            .one(
                &self.db,
                &format!("SELECT o.id, o.name, o.badge, o.position, o.unit_id, u.name AS unit_name FROM officers o JOIN units u ON u.id = o.unit_id WHERE {scope} AND o.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let score = sql
            .one(
                &self.db,
                &format!("SELECT {SCORE_COLUMNS} FROM {SCORE_FROM} WHERE w.officer_id = ?"),
                vals![officer_id],
            )
            .await?
            .map(|r| score_from(&r))
            .transpose()?;
        let rows = sql
            .all(
                &self.db,
                "SELECT kind, ref_id, ref_no, on_date, at_ms, detail, extra, qty FROM warning_items WHERE officer_id = ? ORDER BY kind, ref_no, source_id LIMIT ?",
                vals![officer_id, (MAX_ITEMS_SHOWN + 1) as i64],
            )
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let Ok(kind) = FactKind::parse(&get::<String>(r, "kind")?) else {
                continue;
            };
            items.push(WarningItem {
                kind,
                ref_id: get(r, "ref_id")?,
                ref_no: get(r, "ref_no")?,
                on_date: get(r, "on_date")?,
                at_ms: get(r, "at_ms")?,
                detail: get(r, "detail")?,
                extra: get(r, "extra")?,
                qty: get(r, "qty")?,
            });
        }
        let more_items = items.len() as u64 > MAX_ITEMS_SHOWN;
        items.truncate(MAX_ITEMS_SHOWN as usize);
        // Kinds in the order people read them, not alphabetical.
        items.sort_by_key(|i| i.kind);
        Ok(OfficerWarning {
            officer_id: get(&r, "id")?,
            name: get(&r, "name")?,
            badge: get(&r, "badge")?,
            position: get(&r, "position")?,
            unit_id: get(&r, "unit_id")?,
            unit_name: get(&r, "unit_name")?,
            score,
            items,
            more_items,
        })
    }

    // ---------- units ----------

    /// Every unit in scope, in tree order, with its own officers' totals (zero when none were computed).
    pub async fn warning_units(&self, actor: &Actor) -> Result<Vec<UnitWarning>> {
        let units = self.units_in_scope(actor).await?;
        let (scope, v) = actor.scope_condition("w.unit_id");
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT w.unit_id, w.officers, w.score, w.watch, w.alert FROM warning_units w WHERE {scope}"),
                v,
            )
            .await?;
        let mut totals = std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            totals.insert(
                get::<String>(r, "unit_id")?,
                (
                    get::<i64>(r, "officers")?,
                    get::<i64>(r, "score")?,
                    get::<i64>(r, "watch")?,
                    get::<i64>(r, "alert")?,
                ),
            );
        }
        Ok(units
            .into_iter()
            .map(|u| {
                let (officers, score, watch, alert) =
                    totals.get(&u.id).copied().unwrap_or_default();
                UnitWarning {
                    unit_id: u.id,
                    code: u.code,
                    name: u.name,
                    path: u.path,
                    depth: u.depth,
                    officers,
                    score,
                    watch,
                    alert,
                }
            })
            .collect())
    }
}

/// Where an export continues after this row.
pub fn score_cursor(s: &OfficerScore) -> String {
    format!("{}|{}", s.score, s.officer_id)
}
