//! Each unit's phase in the generated campaign with the history of how it got there (advance on a
//! checklist as it stood, override with a reason, rework by the inspectors), made by
//! `domain::campaign::next_phase` itself; and the responsibility matrix most units filled in.

use domain::campaign::{
    CampaignTemplate, Checklist, Count, ExitCriteria, PhaseAction, PhaseState, UnitFacts, evaluate,
    next_phase,
};
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::{Rows, Tables};
use super::campaign::{CAMPAIGN_START, Ctx, Standing, World, Writer};
use super::selfcheck_text as words;
use super::tasks::UnitTasks;
use crate::{Result, StoreError, new_id, vals};

// ---------- each unit's phase ----------

fn facts_then(study: Count, reports: Count, overdue: i64, tasks: Count) -> UnitFacts {
    UnitFacts {
        study,
        self_reports: reports,
        overdue_clues: overdue,
        rectification: Count::default(),
        tasks,
    }
}

fn tasks_count(per_unit: &[(usize, bool)], phase: usize, all_accepted: bool) -> Count {
    let of = per_unit.iter().filter(|(p, _)| *p == phase).count() as i64;
    let done = if all_accepted {
        of
    } else {
        per_unit.iter().filter(|(p, ok)| *p == phase && *ok).count() as i64
    };
    Count::new(done, of)
}

pub(super) async fn unit_phases(
    ctx: &Ctx<'_>,
    world: &World,
    rng: &mut StdRng,
    tasks: &UnitTasks,
) -> Result<()> {
    let names: Vec<String> = CampaignTemplate::Education
        .phases()
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    let criteria: Vec<ExitCriteria> = CampaignTemplate::Education
        .phases()
        .iter()
        .map(|p| p.criteria)
        .collect();
    let mut w = Writer::begin(ctx.store).await?;
    let mut t = Tables::new(vec![
        Rows::new(
            "unit_phases (id, campaign_id, unit_id, phase_seq, completed, since, updated_at)",
            "(?, ?, ?, ?, 0, ?, ?)",
        ),
        Rows::new(
            "unit_phase_events (id, campaign_id, unit_id, action, from_seq, to_seq, completed, note, checklist, actor_id, actor_name, created_at)",
            "(?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        ),
    ]);
    for (u, unit) in world.units.iter().enumerate() {
        let standing = ctx.standing[u];
        let Some(last) = ctx.moved_at[u] else {
            continue;
        };
        let of = world.roster[u].len() as i64;
        let bar = (of * 9 + 9) / 10;
        let studied = Count::new(rng.random_range(bar..=of.max(bar)), of);
        // (from phase, checklist as it stood, when, on a special footing: override or rework)
        let mut moves: Vec<(usize, Checklist, i64, bool)> = Vec::new();
        let first_move = match standing {
            Standing::Current => last,
            _ => ctx.moment(rng, -45, -38),
        };
        let c0 = evaluate(
            &criteria[0],
            &facts_then(
                studied,
                Count::default(),
                0,
                tasks_count(&tasks[u], 0, true),
            ),
        );
        moves.push((0, c0, first_move, false));
        match standing {
            Standing::Behind { .. } => {
                let filed = rng.random_range(0..=of / 3);
                let c1 = evaluate(
                    &criteria[1],
                    &facts_then(
                        Count::default(),
                        Count::new(filed, of),
                        rng.random_range(0..=2),
                        tasks_count(&tasks[u], 1, false),
                    ),
                );
                moves.push((1, c1, last, true));
            }
            Standing::MovedOn { overridden } => {
                let filed = if overridden { of - 2 } else { of };
                let c1 = evaluate(
                    &criteria[1],
                    &facts_then(
                        Count::default(),
                        Count::new(filed.max(0), of),
                        0,
                        tasks_count(&tasks[u], 1, true),
                    ),
                );
                moves.push((1, c1, last, overridden));
            }
            Standing::Current => {}
        }
        let mut state = PhaseState::start();
        for (from, checklist, when, special) in &moves {
            let reason;
            let (action, actor_id, actor_name) = match (standing, *from, *special) {
                (Standing::Behind { .. }, 1, _) => {
                    reason = words::one_of(rng, words::REWORK_REASONS);
                    (
                        PhaseAction::Rework {
                            to: 0,
                            reasons: reason,
                        },
                        ctx.inspector_id.as_str(),
                        ctx.inspector_name.as_str(),
                    )
                }
                (_, _, true) => {
                    reason = words::one_of(rng, words::OVERRIDE_REASONS);
                    (
                        PhaseAction::Override { checklist, reason },
                        ctx.office.user_id.as_str(),
                        ctx.office.display_name.as_str(),
                    )
                }
                _ => (
                    PhaseAction::Advance(checklist),
                    ctx.office.user_id.as_str(),
                    ctx.office.display_name.as_str(),
                ),
            };
            debug_assert_eq!(state.phase, *from);
            let mv = next_phase(&names, state, &action)?;
            let json = serde_json::to_string(checklist)
                .map_err(|e| StoreError::Integrity(e.to_string()))?;
            t.push(
                1,
                vals![
                    new_id(),
                    ctx.campaign_id.as_str(),
                    unit.id.as_str(),
                    action.code(),
                    state.phase as i32,
                    mv.to.phase as i32,
                    mv.because.join("\n"),
                    json,
                    actor_id,
                    actor_name,
                    *when
                ],
            );
            state = mv.to;
        }
        debug_assert_eq!(state.phase, standing.phase());
        t.push(
            0,
            vals![
                new_id(),
                ctx.campaign_id.as_str(),
                unit.id.as_str(),
                state.phase as i32,
                last,
                last
            ],
        );
        w.step(&mut t).await?;
    }
    let detail = format!("units moved={}", t.written(0));
    w.finish(&mut t, "gen.phases", &detail).await
}

// ---------- the responsibility matrix ----------

pub(super) async fn responsibilities(ctx: &Ctx<'_>, world: &World, rng: &mut StdRng) -> Result<()> {
    let levels = domain::campaign::ResponsibilityLevel::all();
    let mut w = Writer::begin(ctx.store).await?;
    let mut t = Tables::new(vec![Rows::new(
        "responsibilities (id, unit_id, level, name, position, updated_by, updated_at)",
        "(?, ?, ?, ?, ?, ?, ?)",
    )]);
    let when = ctx.at(ctx.day(CAMPAIGN_START + 3), 15, 0);
    for (u, unit) in world.units.iter().enumerate() {
        // Most units named their holders in the first days; a few still have not.
        if u != 0 && rng.random_bool(0.08) {
            continue;
        }
        let parent = unit.parent.map(|p| world.units[p].name.as_str());
        let top = unit.parent.is_none_or(|p| world.units[p].parent.is_none());
        let person = super::text::person_name(rng);
        let holders = words::holders(&unit.name, parent, &unit.kind, top, &person);
        for (level, (name, position)) in levels.iter().zip(holders) {
            t.push(
                0,
                vals![
                    new_id(),
                    unit.id.as_str(),
                    level.as_str(),
                    name,
                    position,
                    ctx.office.user_id.as_str(),
                    when
                ],
            );
        }
        w.step(&mut t).await?;
    }
    let detail = format!("responsibilities={}", t.written(0));
    w.finish(&mut t, "gen.responsibility", &detail).await
}
