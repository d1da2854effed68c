//! The generated city (`mingjing demo`'s data) on a real database — SQLite always, PostgreSQL too when
//! MINGJING_TEST_PG names a server: a campaign in 查纠整改 with study, self-reports, findings decided by the
//! leniency rule, the ledger, rules, tasks and the responsibility matrix, and the work the demo accounts
//! find waiting. Everything is read back through the same store functions the pages call.

use std::collections::{BTreeMap, HashMap};

use crypto::{Keyring, MasterKey, Suite};
use domain::campaign::{Criterion, TaskDraft, TaskState, validate_task};
use domain::enforcement::cases::{CaseKind, CaseOutcome, CaseStage, check_advance, check_close};
use domain::enforcement::checks::CheckRule;
use domain::enforcement::inquiries::{InquiryInput, Quarter, validate_inquiry};
use domain::rectification::{ItemInput, ItemSource, ItemState, validate_item};
use domain::selfcheck::{Leniency, Section};
use domain::study::{ActivityKind, EssayState, QuestionKind};
use domain::tips::ProblemCategory;
use sea_orm::{ConnectionTrait, Database};
use store::campaign::tasks::{NewTask, TaskFilter, TaskTab};
use store::campaign::{BoardFilter, PhaseStep};
use store::clues::{ClueFilter, today};
use store::enforcement::cases::CaseFilter;
use store::enforcement::checks::FindingFilter as CheckFindingFilter;
use store::enforcement::inquiries::InquiryFilter;
use store::rectification::{ItemFilter, NewRule};
use store::selfcheck::{FindingFilter, NewInspectionFinding};
use store::study::{ActivityFilter, EssayFilter, SignInOutcome};
use store::synth::{EnforcementSummary, Scale, generate};
use store::{Actor, Sql, Store, StoreConfig, StoreError, vals};

struct Db {
    store: Store,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Db {
    async fn finish(self) {
        self.store.close().await;
        if let Some((server, name)) = self.pg
            && let Ok(admin) = Database::connect(&server).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            admin.close().await.ok();
        }
    }
}

async fn open(url: Option<String>) -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = StoreConfig::new(dir.path());
    cfg.database_url = url;
    let store = Store::open(&cfg, Keyring::new(MasterKey::generate(), Suite::Sm4Gcm))
        .await
        .expect("open store");
    Db {
        store,
        _dir: dir,
        pg: None,
    }
}

async fn backends() -> Vec<Db> {
    let mut v = vec![open(None).await];
    if let Some(base) = std::env::var("MINGJING_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
    {
        let name = format!("mj_gen_{}", hex::encode(crypto::random_bytes::<6>()));
        let admin = Database::connect(&base)
            .await
            .expect("MINGJING_TEST_PG is set but the server cannot be reached");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        admin.close().await.ok();
        let (head, _) = base.rsplit_once('/').expect("url has a database part");
        let mut db = open(Some(format!("{head}/{name}"))).await;
        db.pg = Some((base.clone(), name));
        v.push(db);
    }
    v
}

/// The demo account's actor, through a real session.
async fn actor(store: &Store, username: &str) -> Actor {
    let id = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.username == username)
        .unwrap_or_else(|| panic!("no demo account {username}"))
        .id;
    let token = store
        .create_session(&id, "web", true)
        .await
        .expect("session");
    store
        .session(&token)
        .await
        .expect("session")
        .expect("live session")
        .actor
}

async fn scalar(store: &Store, sql: &str, v: Vec<sea_orm::Value>) -> i64 {
    let c = store.connection();
    Sql::of(c).scalar(c, sql, v).await.expect(sql)
}

/// The sequence part of the highest number `PREFIX-YEAR-nnnnnn` in a table's `number` column.
async fn top_number(store: &Store, table: &str, prefix: &str) -> i64 {
    let c = store.connection();
    let rows = Sql::of(c)
        .all(
            c,
            &format!("SELECT number FROM {table} WHERE number LIKE ?"),
            vals![format!("{prefix}-%")],
        )
        .await
        .expect("numbers");
    rows.iter()
        .filter_map(|r| r.try_get::<String>("", "number").ok())
        .filter_map(|n| n.rsplit('-').next().and_then(|s| s.parse::<i64>().ok()))
        .max()
        .unwrap_or(0)
}

fn seq_of(number: &str) -> i64 {
    number
        .rsplit('-')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a numbered row")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_city_has_a_campaign_in_progress_with_work_waiting() {
    for db in backends().await {
        check_city(&db.store).await;
        db.finish().await;
    }
}

async fn check_city(store: &Store) {
    let started = std::time::Instant::now();
    let summary = generate(store, Scale::City, 2024).await.expect("generate");
    eprintln!(
        "city generated on {:?} in {:?}: {:?}",
        store.backend(),
        started.elapsed(),
        summary.campaign
    );
    let office = actor(store, "office").await;
    let ganjing = actor(store, "ganjing").await;
    let inspector = actor(store, "duchazu").await;
    let now = store::now_ms();
    let t = today();
    let ymd = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();

    // ---- the campaign: 教育整顿, today inside 查纠整改 ----
    let (list, total) = store.campaigns(&office, 0, 10).await.expect("campaigns");
    assert_eq!(total, 1);
    let campaign = store
        .campaign_in_scope(&office, &list[0].id)
        .await
        .expect("campaign");
    assert_eq!(campaign.phase_names(), ["学习教育", "查纠整改", "总结提升"]);
    let rectify = &campaign.phases[1];
    assert!(rectify.starts_on <= ymd(t) && ymd(t) <= rectify.ends_on);
    assert!(campaign.phases[0].criteria.study_rate.is_some());
    assert!(rectify.criteria.self_reports && rectify.criteria.clues_disposed);
    let cid = campaign.id.clone();
    let window = store
        .selfcheck_window(&cid)
        .await
        .expect("window")
        .expect("a self-check window");
    assert!(window.opens < t && window.is_open_on(t) && window.closes > t);

    // ---- units spread over the phases, each with a checklist that reads real facts ----
    let (board, units) = store
        .phase_board(&office, &campaign, &BoardFilter::default(), 0, 1000)
        .await
        .expect("board");
    assert_eq!(board.len() as i64, units);
    let counts = store
        .phase_counts(&office, &campaign)
        .await
        .expect("counts");
    assert!(
        counts[1] * 2 > units && counts[0] > 0 && counts[2] > 0,
        "most units in 查纠整改, some behind, a few ahead: {counts:?}"
    );
    for row in &board {
        let (done, of) = store
            .study_completion(&cid, &row.unit_id)
            .await
            .expect("completion");
        assert!(of > 0, "{} has officers", row.unit_name);
        if row.state.phase == 0 {
            assert!(
                done * 100 < 90 * of,
                "{} is behind, yet {done}/{of} finished studying",
                row.unit_name
            );
            assert!(!row.checklist.passed());
        } else {
            assert!(
                done * 100 >= 90 * of,
                "{} left the study phase with {done}/{of}",
                row.unit_name
            );
        }
    }
    let moved = scalar(
        store,
        "SELECT COUNT(*) FROM unit_phase_events WHERE campaign_id = ?",
        vals![cid.as_str()],
    )
    .await;
    let actions = scalar(
        store,
        "SELECT COUNT(DISTINCT action) FROM unit_phase_events WHERE campaign_id = ?",
        vals![cid.as_str()],
    )
    .await;
    assert!(moved >= units / 2, "phase history for the units that moved");
    assert_eq!(actions, 3, "advance, override and rework all appear");

    let in_rectify: Vec<_> = board
        .iter()
        .filter(|r| r.state.phase == 1 && !r.state.completed)
        .collect();
    let ready = in_rectify
        .iter()
        .find(|r| r.checklist.passed())
        .expect("a unit in 查纠整改 whose checklist holds");
    let blocked = in_rectify
        .iter()
        .find(|r| r.unit_id == ganjing.unit_id)
        .expect("the demo officer's unit is in 查纠整改");
    let failing: Vec<Criterion> = blocked
        .checklist
        .failing()
        .iter()
        .map(|i| i.criterion)
        .collect();
    assert!(
        failing.contains(&Criterion::SelfReports),
        "the demo officer has not filed, so the unit's reports are incomplete: {failing:?}"
    );

    // ---- the demo officer: a meeting today, an open test, no self-report yet ----
    let choices = store.signin_choices(&ganjing, now).await.expect("choices");
    assert_eq!(choices.len(), 1, "one activity to sign in to today");
    let meeting = &choices[0];
    assert_eq!(meeting.unit_id, ganjing.unit_id);
    assert_eq!(meeting.day, ymd(t));
    assert!(meeting.attendees > 0, "colleagues have signed in already");
    let officer_id = ganjing.officer_id.clone().expect("a linked officer");
    let (sheet, _) = store
        .attendance(&office, &meeting.id, 0, 10_000)
        .await
        .expect("sheet");
    assert!(sheet.iter().all(|a| a.officer_id != officer_id));
    let tests = store.officer_tests(&ganjing, now).await.expect("tests");
    assert_eq!(tests.len(), 1, "one open test");
    assert!(tests[0].test.question_count >= 10 && tests[0].test.open);
    assert_eq!(tests[0].used, 0, "not yet taken");
    assert!(
        store
            .my_self_report(&ganjing, &cid)
            .await
            .expect("report")
            .is_none()
    );

    // ---- the question bank, tests and essays ----
    let (questions, bank) = store.questions(&office, &cid, 0, 500).await.expect("bank");
    assert!(bank >= 40);
    for k in QuestionKind::all() {
        assert!(
            questions.iter().filter(|q| q.kind == k.as_str()).count() >= 10,
            "{k:?}"
        );
    }
    let all_tests = store.study_tests(&office, Some(&cid)).await.expect("tests");
    assert!(all_tests.iter().all(|t| t.attempts > 0 && t.passed > 0));
    for s in EssayState::all() {
        let (_, n) = store
            .essays(
                &office,
                &EssayFilter {
                    campaign_id: Some(cid.clone()),
                    state: Some(*s),
                },
                0,
                1,
            )
            .await
            .expect("essays");
        assert!(n > 0, "essays {s:?}");
    }
    for k in ActivityKind::all() {
        let (_, n) = store
            .activities(
                &office,
                &ActivityFilter {
                    campaign_id: Some(cid.clone()),
                    unit_id: None,
                    kind: Some(*k),
                },
                0,
                1,
            )
            .await
            .expect("activities");
        assert!(n > 0, "activities {k:?}");
    }
    // Attendance of past meetings: between 80% and 96% of each unit's roster overall.
    let present = scalar(
        store,
        "SELECT COUNT(*) FROM study_attendance t JOIN study_activities a ON a.id = t.activity_id WHERE a.day < ?",
        vals![ymd(t)],
    )
    .await;
    let seats = scalar(
        store,
        "SELECT CAST(COALESCE(SUM((SELECT COUNT(*) FROM officers o WHERE o.unit_id = a.unit_id)), 0) AS BIGINT) FROM study_activities a WHERE a.day < ?",
        vals![ymd(t)],
    )
    .await;
    assert!(
        present * 100 >= seats * 80 && present * 100 <= seats * 96,
        "attendance {present}/{seats}"
    );

    // ---- self-reports: most officers, mostly nil, some with problems, some amended ----
    let officers = scalar(store, "SELECT COUNT(*) FROM officers", vals![]).await;
    let filed = summary.campaign.self_reports as i64;
    assert!(
        filed * 100 >= officers * 70 && filed * 100 <= officers * 85,
        "{filed} of {officers} filed"
    );
    let nil = scalar(
        store,
        "SELECT COUNT(*) FROM self_reports WHERE problems = 0",
        vals![],
    )
    .await;
    let amended = scalar(
        store,
        "SELECT COUNT(*) FROM self_reports WHERE latest_version > 1",
        vals![],
    )
    .await;
    assert!(nil * 100 > filed * 80 && nil < filed && amended > 0);

    // ---- findings: every outcome, each the rule's own decision ----
    let outcomes: HashMap<Leniency, i64> = store
        .finding_outcomes(&office, &cid)
        .await
        .expect("outcomes")
        .into_iter()
        .collect();
    for l in Leniency::all() {
        assert!(outcomes[l] > 0, "no finding decided {l:?}: {outcomes:?}");
    }
    let (found, n) = store
        .findings(&office, &cid, &FindingFilter::default(), 0, 10_000)
        .await
        .expect("findings");
    assert_eq!(found.len() as i64, n);
    assert!(
        found.iter().any(|f| f.source == "clue") && found.iter().any(|f| f.source == "inspection")
    );
    for f in &found {
        let v = store
            .finding_in_scope(&office, &f.id)
            .await
            .expect("finding");
        assert_eq!(
            v.decision.outcome.as_str(),
            f.outcome,
            "{}: stored {} but the rule decides {:?}",
            f.number,
            f.outcome,
            v.decision.because
        );
    }

    // ---- the ledger: every state, overdue rows, the six special rectifications ----
    for s in ItemState::all() {
        let (_, n) = store
            .rectification_items(
                &office,
                &cid,
                &ItemFilter {
                    state: Some(*s),
                    ..ItemFilter::default()
                },
                0,
                1,
            )
            .await
            .expect("items");
        assert!(n > 0, "ledger rows {s:?}");
    }
    let (_, overdue) = store
        .rectification_items(
            &office,
            &cid,
            &ItemFilter {
                overdue: true,
                ..ItemFilter::default()
            },
            0,
            1,
        )
        .await
        .expect("overdue");
    assert!(overdue > 0);
    let ledgers = store.ledger_counts(&office, &cid).await.expect("ledgers");
    for l in &ledgers {
        assert!(l.total > 0, "empty ledger {} {:?}", l.source, l.category);
    }
    assert_eq!(
        ledgers
            .iter()
            .filter(|l| l.source == ItemSource::Special.as_str())
            .count(),
        6
    );
    let (accepted, _) = store
        .rectification_items(
            &office,
            &cid,
            &ItemFilter {
                state: Some(ItemState::Submitted),
                ..ItemFilter::default()
            },
            0,
            5,
        )
        .await
        .expect("submitted");
    for item in &accepted {
        let files = store.evidence_list(&office, &item.id).await.expect("files");
        assert!(
            !files.is_empty(),
            "{} went up without evidence",
            item.number
        );
        let (_, _, bytes) = store
            .evidence_file(&office, &item.id, &files[0].id)
            .await
            .expect("the evidence file reads back against its digest");
        assert!(String::from_utf8_lossy(&bytes).contains(&item.number));
    }
    let (rules, n_rules) = store.rules(&office, &cid, 0, 100).await.expect("rules");
    assert!(n_rules >= 5 && rules.iter().all(|r| r.items > 0));

    // ---- tasks in every state, some overdue; the responsibility matrix mostly filled ----
    for s in TaskState::all() {
        let (_, n) = store
            .tasks(
                &office,
                &TaskFilter {
                    tab: TaskTab::All,
                    state: Some(*s),
                    ..TaskFilter::default()
                },
                0,
                1,
            )
            .await
            .expect("tasks");
        assert!(n > 0, "task copies {s:?}");
    }
    let (_, late) = store
        .tasks(
            &office,
            &TaskFilter {
                tab: TaskTab::All,
                overdue: true,
                ..TaskFilter::default()
            },
            0,
            1,
        )
        .await
        .expect("overdue tasks");
    assert!(late > 0);
    let (matrix, _) = store
        .responsibility_matrix(&office, 0, 1000)
        .await
        .expect("matrix");
    let full = matrix.iter().filter(|u| u.holders.len() == 4).count();
    assert!(
        full * 100 >= matrix.len() * 85,
        "{full} of {}",
        matrix.len()
    );

    // ---- numbering goes on from the generated rows ----
    let year = {
        use chrono::Datelike;
        t.year()
    };
    let before = top_number(store, "tasks", &format!("RW-{year}")).await;
    let task = validate_task(
        &TaskDraft {
            title: "报送整改进展".into(),
            body: "请于本周内报送本单位整改进展情况".into(),
            deadline: ymd(t + chrono::Days::new(7)),
            leader: "王副书记".into(),
            owner: "李科长".into(),
        },
        t,
    )
    .expect("task");
    let (_, number) = store
        .issue_task(
            &office,
            &NewTask {
                task,
                campaign_id: None,
                phase_seq: None,
                unit_ids: vec![ready.unit_id.clone()],
            },
        )
        .await
        .expect("a new task after generation");
    assert_eq!(seq_of(&number), before + 1, "{number}");
    let before = top_number(store, "rectification_items", &format!("ZG-{year}")).await;
    let item = validate_item(
        &ItemInput {
            source: "inspection".into(),
            category: "conduct".into(),
            problem: "窗口接待登记不规范".into(),
            measures: "完善登记制度并开展培训".into(),
            leader: "张副局长".into(),
            person: "李明".into(),
            deadline: ymd(t + chrono::Days::new(30)),
        },
        t,
    )
    .expect("item");
    let (_, number) = store
        .add_rectification_item(&office, &cid, &ready.unit_id, &item, None)
        .await
        .expect("a new ledger row after generation");
    assert_eq!(seq_of(&number), before + 1, "{number}");
    let before = top_number(store, "findings", &format!("CS-{year}")).await;
    let badge = scalar(store, "SELECT COUNT(*) FROM officers", vals![]).await;
    assert!(badge > 0);
    let c = store.connection();
    let some_badge: String = Sql::of(c)
        .one(
            c,
            "SELECT badge FROM officers WHERE unit_id = ? ORDER BY badge LIMIT 1",
            vals![ready.unit_id.as_str()],
        )
        .await
        .expect("badge")
        .expect("an officer")
        .try_get("", "badge")
        .expect("badge");
    let fid = store
        .record_inspection_finding(
            &inspector,
            &cid,
            &NewInspectionFinding {
                badge: some_badge,
                category: ProblemCategory::Conduct,
                description: "督导检查发现工作时间外出办私事".into(),
                found_on: t,
                items: vec!["工作时间外出办私事".into()],
            },
        )
        .await
        .expect("a new finding after generation");
    let number = store
        .finding_in_scope(&office, &fid)
        .await
        .expect("finding")
        .finding
        .number;
    assert_eq!(seq_of(&number), before + 1, "{number}");
    let before = top_number(store, "rectification_rules", &format!("ZD-{year}")).await;
    let rid = store
        .add_rule(
            &office,
            &cid,
            &NewRule {
                unit_id: office.unit_id.clone(),
                title: "窗口接待登记管理办法".into(),
                summary: "规范窗口接待登记的内容和时限".into(),
                item_numbers: vec![],
            },
        )
        .await
        .expect("a new rule after generation");
    let number = store
        .rule_in_scope(&office, &rid)
        .await
        .expect("rule")
        .number;
    assert_eq!(seq_of(&number), before + 1, "{number}");

    // ---- the demo officer's day: sign in with the venue code, take the test, file the report ----
    let code = store
        .venue_code(&office, &meeting.id, store::now_ms())
        .await
        .expect("the office opens the venue code");
    let signed = store
        .sign_in_with_code(&ganjing, None, &code.code, store::now_ms())
        .await
        .expect("sign in");
    assert!(matches!(signed, SignInOutcome::Signed { .. }), "{signed:?}");
    let attempt = store
        .start_attempt(&ganjing, &tests[0].test.id, store::now_ms())
        .await
        .expect("start the open test");
    let view = store
        .attempt_view(&ganjing, &attempt, store::now_ms())
        .await
        .expect("attempt");
    assert_eq!(view.questions.len() as i64, tests[0].test.question_count);
    let mut sections: Vec<(ProblemCategory, Section)> = ProblemCategory::all()
        .iter()
        .map(|c| (*c, Section::Nil))
        .collect();
    sections[9].1 = Section::Text("本人曾在工作时间外出办理个人私事一次".into());
    let version = store
        .file_self_report(&ganjing, &cid, &sections)
        .await
        .expect("file");
    assert_eq!(version, 1);

    // ---- the gate: the ready unit moves on, the officer's unit does not ----
    let refused = store
        .move_unit(&office, &cid, &blocked.unit_id, &PhaseStep::Advance)
        .await;
    match refused {
        Err(StoreError::Invalid(e)) => {
            assert!(e.message.contains("退出条件未满足"), "{}", e.message)
        }
        other => panic!("advancing a unit whose checklist fails must be refused: {other:?}"),
    }
    let mv = store
        .move_unit(&office, &cid, &ready.unit_id, &PhaseStep::Advance)
        .await
        .expect("the ready unit moves on");
    assert_eq!(mv.to.phase, 2);

    check_enforcement(store, &summary.enforcement).await;

    let audit = store.audit_verify().await.expect("verify");
    assert_eq!(audit.first_bad, None, "the audit chain verifies");
}

/// The case register, inquiry records and check records of the demo city, read back through the store
/// functions the pages call; then what the demo accounts do with them.
async fn check_enforcement(store: &Store, e: &EnforcementSummary) {
    eprintln!("enforcement part: {e:?}");
    let office = actor(store, "office").await;
    let ganjing = actor(store, "ganjing").await;
    let lianluo = actor(store, "lianluo").await;
    let jiwei = actor(store, "jiwei").await;
    let t = today();

    // ---- the register: every case, its stages and its officers ----
    let (_, total) = store
        .cases(&office, &CaseFilter::default(), 0, 1)
        .await
        .expect("cases");
    assert_eq!(total as u64, e.cases);
    assert!(e.cases >= 10_000 && e.stages > e.cases * 2, "{e:?}");
    assert_eq!(
        scalar(store, "SELECT COUNT(*) FROM case_stages", vals![]).await as u64,
        e.stages
    );
    assert_eq!(
        scalar(store, "SELECT COUNT(*) FROM case_officers", vals![]).await as u64,
        e.case_officers
    );
    for (what, q) in [
        (
            "a handler outside the case's unit",
            "SELECT COUNT(*) FROM cases c JOIN officers o ON o.id = c.handler_id WHERE o.unit_id <> c.unit_id AND c.handler_id <> (SELECT officer_id FROM users WHERE username = 'ganjing')",
        ),
        (
            "a leader outside the case's unit",
            "SELECT COUNT(*) FROM cases c JOIN officers o ON o.id = c.leader_id WHERE o.unit_id <> c.unit_id",
        ),
        (
            "a case without its handler in case_officers",
            "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_officers k WHERE k.case_id = c.id AND k.officer_id = c.handler_id AND k.role = 'handler')",
        ),
        (
            "a stage after the first without its deciding person",
            "SELECT COUNT(*) FROM case_stages WHERE seq > 1 AND decider_id IS NULL",
        ),
        (
            "a decider missing from case_officers",
            "SELECT COUNT(*) FROM case_stages s WHERE s.decider_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_officers k WHERE k.case_id = s.case_id AND k.officer_id = s.decider_id AND k.role = 'decider')",
        ),
        (
            "a closed case without its outcome or day",
            "SELECT COUNT(*) FROM cases WHERE stage = 'closed' AND (outcome IS NULL OR closed_on IS NULL OR closed_on <> stage_since)",
        ),
        (
            "an open case with an outcome",
            "SELECT COUNT(*) FROM cases WHERE stage <> 'closed' AND (outcome IS NOT NULL OR closed_on IS NOT NULL)",
        ),
        (
            "a case whose current stage is not its last stage row",
            "SELECT COUNT(*) FROM cases c WHERE c.stage <> (SELECT s.stage FROM case_stages s WHERE s.case_id = c.id ORDER BY s.seq DESC LIMIT 1)",
        ),
        (
            "a stage that ended on another day than the next began",
            "SELECT COUNT(*) FROM case_stages a JOIN case_stages b ON b.case_id = a.case_id AND b.seq = a.seq + 1 WHERE a.ended_on IS NULL OR a.ended_on <> b.started_on OR a.started_on > b.started_on",
        ),
        (
            "a date after today",
            "SELECT COUNT(*) FROM cases WHERE received_on > ? OR stage_since > ? OR closed_on > ?",
        ),
    ] {
        let v = if q.contains('?') {
            vals![ymd_of(t), ymd_of(t), ymd_of(t)]
        } else {
            vals![]
        };
        assert_eq!(scalar(store, q, v).await, 0, "{what}");
    }
    // Each path is one the register itself accepts: forward moves of the kind, a lawful way to close.
    let rows = {
        let c = store.connection();
        Sql::of(c)
            .all(
                c,
                "SELECT c.id, c.kind, c.outcome, s.stage FROM cases c JOIN case_stages s ON s.case_id = c.id WHERE c.id IN (SELECT id FROM cases ORDER BY number LIMIT 2000) ORDER BY c.id, s.seq",
                vals![],
            )
            .await
            .expect("stages")
    };
    let mut paths: BTreeMap<String, (String, Option<String>, Vec<CaseStage>)> = BTreeMap::new();
    for r in &rows {
        let id: String = r.try_get("", "id").unwrap();
        let entry = paths.entry(id).or_insert_with(|| {
            (
                r.try_get("", "kind").unwrap(),
                r.try_get("", "outcome").unwrap(),
                Vec::new(),
            )
        });
        let stage: String = r.try_get("", "stage").unwrap();
        entry.2.push(CaseStage::parse(&stage).unwrap());
    }
    for (kind, outcome, path) in paths.values() {
        let kind = CaseKind::parse(kind).unwrap();
        assert_eq!(path[0], CaseStage::Received);
        let end = if *path.last().unwrap() == CaseStage::Closed {
            path.len() - 1
        } else {
            path.len()
        };
        for pair in path[..end].windows(2) {
            check_advance(kind, pair[0], pair[1]).unwrap_or_else(|e| panic!("{path:?}: {e:?}"));
        }
        if let Some(o) = outcome {
            let o = CaseOutcome::parse(o).unwrap();
            check_close(kind, path[end - 1], o).unwrap_or_else(|e| panic!("{path:?}: {e:?}"));
        }
    }
    // Numbers as each kind of unit writes them.
    for (kind, mark) in [
        ("court", "民初"),
        ("court", "刑初"),
        ("police", "公（刑）受字"),
        ("police", "公（治）受字"),
        ("procuratorate", "检刑诉受"),
    ] {
        let n = scalar(
            store,
            "SELECT COUNT(*) FROM cases c JOIN units u ON u.id = c.unit_id WHERE u.kind = ? AND c.number LIKE ?",
            vals![kind, format!("%{mark}%")],
        )
        .await;
        assert!(n > 0, "{kind} numbers with {mark}");
    }
    let (overdue, n_overdue) = store
        .cases(
            &office,
            &CaseFilter {
                overdue: true,
                ..CaseFilter::default()
            },
            0,
            5,
        )
        .await
        .expect("overdue list");
    assert!(
        n_overdue as u64 == e.overdue_cases && n_overdue > 0 && overdue.iter().all(|c| c.overdue),
        "{n_overdue} overdue, summary {e:?}"
    );
    assert!(
        n_overdue * 5 < e.open_cases as i64,
        "most open cases keep their limits"
    );
    for (outcome, least) in [
        ("withdrawn", 50),
        ("not_filed", 20),
        ("judged", 500),
        ("mediated", 100),
    ] {
        let n = scalar(
            store,
            "SELECT COUNT(*) FROM cases WHERE outcome = ?",
            vals![outcome],
        )
        .await;
        assert!(n >= least, "{n} cases {outcome}");
    }
    assert!(e.gang_cases > 0);
    let (_, gang) = store
        .cases(
            &office,
            &CaseFilter {
                gang: Some(true),
                ..CaseFilter::default()
            },
            0,
            1,
        )
        .await
        .expect("gang cases");
    assert_eq!(gang as u64, e.gang_cases);

    // ---- the officer records an inquiry about a case he handles ----
    let officer = ganjing
        .officer_id
        .clone()
        .expect("ganjing is on the roster");
    let mine = store
        .cases_of_officer(&officer, 50)
        .await
        .expect("his cases");
    assert!(!mine.is_empty(), "ganjing handles cases");
    assert!(
        mine.iter()
            .any(|c| c.handler_id.as_deref() == Some(officer.as_str()))
    );
    let case = store
        .case_for_inquiry(&ganjing, &mine[0].number)
        .await
        .expect("he may record about his case");
    let now = store::selfcheck::local_datetime(store::now_ms());
    let input = InquiryInput {
        case_number: case.number.clone(),
        asker_name: "刘某".into(),
        asker_position: "某局副局长".into(),
        asker_unit: "江州市某局".into(),
        asked_at: (now - chrono::Duration::hours(2))
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        channel: "phone".into(),
        content: "打电话询问案件进展，希望从轻处理".into(),
        handling: "告知依法办理，已登记".into(),
        ..InquiryInput::default()
    };
    let valid = validate_inquiry(&input, now).expect("a valid inquiry");
    let recorded = store
        .record_inquiry(&ganjing, &valid)
        .await
        .expect("recorded");
    assert!(recorded.check.interference, "{:?}", recorded.check);

    // ---- inquiries over five quarters, patterns of them, and who owes a report ----
    let (_, n_inquiries) = store
        .inquiries(&office, &InquiryFilter::default(), 0, 1)
        .await
        .expect("inquiries");
    assert_eq!(n_inquiries as u64, e.inquiries + 1);
    let (_, flagged) = store
        .inquiries(
            &office,
            &InquiryFilter {
                interference: true,
                ..InquiryFilter::default()
            },
            0,
            1,
        )
        .await
        .expect("interference");
    assert!(
        flagged > 1 && flagged * 3 < n_inquiries,
        "{flagged} of {n_inquiries} flagged"
    );
    let last = Quarter::last_finished(t);
    let everyone = store.inquiry_reports(&office, last).await.expect("reports");
    let filed = everyone.iter().filter(|r| r.report.is_some()).count();
    assert!(
        filed > 0 && filed < everyone.len(),
        "{filed} of {} filed",
        everyone.len()
    );
    for r in &everyone {
        if let Some(rep) = &r.report {
            assert_eq!(
                rep.nil,
                r.recorded == 0,
                "{}: nil report with records",
                r.unit.name
            );
            assert_eq!(
                (rep.inquiries, rep.interference),
                (r.recorded, r.interference)
            );
        }
    }
    let own = store
        .inquiry_reports(&lianluo, last)
        .await
        .expect("own unit");
    assert_eq!(own.len(), 1);
    assert!(
        own[0].report.is_none() && own[0].recorded == 0,
        "lianluo's unit owes a nil report"
    );
    store
        .file_inquiry_report(&lianluo, &lianluo.unit_id, last, true, "")
        .await
        .expect("the nil report is accepted");

    // ---- every data check finds something in the generated records ----
    let counts = store.check_record_counts().await.expect("record counts");
    assert_eq!(counts.departures as u64, e.departures);
    assert_eq!(counts.lawyer_appearances as u64, e.lawyer_appearances);
    assert_eq!(counts.business_roles as u64, e.business_roles);
    assert_eq!(counts.relatives as u64, e.relatives);
    assert_eq!(counts.sentence_changes as u64, e.sentence_changes);
    let run = store
        .run_checks_as(&jiwei, CheckRule::all())
        .await
        .expect("run every rule");
    for r in &run.rules {
        assert!(r.matched > 0, "{} found nothing: {:?}", r.rule, run.rules);
    }
    // Near misses exist: more departed judges and prosecutors practise than the window rule finds.
    let practising = scalar(
        store,
        "SELECT COUNT(DISTINCT d.person_hash) FROM check_departures d JOIN check_lawyer_appearances a ON a.lawyer_hash = d.person_hash WHERE d.judicial = 1",
        vals![],
    )
    .await;
    let within = scalar(
        store,
        "SELECT COUNT(DISTINCT f.subject_name || f.subject_unit) FROM check_findings f WHERE f.rule = 'revolving_window'",
        vals![],
    )
    .await;
    assert!(
        within > 0 && within < practising,
        "{within} of {practising} within the window"
    );

    // The judge who left the city court, found by the revolving-door rule; the finding becomes a clue.
    let court = store
        .units()
        .await
        .expect("units")
        .into_iter()
        .find(|u| u.code == "JZ-CRT")
        .expect("the city court");
    let (found, _) = store
        .check_findings(
            &jiwei,
            &CheckFindingFilter {
                rule: Some(CheckRule::RevolvingWindow),
                ..CheckFindingFilter::default()
            },
            0,
            500,
        )
        .await
        .expect("findings");
    let finding = found
        .iter()
        .find(|f| f.subject_unit == court.name)
        .unwrap_or_else(|| panic!("a departed judge of {} in {found:?}", court.name));
    assert!(
        finding.evidence.because.contains("限制期"),
        "{}",
        finding.evidence.because
    );
    let opened = store
        .open_clue_from_finding(&jiwei, &finding.id)
        .await
        .expect("clue in one step");
    let (clues, _) = store
        .clues(
            &jiwei,
            &ClueFilter {
                q: Some(opened.clue_number.clone()),
                ..ClueFilter::default()
            },
            0,
            5,
        )
        .await
        .expect("clue list");
    assert_eq!(clues.len(), 1);
    assert_eq!(clues[0].source, "data_check");

    // ---- guiding cases (searchable), commentary on register cases, review plans partly scored ----
    let (_, library) = store.guiding_cases(0, 1).await.expect("library");
    assert_eq!(library as u64, e.guiding_cases);
    assert!(e.guiding_cases >= 50, "{e:?}");
    let hits = store
        .search_guiding(
            &office,
            "基本案情",
            Some(store::enforcement::guiding::KIND_GUIDING),
            0,
            10,
        )
        .await
        .expect("search");
    assert_eq!(
        hits.total as u64, e.guiding_cases,
        "every guiding case is indexed, each full text with its 基本案情"
    );
    assert!(format!("{:?}", hits.hits).contains("<mark>"), "{hits:?}");
    let (_, sessions) = store
        .commentaries(&office, None, 0, 1)
        .await
        .expect("commentary");
    assert_eq!(sessions as u64, e.commentary_sessions);
    assert!(sessions > 0);
    let (plans, _) = store.review_plans(&office, 0, 10).await.expect("plans");
    assert_eq!(plans.len(), 2);
    let scored: i64 = plans.iter().map(|p| p.scored).sum();
    let samples: i64 = plans.iter().map(|p| p.samples).sum();
    assert_eq!(
        (scored as u64, samples as u64),
        (e.review_scored, e.review_samples)
    );
    assert!(scored > 0 && scored < samples, "{plans:?}");
}

fn ymd_of(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// What a generated city looks like, leaving out ids and clock times.
async fn fingerprint(store: &Store) -> BTreeMap<String, String> {
    let c = store.connection();
    let sql = Sql::of(c);
    let mut out = BTreeMap::new();
    for (name, q) in [
        (
            "phases",
            "SELECT u.code AS k, up.phase_seq AS v FROM unit_phases up JOIN units u ON u.id = up.unit_id",
        ),
        (
            "reports",
            "SELECT o.badge AS k, r.problems * 10 + r.latest_version AS v FROM self_reports r JOIN officers o ON o.id = r.officer_id",
        ),
        (
            "findings",
            "SELECT o.badge AS k, f.outcome AS v FROM findings f JOIN officers o ON o.id = f.officer_id",
        ),
        (
            "attendance",
            "SELECT o.badge AS k, COUNT(*) AS v FROM study_attendance t JOIN officers o ON o.id = t.officer_id GROUP BY o.badge",
        ),
        (
            "ledger",
            "SELECT u.code AS k, COUNT(*) AS v FROM rectification_items i JOIN units u ON u.id = i.unit_id GROUP BY u.code",
        ),
        (
            "cases",
            "SELECT c.number AS k, c.stage || ':' || COALESCE(c.outcome, '') || ':' || o.badge || ':' || c.received_on AS v FROM cases c JOIN officers o ON o.id = c.handler_id",
        ),
        (
            "inquiries",
            "SELECT i.number AS k, k.number || ':' || i.asker_name || ':' || i.interference AS v FROM inquiries i JOIN cases k ON k.id = i.case_id",
        ),
        (
            "departures",
            "SELECT d.name || d.left_on AS k, d.former_position AS v FROM check_departures d",
        ),
        (
            "appearances",
            "SELECT a.case_number || a.lawyer_name || a.appeared_on AS k, a.role AS v FROM check_lawyer_appearances a",
        ),
        (
            "sentences",
            "SELECT s.offender_name || s.decided_on || s.kind AS k, s.crime_type AS v FROM check_sentence_changes s",
        ),
    ] {
        let rows = sql.all(c, q, vals![]).await.expect(q);
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                let k: String = r.try_get("", "k").expect("k");
                let v = r
                    .try_get::<String>("", "v")
                    .or_else(|_| r.try_get::<i64>("", "v").map(|n| n.to_string()))
                    .or_else(|_| r.try_get::<i32>("", "v").map(|n| n.to_string()))
                    .expect("v");
                format!("{k}={v}")
            })
            .collect();
        lines.sort();
        out.insert(name.to_string(), lines.join(","));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_makes_the_same_campaign() {
    let a = open(None).await;
    let b = open(None).await;
    generate(&a.store, Scale::City, 7).await.expect("first");
    generate(&b.store, Scale::City, 7).await.expect("second");
    let (fa, fb) = (fingerprint(&a.store).await, fingerprint(&b.store).await);
    for (k, v) in &fa {
        assert!(!v.is_empty(), "{k} is empty");
        assert_eq!(
            Some(v),
            fb.get(k),
            "{k} differs between two runs with one seed"
        );
    }
    a.finish().await;
    b.finish().await;
}

/// The province at the volumes of issue #4 (a million cases and the records the checks compare). Takes
/// minutes in a debug build, so it runs by name:
/// `cargo test -p store --test gen province -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn the_province_has_a_million_cases_and_the_records_to_check() {
    let db = open(None).await;
    let store = &db.store;
    let started = std::time::Instant::now();
    let s = generate(store, Scale::Province, 1).await.expect("province");
    eprintln!(
        "province generated in {:?}: {} units, {} officers, {} clues; {:?}",
        started.elapsed(),
        s.units,
        s.officers,
        s.clues,
        s.enforcement
    );
    let e = &s.enforcement;
    assert!(e.cases >= 1_000_000, "{e:?}");
    assert!(e.lawyer_appearances >= 50_000, "{e:?}");
    assert!(e.departures >= 20_000, "{e:?}");
    assert!(e.business_roles >= 200_000, "{e:?}");
    assert!(e.relatives > 0 && e.sentence_changes > 0 && e.inquiries > 0 && e.gang_cases > 0);
    for (table, n) in [
        ("cases", e.cases),
        ("case_stages", e.stages),
        ("case_officers", e.case_officers),
        ("inquiries", e.inquiries),
        ("inquiry_reports", e.inquiry_reports),
        ("check_lawyer_appearances", e.lawyer_appearances),
        ("check_business_roles", e.business_roles),
        ("check_relatives", e.relatives),
        ("check_sentence_changes", e.sentence_changes),
    ] {
        let have = scalar(store, &format!("SELECT COUNT(*) FROM {table}"), vals![]).await;
        assert_eq!(have as u64, n, "{table}");
    }
    assert_eq!(
        scalar(
            store,
            "SELECT COUNT(*) FROM case_stages WHERE seq > 1 AND decider_id IS NULL",
            vals![]
        )
        .await,
        0,
        "every stage after the first names its deciding person"
    );
    db.finish().await;
}
