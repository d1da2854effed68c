//! Recomputing every officer's score: each kind of fact is gathered into `warning_items` by one
//! `INSERT … SELECT` over the source tables, then scores and unit totals are aggregated from those items,
//! all in one transaction. No statement runs per officer, so the cost grows with the number of facts,
//! not of people.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use domain::warning::{FactKind, WarningSettings};
use sea_orm::{TransactionTrait, Value};

use crate::audit::{AuditActor, append};
use crate::clues::{local_offset, today};
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

const ITEM_COLUMNS: &str =
    "officer_id, kind, source_id, ref_id, ref_no, on_date, at_ms, detail, extra, qty";

/// The officers who handled a case: the handler on the case row, and anyone listed as handler. `from`
/// names the cases concerned `c`; `filter` (its placeholders repeated once per branch) selects them.
/// UNION drops the copy when the same officer is both.
fn handlers_union(select: &str, from: &str, filter: &str) -> String {
    format!(
        "SELECT c.handler_id, {select} FROM {from} WHERE {filter} AND c.handler_id IS NOT NULL \
         UNION SELECT ho.officer_id, {select} FROM {from} JOIN case_officers ho ON ho.case_id = c.id AND ho.role = 'handler' WHERE {filter}"
    )
}

/// Officers answerable for a reviewed case ("谁办案谁负责、谁决定谁负责"): its handlers, its deciders
/// listed on the case, and the deciding person of any of its stages.
fn responsible_union(select: &str, filter: &str) -> String {
    let from = "review_samples r JOIN cases c ON c.id = r.case_id";
    format!(
        "SELECT c.handler_id, {select} FROM {from} WHERE {filter} AND c.handler_id IS NOT NULL \
         UNION SELECT ro.officer_id, {select} FROM {from} JOIN case_officers ro ON ro.case_id = c.id AND ro.role IN ('handler', 'decider') WHERE {filter} \
         UNION SELECT rs.decider_id, {select} FROM {from} JOIN case_stages rs ON rs.case_id = c.id AND rs.decider_id IS NOT NULL WHERE {filter}"
    )
}

/// Milliseconds at 00:00 Beijing time of a day.
fn day_start_ms(d: NaiveDate) -> i64 {
    local_offset()
        .from_local_datetime(&d.and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

impl Store {
    /// Recomputes every officer's score as of today (the nightly job). Returns how many officers have at
    /// least one fact (the rest score 0 and have no row).
    pub async fn recompute_warnings(&self) -> Result<u64> {
        self.recompute_warnings_as_of(&AuditActor::system(), today())
            .await
    }

    /// The same, asked for by a person (the 重新计算 button); audited under their name.
    pub async fn recompute_warnings_for(&self, actor: &Actor) -> Result<u64> {
        self.recompute_warnings_as_of(&actor.audit(), today()).await
    }

    /// Recomputes as if today were `as_of`: the window ends on that day and "overdue" means due before it.
    pub async fn recompute_warnings_as_of(
        &self,
        who: &AuditActor,
        as_of: NaiveDate,
    ) -> Result<u64> {
        let settings = self.warning_settings().await?;
        let started = now_ms();
        let since = settings.since(as_of);
        let since_day = since.format("%Y-%m-%d").to_string();
        let since_ms = day_start_ms(since);
        let as_of_day = as_of.format("%Y-%m-%d").to_string();
        let settings_json =
            serde_json::to_string(&settings).map_err(|e| StoreError::Integrity(e.to_string()))?;

        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        // The counter row's lock makes a second process's run wait for this one to commit (PostgreSQL);
        // in one process the write lock already does. The row is made on first use, not by the
        // migration, so that a restore (which brings its own counters) finds no duplicate.
        sql.exec(
            &txn,
            "INSERT INTO counters (name, value) VALUES ('warning_run', 0) ON CONFLICT (name) DO NOTHING",
            vals![],
        )
        .await?;
        let seq = sql
            .one(
                &txn,
                "UPDATE counters SET value = value + 1 WHERE name = 'warning_run' RETURNING value",
                vals![],
            )
            .await?
            .map(|r| get::<i64>(&r, "value"))
            .transpose()?
            .unwrap_or(1);
        for table in ["warning_items", "warning_scores", "warning_units"] {
            sql.exec(&txn, &format!("DELETE FROM {table}"), vals![])
                .await?;
        }

        let mut items = 0u64;
        // Clues about the officer registered in the window. A clue found untrue (不属实) clears the officer
        // and counts nowhere; a substantiated one counts once, at its own weight, whatever its source.
        items += sql
            .exec(
                &txn,
                &format!(
                    "INSERT INTO warning_items ({ITEM_COLUMNS}) \
                     SELECT c.accused_officer_id, \
                       CASE WHEN c.conclusion IN ('true', 'partly_true') THEN 'clue_substantiated' \
                            WHEN c.source IN ('petition', 'public_tip') THEN 'complaint' ELSE 'clue' END, \
                       c.id, c.id, c.number, CAST(NULL AS TEXT), c.created_at, c.category, \
                       CASE WHEN c.conclusion IN ('true', 'partly_true') THEN c.conclusion ELSE c.source END, 1 \
                     FROM clues c \
                     WHERE c.accused_officer_id IS NOT NULL AND c.created_at >= ? \
                       AND (c.conclusion IS NULL OR c.conclusion <> 'false')"
                ),
                vals![since_ms],
            )
            .await?;
        // Cases open past their stage's due day now; the window does not apply to what is late today.
        let overdue = handlers_union(
            "'case_overdue', c.id, c.id, c.number, c.stage_due, CAST(NULL AS BIGINT), c.stage, CAST(NULL AS TEXT), 1",
            "cases c",
            "c.closed_on IS NULL AND c.stage_due < ?",
        );
        items += sql
            .exec(
                &txn,
                &format!("INSERT INTO warning_items ({ITEM_COLUMNS}) {overdue}"),
                vals![as_of_day.as_str(), as_of_day.as_str()],
            )
            .await?;
        // Stages finished in the window after their due day.
        let late = handlers_union(
            "'stage_late', s.id, c.id, c.number, s.ended_on, CAST(NULL AS BIGINT), s.stage, s.due_on, 1",
            "case_stages s JOIN cases c ON c.id = s.case_id",
            "s.ended_on >= ? AND s.due_on IS NOT NULL AND s.ended_on > s.due_on",
        );
        items += sql
            .exec(
                &txn,
                &format!("INSERT INTO warning_items ({ITEM_COLUMNS}) {late}"),
                vals![since_day.as_str(), since_day.as_str()],
            )
            .await?;
        // Inquiries the officer made about cases (逢问必录), heavier when flagged as interference.
        items += sql
            .exec(
                &txn,
                &format!(
                    "INSERT INTO warning_items ({ITEM_COLUMNS}) \
                     SELECT i.asker_officer_id, CASE WHEN i.interference = 1 THEN 'interference' ELSE 'inquiry' END, \
                       i.id, c.id, c.number, CAST(NULL AS TEXT), i.asked_at, i.number, CAST(NULL AS TEXT), 1 \
                     FROM inquiries i JOIN cases c ON c.id = i.case_id \
                     WHERE i.asker_officer_id IS NOT NULL AND i.asked_at >= ?"
                ),
                vals![since_ms],
            )
            .await?;
        // Reviewed cases graded 瑕疵 or 不合格, for each officer answerable for the case.
        let graded = responsible_union(
            "CASE WHEN r.grade = 'failed' THEN 'review_failed' ELSE 'review_flawed' END, r.id, c.id, c.number, CAST(NULL AS TEXT), r.scored_at, r.grade, CAST(NULL AS TEXT), 1",
            "r.scored_at >= ? AND r.grade IN ('flawed', 'failed')",
        );
        items += sql
            .exec(
                &txn,
                &format!("INSERT INTO warning_items ({ITEM_COLUMNS}) {graded}"),
                vals![since_ms, since_ms, since_ms],
            )
            .await?;
        // The defects those reviews found (any grade), one item per sample carrying the number of defects.
        let defects = responsible_union(
            "'review_defect', r.id, c.id, c.number, CAST(NULL AS TEXT), r.scored_at, r.grade, CAST(NULL AS TEXT), r.defects",
            "r.scored_at >= ? AND r.defects > 0",
        );
        items += sql
            .exec(
                &txn,
                &format!("INSERT INTO warning_items ({ITEM_COLUMNS}) {defects}"),
                vals![since_ms, since_ms, since_ms],
            )
            .await?;
        // Findings the self-report did not cover ("自查从宽、被查从严"): decided strict or partly lenient.
        items += sql
            .exec(
                &txn,
                &format!(
                    "INSERT INTO warning_items ({ITEM_COLUMNS}) \
                     SELECT f.officer_id, CASE WHEN f.outcome = 'strict' THEN 'self_report_strict' ELSE 'self_report_partial' END, \
                       f.id, f.id, f.number, f.found_on, CAST(NULL AS BIGINT), f.category, f.outcome, 1 \
                     FROM findings f WHERE f.outcome IN ('strict', 'partly_lenient') AND f.found_on >= ?"
                ),
                vals![since_day.as_str()],
            )
            .await?;
        // Officers no longer active get no score; their facts are not kept either.
        items -= sql
            .exec(
                &txn,
                "DELETE FROM warning_items WHERE officer_id NOT IN (SELECT id FROM officers WHERE active = 1)",
                vals![],
            )
            .await?;

        let (score_sql, mut v) = score_statement(&settings, started);
        let officers = sql.exec(&txn, &score_sql, std::mem::take(&mut v)).await?;
        sql.exec(
            &txn,
            "INSERT INTO warning_units (unit_id, officers, score, watch, alert, computed_at) \
             SELECT o.unit_id, COUNT(*), CAST(COALESCE(SUM(w.score), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN w.level = 'watch' THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN w.level = 'alert' THEN 1 ELSE 0 END), 0) AS BIGINT), ? \
             FROM officers o LEFT JOIN warning_scores w ON w.officer_id = o.id WHERE o.active = 1 GROUP BY o.unit_id",
            vals![started],
        )
        .await?;
        let finished = now_ms();
        sql.exec(
            &txn,
            "INSERT INTO warning_runs (id, seq, as_of, since, settings, officers, items, run_by, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![new_id(), seq, as_of_day.as_str(), since_day.as_str(), settings_json.as_str(), officers as i64, items as i64, who.0.as_str(), started, finished],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            who,
            "warning.recompute",
            "warning_scores",
            &format!("as_of={as_of_day} since={since_day} officers={officers} items={items}"),
        )
        .await?;
        txn.commit().await?;
        Ok(officers)
    }
}

/// Scores from the gathered items: Σ weight × count per officer, the level by the two thresholds, and
/// the count of every kind as JSON (built with `||` so that one text serves both backends).
fn score_statement(s: &WarningSettings, computed_at: i64) -> (String, Vec<Value>) {
    let kinds = FactKind::all();
    let weight_case = kinds
        .iter()
        .map(|k| format!("WHEN '{}' THEN ?", k.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let facts = kinds
        .iter()
        .enumerate()
        .map(|(n, k)| {
            format!(
                "'{sep}\"{id}\":' || CAST(CAST(SUM(CASE WHEN i.kind = '{id}' THEN i.qty ELSE 0 END) AS BIGINT) AS TEXT)",
                sep = if n == 0 { "{" } else { "," },
                id = k.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(" || ");
    let text = format!(
        "INSERT INTO warning_scores (officer_id, unit_id, score, level, facts, computed_at) \
         SELECT t.officer_id, t.unit_id, t.score, \
           CASE WHEN t.score >= ? THEN 'alert' WHEN t.score >= ? THEN 'watch' ELSE 'normal' END, t.facts, ? \
         FROM (SELECT i.officer_id, o.unit_id, \
                 CAST(SUM(i.qty * CASE i.kind {weight_case} ELSE 0 END) AS BIGINT) AS score, \
                 {facts} || '}}' AS facts \
               FROM warning_items i JOIN officers o ON o.id = i.officer_id \
               GROUP BY i.officer_id, o.unit_id) t"
    );
    // Placeholders in the order they stand in the text: thresholds, time, then one weight per kind.
    let mut v = vals![i64::from(s.alert), i64::from(s.watch), computed_at];
    v.extend(
        kinds
            .iter()
            .map(|k| Value::from(i64::from(s.weights.get(*k)))),
    );
    (text, v)
}
