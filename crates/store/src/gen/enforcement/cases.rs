//! The case register: each unit's share of the cases, numbered in order of receipt per kind and year,
//! walked through the stages of its kind (most within their limits, some late, a few left lying), closed
//! with an outcome that belongs to where it stood, each stage with the person who decided it.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use domain::enforcement::cases::{CaseKind, CaseOutcome, CaseStage, StageLimits};
use rand::Rng;
use rand::rngs::StdRng;

use super::text as words;
use super::{CaseRef, EnforcementSummary, Register, Scene, days_before, moment, ymd};
use crate::synth::bulk::{Rows, Tables};
use crate::synth::campaign::Writer;
use crate::{Result, new_id, vals};

/// Cases of each court and procuratorate kept for the records to refer to.
const SAMPLE: usize = 40;

/// One stage of a case as written.
struct StageRow {
    stage: CaseStage,
    started: NaiveDate,
    due: Option<NaiveDate>,
    ended: Option<NaiveDate>,
    decider: Option<usize>,
}

/// The stages a case will pass through and how it ends, by the unit and kind. `m` raises the share of
/// cases that end without a filing or are withdrawn (a unit or handler that lets cases go).
fn plan_path(
    rng: &mut StdRng,
    unit_kind: &str,
    kind: CaseKind,
    m: f64,
) -> (Vec<CaseStage>, CaseOutcome) {
    use CaseOutcome::*;
    use CaseStage::*;
    let r: f64 = rng.random();
    match (unit_kind, kind) {
        ("police", CaseKind::Criminal) => {
            if r < 0.05 * m {
                (vec![Received], NotFiled)
            } else if r < 0.13 * m {
                if rng.random_bool(0.6) {
                    (vec![Received, Filed, Investigation], Withdrawn)
                } else {
                    (vec![Received, Filed], Withdrawn)
                }
            } else {
                (vec![Received, Filed, Investigation], Other)
            }
        }
        ("police", _) => {
            if r < 0.04 * m {
                (vec![Received], NotFiled)
            } else if r < 0.09 * m {
                (vec![Received, Filed, Investigation], Withdrawn)
            } else {
                (vec![Received, Filed, Investigation, Enforcement], Other)
            }
        }
        ("procuratorate", _) => {
            if r < 0.03 * m {
                (vec![Received, Review], Withdrawn)
            } else if r < 0.03 * m + 0.1 {
                (vec![Received, Review], NotProsecuted)
            } else {
                (vec![Received, Review], Other)
            }
        }
        (_, CaseKind::Criminal) => {
            if r < 0.04 * m {
                (vec![Received, Trial], Withdrawn)
            } else {
                (vec![Received, Trial, Judgment], Judged)
            }
        }
        (_, CaseKind::AdminLitigation) => {
            if r < 0.05 * m {
                (vec![Received], NotFiled)
            } else if r < 0.15 * m {
                (vec![Received, Filed, Trial], Withdrawn)
            } else {
                (vec![Received, Filed, Trial, Judgment], Judged)
            }
        }
        _ => {
            if r < 0.03 * m {
                (vec![Received], NotFiled)
            } else if r < 0.13 * m {
                if rng.random_bool(0.5) {
                    (vec![Received, Filed], Withdrawn)
                } else {
                    (vec![Received, Filed, Trial], Withdrawn)
                }
            } else if r < 0.13 * m + 0.25 {
                (vec![Received, Filed, Trial], Mediated)
            } else if rng.random_bool(0.25) {
                (vec![Received, Filed, Trial, Judgment, Enforcement], Judged)
            } else {
                (vec![Received, Filed, Trial, Judgment], Judged)
            }
        }
    }
}

/// Days a stage lasted: mostly within its limit, some late, a few left lying for months.
fn duration(rng: &mut StdRng, limit: Option<u32>, stuck: f64) -> u64 {
    let r: f64 = rng.random();
    match limit {
        Some(l) if r >= stuck && r < stuck + 0.05 => {
            let l = u64::from(l);
            rng.random_range(l + 1..=l * 17 / 10 + 2)
        }
        Some(l) if r >= stuck => {
            let l = u64::from(l);
            rng.random_range((l / 5).max(1)..=l)
        }
        _ if r < stuck => rng.random_range(190..=520),
        _ => rng.random_range(20..=200),
    }
}

/// Picks from a pool, the first ones more often: a few officers carry much of a unit's caseload.
fn skewed(rng: &mut StdRng, pool: &[usize]) -> usize {
    let x: f64 = rng.random();
    pool[((x * x * pool.len() as f64) as usize).min(pool.len() - 1)]
}

fn any(rng: &mut StdRng, pool: &[usize]) -> Option<usize> {
    (!pool.is_empty()).then(|| pool[rng.random_range(0..pool.len())])
}

/// Case quotas per unit, by roster size and how much each kind of unit handles.
fn quotas(s: &Scene<'_>) -> Vec<usize> {
    let weight = |u: usize| -> f64 {
        let unit = &s.world.units[u];
        let per = match unit.kind.as_str() {
            "police" => 1.0,
            "court" => 1.2,
            "procuratorate" => 0.5,
            _ => 0.0,
        };
        per * s.world.roster[u].len() as f64
    };
    let total: f64 = (0..s.world.units.len()).map(weight).sum();
    let mut q: Vec<usize> = (0..s.world.units.len())
        .map(|u| (s.volumes.cases as f64 * weight(u) / total.max(1.0)).floor() as usize)
        .collect();
    // The rounding remainder goes to the busiest unit, so the total is exact.
    let short = s.volumes.cases.saturating_sub(q.iter().sum());
    if let Some(big) = (0..q.len()).max_by_key(|u| (q[*u], usize::MAX - *u)) {
        q[big] += short;
    }
    q
}

/// Writes the register: cases, their stages with the deciding persons, and their officers.
pub(super) async fn generate(
    s: &Scene<'_>,
    limits: &StageLimits,
    rng: &mut StdRng,
    summary: &mut EnforcementSummary,
) -> Result<Register> {
    let world = s.world;
    let n_units = world.units.len();
    let quota = quotas(s);
    let lenient_unit: Vec<bool> = (0..n_units).map(|_| rng.random_bool(0.03)).collect();
    let lenient_officer: Vec<bool> = (0..world.officers.len())
        .map(|_| rng.random_bool(0.02))
        .collect();
    let judicial_cases: usize = (0..n_units)
        .filter(|u| matches!(world.units[*u].kind.as_str(), "court" | "procuratorate"))
        .map(|u| quota[u])
        .sum();
    let p_appear = (s.volumes.appearances as f64 / judicial_cases.max(1) as f64).min(1.0);
    // About two thirds of the register is alive in the last five quarters.
    let p_ask = (s.volumes.inquiries as f64 / (s.volumes.cases as f64 * 0.65)).min(1.0);
    let window = days_before(s.today, 460);
    let mut reg = Register {
        samples: vec![Vec::new(); n_units],
        appearances: Vec::new(),
        asked: Vec::new(),
    };
    let mut t = Tables::new(vec![
        Rows::new(
            "cases (id, number, title, kind, unit_id, handler_id, handler_name, leader_id, leader_name, gang, received_on, stage, stage_since, stage_due, closed_on, outcome, created_by, created_at, updated_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "case_stages (id, case_id, seq, stage, started_on, due_on, ended_on, decision, decider_id, decider_name, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "case_officers (id, case_id, officer_id, role)",
            "(?, ?, ?, ?)",
        ),
    ]);
    let mut w = Writer::begin(s.store).await?;
    let ganjing_unit = world.officers[s.anchors.ganjing].unit;
    for u in 0..n_units {
        let unit = &world.units[u];
        if quota[u] == 0 || world.roster[u].is_empty() {
            continue;
        }
        let unit_kind = unit.kind.as_str();
        let tribunal = unit.name.ends_with("人民法庭");
        let mut plans: Vec<(NaiveDate, CaseKind, bool)> = (0..quota[u])
            .map(|_| {
                let kind = match unit_kind {
                    "police" if rng.random_bool(0.4) => CaseKind::Criminal,
                    "police" => CaseKind::Administrative,
                    "procuratorate" => CaseKind::Criminal,
                    _ if tribunal => CaseKind::Civil,
                    _ => match rng.random_range(0..10) {
                        0..=1 => CaseKind::Criminal,
                        2 => CaseKind::AdminLitigation,
                        _ => CaseKind::Civil,
                    },
                };
                let received = days_before(s.today, rng.random_range(0..730));
                let gang = kind == CaseKind::Criminal && rng.random_bool(0.004);
                (received, kind, gang)
            })
            .collect();
        plans.sort_by_key(|p| p.0);
        let mut seqs: BTreeMap<(&'static str, i32), u32> = BTreeMap::new();
        let forced_from = if u == ganjing_unit {
            plans.len().saturating_sub(3)
        } else {
            usize::MAX
        };
        let mut seen = 0usize;
        for (k, (received, kind, gang)) in plans.into_iter().enumerate() {
            let year = received.year();
            let seq = seqs.entry((kind.as_str(), year)).or_insert(0);
            *seq += 1;
            let number =
                words::case_number(&s.abbr, &s.code[u], unit_kind, kind.as_str(), year, *seq);
            let handler = if k >= forced_from {
                s.anchors.ganjing
            } else {
                skewed(rng, &s.handlers[u])
            };
            let leader = any(rng, &s.leaders[u]).filter(|l| *l != handler);
            let m = if lenient_unit[u] || lenient_officer[handler] {
                2.5
            } else {
                1.0
            };
            let (path, outcome) = plan_path(rng, unit_kind, kind, m);
            // Police criminal reports that are never decided on are what the pending-filing rule looks for.
            let pending_prone = unit_kind == "police" && kind == CaseKind::Criminal;
            let mut rows: Vec<StageRow> = Vec::with_capacity(path.len() + 1);
            let mut cursor = received;
            let mut open = false;
            for st in &path {
                let limit = limits.limit_for(kind, *st);
                let stuck = if *st == CaseStage::Received {
                    if pending_prone { 0.006 } else { 0.0 }
                } else {
                    0.008
                };
                let end = cursor + Days::new(duration(rng, limit, stuck));
                let decider =
                    (*st != CaseStage::Received).then(|| decider(rng, s, u, *st, handler, leader));
                let due = limits.due(kind, *st, cursor);
                if end > s.today {
                    rows.push(StageRow {
                        stage: *st,
                        started: cursor,
                        due,
                        ended: None,
                        decider,
                    });
                    open = true;
                    break;
                }
                rows.push(StageRow {
                    stage: *st,
                    started: cursor,
                    due,
                    ended: Some(end),
                    decider,
                });
                cursor = end;
            }
            if !open {
                rows.push(StageRow {
                    stage: CaseStage::Closed,
                    started: cursor,
                    due: None,
                    ended: None,
                    decider: Some(decider(rng, s, u, CaseStage::Closed, handler, leader)),
                });
            }
            let title = words::case_title(rng, kind.as_str(), unit_kind, &s.city[u], gang);
            let id = new_id();
            let cur = rows.last().map(|r| (r.stage, r.started, r.due));
            let Some((stage, since, due)) = cur else {
                continue;
            };
            let closed = (!open).then_some(since);
            let created = moment(rng, received, s.now);
            let updated = moment(rng, since, s.now).max(created);
            let o = &world.officers;
            t.push(
                0,
                vals![
                    id.as_str(),
                    number.as_str(),
                    title.as_str(),
                    kind.as_str(),
                    unit.id.as_str(),
                    o[handler].id.as_str(),
                    o[handler].name.as_str(),
                    leader.map(|l| o[l].id.clone()),
                    leader.map(|l| o[l].name.clone()).unwrap_or_default(),
                    i32::from(gang),
                    ymd(received),
                    stage.as_str(),
                    ymd(since),
                    if open { due.map(ymd) } else { None },
                    closed.map(ymd),
                    (!open).then_some(outcome.as_str()),
                    "案件数据导入",
                    created,
                    updated
                ],
            );
            let mut people: Vec<(usize, &'static str)> = vec![(handler, "handler")];
            for _ in 0..rng.random_range(0..=2) {
                if let Some(a) = any(rng, &s.helpers[u]) {
                    people.push((a, "assistant"));
                }
            }
            for (seq, r) in rows.iter().enumerate() {
                let decision = match r.stage {
                    CaseStage::Received => "受案登记",
                    CaseStage::Closed => words::closing(outcome.as_str(), unit_kind),
                    st => words::decision(st.as_str(), unit_kind),
                };
                t.push(
                    1,
                    vals![
                        new_id(),
                        id.as_str(),
                        seq as i32 + 1,
                        r.stage.as_str(),
                        ymd(r.started),
                        r.due.filter(|_| r.stage != CaseStage::Closed).map(ymd),
                        r.ended.map(ymd),
                        decision,
                        r.decider.map(|d| o[d].id.clone()),
                        r.decider.map(|d| o[d].name.clone()),
                        moment(rng, r.started, s.now)
                    ],
                );
                if let Some(d) = r.decider {
                    people.push((d, "decider"));
                }
            }
            if let Some(l) = leader {
                people.push((l, "leader"));
            }
            let mut written: Vec<(usize, &str)> = Vec::with_capacity(people.len());
            for p in people {
                if !written.contains(&p) {
                    t.push(2, vals![new_id(), id.as_str(), o[p.0].id.as_str(), p.1]);
                    written.push(p);
                }
            }
            summary.cases += 1;
            summary.stages += rows.len() as u64;
            summary.case_officers += written.len() as u64;
            if open {
                summary.open_cases += 1;
                if due.is_some_and(|d| d < s.today) {
                    summary.overdue_cases += 1;
                }
            }
            summary.gang_cases += u64::from(gang);

            // What the records and inquiries will refer to.
            let judicial = matches!(unit_kind, "court" | "procuratorate");
            let alive_lately = closed.is_none_or(|c| c >= window);
            let wants_sample = judicial;
            let wants_appearance = judicial && rng.random_bool(p_appear);
            let wants_ask = alive_lately && rng.random_bool(p_ask);
            if wants_sample || wants_appearance || wants_ask {
                let mut officers: Vec<usize> = Vec::new();
                for (o, _) in &written {
                    if !officers.contains(o) {
                        officers.push(*o);
                    }
                }
                let r = CaseRef {
                    id,
                    number,
                    unit: u,
                    kind,
                    received,
                    closed,
                    officers,
                };
                if wants_sample {
                    if reg.samples[u].len() < SAMPLE {
                        reg.samples[u].push(r.clone());
                    } else {
                        let j = rng.random_range(0..=seen);
                        if j < SAMPLE {
                            reg.samples[u][j] = r.clone();
                        }
                    }
                    seen += 1;
                }
                if wants_appearance {
                    reg.appearances.push(r.clone());
                }
                if wants_ask {
                    reg.asked.push(r);
                }
            }
            w.step(&mut t).await?;
        }
    }
    w.finish(
        &mut t,
        "gen.cases",
        &format!(
            "{} cases, {} stages, {} case officers",
            summary.cases, summary.stages, summary.case_officers
        ),
    )
    .await?;
    Ok(reg)
}

/// Who decided to move a case into `stage` ("谁决定谁负责"): the unit's leader for the police's
/// filings and closings, the judge or prosecutor on the case for trials and reviews, the division head
/// for some judgments, an enforcement officer for enforcement.
fn decider(
    rng: &mut StdRng,
    s: &Scene<'_>,
    u: usize,
    stage: CaseStage,
    handler: usize,
    leader: Option<usize>,
) -> usize {
    let kind = s.world.units[u].kind.as_str();
    match (kind, stage) {
        ("police", _) => leader.unwrap_or(handler),
        ("procuratorate", CaseStage::Closed) if rng.random_bool(0.4) => leader.unwrap_or(handler),
        ("court", CaseStage::Filed) => any(rng, &s.handlers[u]).unwrap_or(handler),
        ("court", CaseStage::Judgment) if rng.random_bool(0.3) => leader.unwrap_or(handler),
        ("court", CaseStage::Enforcement) => {
            let enforcers: Vec<usize> = s.world.roster[u]
                .iter()
                .copied()
                .filter(|o| s.officers[*o].position == "执行员")
                .collect();
            any(rng, &enforcers).unwrap_or(handler)
        }
        _ => handler,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::enforcement::cases::{check_advance, check_close};
    use rand::SeedableRng;

    /// Every planned path is one the register itself would accept, stage by stage and at the close.
    #[test]
    fn planned_paths_follow_the_registers_rules() {
        let mut rng = StdRng::seed_from_u64(3);
        for (unit, kind) in [
            ("police", CaseKind::Criminal),
            ("police", CaseKind::Administrative),
            ("procuratorate", CaseKind::Criminal),
            ("court", CaseKind::Criminal),
            ("court", CaseKind::Civil),
            ("court", CaseKind::AdminLitigation),
        ] {
            for m in [1.0, 2.5] {
                for _ in 0..500 {
                    let (path, outcome) = plan_path(&mut rng, unit, kind, m);
                    assert_eq!(path[0], CaseStage::Received);
                    for pair in path.windows(2) {
                        check_advance(kind, pair[0], pair[1])
                            .unwrap_or_else(|e| panic!("{unit} {kind:?} {path:?}: {e:?}"));
                    }
                    check_close(kind, *path.last().unwrap(), outcome)
                        .unwrap_or_else(|e| panic!("{unit} {kind:?} {path:?}: {e:?}"));
                }
            }
        }
    }

    #[test]
    fn case_numbers_differ_by_unit_kind_and_year() {
        let a = words::case_number("江", "0103", "court", "civil", 2025, 12);
        assert_eq!(a, "（2025）江0103民初12号");
        let b = words::case_number("江", "0104", "police", "criminal", 2025, 12);
        assert_eq!(b, "江0104公（刑）受字〔2025〕00012号");
        assert_ne!(
            words::case_number("江", "0104", "police", "administrative", 2025, 12),
            b
        );
        assert_ne!(
            words::case_number("江", "0104", "police", "criminal", 2024, 12),
            b
        );
    }
}
