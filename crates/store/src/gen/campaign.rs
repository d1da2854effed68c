//! A campaign in progress for the generated data: an 教育整顿 campaign made through the store's own
//! functions (phases, criteria, study requirement, question bank, tests, self-check window), then the
//! months of work already done, written in bulk: each unit's phase with its history, study, self-reports,
//! findings with their leniency decisions, the rectification ledger and rules, tasks and the
//! responsibility matrix. Today falls in 查纠整改 with the self-check window open.
//!
//! The demo accounts find work waiting: a study meeting today at the officer's unit that they have not
//! signed in to, an open test they have not taken, no self-report yet; one unit's checklist holds (the
//! office can move it on) and the officer's own unit's does not.
//!
//! This file sets the scene (dates, who stands where) and holds what the parts share; the parts are
//! `phases`, `tasks`, `study`, `selfcheck` and `rectification`, their words in `study_text` and
//! `selfcheck_text`.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate};
use domain::campaign::{CampaignTemplate, PhaseDraft, validate_phases};
use domain::org::Role;
use domain::study::{StudyRequirement, TestInput, validate_question};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{DatabaseTransaction, TransactionTrait};

use super::bulk::Tables;
use super::{Scale, study_text};
use crate::audit::{AuditActor, append};
use crate::campaign::NewCampaign;
use crate::clues::today;
use crate::org::Actor;
use crate::selfcheck::local_ms;
use crate::{Result, Sql, Store, StoreError, now_ms, vals};

/// A unit as the generator knows it.
pub(super) struct GenUnit {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: Option<usize>,
}

/// An officer on the generated roster.
pub(super) struct GenOfficer {
    pub id: String,
    pub name: String,
    pub unit: usize,
}

/// Everything the campaign generator starts from.
pub(super) struct World {
    pub units: Vec<GenUnit>,
    pub officers: Vec<GenOfficer>,
    /// Officer indices of each unit's own roster.
    pub roster: Vec<Vec<usize>>,
    /// The officer behind the demo `ganjing` account.
    pub ganjing: usize,
    /// The unit whose checklist is to hold (its clues were kept within their limits).
    pub ready: usize,
    /// "江州市", "江南省": what the campaign is named after.
    pub region: String,
}

/// What the generated campaign holds, for the summary line.
#[derive(Debug, Clone, Default)]
pub struct CampaignSummary {
    pub campaign_id: String,
    pub activities: u64,
    pub attendance: u64,
    pub attempts: u64,
    pub essays: u64,
    pub self_reports: u64,
    pub findings: u64,
    pub ledger_rows: u64,
    pub rules: u64,
    pub tasks: u64,
    pub task_targets: u64,
}

/// Where a unit stands today and how it got there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    /// Still in 学习教育: never moved on, or moved on and was sent back.
    Behind { reworked: bool },
    /// In 查纠整改 with most units.
    Current,
    /// Already in 总结提升, on its checklist or on the office's override.
    MovedOn { overridden: bool },
}

impl Standing {
    pub fn phase(self) -> usize {
        match self {
            Standing::Behind { .. } => 0,
            Standing::Current => 1,
            Standing::MovedOn { .. } => 2,
        }
    }
}

/// Dates and people every part of the generator shares.
pub(super) struct Ctx<'a> {
    pub store: &'a Store,
    pub scale: Scale,
    pub today: NaiveDate,
    pub now: i64,
    pub campaign_id: String,
    pub office: Actor,
    pub inspector_id: String,
    pub inspector_name: String,
    pub standing: Vec<Standing>,
    /// The unit whose current checklist holds.
    pub ready_unit: usize,
    /// When each unit entered its current phase (epoch ms), for those that moved.
    pub moved_at: Vec<Option<i64>>,
    pub window_opens: NaiveDate,
    pub window_closes: NaiveDate,
    pub tests: [String; 2],
    pub questions: Vec<BankQuestion>,
    pub required_minutes: i64,
}

/// A question of the bank with what grading needs.
#[derive(Clone)]
pub(super) struct BankQuestion {
    pub id: String,
    pub kind: domain::study::QuestionKind,
    pub answer: domain::study::AnswerSet,
    pub options: usize,
    pub points: u32,
}

/// Days from today: the campaign began 75 days ago.
pub(super) const CAMPAIGN_START: i64 = -75;
pub(super) const STUDY_END: i64 = -41;
pub(super) const RECTIFY_START: i64 = -40;
pub(super) const RECTIFY_END: i64 = 20;
pub(super) const CONSOLIDATE_START: i64 = 21;
pub(super) const CONSOLIDATE_END: i64 = 50;
pub(super) const WINDOW_OPENS: i64 = -21;
pub(super) const WINDOW_CLOSES: i64 = 14;

impl Ctx<'_> {
    pub fn day(&self, offset: i64) -> NaiveDate {
        if offset >= 0 {
            self.today + Days::new(offset as u64)
        } else {
            self.today - Days::new(offset.unsigned_abs())
        }
    }

    /// A Beijing wall-clock time on `day`, never later than a minute ago.
    pub fn at(&self, day: NaiveDate, h: u32, m: u32) -> i64 {
        let t = local_ms(day.and_hms_opt(h, m, 0).unwrap_or_default());
        t.min(self.now - 60_000)
    }

    /// A working-hours moment on a day `from..=to` days from today.
    pub fn moment<R: Rng + ?Sized>(&self, rng: &mut R, from: i64, to: i64) -> i64 {
        let d = self.day(rng.random_range(from..=to.max(from)));
        self.at(d, rng.random_range(8..=18), rng.random_range(0..60))
    }

    pub fn year(&self) -> i32 {
        self.today.year()
    }

    pub fn ymd(d: NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }
}

/// A write transaction under the store's writer lock, committed every so many rows so the WAL stays small.
pub(super) struct Writer<'a> {
    store: &'a Store,
    txn: Option<DatabaseTransaction>,
    _guard: tokio::sync::MutexGuard<'a, ()>,
    committed_at: u64,
}

const ROWS_PER_COMMIT: u64 = 200_000;

impl<'a> Writer<'a> {
    pub async fn begin(store: &'a Store) -> Result<Writer<'a>> {
        let guard = store.write_lock.lock().await;
        let txn = store.db.begin().await?;
        Ok(Writer {
            store,
            txn: Some(txn),
            _guard: guard,
            committed_at: 0,
        })
    }

    pub fn txn(&self) -> &DatabaseTransaction {
        self.txn.as_ref().expect("an open transaction")
    }

    /// Flushes full batches, and commits once enough rows went in since the last commit.
    pub async fn step(&mut self, t: &mut Tables) -> Result<()> {
        t.maybe_flush(self.txn()).await?;
        let total: u64 = (0..t.tables.len()).map(|i| t.written(i)).sum();
        if total - self.committed_at >= ROWS_PER_COMMIT {
            t.flush(self.txn()).await?;
            if let Some(txn) = self.txn.take() {
                txn.commit().await?;
            }
            self.txn = Some(self.store.db.begin().await?);
            self.committed_at = total;
        }
        Ok(())
    }

    /// Writes what is left, records the step in the audit trail and commits.
    pub async fn finish(mut self, t: &mut Tables, action: &str, detail: &str) -> Result<()> {
        t.flush(self.txn()).await?;
        append(
            self.txn(),
            &self.store.audit_key(),
            &AuditActor::system(),
            action,
            "campaign",
            detail,
        )
        .await?;
        if let Some(txn) = self.txn.take() {
            txn.commit().await?;
        }
        Ok(())
    }
}

async fn user_actor(store: &Store, username: &str) -> Result<Actor> {
    let r = Sql::of(&store.db)
        .one(
            &store.db,
            "SELECT s.id, s.username, s.display_name, s.role, s.scope, s.officer_id, u.id AS unit_id, u.name AS unit_name, u.path FROM users s JOIN units u ON u.id = s.unit_id WHERE s.username = ?",
            vals![username],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    use crate::db::get;
    Ok(Actor {
        user_id: get(&r, "id")?,
        username: get(&r, "username")?,
        display_name: get(&r, "display_name")?,
        role: Role::parse(&get::<String>(&r, "role")?)?,
        unit_id: get(&r, "unit_id")?,
        unit_name: get(&r, "unit_name")?,
        unit_path: get(&r, "path")?,
        scope: domain::org::DataScope::parse(&get::<String>(&r, "scope")?)?,
        officer_id: get(&r, "officer_id")?,
    })
}

/// Makes the campaign and everything done in it so far. Needs the units, roster, demo users and clues.
pub(super) async fn generate(
    store: &Store,
    scale: Scale,
    seed: u64,
    world: &World,
) -> Result<CampaignSummary> {
    // A stream of its own, so the clues before it come out the same with or without the campaign.
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6a69_616f_7975_7a68);
    let office = user_actor(store, "office").await?;
    let inspector = user_actor(store, "duchazu").await?;
    let t = today();
    let day = |o: i64| {
        if o >= 0 {
            t + Days::new(o as u64)
        } else {
            t - Days::new(o.unsigned_abs())
        }
    };

    // ---- the campaign, through the same functions the office's pages call ----
    let template = CampaignTemplate::Education;
    let windows = [
        (CAMPAIGN_START, STUDY_END),
        (RECTIFY_START, RECTIFY_END),
        (CONSOLIDATE_START, CONSOLIDATE_END),
    ];
    let drafts: Vec<PhaseDraft> = template
        .phases()
        .iter()
        .zip(windows)
        .map(|(p, (s, e))| PhaseDraft {
            name: p.name.to_string(),
            starts: Ctx::ymd(day(s)),
            ends: Ctx::ymd(day(e)),
            study_rate: p
                .criteria
                .study_rate
                .map(|r| r.to_string())
                .unwrap_or_default(),
            self_reports: p.criteria.self_reports,
            clues_disposed: p.criteria.clues_disposed,
            rectification_accepted: p.criteria.rectification_accepted,
            tasks_accepted: p.criteria.tasks_accepted,
        })
        .collect();
    let phases =
        validate_phases(template, &drafts).map_err(|mut e| StoreError::Invalid(e.remove(0)))?;
    let start_year = day(CAMPAIGN_START).year();
    let campaign_id = store
        .create_campaign(
            &office,
            &NewCampaign {
                name: format!("{start_year}年{}政法队伍教育整顿", world.region),
                template,
                phases,
            },
        )
        .await?;
    let now = now_ms();
    let mut ctx = Ctx {
        store,
        scale,
        today: t,
        now,
        campaign_id: campaign_id.clone(),
        office: office.clone(),
        inspector_id: inspector.user_id.clone(),
        inspector_name: inspector.display_name.clone(),
        standing: Vec::new(),
        ready_unit: 0,
        moved_at: vec![None; world.units.len()],
        window_opens: day(WINDOW_OPENS),
        window_closes: day(WINDOW_CLOSES),
        tests: [String::new(), String::new()],
        questions: Vec::new(),
        required_minutes: 360,
    };
    let started = ctx.at(day(CAMPAIGN_START), 9, 0);
    {
        let _w = store.write_lock.lock().await;
        let c = &store.db;
        // The campaign really began weeks ago; units that never moved count from then.
        Sql::of(c)
            .exec(
                c,
                "UPDATE campaigns SET created_at = ?, updated_at = ? WHERE id = ?",
                vals![started, now, campaign_id.as_str()],
            )
            .await?;
    }
    let req = StudyRequirement {
        required_minutes: ctx.required_minutes as u32,
        require_test: true,
        required_essays: 0,
    };
    store
        .set_study_requirement(&office, &campaign_id, &req)
        .await?;
    let drafts = study_text::QUESTIONS
        .iter()
        .map(|(k, stem, opts, answer, points)| {
            validate_question(k, stem, *opts, answer, points)
                .map_err(|mut e| StoreError::Invalid(e.remove(0)))
        })
        .collect::<Result<Vec<_>>>()?;
    store
        .import_questions(&office, &campaign_id, &drafts)
        .await?;
    ctx.questions = bank(store, &campaign_id).await?;
    let root_id = world.units[0].id.clone();
    let test = |title: &str, minutes: &str| TestInput {
        title: title.into(),
        question_count: "10".into(),
        time_limit_minutes: minutes.into(),
        pass_percent: "60".into(),
        max_attempts: "2".into(),
    };
    let first = test("学习教育环节应知应会测试", "30")
        .validate()
        .map_err(|mut e| StoreError::Invalid(e.remove(0)))?;
    let second = test("查纠整改环节政策法规测试", "20")
        .validate()
        .map_err(|mut e| StoreError::Invalid(e.remove(0)))?;
    let first_id = store
        .create_test(&office, &campaign_id, &root_id, &first)
        .await?;
    store.set_test_open(&office, &first_id, false).await?;
    let second_id = store
        .create_test(&office, &campaign_id, &root_id, &second)
        .await?;
    {
        let _w = store.write_lock.lock().await;
        let c = &store.db;
        for (id, d) in [(&first_id, -50), (&second_id, -7)] {
            Sql::of(c)
                .exec(
                    c,
                    "UPDATE study_tests SET created_at = ? WHERE id = ?",
                    vals![ctx.at(day(d), 10, 0), id.as_str()],
                )
                .await?;
        }
    }
    ctx.tests = [first_id, second_id];
    store
        .set_selfcheck_window(
            &office,
            &campaign_id,
            domain::selfcheck::Window::new(ctx.window_opens, ctx.window_closes)?,
        )
        .await?;

    // ---- who stands where ----
    let overdue = units_with_overdue_clues(store, t).await?;
    let ganjing_unit = world.officers[world.ganjing].unit;
    ctx.ready_unit = world.ready;
    if overdue.contains(&world.units[world.ready].id) || world.ready == ganjing_unit {
        return Err(StoreError::Integrity(format!(
            "{} cannot hold its checklist",
            world.units[world.ready].code
        )));
    }
    ctx.standing = (0..world.units.len())
        .map(|u| {
            if u == 0 || u == ganjing_unit || u == ctx.ready_unit {
                return Standing::Current;
            }
            let r: f64 = rng.random();
            if r < 0.15 {
                Standing::Behind {
                    reworked: rng.random_bool(0.35),
                }
            } else if r < 0.23 {
                Standing::MovedOn {
                    overridden: rng.random_bool(0.3),
                }
            } else {
                Standing::Current
            }
        })
        .collect();
    for (u, s) in ctx.standing.iter().enumerate() {
        ctx.moved_at[u] = match s {
            Standing::Behind { reworked: false } => None,
            Standing::Behind { reworked: true } => Some(ctx.moment(&mut rng, -32, -26)),
            Standing::Current => Some(ctx.moment(&mut rng, -44, -36)),
            Standing::MovedOn { .. } => Some(ctx.moment(&mut rng, -9, -3)),
        };
    }

    let mut summary = CampaignSummary {
        campaign_id: campaign_id.clone(),
        ..Default::default()
    };
    let tasks = super::tasks::generate(&ctx, world, &mut rng, &mut summary).await?;
    super::phases::unit_phases(&ctx, world, &mut rng, &tasks).await?;
    super::study::generate(&ctx, world, &mut rng, &mut summary).await?;
    let reports = super::selfcheck::reports(&ctx, world, &mut rng, &mut summary).await?;
    let findings =
        super::selfcheck::findings(&ctx, world, &mut rng, &reports, &mut summary).await?;
    super::rectification::generate(&ctx, world, &mut rng, &reports, &findings, &mut summary)
        .await?;
    super::phases::responsibilities(&ctx, world, &mut rng).await?;
    Ok(summary)
}

async fn bank(store: &Store, campaign_id: &str) -> Result<Vec<BankQuestion>> {
    use crate::db::get;
    let rows = Sql::of(&store.db)
        .all(
            &store.db,
            "SELECT id, kind, answer, points, option_c, option_d FROM study_questions WHERE campaign_id = ? ORDER BY id",
            vals![campaign_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let c: Option<String> = get(r, "option_c")?;
            let d: Option<String> = get(r, "option_d")?;
            Ok(BankQuestion {
                id: get(r, "id")?,
                kind: domain::study::QuestionKind::parse(&get::<String>(r, "kind")?)?,
                answer: domain::study::AnswerSet::parse_letters(&get::<String>(r, "answer")?)
                    .unwrap_or_default(),
                options: 2 + usize::from(c.is_some()) + usize::from(d.is_some()),
                points: get::<i32>(r, "points")?.max(0) as u32,
            })
        })
        .collect()
}

async fn units_with_overdue_clues(store: &Store, t: NaiveDate) -> Result<HashSet<String>> {
    let rows = Sql::of(&store.db)
        .all(
            &store.db,
            "SELECT DISTINCT unit_id FROM clues WHERE state <> 'closed' AND due_date < ?",
            vals![Ctx::ymd(t)],
        )
        .await?;
    rows.iter().map(|r| crate::db::get(r, "unit_id")).collect()
}

/// Officer id → index, for rows that name officers by id.
pub(super) fn officer_index(world: &World) -> HashMap<&str, usize> {
    world
        .officers
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect()
}
