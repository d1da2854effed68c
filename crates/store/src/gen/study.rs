//! Generated study records: each unit's activities (every kind, most in the study phase, one since, a
//! few planned), attendance at 80–95%, the two tests' attempts graded by `domain::study::grade`, and
//! reflection essays in every state. Each unit's completion is held on the right side of the 90% bar for
//! where the unit stands: units past the study phase reached it, units behind did not.

use domain::study::{ActivityKind, AnswerSet, GradeItem, QuestionKind, grade};
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::{Rows, Tables};
use super::campaign::{CampaignSummary, Ctx, STUDY_END, Standing, World, Writer};
use super::study_text;
use crate::{Result, StoreError, new_id, vals};

struct Activity {
    id: String,
    kind: ActivityKind,
    offset: i64,
    minutes: i64,
    /// 9:00 or 14:30.
    starts: (u32, u32),
}

struct Attempt {
    test: usize,
    no: i32,
    started: i64,
    questions: Vec<usize>,
    /// `None`: ran out of time without handing in.
    answers: Option<Vec<Option<AnswerSet>>>,
}

/// One officer's study as planned before it is written.
#[derive(Default)]
struct Plan {
    attended: Vec<bool>,
    attempts: Vec<Attempt>,
}

const PASS_PERCENT: u32 = 60;
const DRAWN: usize = 10;

/// A wrong answer to `q`: another option, or for multiple choice a set that differs by one option.
fn wrong<R: Rng + ?Sized>(q: &super::campaign::BankQuestion, rng: &mut R) -> AnswerSet {
    match q.kind {
        QuestionKind::Multiple => {
            let flip = rng.random_range(0..q.options);
            let bits = q.answer.bits() ^ (1 << flip);
            if bits == 0 {
                q.answer.with((flip + 1) % q.options)
            } else {
                AnswerSet::from_bits(bits)
            }
        }
        _ => {
            let right = (0..q.options).find(|i| q.answer.contains(*i)).unwrap_or(0);
            let other = (right + rng.random_range(1..q.options)) % q.options;
            AnswerSet::empty().with(other)
        }
    }
}

fn draw<R: Rng + ?Sized>(bank: usize, rng: &mut R) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..bank).collect();
    for i in 0..DRAWN.min(bank) {
        let j = rng.random_range(i..bank);
        idx.swap(i, j);
    }
    idx.truncate(DRAWN.min(bank));
    idx
}

fn answer<R: Rng + ?Sized>(
    ctx: &Ctx,
    questions: &[usize],
    skill: f64,
    rng: &mut R,
) -> Vec<Option<AnswerSet>> {
    questions
        .iter()
        .map(|i| {
            let q = &ctx.questions[*i];
            if skill < 1.0 && rng.random_bool(0.02) {
                None
            } else if skill >= 1.0 || rng.random_bool(skill) {
                Some(q.answer)
            } else {
                Some(wrong(q, rng))
            }
        })
        .collect()
}

fn graded(ctx: &Ctx, a: &Attempt) -> Option<domain::study::Grade> {
    let answers = a.answers.as_ref()?;
    let items: Vec<GradeItem> = a
        .questions
        .iter()
        .zip(answers)
        .map(|(i, given)| {
            let q = &ctx.questions[*i];
            GradeItem {
                kind: q.kind,
                correct: q.answer,
                points: q.points,
                given: *given,
            }
        })
        .collect();
    Some(grade(&items, PASS_PERCENT))
}

fn passed(ctx: &Ctx, p: &Plan) -> bool {
    p.attempts
        .iter()
        .any(|a| graded(ctx, a).is_some_and(|g| g.passed))
}

fn minutes(p: &Plan, acts: &[Activity]) -> i64 {
    acts.iter()
        .zip(&p.attended)
        .filter(|(_, a)| **a)
        .map(|(x, _)| x.minutes)
        .sum()
}

fn done(ctx: &Ctx, p: &Plan, acts: &[Activity]) -> bool {
    minutes(p, acts) >= ctx.required_minutes && passed(ctx, p)
}

fn minutes_of(kind: ActivityKind, rng: &mut StdRng) -> i64 {
    match kind {
        ActivityKind::Concentrated => [180, 240][rng.random_range(0..2)],
        ActivityKind::PartyLecture => 120,
        ActivityKind::Warning => [150, 180][rng.random_range(0..2)],
        ActivityKind::HeroReport => 120,
        ActivityKind::Seminar => [90, 120][rng.random_range(0..2)],
    }
}

/// A test attempt taken on a day `from..=to` days from today.
fn take(
    ctx: &Ctx,
    test: usize,
    no: i32,
    from: i64,
    to: i64,
    skill: f64,
    rng: &mut StdRng,
) -> Attempt {
    let questions = draw(ctx.questions.len(), rng);
    let expired = skill < 1.0 && rng.random_bool(0.015);
    let answers = (!expired).then(|| answer(ctx, &questions, skill, rng));
    Attempt {
        test,
        no,
        started: ctx.moment(rng, from, to),
        questions,
        answers,
    }
}

pub(super) async fn generate(
    ctx: &Ctx<'_>,
    world: &World,
    rng: &mut StdRng,
    summary: &mut CampaignSummary,
) -> Result<()> {
    let ganjing = world.ganjing;
    let ganjing_unit = world.officers[ganjing].unit;
    let mut w = Writer::begin(ctx.store).await?;
    let mut t = Tables::new(vec![
        Rows::new(
            "study_activities (id, campaign_id, unit_id, kind, title, day, minutes, venue, cases, code_salt, created_by, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "study_attendance (id, activity_id, officer_id, signed_at, method, recorded_by, recorded_at)",
            "(?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "study_attempts (id, test_id, officer_id, attempt_no, question_ids, answers, state, started_at, deadline_at, submitted_at, score, max_score, passed)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "study_essays (id, campaign_id, officer_id, unit_id, title, body, state, review_note, reviewed_by, revision, submitted_at, reviewed_at, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        Rows::new(
            "study_essay_events (id, essay_id, action, from_state, to_state, note, actor_name, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?)",
        ),
    ]);
    let limits = [30i64, 20];
    for (u, unit) in world.units.iter().enumerate() {
        let roster = &world.roster[u];
        let n = roster.len();
        let high = matches!(
            ctx.standing[u],
            Standing::Current | Standing::MovedOn { .. }
        );

        // ---- activities: a mobilisation meeting first, three or so more in the study phase, one since ----
        let mut acts: Vec<Activity> = Vec::new();
        let mut kinds = [
            ActivityKind::PartyLecture,
            ActivityKind::Warning,
            ActivityKind::HeroReport,
            ActivityKind::Seminar,
        ];
        for i in (1..kinds.len()).rev() {
            let j = rng.random_range(0..=i);
            kinds.swap(i, j);
        }
        let in_study = rng.random_range(3..=4);
        let mut plan_kinds = vec![ActivityKind::Concentrated];
        plan_kinds.extend(kinds.iter().take(in_study - 1));
        let span = (STUDY_END + 1 - (super::campaign::CAMPAIGN_START + 2)) / in_study as i64;
        for (i, k) in plan_kinds.iter().enumerate() {
            let from = super::campaign::CAMPAIGN_START + 2 + span * i as i64;
            acts.push(Activity {
                id: new_id(),
                kind: *k,
                offset: rng.random_range(from..from + span.max(1)),
                minutes: minutes_of(*k, rng),
                starts: if rng.random_bool(0.5) {
                    (9, 0)
                } else {
                    (14, 30)
                },
            });
        }
        let later = [
            ActivityKind::Seminar,
            ActivityKind::Warning,
            ActivityKind::Concentrated,
        ][rng.random_range(0..3)];
        acts.push(Activity {
            id: new_id(),
            kind: later,
            offset: rng.random_range(-35..=-2),
            minutes: minutes_of(later, rng),
            starts: (14, 30),
        });
        if u == ganjing_unit {
            acts.push(Activity {
                id: new_id(),
                kind: ActivityKind::Warning,
                offset: 0,
                minutes: 150,
                starts: (9, 0),
            });
        }
        let past = acts.len();
        if rng.random_bool(0.3) {
            let k = [ActivityKind::PartyLecture, ActivityKind::Seminar][rng.random_range(0..2)];
            acts.push(Activity {
                id: new_id(),
                kind: k,
                offset: rng.random_range(2..=12),
                minutes: minutes_of(k, rng),
                starts: (9, 0),
            });
        }

        // ---- who attended, who took the tests ----
        let rate: f64 = if high {
            rng.random_range(0.86..0.95)
        } else {
            rng.random_range(0.80..0.90)
        };
        let takes: f64 = if high {
            0.97
        } else {
            rng.random_range(0.55..0.80)
        };
        let mut plans: Vec<Plan> = Vec::with_capacity(n);
        for &o in roster {
            let mut p = Plan::default();
            for a in &acts[..past] {
                let present = if a.offset == 0 {
                    o != ganjing && rng.random_bool(0.45)
                } else {
                    rng.random_bool(rate)
                };
                p.attended.push(present);
            }
            p.attended.resize(acts.len(), false);
            let skill: f64 = rng.random_range(0.55..0.98);
            if rng.random_bool(takes) {
                let first = take(ctx, 0, 1, -48, STUDY_END, skill, rng);
                let failed = !graded(ctx, &first).is_some_and(|g| g.passed);
                p.attempts.push(first);
                if failed && rng.random_bool(0.7) {
                    p.attempts
                        .push(take(ctx, 0, 2, -40, -30, (skill + 0.15).min(0.98), rng));
                }
            }
            if o != ganjing && rng.random_bool(0.25) {
                p.attempts.push(take(ctx, 1, 1, -6, -1, skill, rng));
            }
            plans.push(p);
        }
        let bar = (n * 9).div_ceil(10);
        let mut finished = plans.iter().filter(|p| done(ctx, p, &acts)).count();
        if high {
            // Units that left the study phase reached the bar: the stragglers caught up.
            for (k, &o) in roster.iter().enumerate() {
                if finished >= bar {
                    break;
                }
                if o == ganjing || done(ctx, &plans[k], &acts) {
                    continue;
                }
                let p = &mut plans[k];
                for (i, a) in acts[..past].iter().enumerate() {
                    if minutes(p, &acts) >= ctx.required_minutes {
                        break;
                    }
                    if a.offset < 0 {
                        p.attended[i] = true;
                    }
                }
                if !passed(ctx, p) {
                    let used = p.attempts.iter().filter(|a| a.test == 0).count() as i32;
                    let test = if used < 2 { 0 } else { 1 };
                    let no = p.attempts.iter().filter(|a| a.test == test).count() as i32 + 1;
                    let (from, to) = if test == 0 { (-40, -30) } else { (-6, -1) };
                    p.attempts.push(take(ctx, test, no, from, to, 1.0, rng));
                }
                if done(ctx, &plans[k], &acts) {
                    finished += 1;
                }
            }
        } else {
            // Units still in the study phase have not reached it.
            for p in plans.iter_mut().rev() {
                if finished < bar {
                    break;
                }
                if done(ctx, p, &acts) {
                    p.attempts.clear();
                    finished -= 1;
                }
            }
        }
        if high && finished < bar {
            return Err(StoreError::Integrity(format!(
                "{} cannot reach the study bar",
                unit.code
            )));
        }

        // ---- rows ----
        for a in &acts {
            let day = ctx.day(a.offset);
            let created = ctx.at(ctx.day(a.offset.min(0) - rng.random_range(3..=7)), 10, 0);
            let title = if a.offset == 0 {
                study_text::TODAY_TITLE
            } else {
                study_text::activity_title(a.kind, rng)
            };
            let cases = (a.kind == ActivityKind::Warning).then(|| study_text::cases(rng));
            let salt: [u8; 16] = rng.random();
            t.push(
                0,
                vals![
                    a.id.as_str(),
                    ctx.campaign_id.as_str(),
                    unit.id.as_str(),
                    a.kind.as_str(),
                    title,
                    super::campaign::Ctx::ymd(day),
                    a.minutes as i32,
                    study_text::venue(a.kind, rng),
                    cases,
                    salt.to_vec(),
                    ctx.office.user_id.as_str(),
                    created
                ],
            );
        }
        w.step(&mut t).await?;
        for (k, &o) in roster.iter().enumerate() {
            let officer = &world.officers[o];
            for (i, a) in acts.iter().enumerate() {
                if !plans[k].attended[i] {
                    continue;
                }
                let day = ctx.day(a.offset);
                let start = ctx.at(day, a.starts.0, a.starts.1);
                let jitter = rng.random_range(-15..=5) * 60_000;
                let (method, signed, by, recorded) = if a.offset == 0 {
                    let since = ctx.now - rng.random_range(2..=40) * 60_000;
                    let t = since.max(ctx.at(day, 0, 1));
                    ("code", Some(t), None, t)
                } else if a.offset > -36 {
                    if rng.random_bool(0.9) {
                        ("code", Some(start + jitter), None, start + jitter)
                    } else {
                        let t = start + 2 * 3_600_000;
                        ("manual", Some(t), Some(ctx.office.user_id.as_str()), t)
                    }
                } else {
                    let recorded = ctx.at(ctx.day(a.offset + 1), 10, 0);
                    let signed = rng.random_bool(0.9).then_some(start + jitter);
                    (
                        "import",
                        signed,
                        Some(ctx.office.user_id.as_str()),
                        recorded,
                    )
                };
                t.push(
                    1,
                    vals![
                        new_id(),
                        a.id.as_str(),
                        officer.id.as_str(),
                        signed,
                        method,
                        by,
                        recorded
                    ],
                );
            }
            for a in &plans[k].attempts {
                let limit = limits[a.test] * 60_000;
                let qids: Vec<&str> = a
                    .questions
                    .iter()
                    .map(|i| ctx.questions[*i].id.as_str())
                    .collect();
                let max: u32 = a.questions.iter().map(|i| ctx.questions[*i].points).sum();
                let qjson = serde_json::to_string(&qids)
                    .map_err(|e| StoreError::Integrity(e.to_string()))?;
                let (state, answers, submitted, score, ok) = match (&a.answers, graded(ctx, a)) {
                    (Some(given), Some(g)) => {
                        let letters: Vec<Option<String>> =
                            given.iter().map(|g| g.map(|s| s.letters())).collect();
                        let json = serde_json::to_string(&letters)
                            .map_err(|e| StoreError::Integrity(e.to_string()))?;
                        let took = rng.random_range(limit / 4..limit - 60_000);
                        ("graded", Some(json), a.started + took, g.score, g.passed)
                    }
                    _ => ("expired", None, a.started + limit + 60_000, 0, false),
                };
                t.push(
                    2,
                    vals![
                        new_id(),
                        ctx.tests[a.test].as_str(),
                        officer.id.as_str(),
                        a.no,
                        qjson,
                        answers,
                        state,
                        a.started,
                        a.started + limit,
                        submitted.min(ctx.now - 60_000),
                        score as i32,
                        max as i32,
                        i32::from(ok)
                    ],
                );
            }
            if rng.random_bool(0.05) {
                essay(
                    ctx,
                    &mut t,
                    rng,
                    officer.id.as_str(),
                    &officer.name,
                    &unit.id,
                );
            }
            w.step(&mut t).await?;
        }
    }
    summary.activities = t.written(0);
    summary.attendance = t.written(1);
    summary.attempts = t.written(2);
    summary.essays = t.written(3);
    let detail = format!(
        "activities={} attendance={} attempts={} essays={}",
        t.written(0),
        t.written(1),
        t.written(2),
        t.written(3)
    );
    w.finish(&mut t, "gen.study", &detail).await
}

/// One entry of an essay's history: (action, from, to, note as shown, who, when).
type EssayEvent<'a> = (
    &'static str,
    Option<&'static str>,
    &'static str,
    String,
    &'a str,
    i64,
);

/// One reflection essay and its history, in one of the states an essay can be in.
fn essay(ctx: &Ctx, t: &mut Tables, rng: &mut StdRng, officer: &str, name: &str, unit: &str) {
    let (title, body) = study_text::essay(rng);
    let id = new_id();
    let reviewer = ctx.office.display_name.as_str();
    let mut at = ctx.moment(rng, -60, -12);
    let created = at;
    // (action, from, to, note, who)
    let mut events: Vec<EssayEvent> = vec![("submit", None, "submitted", "提交".into(), name, at)];
    let r: f64 = rng.random();
    let path: &[&str] = if r < 0.45 {
        &["approve"]
    } else if r < 0.67 {
        &[]
    } else if r < 0.80 {
        &["return"]
    } else if r < 0.92 {
        &["return", "resubmit", "approve"]
    } else {
        &["return", "resubmit"]
    };
    let mut state = "submitted";
    let mut revision = 1;
    let mut submitted = at;
    let mut review: Option<(String, i64)> = None;
    for step in path {
        at += rng.random_range(1..=4) * 86_400_000 + rng.random_range(0..3_600_000);
        at = at.min(ctx.now - 3_600_000);
        let (to, who, shown) = match *step {
            "approve" => {
                let n = study_text::essay_approval(rng).to_string();
                let shown = if n.is_empty() {
                    "审核通过".to_string()
                } else {
                    format!("审核通过：{n}")
                };
                review = Some((n, at));
                ("approved", reviewer, shown)
            }
            "return" => {
                let n = study_text::essay_return(rng).to_string();
                let shown = format!("退回修改：{n}");
                review = Some((n, at));
                ("returned", reviewer, shown)
            }
            _ => {
                revision += 1;
                submitted = at;
                ("submitted", name, "重新提交：修改后重新提交".to_string())
            }
        };
        events.push((step, Some(state), to, shown, who, at));
        state = to;
    }
    let (note, reviewed_at) = match review {
        Some((n, a)) => (Some(n), Some(a)),
        None => (None, None),
    };
    t.push(
        3,
        vals![
            id.as_str(),
            ctx.campaign_id.as_str(),
            officer,
            unit,
            title,
            body,
            state,
            note,
            reviewed_at.map(|_| ctx.office.user_id.clone()),
            revision,
            submitted,
            reviewed_at,
            created
        ],
    );
    for (action, from, to, shown, who, when) in events {
        t.push(
            4,
            vals![new_id(), id.as_str(), action, from, to, shown, who, when],
        );
    }
}
