//! Self-check (自查自纠): the self-check window of each campaign, officers' self-reports with every version
//! kept, statistics per unit and category, and findings by the organisation with the leniency decision
//! ("自查从宽、被查从严") that `domain::selfcheck::leniency` makes and explains.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use domain::clues::Conclusion;
use domain::selfcheck::{
    Decision, Finding, FindingItem, FindingSource, Leniency, Section, SelfReportVersion, Window,
    leniency,
};
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

/// A finding (组织查处) with its items and stored decision.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub id: String,
    pub number: String,
    pub campaign_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub officer_id: String,
    pub officer_name: String,
    pub badge: String,
    pub category: String,
    pub source: String,
    pub clue_id: Option<String>,
    pub description: String,
    pub found_on: String,
    pub known_at: i64,
    /// How the organisation came to know of it ("线索XS-2025-000012登记").
    pub known_how: String,
    pub outcome: String,
    pub compared_by: Option<String>,
    pub compared_at: Option<i64>,
    pub created_at: i64,
}

const FINDING_COLUMNS: &str = "f.id, f.number, f.campaign_id, f.unit_id, u.name AS unit_name, f.officer_id, o.name AS officer_name, o.badge, f.category, f.source, f.clue_id, f.description, f.found_on, f.known_at, f.known_how, f.outcome, f.compared_by, f.compared_at, f.created_at";
const FINDING_FROM: &str =
    "findings f JOIN officers o ON o.id = f.officer_id JOIN units u ON u.id = f.unit_id";

fn finding_from(r: &QueryResult) -> Result<FindingRow> {
    Ok(FindingRow {
        id: get(r, "id")?,
        number: get(r, "number")?,
        campaign_id: get(r, "campaign_id")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        officer_id: get(r, "officer_id")?,
        officer_name: get(r, "officer_name")?,
        badge: get(r, "badge")?,
        category: get(r, "category")?,
        source: get(r, "source")?,
        clue_id: get(r, "clue_id")?,
        description: get(r, "description")?,
        found_on: get(r, "found_on")?,
        known_at: get(r, "known_at")?,
        known_how: get(r, "known_how")?,
        outcome: get(r, "outcome")?,
        compared_by: get(r, "compared_by")?,
        compared_at: get(r, "compared_at")?,
        created_at: get(r, "created_at")?,
    })
}

/// One item of a finding and its comparison mark.
#[derive(Debug, Clone, Serialize)]
pub struct FindingItemRow {
    pub seq: i32,
    pub text: String,
    pub covered: Option<bool>,
}

/// Everything the finding page shows: the finding, the officer's versions, the window and the decision
/// the rule makes from them now.
#[derive(Debug, Clone)]
pub struct FindingView {
    pub finding: FindingRow,
    pub items: Vec<FindingItemRow>,
    pub versions: Vec<VersionView>,
    pub window: Option<Window>,
    pub decision: Decision,
    /// The version the items are compared against (the last one that counts), if any.
    pub basis: Option<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub unit_id: Option<String>,
    pub outcome: Option<Leniency>,
    pub category: Option<ProblemCategory>,
}

/// An inspection result as an inspector records it.
#[derive(Debug, Clone)]
pub struct NewInspectionFinding {
    pub badge: String,
    pub category: ProblemCategory,
    pub description: String,
    pub found_on: NaiveDate,
    pub items: Vec<String>,
}

/// Without a window nobody could file, so no version exists to be judged against one; this stands in.
fn window_or_open(w: Option<Window>) -> Window {
    w.unwrap_or(Window {
        opens: NaiveDate::MIN,
        closes: NaiveDate::MAX - chrono::Days::new(1),
    })
}

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
            redecide(&txn, &get::<String>(r, "id")?).await?;
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
            if let Ok(c) = ProblemCategory::parse(&get::<String>(r, "category")?) {
                if let Some(s) = cats.iter_mut().find(|s| s.category == c) {
                    s.reported = get::<Option<i64>>(r, "reported")?.unwrap_or(0);
                    s.nil = get::<Option<i64>>(r, "nil")?.unwrap_or(0);
                }
            }
        }
        Ok((stats, cats))
    }

    // ---------- findings ----------

    /// Registers a finding from a concluded clue (属实/部分属实) that names an officer. The organisation
    /// knew of the problem from the clue's registration, so that is the moment self-reports are measured
    /// against; the finding's date is the day it is registered.
    pub async fn register_finding_from_clue(
        &self,
        actor: &Actor,
        campaign_id: &str,
        clue_id: &str,
        items: &[String],
    ) -> Result<String> {
        let clue = self.concluded_clue_in_scope(actor, clue_id).await?;
        if !matches!(
            Conclusion::parse(&clue.conclusion),
            Ok(Conclusion::True | Conclusion::PartlyTrue)
        ) {
            return Err(StoreError::invalid(
                "clue",
                "只有核查结论为属实或部分属实的线索才能登记为查实问题",
            ));
        }
        let category = ProblemCategory::parse(&clue.category)?;
        let description = format!(
            "线索{}（{}）：{}",
            clue.number,
            Conclusion::parse(&clue.conclusion)
                .map(|c| c.label())
                .unwrap_or(""),
            clue.summary
        );
        let how = format!("线索{}登记", clue.number);
        self.insert_finding(
            actor,
            campaign_id,
            &clue.accused_officer_id,
            category,
            FindingSource::Clue,
            Some(clue.id.as_str()),
            &description,
            today(),
            clue.created_at,
            &how,
            items,
        )
        .await
    }

    /// Records a problem an inspection found. The organisation knew of it from the start of the day of the
    /// inspection: a report made that day may have been prompted by the inspectors' visit.
    pub async fn record_inspection_finding(
        &self,
        actor: &Actor,
        campaign_id: &str,
        n: &NewInspectionFinding,
    ) -> Result<String> {
        let description =
            domain::org::clean_text(&n.description, "description", "问题描述", 5, 2000)?;
        if n.found_on > today() {
            return Err(StoreError::invalid("found_on", "发现日期不能晚于今天"));
        }
        let badge = n.badge.trim();
        let r = Sql::of(&self.db)
            .one(&self.db, "SELECT o.id, o.active, u.path FROM officers o JOIN units u ON u.id = o.unit_id WHERE o.badge = ?", vals![badge])
            .await?
            .ok_or_else(|| StoreError::invalid("badge", format!("警号「{}」不在花名册中", badge.chars().take(32).collect::<String>())))?;
        if !actor.covers_path(&get::<String>(&r, "path")?) {
            return Err(StoreError::invalid("badge", "该干警不在您的管辖范围内"));
        }
        if actor.officer_id.as_deref() == Some(get::<String>(&r, "id")?.as_str()) {
            return Err(StoreError::invalid("badge", "不能登记关于本人的问题"));
        }
        let officer_id: String = get(&r, "id")?;
        let known_at = local_ms(n.found_on.and_hms_opt(0, 0, 0).unwrap_or_default());
        let how = format!("督导检查发现（{}）", n.found_on);
        self.insert_finding(
            actor,
            campaign_id,
            &officer_id,
            n.category,
            FindingSource::Inspection,
            None,
            &description,
            n.found_on,
            known_at,
            &how,
            &n.items,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_finding(
        &self,
        actor: &Actor,
        campaign_id: &str,
        officer_id: &str,
        category: ProblemCategory,
        source: FindingSource,
        clue_id: Option<&str>,
        description: &str,
        found_on: NaiveDate,
        known_at: i64,
        known_how: &str,
        items: &[String],
    ) -> Result<String> {
        if items.is_empty() || items.len() > domain::selfcheck::MAX_FINDING_ITEMS {
            return Err(StoreError::invalid(
                "items",
                "请逐行列出查实的具体问题（1至20项）",
            ));
        }
        let unit_id: String = get(
            &Sql::of(&self.db)
                .one(
                    &self.db,
                    "SELECT unit_id FROM officers WHERE id = ?",
                    vals![officer_id],
                )
                .await?
                .ok_or_else(|| StoreError::invalid("badge", "该干警不在花名册中"))?,
            "unit_id",
        )?;
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let number = crate::tips::next_number(&txn, "CS", now).await?;
        let id = new_id();
        sql.exec(
            &txn,
            "INSERT INTO findings (id, number, campaign_id, unit_id, officer_id, category, source, clue_id, description, found_on, known_at, known_how, outcome, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            vals![id.as_str(), number.as_str(), campaign_id, unit_id.as_str(), officer_id, category.as_str(), source.as_str(), clue_id, description, ymd(found_on), known_at, known_how, actor.display_name.as_str(), now, now],
        )
        .await
        .map_err(|e| match e {
            StoreError::Db(ref d) if is_unique_violation(d) => StoreError::invalid("clue", "该线索已登记为查实问题"),
            other => other,
        })?;
        for (i, text) in items.iter().enumerate() {
            sql.exec(&txn, "INSERT INTO finding_items (id, finding_id, seq, text, covered) VALUES (?, ?, ?, ?, NULL)", vals![new_id(), id.as_str(), i as i32 + 1, text.as_str()]).await?;
        }
        let outcome = redecide(&txn, &id).await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "finding.register",
            &format!("finding:{number}"),
            &format!(
                "source={} {known_how} outcome={}",
                source.as_str(),
                outcome.as_str()
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    fn finding_where(
        &self,
        actor: &Actor,
        campaign_id: Option<&str>,
        f: &FindingFilter,
    ) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("f.unit_id");
        let mut w = vec![scope];
        if let Some(c) = campaign_id {
            w.push("f.campaign_id = ?".into());
            v.push(Value::from(c));
        }
        // As with clues: nobody is shown a finding about themself.
        if let Some(oid) = &actor.officer_id {
            w.push("f.officer_id <> ?".into());
            v.push(Value::from(oid.as_str()));
        }
        if let Some(u) = &f.unit_id {
            w.push("f.unit_id = ?".into());
            v.push(Value::from(u.as_str()));
        }
        if let Some(o) = f.outcome {
            w.push("f.outcome = ?".into());
            v.push(Value::from(o.as_str()));
        }
        if let Some(c) = f.category {
            w.push("f.category = ?".into());
            v.push(Value::from(c.as_str()));
        }
        (w.join(" AND "), v)
    }

    pub async fn findings(
        &self,
        actor: &Actor,
        campaign_id: &str,
        f: &FindingFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<FindingRow>, i64)> {
        let (w, mut v) = self.finding_where(actor, Some(campaign_id), f);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM findings f WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql.all(&self.db, &format!("SELECT {FINDING_COLUMNS} FROM {FINDING_FROM} WHERE {w} ORDER BY f.created_at DESC, f.id DESC LIMIT ? OFFSET ?"), v).await?;
        Ok((rows.iter().map(finding_from).collect::<Result<_>>()?, total))
    }

    pub async fn findings_after(
        &self,
        actor: &Actor,
        campaign_id: &str,
        f: &FindingFilter,
        after: &str,
        limit: u64,
    ) -> Result<Vec<FindingRow>> {
        let (w, mut v) = self.finding_where(actor, Some(campaign_id), f);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db).all(&self.db, &format!("SELECT {FINDING_COLUMNS} FROM {FINDING_FROM} WHERE {w} AND f.id > ? ORDER BY f.id LIMIT ?"), v).await?;
        rows.iter().map(finding_from).collect()
    }

    /// Which of these clues have already become findings (in any campaign).
    pub async fn clues_with_findings(&self, clue_ids: &[String]) -> Result<Vec<String>> {
        if clue_ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; clue_ids.len()].join(", ");
        let v: Vec<Value> = clue_ids.iter().map(|c| Value::from(c.as_str())).collect();
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT clue_id FROM findings WHERE clue_id IN ({marks})"),
                v,
            )
            .await?;
        rows.iter().map(|r| get::<String>(r, "clue_id")).collect()
    }

    /// Findings in scope counted by decision: (outcome, count), every outcome listed.
    pub async fn finding_outcomes(
        &self,
        actor: &Actor,
        campaign_id: &str,
    ) -> Result<Vec<(Leniency, i64)>> {
        let (w, v) = self.finding_where(actor, Some(campaign_id), &FindingFilter::default());
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT f.outcome, COUNT(*) AS n FROM findings f WHERE {w} GROUP BY f.outcome"
                ),
                v,
            )
            .await?;
        let mut out: Vec<(Leniency, i64)> = Leniency::all().iter().map(|l| (*l, 0)).collect();
        for r in &rows {
            if let Ok(l) = Leniency::parse(&get::<String>(r, "outcome")?) {
                if let Some(e) = out.iter_mut().find(|e| e.0 == l) {
                    e.1 = get(r, "n")?;
                }
            }
        }
        Ok(out)
    }

    /// The finding with the decision the rule makes now, if the actor may see it; `NotFound` otherwise.
    pub async fn finding_in_scope(&self, actor: &Actor, id: &str) -> Result<FindingView> {
        let (w, mut v) = self.finding_where(actor, None, &FindingFilter::default());
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {FINDING_COLUMNS} FROM {FINDING_FROM} WHERE {w} AND f.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let finding = finding_from(&r)?;
        let (items, versions, window) = finding_inputs(&self.db, &finding).await?;
        let domain_finding = to_domain_finding(&finding, &items)?;
        let dv: Vec<SelfReportVersion> = versions.iter().map(VersionView::to_domain).collect();
        let decision = leniency(&dv, &domain_finding, &window_or_open(window));
        let basis = decision.because.iter().find_map(|r| match r {
            domain::selfcheck::Reason::Basis { version, .. } => Some(*version as i32),
            _ => None,
        });
        Ok(FindingView {
            finding,
            items,
            versions,
            window,
            decision,
            basis,
        })
    }

    /// Records which items of the finding the officer's report covered, then decides again. Every item
    /// must be marked.
    pub async fn compare_finding(
        &self,
        actor: &Actor,
        id: &str,
        covered: &[(i32, bool)],
    ) -> Result<Leniency> {
        let view = self.finding_in_scope(actor, id).await?;
        for it in &view.items {
            if !covered.iter().any(|(seq, _)| *seq == it.seq) {
                return Err(StoreError::invalid(
                    "items",
                    format!("请标记第{}项“{}”是否已在自查报告中报告", it.seq, it.text),
                ));
            }
        }
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        for (seq, c) in covered {
            sql.exec(
                &txn,
                "UPDATE finding_items SET covered = ? WHERE finding_id = ? AND seq = ?",
                vals![i32::from(*c), id, *seq],
            )
            .await?;
        }
        sql.exec(
            &txn,
            "UPDATE findings SET compared_by = ?, compared_at = ?, updated_at = ? WHERE id = ?",
            vals![actor.display_name.as_str(), now, now, id],
        )
        .await?;
        let outcome = redecide(&txn, id).await?;
        let marks: Vec<String> = covered
            .iter()
            .map(|(s, c)| format!("{s}:{}", if *c { "y" } else { "n" }))
            .collect();
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "finding.compare",
            &format!("finding:{}", view.finding.number),
            &format!("{} outcome={}", marks.join(","), outcome.as_str()),
        )
        .await?;
        txn.commit().await?;
        Ok(outcome)
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

async fn finding_inputs<C: ConnectionTrait>(
    c: &C,
    f: &FindingRow,
) -> Result<(Vec<FindingItemRow>, Vec<VersionView>, Option<Window>)> {
    let sql = Sql::of(c);
    let rows = sql
        .all(
            c,
            "SELECT seq, text, covered FROM finding_items WHERE finding_id = ? ORDER BY seq",
            vals![f.id.as_str()],
        )
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(FindingItemRow {
                seq: get(r, "seq")?,
                text: get(r, "text")?,
                covered: get::<Option<i32>>(r, "covered")?.map(|x| x != 0),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let report = sql
        .one(
            c,
            "SELECT id FROM self_reports WHERE campaign_id = ? AND officer_id = ?",
            vals![f.campaign_id.as_str(), f.officer_id.as_str()],
        )
        .await?;
    let versions = match report {
        Some(r) => versions_of(c, &get::<String>(&r, "id")?).await?,
        None => Vec::new(),
    };
    let window = window_in(c, &f.campaign_id).await?;
    Ok((items, versions, window))
}

fn to_domain_finding(f: &FindingRow, items: &[FindingItemRow]) -> Result<Finding> {
    Ok(Finding {
        category: ProblemCategory::parse(&f.category)?,
        known_at: local_datetime(f.known_at),
        known_how: f.known_how.clone(),
        items: items
            .iter()
            .map(|i| FindingItem {
                text: i.text.clone(),
                covered: i.covered,
            })
            .collect(),
    })
}

/// Runs the leniency rule on the stored facts and keeps its outcome on the row (for lists and counts).
async fn redecide<C: ConnectionTrait>(c: &C, finding_id: &str) -> Result<Leniency> {
    let r = Sql::of(c)
        .one(
            c,
            &format!("SELECT {FINDING_COLUMNS} FROM {FINDING_FROM} WHERE f.id = ?"),
            vals![finding_id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let f = finding_from(&r)?;
    let (items, versions, window) = finding_inputs(c, &f).await?;
    let dv: Vec<SelfReportVersion> = versions.iter().map(VersionView::to_domain).collect();
    let d = leniency(
        &dv,
        &to_domain_finding(&f, &items)?,
        &window_or_open(window),
    );
    Sql::of(c)
        .exec(
            c,
            "UPDATE findings SET outcome = ? WHERE id = ?",
            vals![d.outcome.as_str(), finding_id],
        )
        .await?;
    Ok(d.outcome)
}
