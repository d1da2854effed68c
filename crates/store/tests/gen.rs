//! The generated city (`mingjing demo`'s data) on a real database — SQLite always, PostgreSQL too when
//! MINGJING_TEST_PG names a server: a campaign in 查纠整改 with study, self-reports, findings decided by the
//! leniency rule, the ledger, rules, tasks and the responsibility matrix, and the work the demo accounts
//! find waiting. Everything is read back through the same store functions the pages call.

use std::collections::{BTreeMap, HashMap};

use crypto::{Keyring, MasterKey, Suite};
use domain::campaign::{Criterion, TaskDraft, TaskState, validate_task};
use domain::rectification::{ItemInput, ItemSource, ItemState, validate_item};
use domain::selfcheck::{Leniency, Section};
use domain::study::{ActivityKind, EssayState, QuestionKind};
use domain::tips::ProblemCategory;
use sea_orm::{ConnectionTrait, Database};
use store::campaign::tasks::{NewTask, TaskFilter, TaskTab};
use store::campaign::{BoardFilter, PhaseStep};
use store::clues::today;
use store::rectification::{ItemFilter, NewRule};
use store::selfcheck::{FindingFilter, NewInspectionFinding};
use store::study::{ActivityFilter, EssayFilter, SignInOutcome};
use store::synth::{Scale, generate};
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

    let audit = store.audit_verify().await.expect("verify");
    assert_eq!(audit.first_bad, None, "the audit chain verifies");
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
