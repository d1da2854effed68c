//! Quarterly inquiry reports: each unit reports on the last finished quarter — its inquiries, or a nil
//! report (零报告) when nobody asked — once per quarter; units that have not are listed and reminded.

use std::collections::HashMap;

use domain::enforcement::inquiries::{Quarter, check_report};
use sea_orm::TransactionTrait;
use serde::Serialize;

use super::day_start_ms;
use crate::audit::{AuditActor, append};
use crate::clues::today;
use crate::db::{flag, get};
use crate::org::{Actor, Unit, is_unique_violation};
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// A unit's report for a quarter.
#[derive(Debug, Clone, Serialize)]
pub struct InquiryReport {
    pub id: String,
    pub unit_id: String,
    pub quarter: String,
    pub nil: bool,
    pub inquiries: i64,
    pub interference: i64,
    pub summary: String,
    pub filer_name: String,
    pub filed_at: i64,
}

/// Where one unit stands for a quarter.
#[derive(Debug, Clone, Serialize)]
pub struct UnitReport {
    pub unit: Unit,
    /// Inquiries recorded about the unit's own cases in the quarter.
    pub recorded: i64,
    pub interference: i64,
    pub report: Option<InquiryReport>,
}

/// (first ms, first ms after) of a quarter, Beijing time.
fn bounds(q: Quarter) -> (i64, i64) {
    (
        day_start_ms(q.first_day()),
        day_start_ms(q.next().first_day()),
    )
}

impl Store {
    /// (inquiries, of which interference) recorded about a unit's own cases in a quarter.
    pub async fn inquiry_count(&self, unit_id: &str, q: Quarter) -> Result<(i64, i64)> {
        let (from, to) = bounds(q);
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT COUNT(*) AS n, COALESCE(SUM(interference), 0) AS f FROM inquiries WHERE unit_id = ? AND asked_at >= ? AND asked_at < ?",
                vals![unit_id, from, to],
            )
            .await?;
        match r {
            Some(r) => Ok((
                r.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0),
                r.try_get_by_index::<Option<i64>>(1)?.unwrap_or(0),
            )),
            None => Ok((0, 0)),
        }
    }

    /// Files a unit's report (or nil report) for a finished quarter; one per unit and quarter. The counts
    /// are taken from the records at filing time, so a nil report is refused when inquiries exist.
    pub async fn file_inquiry_report(
        &self,
        actor: &Actor,
        unit_id: &str,
        q: Quarter,
        nil: bool,
        summary: &str,
    ) -> Result<String> {
        let unit = self
            .unit_in_scope(actor, unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid("unit", "请选择本人权限范围内的单位"),
                other => other,
            })?;
        let (n, interference) = self.inquiry_count(&unit.id, q).await?;
        let summary = check_report(q, today(), nil, n, summary)?.unwrap_or_default();
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let id = new_id();
        Sql::of(&txn)
            .exec(
                &txn,
                "INSERT INTO inquiry_reports (id, unit_id, quarter, nil, inquiries, interference, summary, filed_by, filer_name, filed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vals![id.as_str(), unit.id.as_str(), q.as_string(), flag(nil), n, interference, summary.as_str(), actor.user_id.as_str(), actor.display_name.as_str(), now],
            )
            .await
            .map_err(|e| match e {
                StoreError::Db(ref d) if is_unique_violation(d) => StoreError::invalid(
                    "quarter",
                    format!("{}已报送{}的报告，不能重复报送", unit.name, q.label()),
                ),
                other => other,
            })?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            if nil {
                "inquiry.nil_report"
            } else {
                "inquiry.report"
            },
            &format!("unit:{}", unit.code),
            &format!(
                "{} inquiries={n} interference={interference}",
                q.as_string()
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Every unit in the actor's scope with its records and its report (if filed) for the quarter.
    pub async fn inquiry_reports(&self, actor: &Actor, q: Quarter) -> Result<Vec<UnitReport>> {
        let units = self.units_in_scope(actor).await?;
        let sql = Sql::of(&self.db);
        let (scope, mut v) = actor.scope_condition("unit_id");
        v.push(sea_orm::Value::from(q.as_string()));
        let mut reports: HashMap<String, InquiryReport> = HashMap::new();
        for r in sql
            .all(
                &self.db,
                &format!("SELECT id, unit_id, quarter, nil, inquiries, interference, summary, filer_name, filed_at FROM inquiry_reports WHERE {scope} AND quarter = ?"),
                v,
            )
            .await?
        {
            let rep = InquiryReport {
                id: get(&r, "id")?,
                unit_id: get(&r, "unit_id")?,
                quarter: get(&r, "quarter")?,
                nil: get::<i32>(&r, "nil")? != 0,
                inquiries: get(&r, "inquiries")?,
                interference: get(&r, "interference")?,
                summary: get(&r, "summary")?,
                filer_name: get(&r, "filer_name")?,
                filed_at: get(&r, "filed_at")?,
            };
            reports.insert(rep.unit_id.clone(), rep);
        }
        let (from, to) = bounds(q);
        let (scope, mut v) = actor.scope_condition("unit_id");
        v.extend(vals![from, to]);
        let mut counts: HashMap<String, (i64, i64)> = HashMap::new();
        for r in sql
            .all(
                &self.db,
                &format!("SELECT unit_id, COUNT(*) AS n, COALESCE(SUM(interference), 0) AS f FROM inquiries WHERE {scope} AND asked_at >= ? AND asked_at < ? GROUP BY unit_id"),
                v,
            )
            .await?
        {
            counts.insert(
                get(&r, "unit_id")?,
                (
                    get::<Option<i64>>(&r, "n")?.unwrap_or(0),
                    get::<Option<i64>>(&r, "f")?.unwrap_or(0),
                ),
            );
        }
        Ok(units
            .into_iter()
            .map(|u| {
                let (recorded, interference) = counts.get(&u.id).copied().unwrap_or((0, 0));
                UnitReport {
                    report: reports.remove(&u.id),
                    recorded,
                    interference,
                    unit: u,
                }
            })
            .collect())
    }

    /// Reminds every unit that has not filed its report for the last finished quarter, once per unit
    /// and quarter (a dedupe key), so the scan may run any number of times. Returns the notices written.
    pub async fn scan_inquiry_reports(&self) -> Result<u64> {
        let q = Quarter::last_finished(today());
        let sql = Sql::of(&self.db);
        let rows = sql
            .all(
                &self.db,
                "SELECT u.id, u.name FROM units u WHERE NOT EXISTS (SELECT 1 FROM inquiry_reports r WHERE r.unit_id = u.id AND r.quarter = ?) ORDER BY u.path",
                vals![q.as_string()],
            )
            .await?;
        let mut written = 0;
        for chunk in rows.chunks(500) {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            let tsql = Sql::of(&txn);
            let mut batch = 0;
            for r in chunk {
                let unit: String = get(r, "id")?;
                let name: String = get(r, "name")?;
                let msg = format!(
                    "{name}尚未报送{}过问案件登记情况季度报告，请尽快报送（无过问情况的请报送零报告）",
                    q.label()
                );
                let key = format!("inquiry_report:{}:{unit}", q.as_string());
                batch += tsql
                    .exec(
                        &txn,
                        "INSERT INTO notifications (id, unit_id, clue_id, kind, message, dedupe_key, created_at) VALUES (?, ?, NULL, 'reminder', ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                        vals![new_id(), unit.as_str(), msg.as_str(), key, now_ms()],
                    )
                    .await?;
            }
            if batch > 0 {
                append(
                    &txn,
                    &self.audit_key(),
                    &AuditActor::system(),
                    "job.inquiry_reports",
                    "inquiries",
                    &format!("{} {batch} notices", q.as_string()),
                )
                .await?;
            }
            txn.commit().await?;
            written += batch;
        }
        Ok(written)
    }
}
