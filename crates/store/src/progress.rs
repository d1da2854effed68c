//! Campaign progress: the figures of every unit covered by a campaign (its own officers and rows), read
//! in one pass of grouped queries, then summed over any subtree and scope in memory. The city-wide
//! dashboard, each unit's dashboard and the weekly briefing all read the same [`Progress`].
//!
//! The pass reads the whole campaign regardless of who asks, so one cached copy serves every scope;
//! callers filter with [`Progress::rollup`] and [`Progress::children`].

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use domain::selfcheck::Leniency;
use domain::tips::ProblemCategory;
use serde::Serialize;

use crate::campaign::Campaign;
use crate::clues::today;
use crate::db::get;
use crate::org::{Actor, Unit};
use crate::selfcheck::local_ms;
use crate::{Result, Sql, Store, now_ms, vals};

/// Counts over some set of units. Rates are derived, never stored, so sums stay exact.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Figures {
    pub units: i64,
    /// Units in each phase of the campaign, then those that finished the last one.
    pub phase_units: Vec<i64>,
    pub officers: i64,
    pub study_done: i64,
    pub reports_filed: i64,
    pub nil_reports: i64,
    /// Problems reported in self-reports (latest versions), per category of `ProblemCategory::all()`.
    pub reported_by_category: Vec<i64>,
    pub findings: i64,
    /// Findings per category of `ProblemCategory::all()`.
    pub found_by_category: Vec<i64>,
    pub lenient: i64,
    pub partly_lenient: i64,
    pub strict: i64,
    pub pending: i64,
    pub ledger_total: i64,
    pub ledger_accepted: i64,
    pub ledger_overdue: i64,
    pub tasks_total: i64,
    pub tasks_accepted: i64,
    pub tasks_overdue: i64,
    pub week: Week,
}

/// What happened in the briefing week (Monday to today, Beijing time).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Week {
    pub activities: i64,
    pub attendances: i64,
    pub reports_filed: i64,
    pub findings: i64,
    pub ledger_accepted: i64,
    pub tasks_accepted: i64,
    pub phase_moves: i64,
}

impl Week {
    fn add(&mut self, o: &Week) {
        self.activities += o.activities;
        self.attendances += o.attendances;
        self.reports_filed += o.reports_filed;
        self.findings += o.findings;
        self.ledger_accepted += o.ledger_accepted;
        self.tasks_accepted += o.tasks_accepted;
        self.phase_moves += o.phase_moves;
    }
}

fn add_vec(a: &mut Vec<i64>, b: &[i64]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// A share in percent with one decimal, 0 when there is nothing to share.
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

impl Figures {
    pub fn add(&mut self, o: &Figures) {
        self.units += o.units;
        add_vec(&mut self.phase_units, &o.phase_units);
        self.officers += o.officers;
        self.study_done += o.study_done;
        self.reports_filed += o.reports_filed;
        self.nil_reports += o.nil_reports;
        add_vec(&mut self.reported_by_category, &o.reported_by_category);
        self.findings += o.findings;
        add_vec(&mut self.found_by_category, &o.found_by_category);
        self.lenient += o.lenient;
        self.partly_lenient += o.partly_lenient;
        self.strict += o.strict;
        self.pending += o.pending;
        self.ledger_total += o.ledger_total;
        self.ledger_accepted += o.ledger_accepted;
        self.ledger_overdue += o.ledger_overdue;
        self.tasks_total += o.tasks_total;
        self.tasks_accepted += o.tasks_accepted;
        self.tasks_overdue += o.tasks_overdue;
        self.week.add(&o.week);
    }

    pub fn study_rate(&self) -> f64 {
        percent(self.study_done, self.officers)
    }
    pub fn report_rate(&self) -> f64 {
        percent(self.reports_filed, self.officers)
    }
    pub fn ledger_rate(&self) -> f64 {
        percent(self.ledger_accepted, self.ledger_total)
    }
    pub fn task_rate(&self) -> f64 {
        percent(self.tasks_accepted, self.tasks_total)
    }
}

/// One unit with its own figures (not its sub-units').
#[derive(Debug, Clone, Serialize)]
pub struct UnitProgress {
    pub unit: Unit,
    /// Current phase (0-based); `None` when the unit has no phase row yet (it starts in the first).
    pub phase_seq: Option<usize>,
    pub completed: bool,
    pub own: Figures,
}

/// A unit's subtree summed, as a row of a dashboard table.
#[derive(Debug, Clone, Serialize)]
pub struct RolledUp {
    pub unit: Unit,
    pub phase_seq: Option<usize>,
    pub completed: bool,
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub campaign: Campaign,
    /// Every unit the campaign covers, in tree order.
    pub units: Vec<UnitProgress>,
    pub week_from: NaiveDate,
    pub week_to: NaiveDate,
    pub computed_at: i64,
}

impl Progress {
    /// Sums the units at or below `root_path` that the actor may see.
    pub fn rollup(&self, actor: &Actor, root_path: &str) -> Figures {
        let mut f = Figures {
            phase_units: vec![0; self.campaign.phases.len() + 1],
            reported_by_category: vec![0; ProblemCategory::all().len()],
            found_by_category: vec![0; ProblemCategory::all().len()],
            ..Figures::default()
        };
        for u in &self.units {
            if u.unit.path.starts_with(root_path) && actor.covers_path(&u.unit.path) {
                f.add(&u.own);
            }
        }
        f
    }

    /// The units directly below `root_path` that the actor may see (or, when the actor sees none of
    /// them but sees deeper units, the topmost units it sees), each with its subtree summed.
    pub fn children(&self, actor: &Actor, root: &Unit) -> Vec<RolledUp> {
        let visible: Vec<&UnitProgress> = self
            .units
            .iter()
            .filter(|u| u.unit.path.starts_with(&root.path) && u.unit.id != root.id)
            .filter(|u| actor.covers_path(&u.unit.path))
            .collect();
        let tops: Vec<&UnitProgress> = visible
            .iter()
            .filter(|u| {
                !visible
                    .iter()
                    .any(|p| p.unit.id != u.unit.id && u.unit.path.starts_with(&p.unit.path))
            })
            .copied()
            .collect();
        tops.into_iter()
            .map(|u| RolledUp {
                unit: u.unit.clone(),
                phase_seq: u.phase_seq,
                completed: u.completed,
                figures: self.rollup(actor, &u.unit.path),
            })
            .collect()
    }

    pub fn unit(&self, id: &str) -> Option<&UnitProgress> {
        self.units.iter().find(|u| u.unit.id == id)
    }

    /// The phase a unit is in, as a name.
    pub fn phase_label(&self, seq: Option<usize>, completed: bool) -> String {
        if completed {
            "已完成".to_string()
        } else {
            self.campaign.phase_name(seq.unwrap_or(0)).to_string()
        }
    }
}

/// Monday of the week that holds `day`.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

fn cat_index(s: &str) -> Option<usize> {
    ProblemCategory::all().iter().position(|c| c.as_str() == s)
}

impl Store {
    /// Reads every figure of every unit the campaign covers. A handful of grouped queries, each
    /// reading one table family once; on the province data set this is the expensive part, so callers
    /// cache the result.
    pub async fn campaign_progress(&self, campaign: &Campaign) -> Result<Progress> {
        let sql = Sql::of(&self.db);
        let cid = campaign.id.as_str();
        let today = today();
        let today_s = today.format("%Y-%m-%d").to_string();
        let week_from = week_start(today);
        let week_from_s = week_from.format("%Y-%m-%d").to_string();
        let week_ms = local_ms(week_from.and_hms_opt(0, 0, 0).unwrap_or_default());
        let cats = ProblemCategory::all().len();
        let phases = campaign.phases.len();

        let mut units: Vec<UnitProgress> = self
            .units()
            .await?
            .into_iter()
            .filter(|u| u.path.starts_with(&campaign.unit_path))
            .map(|unit| UnitProgress {
                unit,
                phase_seq: None,
                completed: false,
                own: Figures {
                    units: 1,
                    phase_units: vec![0; phases + 1],
                    reported_by_category: vec![0; cats],
                    found_by_category: vec![0; cats],
                    ..Figures::default()
                },
            })
            .collect();
        let index: HashMap<String, usize> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.unit.id.clone(), i))
            .collect();
        let at = |id: &str| index.get(id).copied();
        let n = |r: &sea_orm::QueryResult, c: &str| -> Result<i64> {
            Ok(get::<Option<i64>>(r, c)?.unwrap_or(0))
        };

        for r in sql
            .all(
                &self.db,
                "SELECT unit_id, phase_seq, completed FROM unit_phases WHERE campaign_id = ?",
                vals![cid],
            )
            .await?
        {
            if let Some(i) = at(&get::<String>(&r, "unit_id")?) {
                let seq = r.try_get_by_index::<Option<i32>>(1)?.unwrap_or(0).max(0) as usize;
                units[i].phase_seq = Some(seq.min(phases.saturating_sub(1)));
                units[i].completed = r.try_get_by_index::<Option<i32>>(2)?.unwrap_or(0) != 0;
            }
        }
        for u in &mut units {
            let slot = if u.completed {
                phases
            } else {
                u.phase_seq.unwrap_or(0)
            };
            if let Some(x) = u.own.phase_units.get_mut(slot) {
                *x = 1;
            }
        }

        for (unit, (done, total)) in self.study_counts_where(cid, "1 = 1", &[]).await? {
            if let Some(i) = at(&unit) {
                units[i].own.study_done = done;
                units[i].own.officers = total;
            }
        }

        for r in sql
            .all(
                &self.db,
                "SELECT unit_id, COUNT(*) AS filed, COALESCE(SUM(CASE WHEN problems = 0 THEN 1 ELSE 0 END), 0) AS nil, \
                 COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0) AS week \
                 FROM self_reports WHERE campaign_id = ? GROUP BY unit_id",
                vals![week_ms, cid],
            )
            .await?
        {
            if let Some(i) = at(&get::<String>(&r, "unit_id")?) {
                units[i].own.reports_filed = n(&r, "filed")?;
                units[i].own.nil_reports = n(&r, "nil")?;
                units[i].own.week.reports_filed = n(&r, "week")?;
            }
        }

        for r in sql
            .all(
                &self.db,
                "SELECT r.unit_id, s.category, COUNT(*) AS n FROM self_reports r \
                 JOIN self_report_versions v ON v.report_id = r.id AND v.version = r.latest_version \
                 JOIN self_report_sections s ON s.version_id = v.id \
                 WHERE r.campaign_id = ? AND r.problems > 0 AND s.nil = 0 GROUP BY r.unit_id, s.category",
                vals![cid],
            )
            .await?
        {
            if let (Some(i), Some(c)) = (
                at(&get::<String>(&r, "unit_id")?),
                cat_index(&get::<String>(&r, "category")?),
            ) {
                units[i].own.reported_by_category[c] += n(&r, "n")?;
            }
        }

        for r in sql
            .all(
                &self.db,
                "SELECT unit_id, category, outcome, COUNT(*) AS n, \
                 COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0) AS week \
                 FROM findings WHERE campaign_id = ? GROUP BY unit_id, category, outcome",
                vals![week_ms, cid],
            )
            .await?
        {
            let Some(i) = at(&get::<String>(&r, "unit_id")?) else {
                continue;
            };
            let count = n(&r, "n")?;
            let f = &mut units[i].own;
            f.findings += count;
            f.week.findings += n(&r, "week")?;
            if let Some(c) = cat_index(&get::<String>(&r, "category")?) {
                f.found_by_category[c] += count;
            }
            match Leniency::parse(&get::<String>(&r, "outcome")?) {
                Ok(Leniency::Lenient) => f.lenient += count,
                Ok(Leniency::PartlyLenient) => f.partly_lenient += count,
                Ok(Leniency::Strict) => f.strict += count,
                _ => f.pending += count,
            }
        }

        for r in sql
            .all(
                &self.db,
                "SELECT unit_id, COUNT(*) AS total, \
                 COALESCE(SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END), 0) AS accepted, \
                 COALESCE(SUM(CASE WHEN state <> 'accepted' AND deadline < ? THEN 1 ELSE 0 END), 0) AS overdue \
                 FROM rectification_items WHERE campaign_id = ? GROUP BY unit_id",
                vals![today_s.as_str(), cid],
            )
            .await?
        {
            if let Some(i) = at(&get::<String>(&r, "unit_id")?) {
                units[i].own.ledger_total = n(&r, "total")?;
                units[i].own.ledger_accepted = n(&r, "accepted")?;
                units[i].own.ledger_overdue = n(&r, "overdue")?;
            }
        }
        for r in sql
            .all(
                &self.db,
                "SELECT i.unit_id, COUNT(*) AS n FROM rectification_events e JOIN rectification_items i ON i.id = e.item_id \
                 WHERE i.campaign_id = ? AND e.to_state = 'accepted' AND e.created_at >= ? GROUP BY i.unit_id",
                vals![cid, week_ms],
            )
            .await?
        {
            if let Some(i) = at(&get::<String>(&r, "unit_id")?) {
                units[i].own.week.ledger_accepted = n(&r, "n")?;
            }
        }

        for r in sql
            .all(
                &self.db,
                "SELECT t.unit_id, COUNT(*) AS total, \
                 COALESCE(SUM(CASE WHEN t.state = 'accepted' THEN 1 ELSE 0 END), 0) AS accepted, \
                 COALESCE(SUM(CASE WHEN t.state <> 'accepted' AND k.deadline < ? THEN 1 ELSE 0 END), 0) AS overdue, \
                 COALESCE(SUM(CASE WHEN t.state = 'accepted' AND t.accepted_at >= ? THEN 1 ELSE 0 END), 0) AS week \
                 FROM task_targets t JOIN tasks k ON k.id = t.task_id WHERE k.campaign_id = ? GROUP BY t.unit_id",
                vals![today_s.as_str(), week_ms, cid],
            )
            .await?
        {
            if let Some(i) = at(&get::<String>(&r, "unit_id")?) {
                units[i].own.tasks_total = n(&r, "total")?;
                units[i].own.tasks_accepted = n(&r, "accepted")?;
                units[i].own.tasks_overdue = n(&r, "overdue")?;
                units[i].own.week.tasks_accepted = n(&r, "week")?;
            }
        }

        for r in sql
            .all(
                &self.db,
                "SELECT a.unit_id, COUNT(DISTINCT a.id) AS activities, COUNT(t.id) AS attendances \
                 FROM study_activities a LEFT JOIN study_attendance t ON t.activity_id = a.id \
                 WHERE a.campaign_id = ? AND a.day >= ? AND a.day <= ? GROUP BY a.unit_id",
                vals![cid, week_from_s.as_str(), today_s.as_str()],
            )
            .await?
        {
            if let Some(i) = at(&get::<String>(&r, "unit_id")?) {
                units[i].own.week.activities = n(&r, "activities")?;
                units[i].own.week.attendances = n(&r, "attendances")?;
            }
        }

        for r in sql
            .all(
                &self.db,
                "SELECT unit_id, COUNT(*) AS n FROM unit_phase_events WHERE campaign_id = ? AND created_at >= ? GROUP BY unit_id",
                vals![cid, week_ms],
            )
            .await?
        {
            if let Some(i) = at(&get::<String>(&r, "unit_id")?) {
                units[i].own.week.phase_moves = n(&r, "n")?;
            }
        }

        Ok(Progress {
            campaign: campaign.clone(),
            units,
            week_from,
            week_to: today,
            computed_at: now_ms(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week_starts_on_monday() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(week_start(d("2026-11-27")), d("2026-11-23"));
        assert_eq!(week_start(d("2026-11-23")), d("2026-11-23"));
        assert_eq!(week_start(d("2026-11-29")), d("2026-11-23"));
    }

    #[test]
    fn percent_has_one_decimal_and_no_division_by_zero() {
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(2, 3), 66.7);
        assert_eq!(percent(5, 0), 0.0);
    }

    #[test]
    fn sums_are_exact_across_units() {
        let mut a = Figures {
            officers: 3,
            study_done: 1,
            phase_units: vec![1, 0, 0],
            ..Figures::default()
        };
        let b = Figures {
            officers: 2,
            study_done: 2,
            phase_units: vec![0, 1, 0],
            week: Week {
                findings: 4,
                ..Week::default()
            },
            ..Figures::default()
        };
        a.add(&b);
        assert_eq!((a.officers, a.study_done), (5, 3));
        assert_eq!(a.phase_units, vec![1, 1, 0]);
        assert_eq!(a.week.findings, 4);
        assert_eq!(a.study_rate(), 60.0);
    }
}
