//! Inquiry records (过问案件登记, "逢问必录"): recording who asked about a case, flagging a leader's
//! inquiry from outside the case as interference and reporting it to the office, and the scoped list.
//! The quarterly reports (零报告) are in `reports`, the patterns the office looks for in `patterns`.

mod patterns;
mod reports;

use chrono::{NaiveDate, TimeZone};
use domain::access::Permission;
use domain::enforcement::inquiries::{
    Channel, InterferenceCheck, ValidInquiry, check_interference,
};
use domain::org::Role;
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use super::cases::{CASE_COLUMNS, CASE_FROM, Case, case_from};
use crate::audit::append;
use crate::clues::{local_offset, today};
use crate::db::{flag, get};
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

pub use patterns::{AskerPattern, CasePattern};
pub use reports::{InquiryReport, UnitReport};

/// `inquiries` keeps every record; the early-warning part reads case_id, asker_officer_id, interference,
/// asked_at and unit_id (the case's unit). `inquiry_reports` holds one quarterly report per unit.
pub(crate) const MIGRATION_SQL: &str = r#"
CREATE TABLE inquiries (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, case_id TEXT NOT NULL REFERENCES cases(id),
  unit_id TEXT NOT NULL REFERENCES units(id), asker_name TEXT NOT NULL, asker_position TEXT NOT NULL,
  asker_unit TEXT NOT NULL, asker_officer_id TEXT REFERENCES officers(id), asked_at BIGINT NOT NULL,
  channel TEXT NOT NULL, content TEXT NOT NULL, handling TEXT NOT NULL, leader INTEGER NOT NULL,
  interference INTEGER NOT NULL, reason TEXT NOT NULL, recorded_by TEXT NOT NULL, recorder_name TEXT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE INDEX inquiries_unit ON inquiries(unit_id, asked_at);
CREATE INDEX inquiries_case ON inquiries(case_id);
CREATE INDEX inquiries_asker ON inquiries(asker_officer_id, asked_at);
CREATE INDEX inquiries_recorder ON inquiries(recorded_by, created_at);
CREATE TABLE inquiry_reports (
  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), quarter TEXT NOT NULL, nil INTEGER NOT NULL,
  inquiries BIGINT NOT NULL, interference BIGINT NOT NULL, summary TEXT NOT NULL, filed_by TEXT NOT NULL,
  filer_name TEXT NOT NULL, filed_at BIGINT NOT NULL, UNIQUE (unit_id, quarter))
"#;

/// One inquiry record as lists and its page show it.
#[derive(Debug, Clone, Serialize)]
pub struct Inquiry {
    pub id: String,
    pub number: String,
    pub case_id: String,
    pub case_number: String,
    pub case_title: String,
    pub unit_id: String,
    pub unit_name: String,
    pub asker_name: String,
    pub asker_position: String,
    pub asker_unit: String,
    pub asker_officer_id: Option<String>,
    pub asker_badge: Option<String>,
    pub asked_at: i64,
    pub channel: String,
    pub content: String,
    pub handling: String,
    pub leader: bool,
    pub interference: bool,
    /// Why it was or was not flagged.
    pub reason: String,
    pub recorded_by: String,
    pub recorder_name: String,
    pub created_at: i64,
}

const INQUIRY_COLUMNS: &str = "i.id, i.number, i.case_id, k.number AS case_number, k.title AS case_title, i.unit_id, u.name AS unit_name, i.asker_name, i.asker_position, i.asker_unit, i.asker_officer_id, o.badge AS asker_badge, i.asked_at, i.channel, i.content, i.handling, i.leader, i.interference, i.reason, i.recorded_by, i.recorder_name, i.created_at";
const INQUIRY_FROM: &str = "inquiries i JOIN cases k ON k.id = i.case_id JOIN units u ON u.id = i.unit_id LEFT JOIN officers o ON o.id = i.asker_officer_id";

fn inquiry_from(r: &QueryResult) -> Result<Inquiry> {
    Ok(Inquiry {
        id: get(r, "id")?,
        number: get(r, "number")?,
        case_id: get(r, "case_id")?,
        case_number: get(r, "case_number")?,
        case_title: get(r, "case_title")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        asker_name: get(r, "asker_name")?,
        asker_position: get(r, "asker_position")?,
        asker_unit: get(r, "asker_unit")?,
        asker_officer_id: get(r, "asker_officer_id")?,
        asker_badge: get(r, "asker_badge")?,
        asked_at: get(r, "asked_at")?,
        channel: get(r, "channel")?,
        content: get(r, "content")?,
        handling: get(r, "handling")?,
        leader: get::<i32>(r, "leader")? != 0,
        interference: get::<i32>(r, "interference")? != 0,
        reason: get(r, "reason")?,
        recorded_by: get(r, "recorded_by")?,
        recorder_name: get(r, "recorder_name")?,
        created_at: get(r, "created_at")?,
    })
}

/// What a list of inquiries is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct InquiryFilter {
    pub unit_id: Option<String>,
    pub case_id: Option<String>,
    pub channel: Option<Channel>,
    pub interference: bool,
    /// Asked on or after this day (Beijing).
    pub from: Option<NaiveDate>,
    /// Asked on or before this day.
    pub to: Option<NaiveDate>,
    /// Part of the case number, the asker's name or unit.
    pub q: Option<String>,
}

/// Epoch milliseconds of a Beijing day's midnight.
pub(crate) fn day_start_ms(d: NaiveDate) -> i64 {
    local_offset()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

/// What a recorded inquiry came to.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: String,
    pub number: String,
    pub check: InterferenceCheck,
}

impl Store {
    /// Rows the actor may read: everything in scope for those who view inquiry records, otherwise only
    /// the records they made themselves.
    fn inquiry_where(&self, actor: &Actor, f: &InquiryFilter) -> (String, Vec<Value>) {
        let (mut w, mut v) = if actor.role.can(Permission::ViewInquiries) {
            let (s, v) = actor.scope_condition("i.unit_id");
            (vec![s], v)
        } else {
            (
                vec!["i.recorded_by = ?".to_string()],
                vals![actor.user_id.as_str()],
            )
        };
        if let Some(u) = &f.unit_id {
            w.push("i.unit_id = ?".into());
            v.push(Value::from(u.as_str()));
        }
        if let Some(c) = &f.case_id {
            w.push("i.case_id = ?".into());
            v.push(Value::from(c.as_str()));
        }
        if let Some(c) = f.channel {
            w.push("i.channel = ?".into());
            v.push(Value::from(c.as_str()));
        }
        if f.interference {
            w.push("i.interference = 1".into());
        }
        if let Some(d) = f.from {
            w.push("i.asked_at >= ?".into());
            v.push(Value::from(day_start_ms(d)));
        }
        if let Some(d) = f.to.and_then(|d| d.succ_opt()) {
            w.push("i.asked_at < ?".into());
            v.push(Value::from(day_start_ms(d)));
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            w.push("(i.case_id IN (SELECT id FROM cases WHERE number LIKE ?) OR i.asker_name LIKE ? OR i.asker_unit LIKE ?)".into());
            let like = format!("%{}%", q.replace(['%', '_'], ""));
            v.extend([
                Value::from(like.clone()),
                Value::from(like.clone()),
                Value::from(like),
            ]);
        }
        (w.join(" AND "), v)
    }

    pub async fn inquiries(
        &self,
        actor: &Actor,
        f: &InquiryFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Inquiry>, i64)> {
        let (w, mut v) = self.inquiry_where(actor, f);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM inquiries i WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!("SELECT {INQUIRY_COLUMNS} FROM {INQUIRY_FROM} WHERE {w} ORDER BY i.asked_at DESC, i.id DESC LIMIT ? OFFSET ?"),
                v,
            )
            .await?;
        Ok((rows.iter().map(inquiry_from).collect::<Result<_>>()?, total))
    }

    /// The records after `after` (by id), for exports.
    pub async fn inquiries_after(
        &self,
        actor: &Actor,
        f: &InquiryFilter,
        after: &str,
        limit: u64,
    ) -> Result<Vec<Inquiry>> {
        let (w, mut v) = self.inquiry_where(actor, f);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {INQUIRY_COLUMNS} FROM {INQUIRY_FROM} WHERE {w} AND i.id > ? ORDER BY i.id LIMIT ?"),
                v,
            )
            .await?;
        rows.iter().map(inquiry_from).collect()
    }

    /// The record if the actor may read it; `NotFound` otherwise.
    pub async fn inquiry_in_scope(&self, actor: &Actor, id: &str) -> Result<Inquiry> {
        let (w, mut v) = self.inquiry_where(actor, &InquiryFilter::default());
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {INQUIRY_COLUMNS} FROM {INQUIRY_FROM} WHERE {w} AND i.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        inquiry_from(&r)
    }

    /// The case an inquiry may be recorded about: an officer's own cases (any role in it), anyone
    /// else's cases in their scope. `NotFound` otherwise.
    pub async fn case_for_inquiry(&self, actor: &Actor, number: &str) -> Result<Case> {
        if actor.role != Role::Officer {
            return self.case_by_number(actor, number).await;
        }
        let Some(officer) = &actor.officer_id else {
            return Err(StoreError::NotFound);
        };
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE c.number = ? AND c.id IN (SELECT case_id FROM case_officers WHERE officer_id = ?)"),
                vals![number.trim(), officer.as_str()],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        case_from(&r, today())
    }

    /// The cases an officer handled, decided or led, newest first (to pick from when recording).
    pub async fn cases_of_officer(&self, officer_id: &str, limit: u64) -> Result<Vec<Case>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE c.id IN (SELECT case_id FROM case_officers WHERE officer_id = ?) ORDER BY c.received_on DESC, c.id DESC LIMIT ?"),
                vals![officer_id, limit as i64],
            )
            .await?;
        let t = today();
        rows.iter().map(|r| case_from(r, t)).collect()
    }

    /// Records an inquiry. A leader (by position or the form's flag) who is not among the case's
    /// officers is interference: the record is flagged and the office (the root unit) gets a notice, in
    /// the same transaction as the record and its audit row.
    pub async fn record_inquiry(&self, actor: &Actor, v: &ValidInquiry) -> Result<Recorded> {
        let case = self
            .case_for_inquiry(actor, &v.case_number)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid(
                    "case",
                    if actor.role == Role::Officer {
                        "案件编号不存在，或不是您承办的案件（干警登记本人承办案件的过问情况）"
                    } else {
                        "案件编号不存在，或不在您的权限范围内"
                    },
                ),
                other => other,
            })?;
        let asker = match &v.asker_badge {
            Some(b) => Some(
                self.officers_by_badges(&[b.as_str()])
                    .await?
                    .remove(b.as_str())
                    .ok_or_else(|| {
                        StoreError::invalid(
                            "asker_badge",
                            format!("警号「{b}」不在花名册中；过问人不在花名册中的请不填警号"),
                        )
                    })?,
            ),
            None => None,
        };
        let name = v
            .asker_name
            .clone()
            .or_else(|| asker.as_ref().map(|o| o.name.clone()))
            .unwrap_or_default();
        let position = v
            .asker_position
            .clone()
            .or_else(|| asker.as_ref().map(|o| o.position.clone()))
            .unwrap_or_default();
        let asker_unit = v
            .asker_unit
            .clone()
            .or_else(|| asker.as_ref().map(|o| o.unit_name.clone()))
            .unwrap_or_default();
        let among = match &asker {
            Some(o) => self.is_case_officer(&case.id, &o.id).await?,
            None => false,
        };
        let check = check_interference(v.leader, &position, among);
        let asked_at = local_offset()
            .from_local_datetime(&v.asked_at)
            .single()
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| StoreError::invalid("asked_at", "过问时间不正确"))?;
        let now = now_ms();
        let root = self.root_unit().await?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let number = crate::tips::next_number(&txn, "GW", now).await?;
        let id = new_id();
        sql.exec(
            &txn,
            "INSERT INTO inquiries (id, number, case_id, unit_id, asker_name, asker_position, asker_unit, asker_officer_id, asked_at, channel, content, handling, leader, interference, reason, recorded_by, recorder_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![
                id.as_str(), number.as_str(), case.id.as_str(), case.unit_id.as_str(), name.as_str(), position.as_str(),
                asker_unit.as_str(), asker.as_ref().map(|o| o.id.clone()), asked_at, v.channel.as_str(), v.content.as_str(),
                v.handling.as_str(), flag(check.leader), flag(check.interference), check.because.as_str(),
                actor.user_id.as_str(), actor.display_name.as_str(), now
            ],
        )
        .await?;
        if check.interference {
            let who = if position.is_empty() {
                format!("{name}（{asker_unit}）")
            } else {
                format!("{name}（{asker_unit}{position}）")
            };
            let msg = format!(
                "干预司法通报：{who}于{}以{}方式过问{}案件{}「{}」，不在该案办案人员之列（过问登记{number}）",
                v.asked_at.format("%Y-%m-%d %H:%M"),
                v.channel.label(),
                case.unit_name,
                case.number,
                case.title
            );
            sql.exec(
                &txn,
                "INSERT INTO notifications (id, unit_id, clue_id, kind, message, dedupe_key, created_at) VALUES (?, ?, NULL, 'interference', ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                vals![new_id(), root.id.as_str(), msg.as_str(), format!("inquiry:interference:{id}"), now],
            )
            .await?;
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "inquiry.record",
            &format!("inquiry:{number}"),
            &format!(
                "case={} leader={} interference={}",
                case.number, check.leader, check.interference
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(Recorded { id, number, check })
    }
}
