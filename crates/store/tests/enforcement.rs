//! The case register and inquiry records on a real database (SQLite always, PostgreSQL too when
//! MINGJING_TEST_PG names a server): stage time limits by kind, their office overrides and the overdue
//! list around the due day; every stage's decider kept and listed for accountability; an import that
//! is all or nothing; scope; and the quarterly reminder that is written once.

use chrono::Days;
use crypto::{Keyring, MasterKey, Suite};
use domain::enforcement::cases::{
    CaseInput, CaseKind, CaseStage, MoveInput, StageLimits, ValidCase, validate_case, validate_move,
};
use domain::enforcement::inquiries::Quarter;
use domain::org::{DataScope, Role, UnitKind};
use sea_orm::{ConnectionTrait, Database};
use store::audit::AuditActor;
use store::clues::today;
use store::enforcement::cases::{CaseFilter, NewCase};
use store::org::{NewOfficer, NewUnit};
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

async fn backends() -> Vec<Db> {
    let mut v = vec![open(None).await];
    if let Some(base) = std::env::var("MINGJING_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
    {
        let name = format!("mj_enf_{}", hex::encode(crypto::random_bytes::<6>()));
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

async fn open(url: Option<String>) -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = StoreConfig::new(dir.path());
    cfg.database_url = url;
    let store = Store::open(&cfg, Keyring::new(MasterKey::generate(), Suite::Sm4Gcm))
        .await
        .expect("open store");
    seed(&store).await;
    Db {
        store,
        _dir: dir,
        pg: None,
    }
}

/// ROOT → D1, ROOT → D2; officers in D1 (a handler, a leader, a decider) and one in D2.
async fn seed(store: &Store) {
    let u = |code: &str, name: &str, parent: Option<&str>| NewUnit {
        code: code.into(),
        name: name.into(),
        kind: UnitKind::Police,
        parent_code: parent.map(str::to_string),
    };
    store
        .create_units(
            &AuditActor::system(),
            &[
                u("ROOT", "江州市委政法委", None),
                u("D1", "甲区公安分局", Some("ROOT")),
                u("D2", "乙区公安分局", Some("ROOT")),
            ],
        )
        .await
        .expect("units");
    let o = |name: &str, badge: &str, unit: &str, position: &str| NewOfficer {
        name: name.into(),
        badge: badge.into(),
        unit_code: unit.into(),
        position: position.into(),
        id_number: None,
    };
    store
        .add_officers(
            &AuditActor::system(),
            &[
                o("张办案", "A001", "D1", "民警"),
                o("李局长", "A002", "D1", "副局长"),
                o("王法制", "A003", "D1", "法制大队长"),
                o("赵乙", "B001", "D2", "民警"),
            ],
        )
        .await
        .expect("officers");
}

async fn actor(store: &Store, role: Role, unit_code: &str, scope: DataScope) -> Actor {
    let u = store.unit_by_code(unit_code).await.expect("unit");
    Actor {
        user_id: format!("u-{unit_code}-{}", role.as_str()),
        username: format!("{}_{unit_code}", role.as_str()),
        display_name: format!("{}（{unit_code}）", role.label()),
        role,
        unit_id: u.id,
        unit_name: u.name,
        unit_path: u.path,
        scope,
        officer_id: None,
    }
}

fn day(offset: i64) -> String {
    let t = today();
    let d = if offset >= 0 {
        t + Days::new(offset as u64)
    } else {
        t - Days::new((-offset) as u64)
    };
    d.format("%Y-%m-%d").to_string()
}

fn input(number: &str, kind: &str, received_offset: i64) -> CaseInput {
    CaseInput {
        number: number.into(),
        title: format!("{number}号测试案件"),
        kind: kind.into(),
        unit_code: "D1".into(),
        handler_badge: "A001".into(),
        leader_badge: "A002".into(),
        received_on: day(received_offset),
        ..CaseInput::default()
    }
}

async fn valid(store: &Store, i: &CaseInput) -> ValidCase {
    let limits = store.case_stage_limits().await.unwrap();
    validate_case(i, &limits, today()).expect("valid case")
}

async fn resolve(store: &Store, who: &Actor, v: &ValidCase) -> NewCase {
    store
        .plan_cases(who, std::slice::from_ref(v))
        .await
        .unwrap()
        .pop()
        .unwrap()
        .expect("resolved")
}

/// Adds a case by hand, as the form does; returns its id.
async fn add(store: &Store, who: &Actor, i: &CaseInput) -> String {
    let v = valid(store, i).await;
    let c = resolve(store, who, &v).await;
    store.add_case(who, &c).await.unwrap()
}

async fn move_on(store: &Store, who: &Actor, id: &str, to: &str, on: i64, badge: &str) {
    let case = store.case_in_scope(who, id).await.unwrap();
    let m = validate_move(
        CaseKind::parse(&case.kind).unwrap(),
        CaseStage::parse(&case.stage).unwrap(),
        domain::enforcement::cases::parse_date(&case.stage_since).unwrap(),
        &MoveInput {
            to: to.into(),
            on: day(on),
            decider_badge: badge.into(),
            decision: format!("决定进入{to}"),
            ..MoveInput::default()
        },
        false,
        today(),
    )
    .expect("valid move");
    store.advance_case(who, id, &m).await.unwrap();
}

async fn count(store: &Store, table: &str) -> i64 {
    let c = store.connection();
    Sql::of(c)
        .scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stage_is_due_by_its_kinds_limit_and_names_its_decider() {
    for db in backends().await {
        let s = &db.store;
        let d1 = actor(s, Role::UnitLeader, "D1", DataScope::Subtree).await;
        // 受案: 7 days for a criminal or civil case, 3 for an administrative one.
        let crim = add(s, &d1, &input("X-1", "刑事案件", -2)).await;
        let civil = add(s, &d1, &input("X-2", "民事", -2)).await;
        let admin = add(s, &d1, &input("X-3", "administrative", -2)).await;
        for (id, due) in [(&crim, day(5)), (&civil, day(5)), (&admin, day(1))] {
            let c = s.case_in_scope(&d1, id).await.unwrap();
            assert_eq!((c.stage.as_str(), c.stage_due), ("received", Some(due)));
        }
        // 立案 (30 days) decided by the leader, 侦查调查 (60 days) by the legal officer.
        move_on(s, &d1, &crim, "filed", -1, "A002").await;
        let c = s.case_in_scope(&d1, &crim).await.unwrap();
        assert_eq!(c.stage_due, Some(day(29)));
        move_on(s, &d1, &crim, "investigation", 0, "A003").await;
        let v = s.case_view(&d1, &crim).await.unwrap();
        assert_eq!(v.case.stage_due, Some(day(60)));
        let stages: Vec<(&str, &str, Option<&str>, Option<&str>)> = v
            .stages
            .iter()
            .map(|st| {
                (
                    st.stage.as_str(),
                    st.started_on.as_str(),
                    st.ended_on.as_deref(),
                    st.decider_badge.as_deref(),
                )
            })
            .collect();
        let (d2, d1_, d0) = (day(-2), day(-1), day(0));
        assert_eq!(
            stages,
            vec![
                ("received", d2.as_str(), Some(d1_.as_str()), None),
                ("filed", d1_.as_str(), Some(d0.as_str()), Some("A002")),
                ("investigation", d0.as_str(), None, Some("A003")),
            ]
        );
        // Every officer who handled it, each with every role.
        let roles: Vec<(String, Vec<String>)> = v
            .officers
            .iter()
            .map(|o| (o.badge.clone(), o.roles.clone()))
            .collect();
        assert_eq!(
            roles,
            vec![
                ("A001".to_string(), vec!["handler".to_string()]),
                (
                    "A002".to_string(),
                    vec!["decider".to_string(), "leader".to_string()]
                ),
                ("A003".to_string(), vec!["decider".to_string()]),
            ]
        );
        let acc: Vec<(String, Option<String>, String)> = v
            .accountable()
            .into_iter()
            .map(|a| (a.role, a.stage, a.name))
            .collect();
        assert_eq!(
            acc,
            vec![
                ("decider".into(), Some("filed".into()), "李局长".into()),
                (
                    "decider".into(),
                    Some("investigation".into()),
                    "王法制".into()
                ),
                ("leader".into(), None, "李局长".into()),
            ]
        );
        // Back to an earlier stage, a date before the stage began, or a stranger's badge: refused.
        let case = s.case_in_scope(&d1, &crim).await.unwrap();
        let since = domain::enforcement::cases::parse_date(&case.stage_since).unwrap();
        let back = validate_move(
            CaseKind::Criminal,
            CaseStage::Investigation,
            since,
            &MoveInput {
                to: "filed".into(),
                on: day(-1),
                decider_badge: "A002".into(),
                decision: "退回".into(),
                ..MoveInput::default()
            },
            false,
            today(),
        )
        .unwrap_err();
        assert_eq!(
            back.iter().filter_map(|e| e.field).collect::<Vec<_>>(),
            vec!["to", "on"]
        );
        let mut m = validate_move(
            CaseKind::Criminal,
            CaseStage::Investigation,
            since,
            &MoveInput {
                to: "review".into(),
                on: day(0),
                decider_badge: "Z999".into(),
                decision: "移送审查起诉".into(),
                ..MoveInput::default()
            },
            false,
            today(),
        )
        .unwrap();
        match s.advance_case(&d1, &crim, &m).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, Some("decider")),
            other => panic!("{other:?}"),
        }
        // Closing: no due day any more, the outcome and date kept.
        m.to = CaseStage::Closed;
        m.outcome = Some(domain::enforcement::cases::CaseOutcome::Withdrawn);
        m.decider_badge = "A002".into();
        s.advance_case(&d1, &crim, &m).await.unwrap();
        let c = s.case_in_scope(&d1, &crim).await.unwrap();
        assert_eq!(
            (
                c.stage.as_str(),
                c.stage_due,
                c.closed_on,
                c.outcome.as_deref()
            ),
            ("closed", None, Some(day(0)), Some("withdrawn"))
        );
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offices_limits_apply_to_stages_entered_after_the_change() {
    for db in backends().await {
        let s = &db.store;
        let office = actor(s, Role::CampaignOffice, "ROOT", DataScope::All).await;
        let before = add(s, &office, &input("L-1", "刑事案件", 0)).await;
        let mut limits = StageLimits::default();
        limits.set(CaseKind::Criminal, CaseStage::Received, Some(3));
        limits.set(CaseKind::Criminal, CaseStage::Filed, None);
        s.set_case_stage_limits(&office, &limits).await.unwrap();
        assert_eq!(s.case_stage_limits().await.unwrap(), limits);
        let after = add(s, &office, &input("L-2", "刑事案件", 0)).await;
        assert_eq!(
            s.case_in_scope(&office, &before).await.unwrap().stage_due,
            Some(day(7)),
            "a case already in its stage keeps its due day"
        );
        assert_eq!(
            s.case_in_scope(&office, &after).await.unwrap().stage_due,
            Some(day(3))
        );
        // 立案 now has no limit: the case can never be overdue in it.
        move_on(s, &office, &after, "filed", 0, "A002").await;
        assert_eq!(
            s.case_in_scope(&office, &after).await.unwrap().stage_due,
            None
        );
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_means_open_and_past_the_due_day() {
    for db in backends().await {
        let s = &db.store;
        let d1 = actor(s, Role::UnitLiaison, "D1", DataScope::OwnUnit).await;
        // Criminal 受案 lasts 7 days: received 7 days ago is due today (not overdue), 8 days ago is
        // due yesterday (overdue by 1), 20 days ago overdue by 13.
        let due_today = add(s, &d1, &input("O-7", "刑事案件", -7)).await;
        let late1 = add(s, &d1, &input("O-8", "刑事案件", -8)).await;
        let late13 = add(s, &d1, &input("O-20", "刑事案件", -20)).await;
        // Overdue once, then moved on: the new stage is in time.
        let moved = add(s, &d1, &input("O-30", "刑事案件", -30)).await;
        move_on(s, &d1, &moved, "filed", -1, "A002").await;
        // An imported closed case whose old stage had long passed its limit is not overdue.
        let mut closed = input("O-C", "刑事案件", -100);
        closed.stage = "结案".into();
        closed.closed_on = day(-1);
        closed.outcome = "不予立案".into();
        let v = valid(s, &closed).await;
        let c = resolve(s, &d1, &v).await;
        s.import_cases(&d1, &[c]).await.unwrap();

        let f = CaseFilter {
            overdue: true,
            ..CaseFilter::default()
        };
        let (list, n) = s.cases(&d1, &f, 0, 50).await.unwrap();
        let got: Vec<(&str, i64)> = list
            .iter()
            .map(|c| (c.number.as_str(), c.days_over))
            .collect();
        assert_eq!(n, 2);
        assert_eq!(got, vec![("O-20", 13), ("O-8", 1)], "most overdue first");
        assert!(!s.case_in_scope(&d1, &due_today).await.unwrap().overdue);
        assert!(s.case_in_scope(&d1, &late1).await.unwrap().overdue);
        assert!(s.case_in_scope(&d1, &late13).await.unwrap().overdue);
        let (total, open, overdue, gang) = s.case_counts(&d1).await.unwrap();
        assert_eq!((total, open, overdue, gang), (5, 4, 2, 0));
        // The stage that ran late is shown as late on the case's page.
        let v = s.case_view(&d1, &moved).await.unwrap();
        assert!(v.stages[0].late && !v.stages[1].late);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_resolve_every_row_and_write_all_or_nothing() {
    for db in backends().await {
        let s = &db.store;
        let d1 = actor(s, Role::UnitLeader, "D1", DataScope::Subtree).await;
        add(s, &d1, &input("I-0", "刑事案件", -3)).await;
        let mut rows = Vec::new();
        for (i, n) in ["I-1", "I-0", "I-1", "I-2", "I-3"].iter().enumerate() {
            let mut inp = input(n, "刑事案件", -3);
            match i {
                3 => inp.unit_code = "D2".into(),
                4 => {
                    inp.stage = "立案".into();
                    inp.stage_since = day(-2);
                    inp.decisions = vec![(CaseStage::Filed, day(-2), "Q404".into())];
                }
                _ => {}
            }
            rows.push(valid(s, &inp).await);
        }
        let planned = s.plan_cases(&d1, &rows).await.unwrap();
        let fields: Vec<Vec<&str>> = planned
            .iter()
            .map(|p| match p {
                Ok(_) => vec![],
                Err(es) => es.iter().filter_map(|e| e.field).collect(),
            })
            .collect();
        assert_eq!(
            fields,
            vec![
                vec![],
                vec!["number"],
                vec!["number"],
                vec!["unit"],
                vec!["filed_by"]
            ]
        );
        // Two good rows go in together with their stages and officers.
        let mut good = vec![resolve(s, &d1, &rows[0]).await];
        let mut gang = input("I-9", "刑事案件", -5);
        gang.gang = "是".into();
        gang.stage = "审查起诉".into();
        gang.stage_since = day(-1);
        gang.assistant_badges = "A003".into();
        gang.decisions = vec![
            (CaseStage::Filed, day(-4), "A002".into()),
            (CaseStage::Review, String::new(), "A002".into()),
        ];
        let gv = valid(s, &gang).await;
        good.push(resolve(s, &d1, &gv).await);
        let (cases, stages, officers) = (
            count(s, "cases").await,
            count(s, "case_stages").await,
            count(s, "case_officers").await,
        );
        assert_eq!(s.import_cases(&d1, &good).await.unwrap(), 2);
        assert_eq!(count(s, "cases").await, cases + 2);
        assert_eq!(count(s, "case_stages").await, stages + 1 + 3);
        // I-1: handler, leader; I-9: handler, assistant, leader, decider (A002 once as decider).
        assert_eq!(count(s, "case_officers").await, officers + 2 + 4);
        let g = s.case_by_number(&d1, "I-9").await.unwrap();
        assert!(g.gang);
        assert_eq!(g.stage_due, Some(day(44)));
        // The same rows again: the numbers are taken now, and nothing of the batch is written.
        let third = {
            let v = valid(s, &input("I-4", "刑事案件", -1)).await;
            resolve(s, &d1, &v).await
        };
        good.insert(0, third);
        match s.import_cases(&d1, &good).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, Some("number")),
            other => panic!("{other:?}"),
        }
        assert_eq!(count(s, "cases").await, cases + 2);
        assert!(s.case_by_number(&d1, "I-4").await.is_err());
        // A unit outside the importer's scope is refused before anything is written.
        let d2 = actor(s, Role::UnitLeader, "D2", DataScope::Subtree).await;
        let only = {
            let v = valid(s, &input("I-5", "刑事案件", -1)).await;
            resolve(s, &d1, &v).await
        };
        assert!(matches!(
            s.import_cases(&d2, &[only]).await,
            Err(StoreError::Invalid(_))
        ));
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_units_case_is_not_found_and_reminders_are_written_once() {
    for db in backends().await {
        let s = &db.store;
        let d1 = actor(s, Role::UnitLeader, "D1", DataScope::Subtree).await;
        let d2 = actor(s, Role::UnitLeader, "D2", DataScope::Subtree).await;
        let id = add(s, &d1, &input("S-1", "刑事案件", -1)).await;
        assert!(matches!(
            s.case_in_scope(&d2, &id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.case_view(&d2, &id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.case_by_number(&d2, "S-1").await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            s.cases(&d2, &CaseFilter::default(), 0, 10).await.unwrap().1,
            0
        );

        // Three units; D1 files a nil report for the last finished quarter; the other two are reminded
        // once however often the scan runs.
        let q = Quarter::last_finished(today());
        s.file_inquiry_report(&d1, &d1.unit_id, q, true, "")
            .await
            .unwrap();
        assert!(matches!(
            s.file_inquiry_report(&d1, &d1.unit_id, q, true, "").await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.scan_inquiry_reports().await.unwrap(), 2);
        assert_eq!(s.scan_inquiry_reports().await.unwrap(), 0);
        let c = s.connection();
        let targets = Sql::of(c)
            .scalar(
                c,
                "SELECT COUNT(*) FROM notifications WHERE unit_id = ? AND dedupe_key LIKE 'inquiry_report:%'",
                vals![d1.unit_id.as_str()],
            )
            .await
            .unwrap();
        assert_eq!(targets, 0, "a unit that filed is not reminded");
        let office = actor(s, Role::CampaignOffice, "ROOT", DataScope::All).await;
        let status = s.inquiry_reports(&office, q).await.unwrap();
        let missing: Vec<&str> = status
            .iter()
            .filter(|r| r.report.is_none())
            .map(|r| r.unit.code.as_str())
            .collect();
        assert_eq!(missing, vec!["ROOT", "D2"]);
        db.finish().await;
    }
}
