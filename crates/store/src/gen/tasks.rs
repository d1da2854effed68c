//! Generated tasks (工作任务): the office's tasks of each phase to every unit and units' own tasks to the
//! units below them, each copy carried through `domain::campaign::next_task`'s states with its history
//! (progress, submission, return, chasing, acceptance). A unit that moved past a phase had every task of
//! that phase accepted; the unit whose checklist is to hold has its current phase's tasks accepted too.

use chrono::NaiveDate;
use domain::campaign::TaskState;
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::{Rows, Tables, numbers_in_order};
use super::campaign::{
    CAMPAIGN_START, CampaignSummary, Ctx, RECTIFY_END, WINDOW_CLOSES, WINDOW_OPENS, World, Writer,
};
use super::selfcheck_text as words;
use crate::{Result, new_id, vals};

/// Phase-tied tasks per unit: (phase, accepted) for each copy, for the checklists in the phase history.
pub(super) type UnitTasks = Vec<Vec<(usize, bool)>>;

/// The state of one unit's copy of a task of `phase`, given where the unit stands. A unit that moved
/// past a phase had every task of it accepted; the unit whose checklist must hold has all accepted too.
fn copy_state<R: Rng + ?Sized>(
    ctx: &Ctx,
    unit: usize,
    phase: Option<usize>,
    rng: &mut R,
) -> TaskState {
    let s = ctx.standing[unit];
    let must_accept = match phase {
        Some(p) => p < s.phase() || (unit == ctx.ready_unit && p == 1),
        None => false,
    };
    if must_accept {
        return TaskState::Accepted;
    }
    if phase.is_some_and(|p| p > s.phase()) {
        // Sent ahead of the unit: barely started.
        return if rng.random_bool(0.7) {
            TaskState::Issued
        } else {
            TaskState::InProgress
        };
    }
    let r: f64 = rng.random();
    if r < 0.30 {
        TaskState::Accepted
    } else if r < 0.50 {
        TaskState::Submitted
    } else if r < 0.58 {
        TaskState::Returned
    } else if r < 0.85 {
        TaskState::InProgress
    } else {
        TaskState::Issued
    }
}

/// One entry of a task copy's history: (action, from, to, note, by the issuing side, when).
type TaskEvent = (
    &'static str,
    Option<TaskState>,
    TaskState,
    String,
    bool,
    i64,
);

struct TaskPlan {
    issuer: usize,
    phase: Option<usize>,
    title: &'static str,
    body: &'static str,
    issued: i64,
    deadline: NaiveDate,
    targets: Vec<usize>,
    by_office: bool,
}

pub(super) async fn generate(
    ctx: &Ctx<'_>,
    world: &World,
    rng: &mut StdRng,
    summary: &mut CampaignSummary,
) -> Result<UnitTasks> {
    let all: Vec<usize> = (0..world.units.len()).collect();
    let mut plans = Vec::new();
    for (phase, title, body) in words::OFFICE_TASKS {
        let (issued, deadline) = match (*phase, *title) {
            (0, t) if t.contains("实施方案") => (CAMPAIGN_START + 2, CAMPAIGN_START + 12),
            (0, _) => (-55, -43),
            (_, t) if t.contains("线索") => (-38, -3),
            (_, t) if t.contains("台账") => (-36, 5),
            _ => (WINDOW_OPENS, WINDOW_CLOSES),
        };
        plans.push(TaskPlan {
            issuer: 0,
            phase: Some(*phase),
            title,
            body,
            issued: ctx.at(ctx.day(issued), 9, 30),
            deadline: ctx.day(deadline),
            targets: all.clone(),
            by_office: true,
        });
    }
    // Units with units below them send tasks of their own down the tree.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); world.units.len()];
    for (i, u) in world.units.iter().enumerate() {
        if let Some(p) = u.parent {
            children[p].push(i);
        }
    }
    for (issuer, kids) in children.iter().enumerate().skip(1) {
        if kids.is_empty() {
            continue;
        }
        for _ in 0..rng.random_range(1..=2) {
            let (title, body) = words::UNIT_TASKS[rng.random_range(0..words::UNIT_TASKS.len())];
            let issued = rng.random_range(-60..=-5);
            let deadline = (issued + rng.random_range(10..=30)).min(RECTIFY_END);
            plans.push(TaskPlan {
                issuer,
                phase: if rng.random_bool(0.6) { Some(1) } else { None },
                title,
                body,
                issued: ctx.moment(rng, issued, issued),
                deadline: ctx.day(deadline),
                targets: kids.clone(),
                by_office: false,
            });
        }
    }
    let mut w = Writer::begin(ctx.store).await?;
    let numbers = numbers_in_order(
        w.txn(),
        "RW",
        &plans.iter().map(|p| p.issued).collect::<Vec<_>>(),
    )
    .await?;
    let mut t = Tables::new(vec![
        Rows::new(
            "tasks (id, number, campaign_id, phase_seq, title, body, deadline, leader, owner, issuer_unit_id, issued_by, issuer_name, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "task_targets (id, task_id, unit_id, state, last_progress, chased, updated_at, accepted_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "task_events (id, target_id, action, from_state, to_state, note, actor_id, actor_name, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
    ]);
    let mut per_unit: UnitTasks = vec![Vec::new(); world.units.len()];
    for (plan, number) in plans.iter().zip(&numbers) {
        let task_id = new_id();
        let issuer = &world.units[plan.issuer];
        let (issuer_by, issuer_name) = if plan.by_office {
            (
                Some(ctx.office.user_id.clone()),
                ctx.office.display_name.clone(),
            )
        } else {
            (None, format!("{}教育整顿办公室", issuer.name))
        };
        let leader = words::leader(&super::text::person_name(rng), rng);
        let owner = super::text::person_name(rng);
        t.push(
            0,
            vals![
                task_id.as_str(),
                number.as_str(),
                plan.phase.map(|_| ctx.campaign_id.clone()),
                plan.phase.map(|p| p as i32),
                plan.title,
                plan.body,
                Ctx::ymd(plan.deadline),
                leader,
                owner,
                issuer.id.as_str(),
                issuer_by.clone(),
                issuer_name.as_str(),
                plan.issued
            ],
        );
        for &u in &plan.targets {
            let state = copy_state(ctx, u, plan.phase, rng);
            if let Some(p) = plan.phase {
                per_unit[u].push((p, state == TaskState::Accepted));
            }
            let target_id = new_id();
            let unit_actor = format!("{} 联络员", world.units[u].name);
            let mut at = plan.issued;
            let mut events: Vec<TaskEvent> = vec![(
                "issue",
                None,
                TaskState::Issued,
                format!("{}下发，完成时限 {}", issuer.name, plan.deadline),
                true,
                at,
            )];
            let end = ctx.now - 3_600_000;
            let next = |rng: &mut StdRng, at: &mut i64| {
                let room = (end - *at).max(2);
                *at += rng.random_range(1..room.clamp(2, 6 * 86_400_000));
                *at
            };
            let mut last_progress: Option<String> = None;
            let mut from = TaskState::Issued;
            let mut chased = 0;
            let steps: &[TaskState] = match state {
                TaskState::Issued => &[],
                TaskState::InProgress => &[TaskState::InProgress],
                TaskState::Submitted => &[TaskState::InProgress, TaskState::Submitted],
                TaskState::Returned => &[
                    TaskState::InProgress,
                    TaskState::Submitted,
                    TaskState::Returned,
                ],
                TaskState::Accepted => &[
                    TaskState::InProgress,
                    TaskState::Submitted,
                    TaskState::Accepted,
                ],
            };
            for to in steps {
                let when = next(rng, &mut at);
                let (code, note, by_issuer) = match to {
                    TaskState::InProgress => {
                        let n = words::one_of(rng, words::TASK_PROGRESS).to_string();
                        last_progress = Some(n.clone());
                        ("progress", n, false)
                    }
                    TaskState::Submitted => {
                        let n = words::one_of(rng, words::TASK_SUBMIT).to_string();
                        last_progress = Some(n.clone());
                        ("submit", n, false)
                    }
                    TaskState::Returned => (
                        "return",
                        words::one_of(rng, words::TASK_RETURN).to_string(),
                        true,
                    ),
                    _ => ("accept", "验收通过".to_string(), true),
                };
                events.push((code, Some(from), *to, note, by_issuer, when));
                from = *to;
            }
            // Still owed after the deadline: the issuer chases it up.
            if state.is_open() && plan.deadline < ctx.today && rng.random_bool(0.6) {
                let when = next(rng, &mut at);
                chased += 1;
                events.push((
                    "chase",
                    Some(from),
                    from,
                    words::one_of(rng, words::TASK_CHASE).to_string(),
                    true,
                    when,
                ));
            }
            let updated = events.last().map(|e| e.5).unwrap_or(plan.issued);
            t.push(
                1,
                vals![
                    target_id.as_str(),
                    task_id.as_str(),
                    world.units[u].id.as_str(),
                    state.as_str(),
                    last_progress,
                    chased,
                    updated,
                    (state == TaskState::Accepted).then_some(updated)
                ],
            );
            for (code, from, to, note, by_issuer, when) in events {
                let (actor_id, actor_name) = if by_issuer {
                    (issuer_by.clone(), issuer_name.clone())
                } else {
                    (None, unit_actor.clone())
                };
                t.push(
                    2,
                    vals![
                        new_id(),
                        target_id.as_str(),
                        code,
                        from.map(|f| f.as_str()),
                        to.as_str(),
                        note,
                        actor_id,
                        actor_name,
                        when
                    ],
                );
            }
            w.step(&mut t).await?;
        }
        w.step(&mut t).await?;
    }
    summary.tasks = t.written(0);
    summary.task_targets = t.written(1);
    let detail = format!("tasks={} targets={}", t.written(0), t.written(1));
    w.finish(&mut t, "gen.tasks", &detail).await?;
    Ok(per_unit)
}
