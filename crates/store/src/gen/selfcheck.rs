//! Generated self-check: self-reports for most officers while the window is open (nil reports mostly,
//! some with problems, some amended), then findings from concluded clues and from inspections, each
//! decided by `domain::selfcheck::leniency` on the versions the officer filed.

use std::collections::{HashMap, HashSet};

use domain::clues::Conclusion;
use domain::selfcheck::{
    Finding, FindingItem, FindingSource, Section, SelfReportVersion, Window, leniency,
};
use domain::tips::ProblemCategory;
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::{Rows, Tables, numbers_in_order};
use super::campaign::{CampaignSummary, Ctx, Standing, WINDOW_OPENS, World, Writer, officer_index};
use super::selfcheck_text as words;
use crate::db::get;
use crate::selfcheck::local_datetime;
use crate::{Result, Sql, new_id, vals};

/// One category with something in it: what was written, and the fact it states.
#[derive(Clone)]
pub(super) struct Written {
    pub category: ProblemCategory,
    pub text: String,
    pub fact: String,
}

pub(super) struct VersionPlan {
    pub at: i64,
    pub reported: Vec<Written>,
}

pub(super) struct ReportPlan {
    pub id: String,
    pub officer: usize,
    pub versions: Vec<VersionPlan>,
}

impl ReportPlan {
    pub fn latest(&self) -> &VersionPlan {
        self.versions.last().expect("a report has a version")
    }

    /// The versions as the leniency rule reads them.
    fn to_domain(&self) -> Vec<SelfReportVersion> {
        self.versions
            .iter()
            .enumerate()
            .map(|(i, v)| SelfReportVersion {
                version: i as u32 + 1,
                submitted_at: local_datetime(v.at),
                sections: ProblemCategory::all()
                    .iter()
                    .map(|c| {
                        let s = match v.reported.iter().find(|w| w.category == *c) {
                            Some(w) => Section::Text(w.text.clone()),
                            None => Section::Nil,
                        };
                        (*c, s)
                    })
                    .collect(),
            })
            .collect()
    }
}

pub(super) struct Reports {
    pub list: Vec<ReportPlan>,
    pub by_officer: HashMap<usize, usize>,
}

/// A finding as later modules need it.
pub(super) struct FindingPlan {
    pub id: String,
    pub number: String,
    pub officer: usize,
    pub category: ProblemCategory,
    pub items: Vec<String>,
    pub at: i64,
}

fn day_offset(ctx: &Ctx, ms: i64) -> i64 {
    (crate::clues::local_date(ms) - ctx.today).num_days()
}

pub(super) async fn reports(
    ctx: &Ctx<'_>,
    world: &World,
    rng: &mut StdRng,
    summary: &mut CampaignSummary,
) -> Result<Reports> {
    let year = ctx.year();
    let mut out = Reports {
        list: Vec::new(),
        by_officer: HashMap::new(),
    };
    let mut w = Writer::begin(ctx.store).await?;
    let mut t = Tables::new(vec![
        Rows::new(
            "self_reports (id, campaign_id, officer_id, unit_id, latest_version, problems, created_at, updated_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "self_report_versions (id, report_id, version, submitted_at, submitted_by)",
            "(?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "self_report_sections (id, version_id, category, nil, content)",
            "(?, ?, ?, 1, '')",
        ),
        Rows::new(
            "self_report_sections (id, version_id, category, nil, content)",
            "(?, ?, ?, 0, ?)",
        ),
    ]);
    for (u, unit) in world.units.iter().enumerate() {
        let standing = ctx.standing[u];
        let (rate, last_day) = match standing {
            _ if u == ctx.ready_unit => (1.0, -1),
            Standing::MovedOn { overridden } => {
                let last = ctx.moved_at[u]
                    .map(|m| day_offset(ctx, m) - 1)
                    .unwrap_or(-1);
                (if overridden { -1.0 } else { 1.0 }, last)
            }
            Standing::Current => (rng.random_range(0.70..0.95), -1),
            Standing::Behind { .. } => (rng.random_range(0.40..0.75), -1),
        };
        // An overridden unit went on with all but two officers filed (both on sick leave).
        let skip: HashSet<usize> = if rate < 0.0 {
            world.roster[u].iter().rev().take(2).copied().collect()
        } else {
            HashSet::new()
        };
        for &o in &world.roster[u] {
            let files = if rate < 0.0 {
                !skip.contains(&o)
            } else {
                rate >= 1.0 || rng.random_bool(rate)
            };
            if o == world.ganjing || !files {
                continue;
            }
            let last = last_day.max(WINDOW_OPENS);
            let first_at = ctx.moment(rng, WINDOW_OPENS, last);
            let mut versions = vec![VersionPlan {
                at: first_at,
                reported: Vec::new(),
            }];
            if rng.random_bool(0.10) {
                let n = if rng.random_bool(0.8) { 1 } else { 2 };
                while versions[0].reported.len() < n {
                    let c = words::weighted_category(rng);
                    if versions[0].reported.iter().any(|w| w.category == c) {
                        continue;
                    }
                    let r = words::self_report(c, year, rng);
                    versions[0].reported.push(Written {
                        category: c,
                        text: r.text,
                        fact: r.fact,
                    });
                }
            }
            let first_day = day_offset(ctx, first_at);
            if rng.random_bool(0.05) && first_day < last {
                // An amendment adds what the first version left out.
                let at = ctx.moment(rng, first_day + 1, last);
                let mut reported = versions[0].reported.clone();
                let c = loop {
                    let c = words::weighted_category(rng);
                    if !reported.iter().any(|w| w.category == c) {
                        break c;
                    }
                };
                let r = words::self_report(c, year, rng);
                reported.push(Written {
                    category: c,
                    text: format!("{}{}", words::AMEND_PREFIX, r.text),
                    fact: r.fact,
                });
                versions.push(VersionPlan { at, reported });
            }
            let officer = &world.officers[o];
            let plan = ReportPlan {
                id: new_id(),
                officer: o,
                versions,
            };
            let latest = plan.latest();
            t.push(
                0,
                vals![
                    plan.id.as_str(),
                    ctx.campaign_id.as_str(),
                    officer.id.as_str(),
                    unit.id.as_str(),
                    plan.versions.len() as i32,
                    latest.reported.len() as i32,
                    plan.versions[0].at,
                    latest.at
                ],
            );
            for (i, v) in plan.versions.iter().enumerate() {
                let vid = new_id();
                t.push(
                    1,
                    vals![
                        vid.as_str(),
                        plan.id.as_str(),
                        i as i32 + 1,
                        v.at,
                        officer.name.as_str()
                    ],
                );
                for c in ProblemCategory::all() {
                    match v.reported.iter().find(|w| w.category == *c) {
                        Some(w) => t.push(
                            3,
                            vals![new_id(), vid.as_str(), c.as_str(), w.text.as_str()],
                        ),
                        None => t.push(2, vals![new_id(), vid.as_str(), c.as_str()]),
                    }
                }
            }
            out.by_officer.insert(o, out.list.len());
            out.list.push(plan);
            w.step(&mut t).await?;
        }
    }
    summary.self_reports = t.written(0);
    let detail = format!("self_reports={} versions={}", t.written(0), t.written(1));
    w.finish(&mut t, "gen.selfcheck", &detail).await?;
    Ok(out)
}

struct Draft {
    officer: usize,
    category: ProblemCategory,
    source: FindingSource,
    clue: Option<(String, String)>,
    description: String,
    found_on: chrono::NaiveDate,
    known_at: i64,
    known_how: String,
    items: Vec<(String, Option<bool>)>,
    created: i64,
    by: String,
}

pub(super) async fn findings(
    ctx: &Ctx<'_>,
    world: &World,
    rng: &mut StdRng,
    reports: &Reports,
    summary: &mut CampaignSummary,
) -> Result<Vec<FindingPlan>> {
    let year = ctx.year();
    let target = (world.officers.len() as f64 * 0.022).round() as usize;
    let from_clues = target * 55 / 100;
    let index = officer_index(world);
    let mut drafts: Vec<Draft> = Vec::new();
    let mut taken: HashSet<usize> = HashSet::new();
    taken.insert(world.ganjing);

    // Clues concluded 属实 / 部分属实 that name an officer on the roster.
    let rows = Sql::of(&ctx.store.db)
        .all(
            &ctx.store.db,
            "SELECT id, number, category, conclusion, summary, created_at, accused_officer_id FROM clues WHERE conclusion IN ('true', 'partly_true') AND accused_officer_id IS NOT NULL ORDER BY number",
            vals![],
        )
        .await?;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    for i in 0..order.len().min(from_clues * 2) {
        let j = rng.random_range(i..order.len());
        order.swap(i, j);
    }
    for i in order {
        if drafts.len() >= from_clues {
            break;
        }
        let r = &rows[i];
        let officer_id: String = get(r, "accused_officer_id")?;
        let Some(&o) = index.get(officer_id.as_str()) else {
            continue;
        };
        if !taken.insert(o) {
            continue;
        }
        let category = ProblemCategory::parse(&get::<String>(r, "category")?)?;
        let number: String = get(r, "number")?;
        let conclusion = Conclusion::parse(&get::<String>(r, "conclusion")?)?;
        let summary_text: String = get(r, "summary")?;
        let known_at: i64 = get(r, "created_at")?;
        let found = rng.random_range((day_offset(ctx, known_at) + 1).clamp(-30, -1)..=-1);
        let items = (0..rng.random_range(1..=2))
            .map(|_| (words::other_fact(category, year, rng), None))
            .collect();
        drafts.push(Draft {
            officer: o,
            category,
            source: FindingSource::Clue,
            description: format!("线索{number}（{}）：{summary_text}", conclusion.label()),
            known_how: format!("线索{number}登记"),
            clue: Some((get(r, "id")?, number)),
            found_on: ctx.day(found),
            known_at,
            items,
            created: ctx.moment(rng, found, found),
            by: ctx.office.display_name.clone(),
        });
    }

    // Inspections: mostly officers who had reported something (so the report is compared), the rest
    // officers who had not.
    let inspections = target.saturating_sub(drafts.len());
    let mut with_problems: Vec<usize> = reports
        .list
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.versions
                .iter()
                .any(|v| !v.reported.is_empty() && day_offset(ctx, v.at) <= -3)
        })
        .map(|(i, _)| i)
        .collect();
    for i in (1..with_problems.len()).rev() {
        let j = rng.random_range(0..=i);
        with_problems.swap(i, j);
    }
    let compared = inspections * 65 / 100;
    for ri in with_problems {
        if drafts.len() >= from_clues + compared {
            break;
        }
        let r = &reports.list[ri];
        if !taken.insert(r.officer) {
            continue;
        }
        let Some(v) = r
            .versions
            .iter()
            .find(|v| !v.reported.is_empty() && day_offset(ctx, v.at) <= -3)
        else {
            continue;
        };
        let wrote = &v.reported[rng.random_range(0..v.reported.len())];
        let found = rng.random_range(day_offset(ctx, v.at) + 1..=-1);
        let other = words::other_fact(wrote.category, year, rng);
        let kind: f64 = rng.random();
        let items: Vec<(String, Option<bool>)> = if kind < 0.45 {
            vec![(wrote.fact.clone(), Some(true))]
        } else if kind < 0.70 {
            vec![(wrote.fact.clone(), Some(true)), (other, Some(false))]
        } else if kind < 0.88 {
            vec![(wrote.fact.clone(), None)]
        } else {
            vec![(other, Some(false))]
        };
        drafts.push(inspection(
            ctx,
            world,
            rng,
            r.officer,
            wrote.category,
            found,
            items,
        ));
    }
    let mut tries = 0;
    while drafts.len() < target && tries < target * 20 {
        tries += 1;
        let o = rng.random_range(0..world.officers.len());
        let nothing = reports.by_officer.get(&o).is_none_or(|i| {
            reports.list[*i]
                .versions
                .iter()
                .all(|v| v.reported.is_empty())
        });
        if !nothing || !taken.insert(o) {
            continue;
        }
        let c = words::weighted_category(rng);
        let items = (0..rng.random_range(1..=2))
            .map(|_| (words::other_fact(c, year, rng), None))
            .collect();
        let found = rng.random_range(-18..=-1);
        drafts.push(inspection(ctx, world, rng, o, c, found, items));
    }

    // ---- decide and write ----
    let window = Window::new(ctx.window_opens, ctx.window_closes)?;
    let mut w = Writer::begin(ctx.store).await?;
    let numbers = numbers_in_order(
        w.txn(),
        "CS",
        &drafts.iter().map(|d| d.created).collect::<Vec<_>>(),
    )
    .await?;
    let mut t = Tables::new(vec![
        Rows::new(
            "findings (id, number, campaign_id, unit_id, officer_id, category, source, clue_id, description, found_on, known_at, known_how, outcome, compared_by, compared_at, created_by, created_at, updated_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "finding_items (id, finding_id, seq, text, covered)",
            "(?, ?, ?, ?, ?)",
        ),
    ]);
    let mut out = Vec::with_capacity(drafts.len());
    for (d, number) in drafts.into_iter().zip(numbers) {
        let versions = reports
            .by_officer
            .get(&d.officer)
            .map(|i| reports.list[*i].to_domain())
            .unwrap_or_default();
        let finding = Finding {
            category: d.category,
            known_at: local_datetime(d.known_at),
            known_how: d.known_how.clone(),
            items: d
                .items
                .iter()
                .map(|(text, covered)| FindingItem {
                    text: text.clone(),
                    covered: *covered,
                })
                .collect(),
        };
        let decision = leniency(&versions, &finding, &window);
        let was_compared = d.items.iter().any(|(_, c)| c.is_some());
        let compared_at = was_compared.then(|| (d.created + 86_400_000).min(ctx.now - 60_000));
        let officer = &world.officers[d.officer];
        let id = new_id();
        t.push(
            0,
            vals![
                id.as_str(),
                number.as_str(),
                ctx.campaign_id.as_str(),
                world.units[officer.unit].id.as_str(),
                officer.id.as_str(),
                d.category.as_str(),
                d.source.as_str(),
                d.clue.as_ref().map(|c| c.0.clone()),
                d.description.as_str(),
                Ctx::ymd(d.found_on),
                d.known_at,
                d.known_how.as_str(),
                decision.outcome.as_str(),
                was_compared.then(|| ctx.inspector_name.clone()),
                compared_at,
                d.by.as_str(),
                d.created,
                compared_at.unwrap_or(d.created)
            ],
        );
        for (i, (text, covered)) in d.items.iter().enumerate() {
            t.push(
                1,
                vals![
                    new_id(),
                    id.as_str(),
                    i as i32 + 1,
                    text.as_str(),
                    covered.map(i32::from)
                ],
            );
        }
        out.push(FindingPlan {
            id,
            number,
            officer: d.officer,
            category: d.category,
            items: d.items.into_iter().map(|(t, _)| t).collect(),
            at: compared_at.unwrap_or(d.created),
        });
        w.step(&mut t).await?;
    }
    summary.findings = t.written(0);
    let detail = format!("findings={}", t.written(0));
    w.finish(&mut t, "gen.findings", &detail).await?;
    Ok(out)
}

fn inspection(
    ctx: &Ctx,
    world: &World,
    rng: &mut StdRng,
    officer: usize,
    category: ProblemCategory,
    found: i64,
    items: Vec<(String, Option<bool>)>,
) -> Draft {
    let found_on = ctx.day(found);
    let unit = &world.units[world.officers[officer].unit].name;
    let facts: Vec<&str> = items.iter().map(|(t, _)| t.as_str()).collect();
    Draft {
        officer,
        category,
        source: FindingSource::Inspection,
        clue: None,
        description: format!(
            "督导组在{unit}开展督导检查时发现{}存在以下问题：{}。",
            world.officers[officer].name,
            facts.join("；")
        ),
        found_on,
        known_at: crate::selfcheck::local_ms(found_on.and_hms_opt(0, 0, 0).unwrap_or_default()),
        known_how: format!("督导检查发现（{found_on}）"),
        items,
        created: ctx.moment(rng, found, found),
        by: ctx.inspector_name.clone(),
    }
}
