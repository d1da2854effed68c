//! Generated rectification ledger (整改台账): rows from self-reports, findings, inspections, case reviews
//! and the six special rectifications, each carried through its life by `domain::rectification::next`
//! (open, progress, evidence, submission, rework, acceptance) with its history; a share of the rows still
//! open is past its deadline. Rows that went up for acceptance carry a real evidence file. Then a few
//! rules of the register, each linked to the rows that showed the gap.

use domain::rectification::{ItemAction, ItemSource, ItemState, RuleState, next};
use domain::tips::ProblemCategory;
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::{Rows, Tables, numbers_in_order};
use super::campaign::{CampaignSummary, Ctx, World, Writer};
use super::selfcheck::{FindingPlan, Reports};
use super::selfcheck_text as words;
use crate::{Result, StoreError, new_id, vals};

struct Draft {
    unit: usize,
    source: ItemSource,
    source_ref: Option<String>,
    category: ProblemCategory,
    problem: String,
    person: String,
    created: i64,
}

const DAY: i64 = 86_400_000;

/// The special rectifications a kind of unit takes part in.
fn stubborn_for(kind: &str) -> &'static [ProblemCategory] {
    use ProblemCategory::*;
    match kind {
        "court" => &[
            Interference,
            RevolvingDoor,
            IllegalCommutation,
            CaseSuppression,
        ],
        "procuratorate" => &[
            RevolvingDoor,
            CaseSuppression,
            IllegalCommutation,
            Interference,
        ],
        "police" => &[
            CaseSuppression,
            Interference,
            IllegalBusiness,
            IllegalInvestmentLending,
        ],
        "prison" => &[IllegalCommutation, IllegalBusiness],
        "justice" => &[IllegalBusiness, IllegalInvestmentLending],
        _ => &[Interference, IllegalBusiness],
    }
}

pub(super) async fn generate(
    ctx: &Ctx<'_>,
    world: &World,
    rng: &mut StdRng,
    reports: &Reports,
    findings: &[FindingPlan],
    summary: &mut CampaignSummary,
) -> Result<()> {
    let latest = ctx.now - 3_600_000;
    let mut drafts: Vec<Draft> = Vec::new();
    for r in &reports.list {
        let v = r.latest();
        let Some(first) = v.reported.first() else {
            continue;
        };
        if !rng.random_bool(0.5) {
            continue;
        }
        let o = &world.officers[r.officer];
        drafts.push(Draft {
            unit: o.unit,
            source: ItemSource::SelfReport,
            source_ref: Some(r.id.clone()),
            category: first.category,
            problem: format!("{}在自查事项报告中报告：{}", o.name, first.fact),
            person: o.name.clone(),
            created: (v.at + rng.random_range(1..=5) * DAY).min(latest),
        });
    }
    for f in findings {
        if !rng.random_bool(0.8) {
            continue;
        }
        let o = &world.officers[f.officer];
        drafts.push(Draft {
            unit: o.unit,
            source: ItemSource::Finding,
            source_ref: Some(f.id.clone()),
            category: f.category,
            problem: format!("查实问题{}：{}{}", f.number, o.name, f.items.join("；")),
            person: o.name.clone(),
            created: (f.at + rng.random_range(0..=3) * DAY).min(latest),
        });
    }
    for (u, unit) in world.units.iter().enumerate() {
        for _ in 0..rng.random_range(0..=4) {
            let (category, problem) = words::inspection_problem(rng);
            drafts.push(Draft {
                unit: u,
                source: ItemSource::Inspection,
                source_ref: None,
                category,
                problem,
                person: super::text::person_name(rng),
                created: ctx.moment(rng, -18, -1),
            });
        }
        if matches!(
            unit.kind.as_str(),
            "court" | "procuratorate" | "police" | "prison"
        ) {
            for _ in 0..rng.random_range(0..=2) {
                drafts.push(Draft {
                    unit: u,
                    source: ItemSource::CaseReview,
                    source_ref: None,
                    category: ProblemCategory::JudicialCorruption,
                    problem: words::case_review_problem(rng),
                    person: super::text::person_name(rng),
                    created: ctx.moment(rng, -30, -1),
                });
            }
        }
        let stubborn = stubborn_for(&unit.kind);
        for k in 0..rng.random_range(1..=3) {
            let category = stubborn[(k + rng.random_range(0..stubborn.len())) % stubborn.len()];
            drafts.push(Draft {
                unit: u,
                source: ItemSource::Special,
                source_ref: None,
                category,
                problem: words::special_problem(rng, category),
                person: super::text::person_name(rng),
                created: ctx.moment(rng, -38, -1),
            });
        }
    }

    let mut w = Writer::begin(ctx.store).await?;
    let numbers = numbers_in_order(
        w.txn(),
        "ZG",
        &drafts.iter().map(|d| d.created).collect::<Vec<_>>(),
    )
    .await?;
    let mut t = Tables::new(vec![
        Rows::new(
            "rectification_items (id, number, campaign_id, unit_id, source, source_ref, category, problem, measures, leader, person, deadline, state, progress, reworks, created_by, created_at, updated_at, accepted_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "rectification_events (id, item_id, kind, from_state, to_state, note, actor_id, actor_name, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "rectification_evidence (id, item_id, name, kind, size, digest, uploaded_by, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?)",
        ),
    ]);
    // (item id, category, unit) of every row, for linking rules.
    let mut made: Vec<(String, ProblemCategory, usize, String)> = Vec::with_capacity(drafts.len());
    for (d, number) in drafts.iter().zip(&numbers) {
        let unit = &world.units[d.unit];
        let id = new_id();
        let age = (ctx.now - d.created) / DAY;
        let r: f64 = rng.random();
        let target = if age < 6 || r < 0.40 {
            ItemState::Open
        } else if r < 0.58 {
            ItemState::Submitted
        } else if r < 0.68 {
            ItemState::Rework
        } else {
            ItemState::Accepted
        };
        let created_day = crate::clues::local_date(d.created);
        let created_off = (created_day - ctx.today).num_days();
        let overdue = matches!(target, ItemState::Open | ItemState::Rework)
            && created_off <= -10
            && rng.random_bool(0.35);
        let deadline = if overdue {
            ctx.day(rng.random_range(created_off + 5..=-1))
        } else {
            let d = ctx.day(created_off + rng.random_range(20..=60));
            if matches!(target, ItemState::Open | ItemState::Rework) {
                d.max(ctx.day(1))
            } else {
                d
            }
        };
        let unit_actor = format!("{} 联络员", unit.name);
        let created_by = if d.source == ItemSource::Inspection {
            ctx.inspector_name.clone()
        } else {
            unit_actor.clone()
        };
        let mut actions: Vec<ItemAction> = Vec::new();
        if rng.random_bool(0.6) {
            actions.push(ItemAction::Progress);
        }
        match target {
            ItemState::Open => {}
            ItemState::Submitted => actions.push(ItemAction::Submit),
            ItemState::Rework => {
                actions.extend([ItemAction::Submit, ItemAction::Reject]);
                if rng.random_bool(0.5) {
                    actions.push(ItemAction::Progress);
                }
            }
            ItemState::Accepted => {
                if rng.random_bool(0.25) {
                    actions.extend([ItemAction::Submit, ItemAction::Reject, ItemAction::Progress]);
                }
                actions.extend([ItemAction::Submit, ItemAction::Accept]);
            }
        }
        let gap = ((latest - d.created) / (actions.len() as i64 + 2)).max(60_000);
        let mut at = d.created;
        let mut state = ItemState::Open;
        let mut progress = String::new();
        let mut reworks = 0;
        let mut accepted_at = None;
        let mut evidence_done = false;
        t.push(
            1,
            vals![
                new_id(),
                id.as_str(),
                "create",
                None::<String>,
                "open",
                format!("列入整改台账（{}），整改时限{}", d.source.label(), deadline),
                None::<String>,
                created_by.as_str(),
                at
            ],
        );
        for a in actions {
            at = (at + rng.random_range(gap / 2..=gap)).min(latest);
            let to = next(state, a).map_err(StoreError::Invalid)?;
            if a == ItemAction::Submit && !evidence_done {
                // Nothing goes up for acceptance without evidence.
                let (name, text) =
                    words::evidence_file(number, &unit.name, &d.problem, words::submit_note(rng));
                let eid = new_id();
                let dir = ctx
                    .store
                    .data_dir
                    .join("evidence")
                    .join("rectification")
                    .join(&id);
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join(&eid), text.as_bytes())?;
                t.push(
                    2,
                    vals![
                        eid,
                        id.as_str(),
                        name.as_str(),
                        "txt",
                        text.len() as i64,
                        hex::encode(crypto::sm3(text.as_bytes())),
                        unit_actor.as_str(),
                        at - 60_000
                    ],
                );
                t.push(
                    1,
                    vals![
                        new_id(),
                        id.as_str(),
                        "evidence",
                        state.as_str(),
                        state.as_str(),
                        format!("上传佐证材料「{name}」"),
                        None::<String>,
                        unit_actor.as_str(),
                        at - 60_000
                    ],
                );
                evidence_done = true;
            }
            let (note, by_inspector) = match a {
                ItemAction::Progress => (words::progress_note(rng).to_string(), false),
                ItemAction::Submit => (words::submit_note(rng).to_string(), false),
                ItemAction::Reject => (words::reject_note(rng).to_string(), true),
                ItemAction::Accept => (words::accept_note(rng).to_string(), true),
            };
            match a {
                ItemAction::Progress | ItemAction::Submit => progress = note.clone(),
                ItemAction::Reject => reworks += 1,
                ItemAction::Accept => accepted_at = Some(at),
            }
            let (actor_id, actor_name) = if by_inspector {
                (Some(ctx.inspector_id.as_str()), ctx.inspector_name.as_str())
            } else {
                (None, unit_actor.as_str())
            };
            t.push(
                1,
                vals![
                    new_id(),
                    id.as_str(),
                    a.name(),
                    state.as_str(),
                    to.as_str(),
                    note,
                    actor_id,
                    actor_name,
                    at
                ],
            );
            state = to;
        }
        debug_assert_eq!(state, target);
        t.push(
            0,
            vals![
                id.as_str(),
                number.as_str(),
                ctx.campaign_id.as_str(),
                unit.id.as_str(),
                d.source.as_str(),
                d.source_ref.clone(),
                d.category.as_str(),
                d.problem.as_str(),
                words::measures(rng),
                words::leader(&super::text::person_name(rng), rng),
                d.person.as_str(),
                Ctx::ymd(deadline),
                state.as_str(),
                progress,
                reworks,
                created_by.as_str(),
                d.created,
                at,
                accepted_at
            ],
        );
        made.push((id, d.category, d.unit, number.clone()));
        w.step(&mut t).await?;
    }
    summary.ledger_rows = t.written(0);
    let detail = format!("ledger rows={} evidence={}", t.written(0), t.written(2));
    w.finish(&mut t, "gen.rectification", &detail).await?;
    summary.rules = rules(ctx, world, rng, &made).await?;
    Ok(())
}

/// Whether unit `u` is `top` or lies below it.
fn under(world: &World, mut u: usize, top: usize) -> bool {
    loop {
        if u == top {
            return true;
        }
        match world.units[u].parent {
            Some(p) => u = p,
            None => return false,
        }
    }
}

async fn rules(
    ctx: &Ctx<'_>,
    world: &World,
    rng: &mut StdRng,
    items: &[(String, ProblemCategory, usize, String)],
) -> Result<u64> {
    let count = match ctx.scale {
        super::Scale::City => 6,
        super::Scale::Province => 30,
    };
    // Rules are made high in the tree: the root, and the units right below it (and theirs, in a province).
    let depth_of = |mut u: usize| {
        let mut d = 0;
        while let Some(p) = world.units[u].parent {
            d += 1;
            u = p;
        }
        d
    };
    let max_depth = match ctx.scale {
        super::Scale::City => 1,
        super::Scale::Province => 2,
    };
    let makers: Vec<usize> = (0..world.units.len())
        .filter(|u| depth_of(*u) <= max_depth)
        .collect();
    let order = [
        RuleState::Adopted,
        RuleState::Revised,
        RuleState::Drafting,
        RuleState::Adopted,
        RuleState::Abolished,
        RuleState::Adopted,
    ];
    let created: Vec<i64> = (0..count).map(|_| ctx.moment(rng, -30, -8)).collect();
    let mut w = Writer::begin(ctx.store).await?;
    let numbers = numbers_in_order(w.txn(), "ZD", &created).await?;
    let mut t = Tables::new(vec![
        Rows::new(
            "rectification_rules (id, number, campaign_id, unit_id, title, summary, state, revision, adopted_on, revised_on, abolished_on, created_by, created_at, updated_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "rectification_rule_events (id, rule_id, kind, from_state, to_state, note, actor_id, actor_name, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "rectification_rule_items (id, rule_id, item_id, created_at)",
            "(?, ?, ?, ?)",
        ),
    ]);
    let office = (
        ctx.office.user_id.as_str(),
        ctx.office.display_name.as_str(),
    );
    for k in 0..count {
        let (category, title, text) = words::RULES[k % words::RULES.len()];
        let maker = if k < 2 {
            0
        } else {
            makers[rng.random_range(0..makers.len())]
        };
        let target = order.get(k).copied().unwrap_or_else(|| {
            [
                RuleState::Drafting,
                RuleState::Adopted,
                RuleState::Adopted,
                RuleState::Revised,
                RuleState::Abolished,
            ][rng.random_range(0..5)]
        });
        let mut linked: Vec<&(String, ProblemCategory, usize, String)> = items
            .iter()
            .filter(|(_, c, u, _)| *c == category && under(world, *u, maker))
            .take(200)
            .collect();
        if linked.is_empty() {
            linked = items
                .iter()
                .filter(|(_, c, _, _)| *c == category)
                .take(200)
                .collect();
        }
        for i in (1..linked.len()).rev() {
            let j = rng.random_range(0..=i);
            linked.swap(i, j);
        }
        linked.truncate(rng.random_range(1..=4));
        let id = new_id();
        let at0 = created[k];
        let mut at = at0;
        let step = |at: i64, rng: &mut StdRng| {
            (at + rng.random_range(2..=5) * DAY).min(ctx.now - 3_600_000)
        };
        let mut events: Vec<(&str, Option<RuleState>, RuleState, String, i64)> = vec![(
            "create",
            None,
            RuleState::Drafting,
            format!("起草，关联整改事项{}项", linked.len()),
            at,
        )];
        let (mut adopted, mut revised, mut abolished, mut revision) = (None, None, None, 0);
        let path: &[RuleState] = match target {
            RuleState::Drafting => &[],
            RuleState::Adopted => &[RuleState::Adopted],
            RuleState::Revised => &[RuleState::Adopted, RuleState::Revised],
            RuleState::Abolished => &[RuleState::Adopted, RuleState::Abolished],
        };
        let mut state = RuleState::Drafting;
        for to in path {
            at = step(at, rng);
            let day = Ctx::ymd(crate::clues::local_date(at));
            let (kind, note) = match to {
                RuleState::Adopted => {
                    adopted = Some(day);
                    ("adopt", "经党组（党委）会议审议通过，印发施行".to_string())
                }
                RuleState::Revised => {
                    revised = Some(day);
                    revision += 1;
                    (
                        "revise",
                        words::RULE_REVISIONS[rng.random_range(0..words::RULE_REVISIONS.len())]
                            .to_string(),
                    )
                }
                _ => {
                    abolished = Some(day);
                    ("abolish", words::RULE_ABOLISH.to_string())
                }
            };
            events.push((kind, Some(state), *to, note, at));
            state = *to;
        }
        t.push(
            0,
            vals![
                id.as_str(),
                numbers[k].as_str(),
                ctx.campaign_id.as_str(),
                world.units[maker].id.as_str(),
                title,
                text,
                state.as_str(),
                revision,
                adopted,
                revised,
                abolished,
                office.1,
                at0,
                at
            ],
        );
        for (kind, from, to, note, when) in events {
            t.push(
                1,
                vals![
                    new_id(),
                    id.as_str(),
                    kind,
                    from.map(|f| f.as_str()),
                    to.as_str(),
                    note,
                    office.0,
                    office.1,
                    when
                ],
            );
        }
        for (item, _, _, _) in linked {
            t.push(2, vals![new_id(), id.as_str(), item.as_str(), at0]);
        }
        w.step(&mut t).await?;
    }
    let made = t.written(0);
    let detail = format!("rules={made} links={}", t.written(2));
    w.finish(&mut t, "gen.rules", &detail).await?;
    Ok(made)
}
