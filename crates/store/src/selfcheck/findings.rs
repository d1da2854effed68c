//! Findings (组织查处): registering them from concluded clues and inspection results, comparing their
//! items with the officer's self-report, and keeping the leniency decision the rule makes.

use chrono::NaiveDate;
use domain::clues::Conclusion;
use domain::selfcheck::{
    Decision, Finding, FindingItem, FindingSource, Leniency, SelfReportVersion, Window, leniency,
};
use domain::tips::ProblemCategory;
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::clues::today;
use crate::db::get;
use crate::org::{Actor, is_unique_violation};
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

use super::{VersionView, local_datetime, local_ms, versions_of, window_in, ymd};

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
            if let Ok(l) = Leniency::parse(&get::<String>(r, "outcome")?)
                && let Some(e) = out.iter_mut().find(|e| e.0 == l)
            {
                e.1 = get(r, "n")?;
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
pub(super) async fn redecide<C: ConnectionTrait>(c: &C, finding_id: &str) -> Result<Leniency> {
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
