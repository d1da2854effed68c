//! Self-reports, findings and the rectification ledger on a real database: SQLite always, and PostgreSQL
//! too when MINGJING_TEST_PG names a server.

use chrono::Days;
use crypto::{Keyring, MasterKey, Suite};
use domain::clues::{ClueSource, Conclusion, DisposalMethod};
use domain::org::{DataScope, Role, UnitKind};
use domain::rectification::{ItemAction, ItemInput, ItemState, RuleAction, RuleState};
use domain::selfcheck::{Leniency, Reason, Section, Window};
use domain::tips::ProblemCategory;
use sea_orm::{ConnectionTrait, Database};
use store::audit::AuditActor;
use store::clues::{NewClue, StepInput, today};
use store::org::{NewOfficer, NewUnit};
use store::{Actor, Store, StoreConfig, StoreError};

struct Db {
    store: Store,
    _dir: tempfile::TempDir,
    /// (server URL, database name) of a PostgreSQL database made for the test, dropped by `finish`.
    pg: Option<(String, String)>,
    key: String,
}

impl Db {
    async fn finish(self) {
        self.store.close().await;
        if let Some((base, name)) = self.pg
            && let Ok(admin) = Database::connect(base.as_str()).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
    }
}

async fn backends() -> Vec<Db> {
    let mut v = vec![open(None).await];
    if let Some(base) = std::env::var("MINGJING_TEST_PG")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        let name = format!("mj_selfcheck_{}", hex::encode(crypto::random_bytes::<6>()));
        let admin = Database::connect(base.as_str())
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
    let key = MasterKey::generate().to_hex();
    let store = Store::open(&cfg, keyring(&key)).await.expect("open store");
    Db {
        store,
        _dir: dir,
        pg: None,
        key,
    }
}

fn keyring(hex: &str) -> Keyring {
    Keyring::new(MasterKey::from_hex(hex).expect("key"), Suite::Sm4Gcm)
}

const CAMPAIGN: &str = "campaign-2025";

/// Units ROOT → A and ROOT → B, officers in A (孙磊, 李明) and B (王芳); returns (office, officer 孙磊, liaison of B, inspector).
async fn seed(store: &Store) -> (Actor, Actor, Actor, Actor) {
    let sys = AuditActor::system();
    let unit = |code: &str, name: &str, parent: Option<&str>| NewUnit {
        code: code.into(),
        name: name.into(),
        kind: UnitKind::Police,
        parent_code: parent.map(str::to_string),
    };
    store
        .create_units(
            &sys,
            &[
                unit("ROOT", "江州市委政法委", None),
                unit("A", "甲区公安分局", Some("ROOT")),
                unit("B", "乙区公安分局", Some("ROOT")),
            ],
        )
        .await
        .expect("units");
    let officer = |name: &str, badge: &str, unit: &str| NewOfficer {
        name: name.into(),
        badge: badge.into(),
        unit_code: unit.into(),
        position: "民警".into(),
        id_number: None,
    };
    store
        .add_officers(
            &sys,
            &[
                officer("孙磊", "A001", "A"),
                officer("李明", "A002", "A"),
                officer("王芳", "B001", "B"),
            ],
        )
        .await
        .expect("officers");
    let units = store.units().await.unwrap();
    let u = |code: &str| units.iter().find(|u| u.code == code).unwrap().clone();
    let (officers, _) = store
        .officers_in_scope(
            &actor("x", Role::Sysadmin, &u("ROOT"), DataScope::All, None),
            "",
            0,
            10,
        )
        .await
        .unwrap();
    let oid = officers
        .iter()
        .find(|o| o.badge == "A001")
        .unwrap()
        .id
        .clone();
    (
        actor(
            "office",
            Role::CampaignOffice,
            &u("ROOT"),
            DataScope::All,
            None,
        ),
        actor(
            "sunlei",
            Role::Officer,
            &u("A"),
            DataScope::OwnUnit,
            Some(oid),
        ),
        actor(
            "liaison_b",
            Role::UnitLiaison,
            &u("B"),
            DataScope::OwnUnit,
            None,
        ),
        actor(
            "inspector",
            Role::Inspector,
            &u("ROOT"),
            DataScope::All,
            None,
        ),
    )
}

fn actor(
    username: &str,
    role: Role,
    unit: &store::org::Unit,
    scope: DataScope,
    officer_id: Option<String>,
) -> Actor {
    Actor {
        user_id: format!("user-{username}"),
        username: username.into(),
        display_name: username.into(),
        role,
        unit_id: unit.id.clone(),
        unit_name: unit.name.clone(),
        unit_path: unit.path.clone(),
        scope,
        officer_id,
    }
}

/// Every category "无" except the given texts.
fn report(texts: &[(ProblemCategory, &str)]) -> Vec<(ProblemCategory, Section)> {
    ProblemCategory::all()
        .iter()
        .map(|c| {
            (
                *c,
                texts
                    .iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, t)| Section::Text(t.to_string()))
                    .unwrap_or(Section::Nil),
            )
        })
        .collect()
}

async fn open_window(store: &Store, office: &Actor) {
    let t = today();
    let w = Window::new(t - Days::new(10), t + Days::new(10)).unwrap();
    store
        .set_selfcheck_window(office, CAMPAIGN, w)
        .await
        .unwrap();
}

/// Moves every version of the officer's report back by `minutes`, so the order of events does not hang
/// on two writes landing in different milliseconds.
async fn backdate_versions(store: &Store, minutes: i64) {
    let c = store.connection();
    store::Sql::of(c)
        .exec(
            c,
            "UPDATE self_report_versions SET submitted_at = submitted_at - ?",
            vec![sea_orm::Value::from(minutes * 60_000)],
        )
        .await
        .unwrap();
}

/// Registers a clue about badge A001 and takes it to 属实; returns its id.
async fn concluded_clue(
    store: &Store,
    office: &Actor,
    jiwei: &Actor,
    category: ProblemCategory,
) -> String {
    let n = NewClue {
        source: ClueSource::Inspection,
        category,
        accused_name: Some("孙磊".into()),
        accused_unit: None,
        accused_position: None,
        accused_badge: Some("A001".into()),
        summary: "配偶违规经营建材公司，本人兼职取酬".into(),
    };
    let (id, _) = store.register_clue(office, &n).await.unwrap();
    let unit_a = store.unit_by_code("A").await.unwrap().id;
    for step in [
        StepInput::Assign { unit_id: unit_a },
        StepInput::Dispose {
            method: DisposalMethod::PreliminaryCheck,
        },
        StepInput::Verify,
        StepInput::Conclude {
            conclusion: Conclusion::True,
        },
    ] {
        store
            .clue_step(jiwei, &id, &step, "经核查情况属实，有书证为据")
            .await
            .unwrap();
    }
    id
}

#[tokio::test]
async fn every_version_is_kept_and_counts_follow() {
    for db in backends().await {
        let store = &db.store;
        let (office, officer, liaison_b, _) = seed(store).await;
        let unit_a = store.unit_by_code("A").await.unwrap().id;
        // No window yet: nothing can be filed.
        let e = store
            .file_self_report(&officer, CAMPAIGN, &report(&[]))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("尚未设定自查期限"), "{e}");
        open_window(store, &office).await;
        assert_eq!(
            store.self_report_counts(CAMPAIGN, &unit_a).await.unwrap(),
            (0, 2)
        );

        assert_eq!(
            store
                .file_self_report(&officer, CAMPAIGN, &report(&[]))
                .await
                .unwrap(),
            1
        );
        let amended = report(&[(
            ProblemCategory::IllegalBusiness,
            "配偶开办建材公司，本人未参与经营",
        )]);
        assert_eq!(
            store
                .file_self_report(&officer, CAMPAIGN, &amended)
                .await
                .unwrap(),
            2
        );
        let (summary, versions) = store
            .my_self_report(&officer, CAMPAIGN)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(summary.latest_version, 2);
        assert_eq!(summary.problems, 1);
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![2, 1]
        );
        // Version 1 is exactly as first filed: the amendment did not overwrite it.
        assert_eq!(versions[1].sections, report(&[]));
        assert_eq!(versions[0].sections, amended);
        assert_eq!(
            store.self_report_counts(CAMPAIGN, &unit_a).await.unwrap(),
            (1, 2)
        );
        assert_eq!(
            store
                .self_report_counts("another-campaign", &unit_a)
                .await
                .unwrap(),
            (0, 2)
        );

        let (stats, cats) = store.self_report_stats(&office, CAMPAIGN).await.unwrap();
        let a = stats.iter().find(|s| s.unit_id == unit_a).unwrap();
        assert_eq!(
            (
                a.officers,
                a.filed,
                a.nil_reports,
                a.with_problems,
                a.problems,
                a.rate()
            ),
            (2, 1, 0, 1, 1, 50)
        );
        let business = cats
            .iter()
            .find(|c| c.category == ProblemCategory::IllegalBusiness)
            .unwrap();
        assert_eq!((business.reported, business.nil), (1, 0));
        let conduct = cats
            .iter()
            .find(|c| c.category == ProblemCategory::Conduct)
            .unwrap();
        assert_eq!((conduct.reported, conduct.nil), (0, 1));

        // Another unit's liaison sees neither the report nor the unit in the statistics.
        assert!(matches!(
            store.self_report_in_scope(&liaison_b, &summary.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .self_reports(&liaison_b, CAMPAIGN, None, 0, 10)
                .await
                .unwrap()
                .0
                .is_empty()
        );
        let (stats_b, _) = store.self_report_stats(&liaison_b, CAMPAIGN).await.unwrap();
        assert!(stats_b.iter().all(|s| s.unit_id != unit_a));

        // A closed window refuses amendments and leaves the versions as they were.
        let t = today();
        store
            .set_selfcheck_window(
                &office,
                CAMPAIGN,
                Window::new(t - Days::new(20), t - Days::new(1)).unwrap(),
            )
            .await
            .unwrap();
        let e = store
            .file_self_report(&officer, CAMPAIGN, &report(&[]))
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("已于") && e.to_string().contains("截止"),
            "{e}"
        );
        assert_eq!(
            store
                .my_self_report(&officer, CAMPAIGN)
                .await
                .unwrap()
                .unwrap()
                .1
                .len(),
            2
        );
        assert_eq!(store.audit_verify().await.unwrap().first_bad, None);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_finding_from_a_concluded_clue_gets_the_right_decision() {
    for db in backends().await {
        let store = &db.store;
        let (office, officer, _, inspector) = seed(store).await;
        let root = store.root_unit().await.unwrap();
        let jiwei = actor(
            "jiwei",
            Role::DisciplineInspector,
            &root,
            DataScope::All,
            None,
        );
        open_window(store, &office).await;
        store
            .file_self_report(&officer, CAMPAIGN, &report(&[]))
            .await
            .unwrap();
        store
            .file_self_report(
                &officer,
                CAMPAIGN,
                &report(&[(
                    ProblemCategory::IllegalBusiness,
                    "配偶开办建材公司并持股30%",
                )]),
            )
            .await
            .unwrap();
        backdate_versions(store, 60).await;

        // Reported before the clue was registered: compared item by item.
        let clue = concluded_clue(store, &office, &jiwei, ProblemCategory::IllegalBusiness).await;
        let (candidates, _) = store
            .concluded_clues_naming_officers(&jiwei, 0, 10)
            .await
            .unwrap();
        assert_eq!(
            candidates.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            vec![clue.as_str()]
        );
        let items = vec![
            "配偶持股建材公司30%".to_string(),
            "本人兼职取酬12万元".to_string(),
        ];
        let fid = store
            .register_finding_from_clue(&jiwei, CAMPAIGN, &clue, &items)
            .await
            .unwrap();
        let view = store.finding_in_scope(&jiwei, &fid).await.unwrap();
        assert_eq!(view.decision.outcome, Leniency::Pending);
        assert_eq!(view.basis, Some(2));
        assert_eq!(view.finding.outcome, "pending");
        // The same clue cannot become two findings.
        let again = store
            .register_finding_from_clue(&jiwei, CAMPAIGN, &clue, &items)
            .await
            .unwrap_err();
        assert!(again.to_string().contains("已登记"), "{again}");
        // Every item must be marked.
        assert!(
            store
                .compare_finding(&jiwei, &fid, &[(1, true)])
                .await
                .is_err()
        );
        assert_eq!(
            store
                .compare_finding(&jiwei, &fid, &[(1, true), (2, false)])
                .await
                .unwrap(),
            Leniency::PartlyLenient
        );
        let view = store.finding_in_scope(&jiwei, &fid).await.unwrap();
        assert_eq!(view.finding.outcome, "partly_lenient");
        assert!(view.decision.because.contains(&Reason::NotCovered {
            items: vec!["本人兼职取酬12万元".into()]
        }));
        assert!(
            view.decision
                .because
                .iter()
                .any(|r| r.text().contains("以第2版为准"))
        );
        // The officer himself never sees it, even by id; the inspector records but needs the clue to register.
        assert!(
            store
                .findings(&officer, CAMPAIGN, &Default::default(), 0, 10)
                .await
                .unwrap()
                .0
                .is_empty()
        );
        assert!(matches!(
            store.finding_in_scope(&officer, &fid).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            store
                .findings(&inspector, CAMPAIGN, &Default::default(), 0, 10)
                .await
                .unwrap()
                .1,
            1
        );

        // An amendment after the clue was registered does not count: the second clue's category was "无".
        let clue2 = concluded_clue(store, &office, &jiwei, ProblemCategory::Conduct).await;
        store
            .file_self_report(
                &officer,
                CAMPAIGN,
                &report(&[
                    (
                        ProblemCategory::IllegalBusiness,
                        "配偶开办建材公司并持股30%",
                    ),
                    (ProblemCategory::Conduct, "工作时间多次玩游戏"),
                ]),
            )
            .await
            .unwrap();
        let fid2 = store
            .register_finding_from_clue(&jiwei, CAMPAIGN, &clue2, &["工作时间玩游戏".to_string()])
            .await
            .unwrap();
        let view2 = store.finding_in_scope(&jiwei, &fid2).await.unwrap();
        assert_eq!(view2.decision.outcome, Leniency::Strict);
        assert_eq!(view2.finding.outcome, "strict");
        assert!(
            matches!(
                view2.decision.because[0],
                Reason::AfterKnown { version: 3, .. }
            ),
            "{:?}",
            view2.decision.because
        );
        assert!(view2.decision.because.contains(&Reason::NothingInCategory {
            version: 2,
            category: ProblemCategory::Conduct,
            said_nil: true
        }));
        assert!(view2.decision.because[0].text().contains(&format!(
            "{}登记",
            view2.finding.description.split('（').next().unwrap()
        )));

        let counts = store.finding_outcomes(&office, CAMPAIGN).await.unwrap();
        assert!(
            counts.contains(&(Leniency::PartlyLenient, 1))
                && counts.contains(&(Leniency::Strict, 1))
        );

        // An inspection result about someone with no report at all.
        let n = store::selfcheck::NewInspectionFinding {
            badge: "B001".into(),
            category: ProblemCategory::Interference,
            description: "督导检查发现违规过问他人案件未登记".into(),
            found_on: today(),
            items: vec!["过问案件未登记".into()],
        };
        let fid3 = store
            .record_inspection_finding(&inspector, CAMPAIGN, &n)
            .await
            .unwrap();
        let view3 = store.finding_in_scope(&inspector, &fid3).await.unwrap();
        assert_eq!(
            (view3.decision.outcome, view3.decision.because.clone()),
            (Leniency::Strict, vec![Reason::NoReport])
        );
        assert_eq!(store.audit_verify().await.unwrap().first_bad, None);
        db.finish().await;
    }
}

fn item(source: &str, category: &str) -> ItemInput {
    ItemInput {
        source: source.into(),
        category: category.into(),
        problem: "部分干警过问案件未如实登记".into(),
        measures: "开展专项检查，建立过问案件月报制度".into(),
        leader: "吴建国".into(),
        person: "孙磊".into(),
        deadline: (today() + Days::new(30)).format("%Y-%m-%d").to_string(),
    }
}

#[tokio::test]
async fn a_ledger_row_goes_to_acceptance_through_rework() {
    for db in backends().await {
        let store = &db.store;
        let (office, _, liaison_b, inspector) = seed(store).await;
        let unit_a = store.unit_by_code("A").await.unwrap().id;
        let unit_b = store.unit_by_code("B").await.unwrap().id;
        let valid = domain::rectification::validate_item(&item("special", "interference"), today())
            .unwrap();
        // A liaison cannot put a row on another unit's ledger.
        let e = store
            .add_rectification_item(&liaison_b, CAMPAIGN, &unit_a, &valid, None)
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(ref d) if d.field == Some("unit_id")),
            "{e}"
        );
        let (id, number) = store
            .add_rectification_item(&liaison_b, CAMPAIGN, &unit_b, &valid, None)
            .await
            .unwrap();
        assert!(number.starts_with("ZG-"));
        assert_eq!(
            store.rectification_counts(CAMPAIGN, &unit_b).await.unwrap(),
            (0, 1)
        );

        // Not without evidence; an inspector cannot accept what was never submitted.
        let e = store
            .rectification_step(
                &liaison_b,
                &id,
                ItemAction::Submit,
                "已建立月报制度并开展检查",
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("佐证材料"), "{e}");
        assert!(
            store
                .rectification_step(&inspector, &id, ItemAction::Accept, "")
                .await
                .is_err()
        );
        assert!(
            store
                .add_evidence(&liaison_b, &id, "可执行.exe", b"MZ\x90\x00\x03\x00\x00\x00")
                .await
                .is_err()
        );
        let ev = store
            .add_evidence(&liaison_b, &id, "../../月报制度.pdf", b"%PDF-1.4 test")
            .await
            .unwrap();
        let (name, kind, bytes) = store.evidence_file(&inspector, &id, &ev).await.unwrap();
        assert_eq!(
            (name.as_str(), kind.as_str(), bytes.as_slice()),
            ("月报制度.pdf", "pdf", b"%PDF-1.4 test".as_slice())
        );
        // A file no row names (a crash before the commit) is swept; the real one stays.
        let stray = store
            .data_dir()
            .join("evidence")
            .join("rectification")
            .join(&id)
            .join("stray");
        std::fs::write(&stray, b"left behind").unwrap();
        assert_eq!(store.sweep_orphan_evidence(0).await.unwrap(), 1);
        assert!(!stray.exists());
        assert!(store.evidence_file(&inspector, &id, &ev).await.is_ok());
        store
            .rectification_step(&liaison_b, &id, ItemAction::Progress, "已开展专项检查")
            .await
            .unwrap();
        assert_eq!(
            store
                .rectification_step(
                    &liaison_b,
                    &id,
                    ItemAction::Submit,
                    "已建立月报制度并开展检查"
                )
                .await
                .unwrap(),
            ItemState::Submitted
        );
        assert!(
            store
                .add_evidence(&liaison_b, &id, "补充.txt", "补充材料".as_bytes())
                .await
                .is_err()
        );
        assert_eq!(
            store
                .rectification_step(&inspector, &id, ItemAction::Reject, "缺少制度印发文件")
                .await
                .unwrap(),
            ItemState::Rework
        );
        store
            .add_evidence(&liaison_b, &id, "印发文件.txt", "制度印发文件".as_bytes())
            .await
            .unwrap();
        store
            .rectification_step(&liaison_b, &id, ItemAction::Submit, "补充了制度印发文件")
            .await
            .unwrap();
        assert_eq!(
            store
                .rectification_step(&inspector, &id, ItemAction::Accept, "同意销号")
                .await
                .unwrap(),
            ItemState::Accepted
        );
        let row = store
            .rectification_item_in_scope(&office, &id)
            .await
            .unwrap();
        assert_eq!(
            (row.state.as_str(), row.reworks, row.accepted_at.is_some()),
            ("accepted", 1, true)
        );
        assert_eq!(
            store.rectification_counts(CAMPAIGN, &unit_b).await.unwrap(),
            (1, 1)
        );
        let kinds: Vec<String> = store
            .rectification_events(&office, &id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                "create", "evidence", "progress", "submit", "reject", "evidence", "submit",
                "accept"
            ]
        );
        let counts = store.ledger_counts(&office, CAMPAIGN).await.unwrap();
        let special = counts
            .iter()
            .find(|c| c.category.as_deref() == Some("interference"))
            .unwrap();
        assert_eq!((special.total, special.accepted), (1, 1));

        // The rules register: drafted from the row, adopted, revised, abolished.
        let rule = store
            .add_rule(
                &liaison_b,
                CAMPAIGN,
                &store::rectification::NewRule {
                    unit_id: unit_b.clone(),
                    title: "过问案件登记月报制度".into(),
                    summary: "每月汇总过问案件登记情况并报纪检组".into(),
                    item_numbers: vec![number.clone()],
                },
            )
            .await
            .unwrap();
        assert_eq!(store.rule_items(&liaison_b, &rule).await.unwrap().len(), 1);
        assert_eq!(store.rules_for_item(&office, &id).await.unwrap().len(), 1);
        let bad = store
            .add_rule(
                &liaison_b,
                CAMPAIGN,
                &store::rectification::NewRule {
                    unit_id: unit_b.clone(),
                    title: "某制度".into(),
                    summary: "主要内容若干".into(),
                    item_numbers: vec!["ZG-1999-000001".into()],
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(bad, StoreError::Invalid(ref d) if d.field == Some("items")),
            "{bad}"
        );
        assert!(
            store
                .rule_step(&liaison_b, &rule, RuleAction::Revise, today(), "修改第三条")
                .await
                .is_err()
        );
        assert_eq!(
            store
                .rule_step(&liaison_b, &rule, RuleAction::Adopt, today(), "")
                .await
                .unwrap(),
            RuleState::Adopted
        );
        assert_eq!(
            store
                .rule_step(
                    &liaison_b,
                    &rule,
                    RuleAction::Revise,
                    today(),
                    "增加报送时限"
                )
                .await
                .unwrap(),
            RuleState::Revised
        );
        assert_eq!(
            store.rule_in_scope(&office, &rule).await.unwrap().revision,
            1
        );
        assert_eq!(
            store
                .rule_step(
                    &liaison_b,
                    &rule,
                    RuleAction::Abolish,
                    today(),
                    "并入新制度"
                )
                .await
                .unwrap(),
            RuleState::Abolished
        );
        assert_eq!(store.audit_verify().await.unwrap().first_bad, None);
        db.finish().await;
    }
}

#[tokio::test]
async fn overdue_rows_escalate_once() {
    for db in backends().await {
        let store = &db.store;
        let (office, _, liaison_b, _) = seed(store).await;
        let unit_b = store.unit_by_code("B").await.unwrap().id;
        let valid =
            domain::rectification::validate_item(&item("inspection", "conduct"), today()).unwrap();
        let (id, _) = store
            .add_rectification_item(&liaison_b, CAMPAIGN, &unit_b, &valid, None)
            .await
            .unwrap();
        let c = store.connection();
        let past = (today() - Days::new(3)).format("%Y-%m-%d").to_string();
        store::Sql::of(c)
            .exec(
                c,
                "UPDATE rectification_items SET deadline = ? WHERE id = ?",
                vec![past.into(), id.as_str().into()],
            )
            .await
            .unwrap();
        // One notice to the unit, one to the office; a second scan adds nothing.
        assert_eq!(store.scan_rectification_deadlines().await.unwrap(), 2);
        assert_eq!(store.scan_rectification_deadlines().await.unwrap(), 0);
        let notes = store.notifications(&office, 10).await.unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.kind == "overdue" && n.message.contains("整改时限")),
            "{notes:?}"
        );
        assert!(
            store
                .rectification_items(
                    &liaison_b,
                    CAMPAIGN,
                    &store::rectification::ItemFilter {
                        overdue: true,
                        ..Default::default()
                    },
                    0,
                    10
                )
                .await
                .unwrap()
                .0[0]
                .overdue
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn a_backup_keeps_every_selfcheck_and_ledger_row() {
    for db in backends().await {
        let store = &db.store;
        let (office, officer, liaison_b, inspector) = seed(store).await;
        open_window(store, &office).await;
        store
            .file_self_report(&officer, CAMPAIGN, &report(&[]))
            .await
            .unwrap();
        store
            .file_self_report(
                &officer,
                CAMPAIGN,
                &report(&[(ProblemCategory::Conduct, "工作时间玩游戏两次")]),
            )
            .await
            .unwrap();
        let n = store::selfcheck::NewInspectionFinding {
            badge: "A001".into(),
            category: ProblemCategory::Conduct,
            description: "督导检查发现工作时间玩游戏".into(),
            found_on: today(),
            items: vec!["工作时间玩游戏".into(), "迟到早退".into()],
        };
        let fid = store
            .record_inspection_finding(&inspector, CAMPAIGN, &n)
            .await
            .unwrap();
        let unit_b = store.unit_by_code("B").await.unwrap().id;
        let valid = domain::rectification::validate_item(&item("special", "interference"), today())
            .unwrap();
        let (id, number) = store
            .add_rectification_item(&liaison_b, CAMPAIGN, &unit_b, &valid, None)
            .await
            .unwrap();
        store
            .add_evidence(&liaison_b, &id, "说明.txt", "整改情况说明".as_bytes())
            .await
            .unwrap();
        let rule = store::rectification::NewRule {
            unit_id: unit_b.clone(),
            title: "月报制度".into(),
            summary: "每月报送整改情况".into(),
            item_numbers: vec![number],
        };
        store.add_rule(&liaison_b, CAMPAIGN, &rule).await.unwrap();

        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("backup.jsonl");
        store.backup(&file).await.unwrap();
        let fresh = tempfile::tempdir().unwrap();
        let restored = Store::open(&StoreConfig::new(fresh.path()), keyring(&db.key))
            .await
            .unwrap();
        restored.restore(&file).await.unwrap();
        let mine = |t: &str| {
            [
                "selfcheck_windows",
                "self_report",
                "finding",
                "rectification_",
            ]
            .iter()
            .any(|p| t.starts_with(p))
        };
        let before: Vec<_> = store
            .table_counts()
            .await
            .unwrap()
            .into_iter()
            .filter(|(t, _)| mine(t))
            .collect();
        let after: Vec<_> = restored
            .table_counts()
            .await
            .unwrap()
            .into_iter()
            .filter(|(t, _)| mine(t))
            .collect();
        assert_eq!(before.len(), 12, "{before:?}");
        assert!(before.iter().all(|(_, n)| *n > 0), "{before:?}");
        assert_eq!(after, before);
        // What the restored rows say is what the originals said.
        let view = restored.finding_in_scope(&inspector, &fid).await.unwrap();
        assert_eq!(view.items.len(), 2);
        assert_eq!(
            restored
                .my_self_report(&officer, CAMPAIGN)
                .await
                .unwrap()
                .unwrap()
                .1
                .len(),
            2
        );
        assert_eq!(restored.audit_verify().await.unwrap().first_bad, None);
        restored.close().await;
        db.finish().await;
    }
}
