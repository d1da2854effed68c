//! Self-check (自查自纠): the self-check window of each campaign, officers' self-reports with every version
//! kept, statistics per unit and category, and findings by the organisation with the leniency decision
//! ("自查从宽、被查从严") that `domain::selfcheck::leniency` makes and explains.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use domain::selfcheck::{Section, SelfReportVersion, Window};
use domain::tips::ProblemCategory;
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::clues::{local_offset, today};
use crate::db::get;
use crate::org::{Actor, is_unique_violation};
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// Campaigns live in the `campaign` module's table and are referenced by id only (no foreign key), so this
/// migration stands on its own. The rectification tables ride in the same migration version.
pub(crate) const MIGRATION_SQL: &str = concat!(
    r#"
CREATE TABLE selfcheck_windows (
  campaign_id TEXT PRIMARY KEY, opens TEXT NOT NULL, closes TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE self_reports (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, officer_id TEXT NOT NULL REFERENCES officers(id),
  unit_id TEXT NOT NULL REFERENCES units(id), latest_version INTEGER NOT NULL, problems INTEGER NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (campaign_id, officer_id));
CREATE INDEX self_reports_unit ON self_reports(campaign_id, unit_id);
CREATE TABLE self_report_versions (
  id TEXT PRIMARY KEY, report_id TEXT NOT NULL REFERENCES self_reports(id), version INTEGER NOT NULL,
  submitted_at BIGINT NOT NULL, submitted_by TEXT NOT NULL, UNIQUE (report_id, version));
CREATE TABLE self_report_sections (
  id TEXT PRIMARY KEY, version_id TEXT NOT NULL REFERENCES self_report_versions(id), category TEXT NOT NULL,
  nil INTEGER NOT NULL, content TEXT NOT NULL, UNIQUE (version_id, category));
CREATE TABLE findings (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id),
  officer_id TEXT NOT NULL REFERENCES officers(id), category TEXT NOT NULL, source TEXT NOT NULL,
  clue_id TEXT UNIQUE REFERENCES clues(id), description TEXT NOT NULL, found_on TEXT NOT NULL, known_at BIGINT NOT NULL, known_how TEXT NOT NULL,
  outcome TEXT NOT NULL, compared_by TEXT, compared_at BIGINT, created_by TEXT NOT NULL, created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
CREATE INDEX findings_campaign ON findings(campaign_id, unit_id);
CREATE INDEX findings_officer ON findings(officer_id, campaign_id);
CREATE TABLE finding_items (
  id TEXT PRIMARY KEY, finding_id TEXT NOT NULL REFERENCES findings(id), seq INTEGER NOT NULL, text TEXT NOT NULL,
  covered INTEGER, UNIQUE (finding_id, seq));
"#,
    crate::rectification::rectification_ddl!()
);

impl Store {
    /// (active officers of the unit who filed a self-report for the campaign, all active officers of the
    /// unit). "Of the unit" is its own roster, not its sub-units': each unit has its own phase state.
    pub async fn self_report_counts(&self, campaign_id: &str, unit_id: &str) -> Result<(i64, i64)> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT COALESCE(SUM(CASE WHEN r.id IS NULL THEN 0 ELSE 1 END), 0) AS filed, COUNT(*) AS total FROM officers o LEFT JOIN self_reports r ON r.officer_id = o.id AND r.campaign_id = ? WHERE o.unit_id = ? AND o.active = 1",
                vals![campaign_id, unit_id],
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
}

/// Beijing wall-clock time of an epoch-millisecond instant.
pub fn local_datetime(ms: i64) -> NaiveDateTime {
    local_offset()
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.naive_local())
        .unwrap_or_default()
}

/// The epoch milliseconds of a Beijing wall-clock time.
pub fn local_ms(t: NaiveDateTime) -> i64 {
    local_offset()
        .from_local_datetime(&t)
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Integrity(format!("bad date {s}")))
}

/// One officer's self-report for a campaign, as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub id: String,
    pub campaign_id: String,
    pub officer_id: String,
    pub officer_name: String,
    pub badge: String,
    pub unit_id: String,
    pub unit_name: String,
    pub latest_version: i32,
    /// Categories with something reported in the latest version; 0 is a nil report (零报告).
    pub problems: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

const REPORT_COLUMNS: &str = "r.id, r.campaign_id, r.officer_id, o.name AS officer_name, o.badge, r.unit_id, u.name AS unit_name, r.latest_version, r.problems, r.created_at, r.updated_at";
const REPORT_FROM: &str =
    "self_reports r JOIN officers o ON o.id = r.officer_id JOIN units u ON u.id = r.unit_id";

fn report_from(r: &QueryResult) -> Result<ReportSummary> {
    Ok(ReportSummary {
        id: get(r, "id")?,
        campaign_id: get(r, "campaign_id")?,
        officer_id: get(r, "officer_id")?,
        officer_name: get(r, "officer_name")?,
        badge: get(r, "badge")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        latest_version: get(r, "latest_version")?,
        problems: get(r, "problems")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// One version of a self-report with every section, as the officer submitted it.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub version: i32,
    pub submitted_at: i64,
    pub submitted_by: String,
    pub sections: Vec<(ProblemCategory, Section)>,
}

impl VersionView {
    /// The domain's view, for the leniency rule.
    pub fn to_domain(&self) -> SelfReportVersion {
        SelfReportVersion {
            version: self.version.max(0) as u32,
            submitted_at: local_datetime(self.submitted_at),
            sections: self.sections.clone(),
        }
    }

    pub fn problems(&self) -> usize {
        self.sections
            .iter()
            .filter(|(_, s)| matches!(s, Section::Text(_)))
            .count()
    }
}

/// Filed, nil and problem counts of one unit's own officers for a campaign.
#[derive(Debug, Clone, Serialize)]
pub struct UnitStat {
    pub unit_id: String,
    pub unit_name: String,
    pub depth: usize,
    pub officers: i64,
    pub filed: i64,
    /// Reports answering "无" in every category (零报告).
    pub nil_reports: i64,
    /// Reports with at least one problem.
    pub with_problems: i64,
    /// Sections with something reported, over all reports.
    pub problems: i64,
}

impl UnitStat {
    /// Filed rate in whole percent (0 for a unit without officers).
    pub fn rate(&self) -> i64 {
        if self.officers == 0 {
            0
        } else {
            self.filed * 100 / self.officers
        }
    }
}

/// How one problem category was answered across the latest versions of the reports in scope.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryStat {
    pub category: ProblemCategory,
    pub reported: i64,
    pub nil: i64,
}

mod findings;

pub use findings::{FindingFilter, FindingItemRow, FindingRow, FindingView, NewInspectionFinding};

impl Store {
    // ---------- the window ----------

    pub async fn selfcheck_window(&self, campaign_id: &str) -> Result<Option<Window>> {
        window_in(&self.db, campaign_id).await
    }

    /// Sets (or moves) the campaign's window and re-decides its findings: what counts depends on the close.
    pub async fn set_selfcheck_window(
        &self,
        actor: &Actor,
        campaign_id: &str,
        w: Window,
    ) -> Result<()> {
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "DELETE FROM selfcheck_windows WHERE campaign_id = ?",
            vals![campaign_id],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO selfcheck_windows (campaign_id, opens, closes, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)",
            vals![campaign_id, ymd(w.opens), ymd(w.closes), actor.display_name.as_str(), now],
        )
        .await?;
        let ids = sql
            .all(
                &txn,
                "SELECT id FROM findings WHERE campaign_id = ?",
                vals![campaign_id],
            )
            .await?;
        for r in &ids {
            findings::redecide(&txn, &get::<String>(r, "id")?).await?;
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "selfcheck.window",
            &format!("campaign:{campaign_id}"),
            &format!("{} ~ {}", w.opens, w.closes),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    // ---------- self-reports ----------

    /// Files a new version of the signed-in officer's self-report. The first filing makes version 1; every
    /// amendment adds the next version and keeps the earlier ones. Only while the window is open.
    pub async fn file_self_report(
        &self,
        actor: &Actor,
        campaign_id: &str,
        sections: &[(ProblemCategory, Section)],
    ) -> Result<i32> {
        let officer_id = actor.officer_id.clone().ok_or(StoreError::Forbidden)?;
        if sections.len() != ProblemCategory::all().len()
            || ProblemCategory::all()
                .iter()
                .any(|c| !sections.iter().any(|(k, _)| k == c))
        {
            return Err(StoreError::invalid(
                "form",
                "自查事项报告须逐项填写全部问题类别",
            ));
        }
        let window = self
            .selfcheck_window(campaign_id)
            .await?
            .ok_or_else(|| StoreError::invalid("form", "本次整顿尚未设定自查期限，暂不能填报"))?;
        let day = today();
        if day < window.opens {
            return Err(StoreError::invalid(
                "form",
                format!("自查期限自{}开始，尚不能填报", window.opens),
            ));
        }
        if day > window.closes {
            return Err(StoreError::invalid(
                "form",
                format!("自查期限已于{}截止，不能再填报或修改", window.closes),
            ));
        }
        let officer = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT unit_id, active FROM officers WHERE id = ?",
                vals![officer_id.as_str()],
            )
            .await?
            .ok_or(StoreError::Forbidden)?;
        if get::<i32>(&officer, "active")? == 0 {
            return Err(StoreError::invalid(
                "form",
                "您在花名册中已不是在岗干警，不能填报",
            ));
        }
        let unit_id: String = get(&officer, "unit_id")?;
        let problems = sections
            .iter()
            .filter(|(_, s)| matches!(s, Section::Text(_)))
            .count() as i32;
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let existing = sql.one(&txn, "SELECT id, latest_version FROM self_reports WHERE campaign_id = ? AND officer_id = ?", vals![campaign_id, officer_id.as_str()]).await?;
        let (report_id, version) = match existing {
            Some(r) => {
                let id: String = get(&r, "id")?;
                let v = get::<i32>(&r, "latest_version")? + 1;
                // The old version in WHERE: a concurrent amendment makes this one fail instead of both winning.
                let n = sql
                    .exec(&txn, "UPDATE self_reports SET latest_version = ?, problems = ?, unit_id = ?, updated_at = ? WHERE id = ? AND latest_version = ?", vals![v, problems, unit_id.as_str(), now, id.as_str(), v - 1])
                    .await?;
                if n != 1 {
                    return Err(StoreError::Conflict("报告刚被修改过，请刷新后重试".into()));
                }
                (id, v)
            }
            None => {
                let id = new_id();
                sql.exec(
                    &txn,
                    "INSERT INTO self_reports (id, campaign_id, officer_id, unit_id, latest_version, problems, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                    vals![id.as_str(), campaign_id, officer_id.as_str(), unit_id.as_str(), problems, now, now],
                )
                .await
                .map_err(|e| match e {
                    StoreError::Db(ref d) if is_unique_violation(d) => StoreError::Conflict("报告刚被提交过，请刷新后重试".into()),
                    other => other,
                })?;
                (id, 1)
            }
        };
        let version_id = new_id();
        sql.exec(
            &txn,
            "INSERT INTO self_report_versions (id, report_id, version, submitted_at, submitted_by) VALUES (?, ?, ?, ?, ?)",
            vals![version_id.as_str(), report_id.as_str(), version, now, actor.display_name.as_str()],
        )
        .await?;
        for (c, s) in sections {
            let (nil, content) = match s {
                Section::Nil => (1, ""),
                Section::Text(t) => (0, t.as_str()),
            };
            sql.exec(
                &txn,
                "INSERT INTO self_report_sections (id, version_id, category, nil, content) VALUES (?, ?, ?, ?, ?)",
                vals![new_id(), version_id.as_str(), c.as_str(), nil, content],
            )
            .await?;
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "selfcheck.file",
            &format!("self_report:{report_id}"),
            &format!("version={version} problems={problems}"),
        )
        .await?;
        txn.commit().await?;
        Ok(version)
    }

    /// The signed-in officer's own report for the campaign with every version, newest first.
    pub async fn my_self_report(
        &self,
        actor: &Actor,
        campaign_id: &str,
    ) -> Result<Option<(ReportSummary, Vec<VersionView>)>> {
        let Some(officer_id) = &actor.officer_id else {
            return Ok(None);
        };
        let r = Sql::of(&self.db)
            .one(&self.db, &format!("SELECT {REPORT_COLUMNS} FROM {REPORT_FROM} WHERE r.campaign_id = ? AND r.officer_id = ?"), vals![campaign_id, officer_id.as_str()])
            .await?;
        match r {
            Some(r) => {
                let s = report_from(&r)?;
                let v = versions_of(&self.db, &s.id).await?;
                Ok(Some((s, v)))
            }
            None => Ok(None),
        }
    }

    fn report_where(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: Option<&str>,
    ) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("r.unit_id");
        let mut w = vec![scope, "r.campaign_id = ?".to_string()];
        v.push(Value::from(campaign_id));
        if let Some(u) = unit_id {
            w.push("r.unit_id = ?".into());
            v.push(Value::from(u));
        }
        (w.join(" AND "), v)
    }

    pub async fn self_reports(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<ReportSummary>, i64)> {
        let (w, mut v) = self.report_where(actor, campaign_id, unit_id);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM self_reports r WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql.all(&self.db, &format!("SELECT {REPORT_COLUMNS} FROM {REPORT_FROM} WHERE {w} ORDER BY u.path, o.badge LIMIT ? OFFSET ?"), v).await?;
        Ok((rows.iter().map(report_from).collect::<Result<_>>()?, total))
    }

    /// One page after `after` (by id), for exports that walk every report without holding them all.
    pub async fn self_reports_after(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: Option<&str>,
        after: &str,
        limit: u64,
    ) -> Result<Vec<ReportSummary>> {
        let (w, mut v) = self.report_where(actor, campaign_id, unit_id);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db).all(&self.db, &format!("SELECT {REPORT_COLUMNS} FROM {REPORT_FROM} WHERE {w} AND r.id > ? ORDER BY r.id LIMIT ?"), v).await?;
        rows.iter().map(report_from).collect()
    }

    /// A report in the actor's scope with every version, newest first; `NotFound` otherwise.
    pub async fn self_report_in_scope(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(ReportSummary, Vec<VersionView>)> {
        let (scope, mut v) = actor.scope_condition("r.unit_id");
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {REPORT_COLUMNS} FROM {REPORT_FROM} WHERE {scope} AND r.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let s = report_from(&r)?;
        let versions = versions_of(&self.db, &s.id).await?;
        Ok((s, versions))
    }

    /// Per unit in scope (its own officers) and per category (latest versions in scope).
    pub async fn self_report_stats(
        &self,
        actor: &Actor,
        campaign_id: &str,
    ) -> Result<(Vec<UnitStat>, Vec<CategoryStat>)> {
        let sql = Sql::of(&self.db);
        let (scope, sv) = actor.scope_condition("o.unit_id");
        let mut v = vals![campaign_id];
        v.extend(sv);
        let rows = sql
            .all(
                &self.db,
                &format!(
                    "SELECT o.unit_id, COUNT(*) AS officers, COALESCE(SUM(CASE WHEN r.id IS NULL THEN 0 ELSE 1 END), 0) AS filed, COALESCE(SUM(CASE WHEN r.id IS NOT NULL AND r.problems = 0 THEN 1 ELSE 0 END), 0) AS nil_reports, COALESCE(SUM(CASE WHEN r.problems > 0 THEN 1 ELSE 0 END), 0) AS with_problems, COALESCE(SUM(r.problems), 0) AS problems FROM officers o LEFT JOIN self_reports r ON r.officer_id = o.id AND r.campaign_id = ? WHERE o.active = 1 AND {scope} GROUP BY o.unit_id"
                ),
                v,
            )
            .await?;
        let mut by_unit = std::collections::HashMap::new();
        for r in &rows {
            let n = |c: &str| -> Result<i64> { Ok(get::<Option<i64>>(r, c)?.unwrap_or(0)) };
            by_unit.insert(
                get::<String>(r, "unit_id")?,
                (
                    n("officers")?,
                    n("filed")?,
                    n("nil_reports")?,
                    n("with_problems")?,
                    n("problems")?,
                ),
            );
        }
        let units = self.units_in_scope(actor).await?;
        let mut stats = Vec::new();
        for u in units {
            let (officers, filed, nil_reports, with_problems, problems) =
                by_unit.get(&u.id).copied().unwrap_or_default();
            stats.push(UnitStat {
                unit_id: u.id,
                unit_name: u.name,
                depth: u.depth,
                officers,
                filed,
                nil_reports,
                with_problems,
                problems,
            });
        }
        let (scope, sv) = actor.scope_condition("r.unit_id");
        let mut v = vals![campaign_id];
        v.extend(sv);
        let rows = sql
            .all(
                &self.db,
                &format!(
                    "SELECT s.category, COALESCE(SUM(CASE WHEN s.nil = 0 THEN 1 ELSE 0 END), 0) AS reported, COALESCE(SUM(CASE WHEN s.nil = 1 THEN 1 ELSE 0 END), 0) AS nil FROM self_reports r JOIN self_report_versions v ON v.report_id = r.id AND v.version = r.latest_version JOIN self_report_sections s ON s.version_id = v.id WHERE r.campaign_id = ? AND {scope} GROUP BY s.category"
                ),
                v,
            )
            .await?;
        let mut cats: Vec<CategoryStat> = ProblemCategory::all()
            .iter()
            .map(|c| CategoryStat {
                category: *c,
                reported: 0,
                nil: 0,
            })
            .collect();
        for r in &rows {
            if let Ok(c) = ProblemCategory::parse(&get::<String>(r, "category")?)
                && let Some(s) = cats.iter_mut().find(|s| s.category == c)
            {
                s.reported = get::<Option<i64>>(r, "reported")?.unwrap_or(0);
                s.nil = get::<Option<i64>>(r, "nil")?.unwrap_or(0);
            }
        }
        Ok((stats, cats))
    }
}

async fn window_in<C: ConnectionTrait>(c: &C, campaign_id: &str) -> Result<Option<Window>> {
    let r = Sql::of(c)
        .one(
            c,
            "SELECT opens, closes FROM selfcheck_windows WHERE campaign_id = ?",
            vals![campaign_id],
        )
        .await?;
    match r {
        Some(r) => Ok(Some(Window {
            opens: parse_day(&get::<String>(&r, "opens")?)?,
            closes: parse_day(&get::<String>(&r, "closes")?)?,
        })),
        None => Ok(None),
    }
}

/// Every version of a report, newest first, each with its sections in category order.
async fn versions_of<C: ConnectionTrait>(c: &C, report_id: &str) -> Result<Vec<VersionView>> {
    let sql = Sql::of(c);
    let rows = sql
        .all(
            c,
            "SELECT v.id, v.version, v.submitted_at, v.submitted_by, s.category, s.nil, s.content FROM self_report_versions v JOIN self_report_sections s ON s.version_id = v.id WHERE v.report_id = ? ORDER BY v.version DESC",
            vals![report_id],
        )
        .await?;
    let mut out: Vec<(String, VersionView)> = Vec::new();
    for r in &rows {
        let vid: String = get(r, "id")?;
        if out.last().map(|(id, _)| id != &vid).unwrap_or(true) {
            out.push((
                vid.clone(),
                VersionView {
                    version: get(r, "version")?,
                    submitted_at: get(r, "submitted_at")?,
                    submitted_by: get(r, "submitted_by")?,
                    sections: Vec::new(),
                },
            ));
        }
        let Ok(category) = ProblemCategory::parse(&get::<String>(r, "category")?) else {
            continue;
        };
        let section = if get::<i32>(r, "nil")? != 0 {
            Section::Nil
        } else {
            Section::Text(get(r, "content")?)
        };
        if let Some((_, v)) = out.last_mut() {
            v.sections.push((category, section));
        }
    }
    let mut versions: Vec<VersionView> = out.into_iter().map(|(_, v)| v).collect();
    for v in &mut versions {
        v.sections
            .sort_by_key(|(c, _)| ProblemCategory::all().iter().position(|x| x == c));
    }
    Ok(versions)
}
