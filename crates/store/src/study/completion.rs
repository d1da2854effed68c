//! Completion: each officer's hours, best test result and approved essays for a campaign, held against
//! the campaign's requirement by `domain::study::completion`; per unit, the share who have finished.

use domain::study::{Completion, StudyProgress, StudyRequirement, completion};
use sea_orm::{QueryResult, Value};
use serde::Serialize;

use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, vals};

/// One officer against the requirement, with the reasons.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerStudy {
    pub officer_id: String,
    pub name: String,
    pub badge: String,
    pub unit_id: String,
    pub unit_name: String,
    pub minutes: i64,
    pub passed_test: bool,
    pub best_percent: Option<u32>,
    pub approved_essays: i64,
    pub done: bool,
    pub because: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitCompletion {
    pub unit_id: String,
    pub unit_name: String,
    pub depth: usize,
    pub done: i64,
    pub total: i64,
    pub rate: f64,
}

/// Per-officer progress for a campaign, for the officers that `cond` (on alias `o`) keeps. The
/// aggregates are restricted to the same officers, so a one-unit query reads only that unit's rows.
/// Placeholders: campaign ×3, each followed by the condition's values; then the condition once more.
fn progress_sql(campaign_id: &str, cond: &str, cond_values: &[Value]) -> (String, Vec<Value>) {
    // With no restriction the IN filter only hurts: SQLite probes every activity for every officer
    // (minutes instead of a second on a province), so the aggregates then read their tables whole.
    let keep = if cond.trim() == "1 = 1" {
        String::new()
    } else {
        let inner = cond.replace("o.", "o2.");
        format!(" AND {{}}.officer_id IN (SELECT o2.id FROM officers o2 WHERE {inner})")
    };
    let only = |alias: &str| keep.replace("{}", alias);
    let sql = format!(
        "SELECT o.id, o.name, o.badge, o.unit_id, un.name AS unit_name, un.path AS unit_path, \
         CAST(COALESCE(h.m, 0) AS BIGINT) AS minutes, CAST(COALESCE(p.passed, 0) AS BIGINT) AS passed, \
         CAST(p.best AS BIGINT) AS best, CAST(COALESCE(e.n, 0) AS BIGINT) AS essays \
         FROM officers o JOIN units un ON un.id = o.unit_id \
         LEFT JOIN (SELECT t.officer_id, SUM(a.minutes) AS m FROM study_attendance t JOIN study_activities a ON a.id = t.activity_id \
           WHERE a.campaign_id = ?{} GROUP BY t.officer_id) h ON h.officer_id = o.id \
         LEFT JOIN (SELECT x.officer_id, MAX(x.passed) AS passed, MAX(CASE WHEN x.max_score > 0 AND x.score IS NOT NULL THEN x.score * 100 / x.max_score END) AS best \
           FROM study_attempts x JOIN study_tests s ON s.id = x.test_id \
           WHERE s.campaign_id = ?{} GROUP BY x.officer_id) p ON p.officer_id = o.id \
         LEFT JOIN (SELECT e1.officer_id, COUNT(*) AS n FROM study_essays e1 \
           WHERE e1.campaign_id = ? AND e1.state = 'approved'{} GROUP BY e1.officer_id) e ON e.officer_id = o.id \
         WHERE o.active = 1 AND {cond}",
        only("t"),
        only("x"),
        only("e1"),
    );
    let mut v = Vec::new();
    for _ in 0..3 {
        v.push(Value::from(campaign_id));
        v.extend(cond_values.iter().cloned());
    }
    v.extend(cond_values.iter().cloned());
    (sql, v)
}

/// The SQL form of `domain::study::completion`'s verdict over a progress row `p` (the page shows the
/// domain's reasons; counts use this). Placeholders: minutes, test required, essays.
const DONE: &str = "(p.minutes >= ? AND (p.passed = 1 OR ? = 0) AND p.essays >= ?)";

fn done_values(req: &StudyRequirement) -> Vec<Value> {
    vals![
        i64::from(req.required_minutes),
        i64::from(req.require_test),
        i64::from(req.required_essays)
    ]
}

fn progress_of(r: &QueryResult) -> Result<StudyProgress> {
    Ok(StudyProgress {
        minutes: get(r, "minutes")?,
        passed_test: get::<i64>(r, "passed")? != 0,
        best_percent: get::<Option<i64>>(r, "best")?.map(|b| b.clamp(0, 100) as u32),
        approved_essays: get(r, "essays")?,
    })
}

fn officer_study(r: &QueryResult, req: &StudyRequirement) -> Result<OfficerStudy> {
    let p = progress_of(r)?;
    let Completion { done, because } = completion(req, &p);
    Ok(OfficerStudy {
        officer_id: get(r, "id")?,
        name: get(r, "name")?,
        badge: get(r, "badge")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        minutes: p.minutes,
        passed_test: p.passed_test,
        best_percent: p.best_percent,
        approved_essays: p.approved_essays,
        done,
        because,
    })
}

impl Store {
    /// (officers of the unit who have finished the campaign's study requirement, active officers of the
    /// unit). "Of the unit" is its own roster, not its sub-units': each unit has its own phase state.
    pub async fn study_completion(&self, campaign_id: &str, unit_id: &str) -> Result<(i64, i64)> {
        let req = self.study_requirement(campaign_id).await?;
        let (progress, pv) = progress_sql(campaign_id, "o.unit_id = ?", &[Value::from(unit_id)]);
        // The verdict's placeholders come first in the text, so its values go first.
        let mut v = done_values(&req);
        v.extend(pv);
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT COUNT(*) AS total, CAST(COALESCE(SUM(CASE WHEN {DONE} THEN 1 ELSE 0 END), 0) AS BIGINT) AS done FROM ({progress}) p"),
                v,
            )
            .await?;
        match r {
            Some(r) => Ok((get(&r, "done")?, get(&r, "total")?)),
            None => Ok((0, 0)),
        }
    }

    /// Every unit in the actor's scope with its own officers' completion, in tree order.
    pub async fn study_completion_by_unit(
        &self,
        actor: &Actor,
        campaign_id: &str,
    ) -> Result<Vec<UnitCompletion>> {
        let (cond, cv) = actor.scope_condition("o.unit_id");
        let counts = self.study_counts_where(campaign_id, &cond, &cv).await?;
        Ok(self
            .units_in_scope(actor)
            .await?
            .into_iter()
            .map(|u| {
                let (done, total) = counts.get(&u.id).copied().unwrap_or((0, 0));
                UnitCompletion {
                    unit_id: u.id,
                    unit_name: u.name,
                    depth: u.depth,
                    done,
                    total,
                    rate: domain::study::rate_percent(done, total),
                }
            })
            .collect())
    }

    /// (done, active officers) per unit id, for the officers `cond` (on alias `o`) keeps.
    pub(crate) async fn study_counts_where(
        &self,
        campaign_id: &str,
        cond: &str,
        cv: &[Value],
    ) -> Result<std::collections::HashMap<String, (i64, i64)>> {
        let req = self.study_requirement(campaign_id).await?;
        let (progress, pv) = progress_sql(campaign_id, cond, cv);
        let mut v = done_values(&req);
        v.extend(pv);
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT p.unit_id, COUNT(*) AS total, CAST(COALESCE(SUM(CASE WHEN {DONE} THEN 1 ELSE 0 END), 0) AS BIGINT) AS done FROM ({progress}) p GROUP BY p.unit_id"
                ),
                v,
            )
            .await?;
        let mut counts = std::collections::HashMap::new();
        for r in &rows {
            counts.insert(
                get::<String>(r, "unit_id")?,
                (get::<i64>(r, "done")?, get::<i64>(r, "total")?),
            );
        }
        Ok(counts)
    }

    fn completion_filter(actor: &Actor, unit_id: Option<&str>) -> (String, Vec<Value>) {
        let (cond, mut v) = actor.scope_condition("o.unit_id");
        match unit_id {
            Some(u) => {
                v.push(Value::from(u));
                (format!("{cond} AND o.unit_id = ?"), v)
            }
            None => (cond, v),
        }
    }

    /// Officers in scope (optionally one unit, optionally only those not finished) with their progress.
    pub async fn study_officers(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: Option<&str>,
        unfinished_only: bool,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<OfficerStudy>, i64)> {
        let req = self.study_requirement(campaign_id).await?;
        let (cond, cv) = Self::completion_filter(actor, unit_id);
        let (progress, pv) = progress_sql(campaign_id, &cond, &cv);
        let filter = if unfinished_only {
            format!("WHERE NOT {DONE}")
        } else {
            String::new()
        };
        let mut v = pv;
        if unfinished_only {
            v.extend(done_values(&req));
        }
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM ({progress}) p {filter}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!("SELECT p.* FROM ({progress}) p {filter} ORDER BY p.unit_path, p.badge LIMIT ? OFFSET ?"),
                v,
            )
            .await?;
        Ok((
            rows.iter()
                .map(|r| officer_study(r, &req))
                .collect::<Result<_>>()?,
            total,
        ))
    }

    /// For exports: the officers of the next `limit` badges after `after` (by badge), optionally only the
    /// unfinished among them, and the badge to continue after (`None` at the end). Each window bounds the
    /// aggregates to its own officers, so walking a province costs one pass, not one per page.
    pub async fn study_officers_after(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: Option<&str>,
        unfinished_only: bool,
        after: &str,
        limit: u64,
    ) -> Result<(Vec<OfficerStudy>, Option<String>)> {
        let req = self.study_requirement(campaign_id).await?;
        let (cond, mut cv) = Self::completion_filter(actor, unit_id);
        cv.push(Value::from(after));
        let sql = Sql::of(&self.db);
        let mut bound_v = cv.clone();
        bound_v.push(Value::from(limit.max(1) as i64 - 1));
        let upper = sql
            .one(&self.db, &format!("SELECT o.badge FROM officers o WHERE o.active = 1 AND {cond} AND o.badge > ? ORDER BY o.badge LIMIT 1 OFFSET ?"), bound_v)
            .await?
            .map(|r| get::<String>(&r, "badge"))
            .transpose()?;
        let window = match &upper {
            Some(u) => {
                cv.push(Value::from(u.as_str()));
                format!("{cond} AND o.badge > ? AND o.badge <= ?")
            }
            None => format!("{cond} AND o.badge > ?"),
        };
        let (progress, mut v) = progress_sql(campaign_id, &window, &cv);
        let filter = if unfinished_only {
            v.extend(done_values(&req));
            format!("WHERE NOT {DONE}")
        } else {
            String::new()
        };
        let rows = sql
            .all(
                &self.db,
                &format!("SELECT p.* FROM ({progress}) p {filter} ORDER BY p.badge"),
                v,
            )
            .await?;
        Ok((
            rows.iter()
                .map(|r| officer_study(r, &req))
                .collect::<Result<_>>()?,
            upper,
        ))
    }

    /// One officer's progress; `None` if the officer is not active or not in the actor's scope.
    pub async fn study_officer(
        &self,
        actor: &Actor,
        campaign_id: &str,
        officer_id: &str,
    ) -> Result<Option<OfficerStudy>> {
        let req = self.study_requirement(campaign_id).await?;
        let (cond, mut cv) = actor.scope_condition("o.unit_id");
        cv.push(Value::from(officer_id));
        let (progress, v) = progress_sql(campaign_id, &format!("{cond} AND o.id = ?"), &cv);
        let r = Sql::of(&self.db).one(&self.db, &progress, v).await?;
        r.map(|r| officer_study(&r, &req)).transpose()
    }

    /// The signed-in officer's own progress.
    pub async fn my_study(&self, actor: &Actor, campaign_id: &str) -> Result<OfficerStudy> {
        let me = self.study_me(actor).await?;
        let req = self.study_requirement(campaign_id).await?;
        let (progress, v) = progress_sql(campaign_id, "o.id = ?", &[Value::from(me.id.as_str())]);
        let r = Sql::of(&self.db)
            .one(&self.db, &progress, v)
            .await?
            .ok_or(crate::StoreError::NotFound)?;
        officer_study(&r, &req)
    }
}
