//! Activities and attendance: creating an activity, scoped lists, the attendance sheet, bulk import
//! (all-or-nothing, row-level errors, batched inserts), manual marking, and sign-in with the venue code.
//!
//! The venue code is HMAC-SM3 over (activity, minute) under a per-activity secret, which is itself
//! HMAC-SM3 of a random salt stored with the activity under a key derived from the master key: a copy
//! of the database alone does not yield the codes.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, TimeZone};
use domain::study::{
    ActivityDraft, ActivityKind, AttendanceMethod, CodeMatch, check_venue_code, code_from_mac,
    code_message, code_seconds_left, code_window,
};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::clues::{local_date, local_offset};
use crate::db::get;
use crate::org::{Actor, is_unique_violation};
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub id: String,
    pub campaign_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub kind: String,
    pub title: String,
    pub day: String,
    pub minutes: i64,
    pub venue: String,
    pub cases: Option<String>,
    pub attendees: i64,
    pub created_at: i64,
}

impl Activity {
    pub fn kind_label(&self) -> &'static str {
        ActivityKind::parse(&self.kind)
            .map(|k| k.label())
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub campaign_id: Option<String>,
    pub unit_id: Option<String>,
    pub kind: Option<ActivityKind>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attendee {
    pub officer_id: String,
    pub name: String,
    pub badge: String,
    pub unit_name: String,
    pub signed_at: Option<i64>,
    pub method: String,
    pub recorded_at: i64,
}

impl Attendee {
    pub fn method_label(&self) -> &'static str {
        AttendanceMethod::parse(&self.method)
            .map(|m| m.label())
            .unwrap_or("")
    }
}

/// One row of an attendance sheet as read, with the row number Excel shows.
#[derive(Debug, Clone)]
pub struct AttendanceImport {
    pub row: usize,
    pub badge: String,
    pub name: String,
    pub signed_at: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportSummary {
    /// Rows newly recorded.
    pub added: u64,
    /// Rows for officers already recorded for the activity (left as they were).
    pub already: u64,
}

/// Problems found in an import, by row; the import wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    pub row: usize,
    pub column: Option<&'static str>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkOutcome {
    Marked { name: String },
    Already { name: String, at: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    Signed {
        title: String,
        at: i64,
    },
    /// Already signed in for this activity: once is enough.
    Already {
        title: String,
        at: i64,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct VenueCode {
    pub code: String,
    pub seconds_left: i64,
}

const ACTIVITY_COLUMNS: &str = "a.id, a.campaign_id, a.unit_id, u.name AS unit_name, a.kind, a.title, a.day, a.minutes, a.venue, a.cases, a.created_at, \
     (SELECT COUNT(*) FROM study_attendance t WHERE t.activity_id = a.id) AS attendees";

fn activity_from(r: &QueryResult) -> Result<Activity> {
    Ok(Activity {
        id: get(r, "id")?,
        campaign_id: get(r, "campaign_id")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        kind: get(r, "kind")?,
        title: get(r, "title")?,
        day: get(r, "day")?,
        minutes: i64::from(get::<i32>(r, "minutes")?),
        venue: get(r, "venue")?,
        cases: get(r, "cases")?,
        attendees: get(r, "attendees")?,
        created_at: get(r, "created_at")?,
    })
}

/// Epoch milliseconds of a local (Beijing) wall-clock time.
pub(crate) fn local_ms(dt: chrono::NaiveDateTime) -> i64 {
    local_offset()
        .from_local_datetime(&dt)
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

/// Rows an import may hold; also the bar the benchmark imports.
pub const MAX_ATTENDANCE_ROWS: usize = 1_000_000;
/// Rows per INSERT statement (three values each, well under both backends' parameter limits).
const INSERT_BATCH: usize = 1000;
/// Badges looked up per query.
const LOOKUP_BATCH: usize = 500;
/// Errors collected before giving up on a file: enough to fix a sheet, bounded for a hostile one.
const MAX_ISSUES: usize = 1000;

impl Store {
    fn activity_where(actor: &Actor, f: &ActivityFilter) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("a.unit_id");
        let mut w = vec![scope];
        if let Some(c) = &f.campaign_id {
            w.push("a.campaign_id = ?".into());
            v.push(Value::from(c.as_str()));
        }
        if let Some(u) = &f.unit_id {
            w.push("a.unit_id = ?".into());
            v.push(Value::from(u.as_str()));
        }
        if let Some(k) = f.kind {
            w.push("a.kind = ?".into());
            v.push(Value::from(k.as_str()));
        }
        (w.join(" AND "), v)
    }

    pub async fn create_activity(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: &str,
        d: &ActivityDraft,
    ) -> Result<String> {
        let campaign = self.study_campaign(campaign_id, "campaign_id").await?;
        let unit = self
            .unit_in_scope(actor, unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("unit_id", "请选择本人权限范围内的单位")
                }
                other => other,
            })?;
        let id = new_id();
        let salt = crypto::random_bytes::<16>().to_vec();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        Sql::of(&txn)
            .exec(
                &txn,
                "INSERT INTO study_activities (id, campaign_id, unit_id, kind, title, day, minutes, venue, cases, code_salt, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vals![
                    id.as_str(), campaign.id.as_str(), unit.id.as_str(), d.kind.as_str(), d.title.as_str(), d.day.format("%Y-%m-%d").to_string(),
                    d.minutes as i32, d.venue.as_str(), d.cases.clone(), salt, actor.user_id.as_str(), now_ms()
                ],
            )
            .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.activity_create",
            &format!("study_activity:{id}"),
            &format!("{} {} {}", d.kind.as_str(), d.day, unit.code),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn activities(
        &self,
        actor: &Actor,
        f: &ActivityFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Activity>, i64)> {
        let (w, mut v) = Self::activity_where(actor, f);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM study_activities a WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(&self.db, &format!("SELECT {ACTIVITY_COLUMNS} FROM study_activities a JOIN units u ON u.id = a.unit_id WHERE {w} ORDER BY a.day DESC, a.id DESC LIMIT ? OFFSET ?"), v)
            .await?;
        Ok((
            rows.iter().map(activity_from).collect::<Result<_>>()?,
            total,
        ))
    }

    /// One page after `after` (by id), for exports that walk every row without holding them.
    pub async fn activities_after(
        &self,
        actor: &Actor,
        f: &ActivityFilter,
        after: &str,
        limit: u64,
    ) -> Result<Vec<Activity>> {
        let (w, mut v) = Self::activity_where(actor, f);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {ACTIVITY_COLUMNS} FROM study_activities a JOIN units u ON u.id = a.unit_id WHERE {w} AND a.id > ? ORDER BY a.id LIMIT ?"),
                v,
            )
            .await?;
        rows.iter().map(activity_from).collect()
    }

    /// The activity if it lies in the actor's scope; `NotFound` otherwise.
    pub async fn activity_in_scope(&self, actor: &Actor, id: &str) -> Result<Activity> {
        let (w, mut v) = Self::activity_where(actor, &ActivityFilter::default());
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {ACTIVITY_COLUMNS} FROM study_activities a JOIN units u ON u.id = a.unit_id WHERE {w} AND a.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        activity_from(&r)
    }

    /// The attendance sheet of an activity in scope, by unit and badge.
    pub async fn attendance(
        &self,
        actor: &Actor,
        activity_id: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Attendee>, i64)> {
        let a = self.activity_in_scope(actor, activity_id).await?;
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                "SELECT COUNT(*) FROM study_attendance WHERE activity_id = ?",
                vals![a.id.as_str()],
            )
            .await?;
        let rows = sql
            .all(
                &self.db,
                "SELECT t.officer_id, o.name, o.badge, u.name AS unit_name, t.signed_at, t.method, t.recorded_at FROM study_attendance t JOIN officers o ON o.id = t.officer_id JOIN units u ON u.id = o.unit_id WHERE t.activity_id = ? ORDER BY o.badge LIMIT ? OFFSET ?",
                vals![a.id.as_str(), limit as i64, offset as i64],
            )
            .await?;
        Ok((
            rows.iter().map(attendee_from).collect::<Result<_>>()?,
            total,
        ))
    }

    /// One page of the sheet after an officer id, for the export: it walks the (activity, officer) index,
    /// so every page costs the same however long the sheet is.
    pub async fn attendance_after(
        &self,
        actor: &Actor,
        activity_id: &str,
        after_officer: &str,
        limit: u64,
    ) -> Result<Vec<Attendee>> {
        let a = self.activity_in_scope(actor, activity_id).await?;
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT t.officer_id, o.name, o.badge, u.name AS unit_name, t.signed_at, t.method, t.recorded_at FROM study_attendance t JOIN officers o ON o.id = t.officer_id JOIN units u ON u.id = o.unit_id WHERE t.activity_id = ? AND t.officer_id > ? ORDER BY t.officer_id LIMIT ?",
                vals![a.id.as_str(), after_officer, limit as i64],
            )
            .await?;
        rows.iter().map(attendee_from).collect()
    }

    /// Marks one officer (by badge) present. The officer must belong to the activity's unit or a unit
    /// below it, and lie in the actor's scope.
    pub async fn mark_attendance(
        &self,
        actor: &Actor,
        activity_id: &str,
        badge: &str,
    ) -> Result<MarkOutcome> {
        let a = self.activity_in_scope(actor, activity_id).await?;
        let badge = badge.trim();
        if badge.is_empty() {
            return Err(StoreError::invalid("badge", "请填写警号"));
        }
        let unit_path = self.unit_by_id(&a.unit_id).await?.path;
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT o.id, o.name, o.active, u.path FROM officers o JOIN units u ON u.id = o.unit_id WHERE o.badge = ?",
                vals![badge],
            )
            .await?;
        let out_of_range = || {
            StoreError::invalid(
                "badge",
                format!(
                    "警号「{badge}」不在本活动可登记的范围内（须为本活动单位及下级单位在册干警）"
                ),
            )
        };
        let r = r.ok_or_else(out_of_range)?;
        let path: String = get(&r, "path")?;
        if !path.starts_with(&unit_path)
            || !actor.covers_path(&path)
            || get::<i32>(&r, "active")? == 0
        {
            return Err(out_of_range());
        }
        let officer_id: String = get(&r, "id")?;
        let name: String = get(&r, "name")?;
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        if let Some(at) = existing_signin(&txn, &a.id, &officer_id).await? {
            return Ok(MarkOutcome::Already { name, at });
        }
        insert_attendance(
            &txn,
            &a.id,
            &officer_id,
            Some(now),
            AttendanceMethod::Manual,
            Some(&actor.user_id),
            now,
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.attendance_mark",
            &format!("study_activity:{}", a.id),
            badge,
        )
        .await?;
        txn.commit().await?;
        Ok(MarkOutcome::Marked { name })
    }

    /// Takes an officer off an activity's sheet (recorded by mistake).
    pub async fn remove_attendance(
        &self,
        actor: &Actor,
        activity_id: &str,
        officer_id: &str,
    ) -> Result<()> {
        let a = self.activity_in_scope(actor, activity_id).await?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let badge = sql
            .one(
                &txn,
                "SELECT o.badge FROM study_attendance t JOIN officers o ON o.id = t.officer_id WHERE t.activity_id = ? AND t.officer_id = ?",
                vals![a.id.as_str(), officer_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let badge: String = get(&badge, "badge")?;
        sql.exec(
            &txn,
            "DELETE FROM study_attendance WHERE activity_id = ? AND officer_id = ?",
            vals![a.id.as_str(), officer_id],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.attendance_remove",
            &format!("study_activity:{}", a.id),
            &badge,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Imports an attendance sheet: every row is checked first (badge on the roster, in range, name as on
    /// the roster, time on the activity's day, no badge twice), without holding the writer; then, only if
    /// all rows are good, every row goes in through batched multi-row inserts in one transaction. Officers
    /// already recorded are left as they were and counted. `Ok(Err(issues))` means nothing was written.
    pub async fn import_attendance(
        &self,
        actor: &Actor,
        activity_id: &str,
        rows: Vec<AttendanceImport>,
    ) -> Result<std::result::Result<ImportSummary, Vec<RowIssue>>> {
        let a = self.activity_in_scope(actor, activity_id).await?;
        if rows.len() > MAX_ATTENDANCE_ROWS {
            return Ok(Err(vec![RowIssue {
                row: 0,
                column: None,
                message: format!("一次最多导入{MAX_ATTENDANCE_ROWS}行，请分批导入"),
            }]));
        }
        let day = NaiveDate::parse_from_str(&a.day, "%Y-%m-%d")
            .map_err(|_| StoreError::Integrity("activity day".into()))?;
        let sql = Sql::of(&self.db);
        // The units whose officers may go on this sheet: the activity's unit and those below it, within the
        // actor's scope. Checked by id per row, so the roster lookups need no join.
        let unit_path = self.unit_by_id(&a.unit_id).await?.path;
        let mut allowed: HashSet<String> = HashSet::new();
        for r in sql
            .all(
                &self.db,
                "SELECT id, path FROM units WHERE path LIKE ?",
                vals![format!("{unit_path}%")],
            )
            .await?
        {
            if actor.covers_path(&get::<String>(&r, "path")?) {
                allowed.insert(get(&r, "id")?);
            }
        }
        let started = std::time::Instant::now();
        let mut issues: Vec<RowIssue> = Vec::new();
        // (officer, row, time); a badge given twice is found after the pass by sorting, which holds no
        // second copy of a million badges the way a map would.
        let mut good: Vec<(String, usize, Option<i64>)> = Vec::with_capacity(rows.len());
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() && issues.len() < MAX_ISSUES {
            let chunk: Vec<AttendanceImport> = rows.by_ref().take(LOOKUP_BATCH).collect();
            let badges: HashSet<&str> = chunk
                .iter()
                .map(|r| r.badge.trim())
                .filter(|b| !b.is_empty())
                .collect();
            let mut roster: HashMap<String, (String, String, bool, String)> =
                HashMap::with_capacity(badges.len());
            if !badges.is_empty() {
                let marks = vec!["?"; badges.len()].join(",");
                let v: Vec<Value> = badges.iter().map(|b| Value::from(*b)).collect();
                let found = sql
                    .all(
                        &self.db,
                        &format!("SELECT id, badge, name, active, unit_id FROM officers WHERE badge IN ({marks})"),
                        v,
                    )
                    .await?;
                for r in &found {
                    roster.insert(
                        get(r, "badge")?,
                        (
                            get(r, "id")?,
                            get(r, "name")?,
                            get::<i32>(r, "active")? != 0,
                            get(r, "unit_id")?,
                        ),
                    );
                }
            }
            for r in chunk {
                let mut issue = |column: Option<&'static str>, message: String| {
                    issues.push(RowIssue {
                        row: r.row,
                        column,
                        message,
                    })
                };
                let badge = r.badge.trim();
                if badge.is_empty() {
                    issue(Some("警号"), "不能为空".into());
                    continue;
                }
                let Some((officer_id, roster_name, active, unit_id)) = roster.get(badge) else {
                    issue(
                        Some("警号"),
                        format!("「{}」不在干警花名册中", shorten(badge)),
                    );
                    continue;
                };
                if !*active || !allowed.contains(unit_id) {
                    issue(
                        Some("警号"),
                        format!(
                            "「{badge}」不在本活动可登记的范围内（须为本活动单位及下级单位在册干警）"
                        ),
                    );
                    continue;
                }
                let name = r.name.trim();
                if name.is_empty() {
                    issue(Some("姓名"), "不能为空".into());
                    continue;
                }
                if name != roster_name {
                    issue(
                        Some("姓名"),
                        format!(
                            "「{}」与花名册不符（警号{badge}登记的姓名为{roster_name}）",
                            shorten(name)
                        ),
                    );
                    continue;
                }
                let signed_at = match domain::study::parse_signin_time(&r.signed_at, day) {
                    Ok(t) => t.map(local_ms),
                    Err(e) => {
                        issue(Some("签到时间"), e.message);
                        continue;
                    }
                };
                good.push((officer_id.clone(), r.row, signed_at));
            }
        }
        good.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut first = 0;
        for i in 1..good.len() {
            if good[i].0 != good[first].0 {
                first = i;
            } else if issues.len() < MAX_ISSUES {
                issues.push(RowIssue {
                    row: good[i].1,
                    column: Some("警号"),
                    message: format!("与第{}行重复", good[first].1),
                });
            }
        }
        if !issues.is_empty() {
            return Ok(Err(issues));
        }
        let checked = started.elapsed();
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let mut added = 0u64;
        // What is the same for every row is bound once per statement; each row brings three values.
        for chunk in good.chunks(INSERT_BATCH) {
            let mut v: Vec<Value> = Vec::with_capacity(4 + chunk.len() * 3);
            v.extend(vals![
                a.id.as_str(),
                AttendanceMethod::Import.as_str(),
                actor.user_id.as_str(),
                now
            ]);
            for (officer_id, _, signed_at) in chunk {
                v.extend(vals![new_id(), officer_id.as_str(), *signed_at]);
            }
            let marks = vec!["(?, ?, ?)"; chunk.len()].join(", ");
            // `WHERE 1 = 1` keeps SQLite from reading ON CONFLICT as a join constraint.
            added += sql
                .exec(
                    &txn,
                    &format!(
                        "INSERT INTO study_attendance (id, activity_id, officer_id, signed_at, method, recorded_by, recorded_at) \
                         SELECT v.column1, ?, v.column2, v.column3, ?, ?, ? FROM (VALUES {marks}) AS v WHERE 1 = 1 \
                         ON CONFLICT (activity_id, officer_id) DO NOTHING"
                    ),
                    v,
                )
                .await?;
        }
        let summary = ImportSummary {
            added,
            already: good.len() as u64 - added,
        };
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.attendance_import",
            &format!("study_activity:{}", a.id),
            &format!("added={} already={}", summary.added, summary.already),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(
            rows = good.len(),
            added = summary.added,
            check_ms = checked.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "attendance import"
        );
        Ok(Ok(summary))
    }

    fn venue_secret(&self, salt: &[u8]) -> [u8; 32] {
        crypto::hmac_sm3(&self.keyring.derive("study-venue-code"), salt)
    }

    async fn activity_salt(&self, id: &str) -> Result<Vec<u8>> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT code_salt FROM study_activities WHERE id = ?",
                vals![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        get(&r, "code_salt")
    }

    /// The code to show at the venue at `now_ms`, for an organiser whose scope holds the activity.
    pub async fn venue_code(
        &self,
        actor: &Actor,
        activity_id: &str,
        now_ms: i64,
    ) -> Result<VenueCode> {
        let a = self.activity_in_scope(actor, activity_id).await?;
        let secret = self.venue_secret(&self.activity_salt(&a.id).await?);
        let mac = crypto::hmac_sm3(&secret, &code_message(&a.id, code_window(now_ms)));
        Ok(VenueCode {
            code: code_from_mac(&mac),
            seconds_left: code_seconds_left(now_ms),
        })
    }

    /// Activities the signed-in officer may sign in to on the day of `now_ms`: those of their unit or a
    /// unit above it.
    pub async fn signin_choices(&self, actor: &Actor, now_ms: i64) -> Result<Vec<Activity>> {
        let me = self.study_me(actor).await?;
        let today = local_date(now_ms).format("%Y-%m-%d").to_string();
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {ACTIVITY_COLUMNS} FROM study_activities a JOIN units u ON u.id = a.unit_id WHERE a.day = ? AND ? LIKE u.path || '%' ORDER BY a.created_at"),
                vals![today, me.unit_path.as_str()],
            )
            .await?;
        rows.iter().map(activity_from).collect()
    }

    /// Signs the officer in with the code shown at the venue (current or previous minute). With no
    /// activity chosen, the code decides among today's activities open to the officer.
    pub async fn sign_in_with_code(
        &self,
        actor: &Actor,
        activity_id: Option<&str>,
        code: &str,
        now_ms: i64,
    ) -> Result<SignInOutcome> {
        let me = self.study_me(actor).await?;
        let choices = self.signin_choices(actor, now_ms).await?;
        let candidates: Vec<&Activity> = match activity_id.filter(|s| !s.trim().is_empty()) {
            Some(id) => choices.iter().filter(|a| a.id == id).collect(),
            None => choices.iter().collect(),
        };
        if candidates.is_empty() {
            return Err(StoreError::invalid(
                "activity_id",
                "今天没有您可以签到的学习活动",
            ));
        }
        let mut matched: Vec<(&Activity, CodeMatch)> = Vec::new();
        let mut last_err = None;
        for a in candidates {
            let secret = self.venue_secret(&self.activity_salt(&a.id).await?);
            match check_venue_code(code, now_ms, |w| {
                crypto::hmac_sm3(&secret, &code_message(&a.id, w))
            }) {
                Ok(m) => matched.push((a, m)),
                Err(e) => last_err = Some(e),
            }
        }
        let a = match matched.as_slice() {
            [(a, _)] => *a,
            [] => {
                return Err(StoreError::Invalid(last_err.unwrap_or_else(|| {
                    domain::DomainError::field("code", "签到码不正确")
                })));
            }
            _ => {
                return Err(StoreError::invalid(
                    "activity_id",
                    "请先选择您所在的活动，再输入签到码",
                ));
            }
        };
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        if let Some(at) = existing_signin(&txn, &a.id, &me.id).await? {
            return Ok(SignInOutcome::Already {
                title: a.title.clone(),
                at,
            });
        }
        insert_attendance(
            &txn,
            &a.id,
            &me.id,
            Some(now_ms),
            AttendanceMethod::Code,
            Some(&actor.user_id),
            now_ms,
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.signin",
            &format!("study_activity:{}", a.id),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(SignInOutcome::Signed {
            title: a.title.clone(),
            at: now_ms,
        })
    }

    /// The activities an officer attended in a campaign, newest first.
    pub async fn my_activities(
        &self,
        actor: &Actor,
        campaign_id: &str,
    ) -> Result<Vec<(Activity, Option<i64>)>> {
        let me = self.study_me(actor).await?;
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {ACTIVITY_COLUMNS}, t.signed_at FROM study_attendance t JOIN study_activities a ON a.id = t.activity_id JOIN units u ON u.id = a.unit_id WHERE t.officer_id = ? AND a.campaign_id = ? ORDER BY a.day DESC"),
                vals![me.id.as_str(), campaign_id],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((activity_from(r)?, get(r, "signed_at")?)))
            .collect()
    }
}

fn attendee_from(r: &QueryResult) -> Result<Attendee> {
    Ok(Attendee {
        officer_id: get(r, "officer_id")?,
        name: get(r, "name")?,
        badge: get(r, "badge")?,
        unit_name: get(r, "unit_name")?,
        signed_at: get(r, "signed_at")?,
        method: get(r, "method")?,
        recorded_at: get(r, "recorded_at")?,
    })
}

async fn existing_signin<C: ConnectionTrait>(
    c: &C,
    activity_id: &str,
    officer_id: &str,
) -> Result<Option<i64>> {
    let r = Sql::of(c)
        .one(
            c,
            "SELECT signed_at, recorded_at FROM study_attendance WHERE activity_id = ? AND officer_id = ?",
            vals![activity_id, officer_id],
        )
        .await?;
    r.map(|r| Ok(get::<Option<i64>>(&r, "signed_at")?.unwrap_or(get(&r, "recorded_at")?)))
        .transpose()
}

async fn insert_attendance<C: ConnectionTrait>(
    c: &C,
    activity_id: &str,
    officer_id: &str,
    signed_at: Option<i64>,
    method: AttendanceMethod,
    by: Option<&str>,
    now: i64,
) -> Result<()> {
    Sql::of(c)
        .exec(
            c,
            "INSERT INTO study_attendance (id, activity_id, officer_id, signed_at, method, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vals![new_id(), activity_id, officer_id, signed_at, method.as_str(), by, now],
        )
        .await
        .map_err(|e| match e {
            StoreError::Db(ref d) if is_unique_violation(d) => StoreError::Conflict("已签到，无需重复签到".into()),
            other => other,
        })?;
    Ok(())
}

/// An echoed cell, short and printable.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}
