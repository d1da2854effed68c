//! Data checks on a real database (SQLite always, PostgreSQL too when MINGJING_TEST_PG names a server):
//! every rule with records that must match and records that must not — the day before, on and after each
//! period ends, the same name on a different person, relatives by marriage, a former unit's case ten years
//! on, an interval one day short of the minimum and exactly the minimum — then deduplication across runs,
//! the one-step clue, scope, and imports that write all or nothing.

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate};
use crypto::{Keyring, MasterKey, Suite};
use domain::enforcement::checks::{
    AppearanceRow, BusinessRole, BusinessRow, ChangeKind, CheckRule, CrimeType, DepartureRow,
    LawyerRole, RecordKind, RecordRow, RelativeRow, SentenceChangeRow, SentenceType,
    parse_relation,
};
use domain::org::{DataScope, IdNumber, Role, UnitKind};
use sea_orm::{ConnectionTrait, Database};
use store::audit::AuditActor;
use store::enforcement::checks::{CheckFinding, FindingFilter, ImportResult};
use store::org::{NewOfficer, NewUnit, Unit};
use store::{Actor, Sql, Store, StoreConfig, StoreError, vals};

struct Db {
    store: Store,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
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
        let name = format!("mj_checks_{}", hex::encode(crypto::random_bytes::<6>()));
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
    let keyring = Keyring::new(MasterKey::generate(), Suite::Sm4Gcm);
    let store = Store::open(&cfg, keyring).await.expect("open store");
    Db {
        store,
        dir,
        pg: None,
    }
}

/// A checksum-valid ID number born 1980-01-01 in area 110101, told apart by `seq`.
fn id_text(seq: u32) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("11010119800101{seq:03}");
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", char::from(b"10X98765432"[(sum % 11) as usize]))
}

fn id(seq: u32) -> IdNumber {
    IdNumber::parse(&id_text(seq)).expect("valid id")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ago(days: u64) -> String {
    (store::clues::today() - Days::new(days))
        .format("%Y-%m-%d")
        .to_string()
}

struct Fx {
    units: HashMap<String, Unit>,
    officers: HashMap<String, String>,
    office: Actor,
}

impl Fx {
    fn unit(&self, code: &str) -> &Unit {
        &self.units[code]
    }

    fn actor(&self, name: &str, unit: &str, scope: DataScope, officer: Option<&str>) -> Actor {
        let u = self.unit(unit);
        Actor {
            user_id: format!("user-{name}"),
            username: name.into(),
            display_name: name.into(),
            role: Role::DisciplineInspector,
            unit_id: u.id.clone(),
            unit_name: u.name.clone(),
            unit_path: u.path.clone(),
            scope,
            officer_id: officer.map(|b| self.officers[b].clone()),
        }
    }
}

/// Officers with ID numbers: 王芳 (seq 1), 孙磊 (2), 吴建国 (3), 李强 (4).
async fn fixture(store: &Store) -> Fx {
    let sys = AuditActor::system();
    let unit = |code: &str, name: &str, kind: UnitKind, parent: Option<&str>| NewUnit {
        code: code.into(),
        name: name.into(),
        kind,
        parent_code: parent.map(str::to_string),
    };
    store
        .create_units(
            &sys,
            &[
                unit("SZFW", "江州市委政法委", UnitKind::Committee, None),
                unit("SZ-ZY", "江州市中级人民法院", UnitKind::Court, Some("SZFW")),
                unit("YB-FY", "乙区人民法院", UnitKind::Court, Some("SZFW")),
                unit(
                    "YB-FY-01",
                    "乙区人民法院城南法庭",
                    UnitKind::Court,
                    Some("YB-FY"),
                ),
                unit(
                    "YB-JCY",
                    "乙区人民检察院",
                    UnitKind::Procuratorate,
                    Some("SZFW"),
                ),
                unit("JA-GA", "甲区公安分局", UnitKind::Police, Some("SZFW")),
                unit("JA-GA-01", "城关派出所", UnitKind::Police, Some("JA-GA")),
                unit("JA-GA-02", "东门派出所", UnitKind::Police, Some("JA-GA")),
                unit("JA-GA-03", "西门派出所", UnitKind::Police, Some("JA-GA")),
                unit("JZ-JY", "江州监狱", UnitKind::Prison, Some("SZFW")),
            ],
        )
        .await
        .unwrap();
    let officer =
        |name: &str, badge: &str, unit: &str, position: &str, idn: Option<u32>| NewOfficer {
            name: name.into(),
            badge: badge.into(),
            unit_code: unit.into(),
            position: position.into(),
            id_number: idn.map(id),
        };
    store
        .add_officers(
            &sys,
            &[
                officer("王芳", "YB0001", "YB-FY", "审判员", Some(1)),
                officer("孙磊", "JA1001", "JA-GA-01", "民警", Some(2)),
                officer("吴建国", "JA0001", "JA-GA", "局长", Some(3)),
                officer("李强", "JA1002", "JA-GA-02", "民警", Some(4)),
                officer("陈刚", "JY0001", "JZ-JY", "监区长", None),
                officer("甲警官", "JA2000", "JA-GA", "民警", None),
                officer("乙警官", "JA2001", "JA-GA-01", "民警", None),
                officer("丙警官", "JA2002", "JA-GA-02", "民警", None),
                officer("丁警官", "JA2003", "JA-GA-03", "民警", None),
            ],
        )
        .await
        .unwrap();
    let units: HashMap<String, Unit> = store
        .units()
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let c = store.connection();
    let officers = Sql::of(c)
        .all(c, "SELECT id, badge FROM officers", vals![])
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "badge").unwrap(),
                r.try_get::<String>("", "id").unwrap(),
            )
        })
        .collect();
    let root = &units["SZFW"];
    let office = Actor {
        user_id: "user-office".into(),
        username: "office".into(),
        display_name: "整顿办 王主任".into(),
        role: Role::CampaignOffice,
        unit_id: root.id.clone(),
        unit_name: root.name.clone(),
        unit_path: root.path.clone(),
        scope: DataScope::All,
        officer_id: None,
    };
    Fx {
        units,
        officers,
        office,
    }
}

async fn import(store: &Store, actor: &Actor, kind: RecordKind, rows: Vec<RecordRow>) -> u64 {
    let numbered: Vec<(usize, RecordRow)> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 2, r))
        .collect();
    match store
        .import_check_records(actor, kind, &numbered)
        .await
        .unwrap()
    {
        ImportResult::Imported(s) => s.added,
        ImportResult::Refused(e) => panic!("import refused: {e:?}"),
    }
}

fn departure(
    seq: u32,
    name: &str,
    unit: &str,
    leader: bool,
    judicial: bool,
    left: &str,
    dismissed: bool,
) -> RecordRow {
    RecordRow::Departure(DepartureRow {
        person: id(seq),
        name: name.into(),
        former_unit: unit.into(),
        former_position: if leader { "庭长" } else { "审判员" }.into(),
        leader,
        judicial,
        left_on: d(left),
        dismissed,
    })
}

fn appearance(seq: u32, name: &str, case: &str, court: &str, on: &str) -> RecordRow {
    RecordRow::Appearance(AppearanceRow {
        lawyer: id(seq),
        name: name.into(),
        law_firm: "江州某某律师事务所".into(),
        firm_area: "江州市乙区".into(),
        case_number: case.into(),
        court: court.into(),
        role: LawyerRole::Agent,
        appeared_on: d(on),
    })
}

fn relative(badge: &str, relation: &str, name: &str, seq: u32) -> RecordRow {
    RecordRow::Relative(RelativeRow {
        officer_badge: badge.into(),
        relation: parse_relation(relation).expect("relation"),
        name: name.into(),
        person: id(seq),
    })
}

fn business(seq: u32, name: &str, company: &str, role: BusinessRole) -> RecordRow {
    RecordRow::Business(BusinessRow {
        person: id(seq),
        name: name.into(),
        company: company.into(),
        role,
        registered_on: d("2021-06-18"),
        area: "江州市甲区".into(),
    })
}

async fn findings(store: &Store, actor: &Actor, rule: CheckRule) -> Vec<CheckFinding> {
    let f = FindingFilter {
        rule: Some(rule),
        ..FindingFilter::default()
    };
    store.check_findings(actor, &f, 0, 500).await.unwrap().0
}

fn fact(f: &CheckFinding, label: &str) -> String {
    f.evidence
        .facts
        .iter()
        .find(|x| x.label == label)
        .map(|x| x.value.clone())
        .unwrap_or_else(|| panic!("no fact {label} in {:?}", f.evidence))
}

fn case_numbers(list: &[CheckFinding]) -> BTreeSet<String> {
    list.iter().map(|f| fact(f, "案号")).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The revolving-door records: departures (seq 11–16) and appearances A1–A12.
async fn revolving_records(store: &Store, fx: &Fx) {
    import(
        store,
        &fx.office,
        RecordKind::Departures,
        vec![
            departure(11, "李某", "YB-FY", false, true, "2020-05-10", false),
            departure(12, "赵某", "YB-FY", true, true, "2020-05-10", false),
            departure(14, "钱某", "YB-FY", false, false, "2021-01-01", false),
            departure(15, "孙某", "YB-FY", false, true, "2000-01-01", true),
            departure(
                16,
                "周某",
                "乙区人民检察院",
                false,
                true,
                "2010-03-01",
                false,
            ),
        ],
    )
    .await;
    import(
        store,
        &fx.office,
        RecordKind::LawyerAppearances,
        vec![
            // 李某, 2 years from 2020-05-10: the last day is 2022-05-10.
            appearance(11, "李某", "A1", "SZ-ZY", "2022-05-09"),
            appearance(11, "李某", "A2", "SZ-ZY", "2022-05-11"),
            appearance(11, "李某", "A3", "YB-FY", "2019-01-01"),
            // 赵某 was a leader: 3 years, the last day 2023-05-10.
            appearance(12, "赵某", "A4", "SZ-ZY", "2023-05-09"),
            appearance(12, "赵某", "A5", "SZ-ZY", "2023-05-10"),
            appearance(12, "赵某", "A6", "SZ-ZY", "2023-05-11"),
            // The same name as 李某, another person.
            appearance(13, "李某", "A7", "YB-FY", "2021-01-01"),
            // 钱某 was no judge.
            appearance(14, "钱某", "A8", "YB-FY", "2021-06-01"),
            // 孙某 was dismissed: never.
            appearance(15, "孙某", "A9", "外省某某中级人民法院", "2024-01-01"),
            // 周某 left 乙区人民检察院 fourteen years ago.
            appearance(16, "周某", "A10", "YB-JCY", "2024-03-02"),
            appearance(16, "周某", "A11", "SZ-ZY", "2024-03-02"),
            // 李某 in a case of his former court's tribunal, after his two years.
            appearance(11, "李某", "A12", "YB-FY-01", "2023-01-01"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revolving_door_matches_the_periods_and_the_former_unit() {
    for db in backends().await {
        let fx = fixture(&db.store).await;
        revolving_records(&db.store, &fx).await;
        let summary = db
            .store
            .run_checks_as(
                &fx.office,
                &[CheckRule::RevolvingWindow, CheckRule::RevolvingFormerUnit],
            )
            .await
            .unwrap();
        assert_eq!(summary.new_findings, 6, "{summary:?}");

        let window = findings(&db.store, &fx.office, CheckRule::RevolvingWindow).await;
        assert_eq!(case_numbers(&window), set(&["A1", "A4", "A5", "A9"]));
        let a1 = window.iter().find(|f| fact(f, "案号") == "A1").unwrap();
        assert_eq!(a1.subject_name, "李某");
        assert_eq!(a1.unit_id, fx.unit("YB-FY").id);
        assert_eq!(fact(a1, "限制期截止"), "2022-05-10");
        assert!(fact(a1, "匹配依据").contains("身份证号摘要一致"));
        assert!(fact(a1, "身份证号").starts_with("1101**********"));
        let a5 = window.iter().find(|f| fact(f, "案号") == "A5").unwrap();
        assert!(
            a5.evidence.because.contains("领导职务人员3年"),
            "{}",
            a5.evidence.because
        );
        let a9 = window.iter().find(|f| fact(f, "案号") == "A9").unwrap();
        assert!(
            a9.evidence.because.contains("开除"),
            "{}",
            a9.evidence.because
        );
        assert_eq!(fact(a9, "受理法院或检察院"), "外省某某中级人民法院");

        let former = findings(&db.store, &fx.office, CheckRule::RevolvingFormerUnit).await;
        assert_eq!(case_numbers(&former), set(&["A10", "A12"]));
        let a10 = former.iter().find(|f| fact(f, "案号") == "A10").unwrap();
        assert_eq!(a10.unit_id, fx.unit("YB-JCY").id);
        assert!(
            a10.evidence.because.contains("约14年"),
            "{}",
            a10.evidence.because
        );

        // No raw ID number anywhere in what was stored.
        for f in window.iter().chain(&former) {
            let json = serde_json::to_string(&f.evidence).unwrap();
            for seq in 11..=16 {
                assert!(!json.contains(&id_text(seq)), "raw ID in evidence {json}");
            }
        }
        if db.pg.is_none() {
            let mut bytes = Vec::new();
            for e in std::fs::read_dir(db.dir.path()).unwrap().flatten() {
                if e.path().is_file() {
                    bytes.extend(std::fs::read(e.path()).unwrap());
                }
            }
            assert!(bytes.len() > 10_000);
            for seq in 11..=16 {
                let raw = id_text(seq);
                assert!(
                    !bytes.windows(raw.len()).any(|w| w == raw.as_bytes()),
                    "raw ID {raw} stored in the database files"
                );
            }
        }
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relatives_before_the_officers_own_court_flag_the_officer() {
    for db in backends().await {
        let fx = fixture(&db.store).await;
        import(
            &db.store,
            &fx.office,
            RecordKind::Relatives,
            vec![
                relative("YB0001", "配偶", "张某", 21),
                relative("YB0001", "儿子", "王小某", 22),
                relative("YB0001", "儿媳", "刘某某", 23),
                relative("YB0001", "配偶的兄弟", "张某某", 24),
                relative("YB0001", "母亲", "陈某", 25),
                relative("JA1001", "妻子", "赵某", 27),
            ],
        )
        .await;
        import(
            &db.store,
            &fx.office,
            RecordKind::LawyerAppearances,
            vec![
                appearance(21, "张某", "L1", "乙区人民法院城南法庭", "2024-04-01"),
                appearance(22, "王小某", "L2", "SZ-ZY", "2024-04-01"),
                appearance(23, "刘某某", "L3", "YB-FY", "2024-04-01"),
                appearance(24, "张某某", "L4", "YB-FY", "2024-04-01"),
                // The spouse's name, another person.
                appearance(26, "张某", "L5", "YB-FY", "2024-04-01"),
                appearance(27, "赵某", "L6", "YB-FY", "2024-04-01"),
                appearance(25, "陈某", "L7", "YB-FY", "2024-04-01"),
            ],
        )
        .await;
        db.store
            .run_checks_as(&fx.office, &[CheckRule::RelativeLawyer])
            .await
            .unwrap();
        let list = findings(&db.store, &fx.office, CheckRule::RelativeLawyer).await;
        assert_eq!(case_numbers(&list), set(&["L1", "L3", "L7"]));
        for f in &list {
            assert_eq!(
                f.subject_name, "王芳",
                "the officer is flagged, not the relative"
            );
            assert_eq!(
                f.officer_id.as_deref(),
                Some(fx.officers["YB0001"].as_str())
            );
        }
        let l3 = list.iter().find(|f| fact(f, "案号") == "L3").unwrap();
        assert_eq!(fact(l3, "亲属"), "刘某某（子女的配偶）");
        db.finish().await;
    }
}

/// A campaign with self-reports: 孙磊 reported business in version 2, 吴建国 filed "无".
async fn self_reports(store: &Store, fx: &Fx) {
    let c = store.connection();
    let sql = Sql::of(c);
    let now = store::now_ms();
    sql.exec(
        c,
        "INSERT INTO campaigns (id, name, template, unit_id, status, created_by, created_at, updated_at) VALUES ('c1', '全市政法队伍教育整顿', 'education', ?, 'active', 'office', ?, ?)",
        vals![fx.unit("SZFW").id.as_str(), now, now],
    )
    .await
    .unwrap();
    for (rid, badge, unit, latest) in [
        ("r1", "JA1001", "JA-GA-01", 2),
        ("r2", "JA0001", "JA-GA", 1),
    ] {
        sql.exec(
            c,
            "INSERT INTO self_reports (id, campaign_id, officer_id, unit_id, latest_version, problems, created_at, updated_at) VALUES (?, 'c1', ?, ?, ?, 0, ?, ?)",
            vals![rid, fx.officers[badge].as_str(), fx.unit(unit).id.as_str(), latest, now, now],
        )
        .await
        .unwrap();
    }
    for (vid, rid, version, nil, content) in [
        ("v1", "r1", 1, 1, ""),
        ("v2", "r1", 2, 0, "本人持有江州甲公司股份，正在转让"),
        ("v3", "r2", 1, 1, ""),
    ] {
        sql.exec(
            c,
            "INSERT INTO self_report_versions (id, report_id, version, submitted_at, submitted_by) VALUES (?, ?, ?, ?, 'officer')",
            vals![vid, rid, version, now],
        )
        .await
        .unwrap();
        sql.exec(
            c,
            "INSERT INTO self_report_sections (id, version_id, category, nil, content) VALUES (?, ?, 'illegal_business', ?, ?)",
            vals![format!("s-{vid}"), vid, nil, content],
        )
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_of_officers_and_close_relatives_is_compared_with_self_reports() {
    for db in backends().await {
        let fx = fixture(&db.store).await;
        self_reports(&db.store, &fx).await;
        import(
            &db.store,
            &fx.office,
            RecordKind::Relatives,
            vec![
                relative("JA1001", "女婿", "刘某", 31),
                relative("JA1001", "配偶的兄弟", "张某某", 32),
                relative("YB0001", "父亲", "王某", 33),
            ],
        )
        .await;
        import(
            &db.store,
            &fx.office,
            RecordKind::BusinessRoles,
            vec![
                business(2, "孙磊", "江州甲公司", BusinessRole::Shareholder),
                business(31, "刘某", "江州乙公司", BusinessRole::LegalRep),
                business(32, "张某某", "江州丙公司", BusinessRole::Manager),
                // 孙磊's name, another person.
                business(40, "孙磊", "江州丁公司", BusinessRole::Shareholder),
                business(3, "吴建国", "江州戊公司", BusinessRole::LegalRep),
                business(4, "李强", "江州庚公司", BusinessRole::Shareholder),
                // Parents are not in the rule on business.
                business(33, "王某", "江州己公司", BusinessRole::Shareholder),
            ],
        )
        .await;
        db.store
            .run_checks_as(&fx.office, &[CheckRule::IllegalBusiness])
            .await
            .unwrap();
        let list = findings(&db.store, &fx.office, CheckRule::IllegalBusiness).await;
        let got: BTreeSet<(String, String)> = list
            .iter()
            .map(|f| (f.subject_name.clone(), fact(f, "企业名称")))
            .collect();
        let want: BTreeSet<(String, String)> = [
            ("孙磊", "江州甲公司"),
            ("孙磊", "江州乙公司"),
            ("吴建国", "江州戊公司"),
            ("李强", "江州庚公司"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
        let by = |company: &str| {
            list.iter()
                .find(|f| fact(f, "企业名称") == company)
                .unwrap()
        };
        let own = by("江州甲公司");
        assert!(
            fact(own, "自查报告").starts_with("已报告"),
            "{}",
            fact(own, "自查报告")
        );
        assert!(fact(own, "自查报告").contains("第2版"));
        assert!(own.summary.contains("已报告"));
        let son_in_law = by("江州乙公司");
        assert_eq!(fact(son_in_law, "亲属"), "刘某（子女的配偶）");
        let nil = by("江州戊公司");
        assert!(
            fact(nil, "自查报告").contains("填报为「无」"),
            "{}",
            fact(nil, "自查报告")
        );
        assert!(nil.summary.contains("未报告"));
        let none = by("江州庚公司");
        assert!(fact(none, "自查报告").contains("未提交自查事项报告"));
        db.finish().await;
    }
}

#[allow(clippy::too_many_arguments)]
async fn add_case(
    store: &Store,
    number: &str,
    unit: &str,
    handler: Option<(&str, &str)>,
    received: &str,
    stage: &str,
    since: &str,
    outcome: Option<&str>,
) -> String {
    let c = store.connection();
    let id = store::new_id();
    let closed = (stage == "closed").then(|| since.to_string());
    Sql::of(c)
        .exec(
            c,
            "INSERT INTO cases (id, number, title, kind, unit_id, handler_id, handler_name, leader_id, leader_name, gang, received_on, stage, stage_since, stage_due, closed_on, outcome, created_by, created_at, updated_at) VALUES (?, ?, ?, 'criminal', ?, ?, ?, NULL, '', 0, ?, ?, ?, NULL, ?, ?, 'test', 0, 0)",
            vals![
                id.as_str(),
                number,
                format!("{number}号案件"),
                unit,
                handler.map(|h| h.0.to_string()),
                handler.map(|h| h.1).unwrap_or(""),
                received,
                stage,
                since,
                closed,
                outcome
            ],
        )
        .await
        .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_suppression_rules_find_late_filings_idle_cases_and_unusual_withdrawals() {
    for db in backends().await {
        let fx = fixture(&db.store).await;
        let s = &db.store;
        let court = fx.unit("YB-FY").id.clone();
        let judge = (fx.officers["YB0001"].as_str(), "王芳");
        add_case(
            s,
            "C1",
            &court,
            Some(judge),
            &ago(31),
            "received",
            &ago(31),
            None,
        )
        .await;
        add_case(
            s,
            "C2",
            &court,
            Some(judge),
            &ago(30),
            "received",
            &ago(30),
            None,
        )
        .await;
        let c3 = add_case(
            s,
            "C3",
            &court,
            Some(judge),
            &ago(40),
            "received",
            &ago(40),
            None,
        )
        .await;
        let c = s.connection();
        Sql::of(c)
            .exec(
                c,
                "INSERT INTO case_stages (id, case_id, seq, stage, started_on, created_at) VALUES (?, ?, 1, 'filed', ?, 0)",
                vals![store::new_id(), c3.as_str(), ago(35)],
            )
            .await
            .unwrap();
        add_case(
            s,
            "C4",
            &court,
            Some(judge),
            &ago(40),
            "closed",
            &ago(39),
            Some("not_filed"),
        )
        .await;
        add_case(
            s,
            "C5",
            &court,
            Some(judge),
            &ago(300),
            "investigation",
            &ago(181),
            None,
        )
        .await;
        add_case(
            s,
            "C6",
            &court,
            Some(judge),
            &ago(300),
            "investigation",
            &ago(180),
            None,
        )
        .await;
        add_case(
            s,
            "C7",
            &court,
            Some(judge),
            &ago(500),
            "closed",
            &ago(400),
            Some("judged"),
        )
        .await;
        add_case(
            s,
            "C8",
            &court,
            Some(judge),
            &ago(400),
            "received",
            &ago(400),
            None,
        )
        .await;
        // Four police units, twenty cases each in the period: 10%, 10%, 15% and 60% withdrawn.
        for (unit, badge, withdrawn) in [
            ("JA-GA-01", "JA2001", 2),
            ("JA-GA-02", "JA2002", 2),
            ("JA-GA-03", "JA2003", 3),
            ("JA-GA", "JA2000", 12),
        ] {
            for i in 0..20 {
                let outcome = if i < withdrawn { "withdrawn" } else { "judged" };
                add_case(
                    s,
                    &format!("{unit}-{i}"),
                    &fx.unit(unit).id,
                    Some((fx.officers[badge].as_str(), badge)),
                    &ago(10),
                    "closed",
                    &ago(5),
                    Some(outcome),
                )
                .await;
            }
        }
        s.run_checks_as(
            &fx.office,
            &[
                CheckRule::PendingFiling,
                CheckRule::IdleCase,
                CheckRule::WithdrawalRate,
            ],
        )
        .await
        .unwrap();
        let pending = findings(s, &fx.office, CheckRule::PendingFiling).await;
        assert_eq!(case_numbers(&pending), set(&["C1", "C8"]));
        let c1 = pending.iter().find(|f| fact(f, "案号") == "C1").unwrap();
        assert_eq!(c1.subject_name, "王芳");
        assert_eq!(
            c1.officer_id.as_deref(),
            Some(fx.officers["YB0001"].as_str())
        );
        assert!(
            c1.evidence.because.contains("30天"),
            "{}",
            c1.evidence.because
        );
        let idle = findings(s, &fx.office, CheckRule::IdleCase).await;
        assert_eq!(case_numbers(&idle), set(&["C5"]));
        assert_eq!(fact(&idle[0], "当前阶段"), "侦查调查");

        let rates = findings(s, &fx.office, CheckRule::WithdrawalRate).await;
        let who: BTreeSet<String> = rates.iter().map(|f| f.subject_name.clone()).collect();
        assert_eq!(who, set(&["甲区公安分局", "甲警官"]));
        let unit = rates.iter().find(|f| f.officer_id.is_none()).unwrap();
        assert_eq!(fact(unit, "比例"), "60.0%");
        assert_eq!(fact(unit, "同类中位数"), "12.5%");
        db.finish().await;
    }
}

fn sentence(
    seq: u32,
    crime: CrimeType,
    sentence: SentenceType,
    kind: ChangeKind,
    decided: &str,
    previous: Option<&str>,
    extensions: Option<i64>,
) -> RecordRow {
    RecordRow::SentenceChange(SentenceChangeRow {
        offender: id(seq),
        offender_name: format!("罪犯{seq}"),
        crime,
        sentence,
        kind,
        decided_on: d(decided),
        previous_on: previous.map(d),
        extensions,
        unit: "JZ-JY".into(),
        decider_badge: Some("JY0001".into()),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commutation_rules_flag_three_kinds_short_intervals_and_renewals() {
    use ChangeKind::*;
    use CrimeType::*;
    use SentenceType::*;
    for db in backends().await {
        let fx = fixture(&db.store).await;
        import(
            &db.store,
            &fx.office,
            RecordKind::SentenceChanges,
            vec![
                // Three kinds: 24 months, so 2024-03-01 is the first day allowed.
                sentence(
                    51,
                    Duty,
                    FixedTerm,
                    Commutation,
                    "2024-02-29",
                    Some("2022-03-01"),
                    None,
                ),
                sentence(
                    52,
                    Financial,
                    FixedTerm,
                    Commutation,
                    "2024-03-01",
                    Some("2022-03-01"),
                    None,
                ),
                // Others, fixed term: 12 months.
                sentence(
                    53,
                    Other,
                    FixedTerm,
                    Commutation,
                    "2024-02-29",
                    Some("2023-03-01"),
                    None,
                ),
                sentence(
                    54,
                    Other,
                    FixedTerm,
                    Commutation,
                    "2024-03-01",
                    Some("2023-03-01"),
                    None,
                ),
                // Life: 24 months.
                sentence(
                    55,
                    Other,
                    Life,
                    Commutation,
                    "2025-02-28",
                    Some("2023-03-01"),
                    None,
                ),
                sentence(
                    56,
                    Other,
                    FixedTerm,
                    MedicalParole,
                    "2024-05-01",
                    None,
                    Some(3),
                ),
                sentence(
                    57,
                    Other,
                    FixedTerm,
                    MedicalParole,
                    "2024-05-01",
                    None,
                    Some(2),
                ),
                // Parole is no commutation: its interval is not this rule's.
                sentence(
                    58,
                    Other,
                    FixedTerm,
                    Parole,
                    "2023-04-01",
                    Some("2023-03-01"),
                    None,
                ),
                sentence(
                    59,
                    Organised,
                    DeathReprieve,
                    Parole,
                    "2024-06-01",
                    None,
                    None,
                ),
            ],
        )
        .await;
        db.store
            .run_checks_as(
                &fx.office,
                &[
                    CheckRule::ThreeKinds,
                    CheckRule::CommutationInterval,
                    CheckRule::MedicalRenewals,
                ],
            )
            .await
            .unwrap();
        let names = |list: &[CheckFinding]| -> BTreeSet<String> {
            list.iter().map(|f| fact(f, "罪犯")).collect()
        };
        let three = findings(&db.store, &fx.office, CheckRule::ThreeKinds).await;
        assert_eq!(names(&three), set(&["罪犯51", "罪犯52", "罪犯59"]));
        assert!(three.iter().all(|f| f.subject_name == "陈刚"));
        let short = findings(&db.store, &fx.office, CheckRule::CommutationInterval).await;
        assert_eq!(names(&short), set(&["罪犯51", "罪犯53", "罪犯55"]));
        let f51 = short.iter().find(|f| fact(f, "罪犯") == "罪犯51").unwrap();
        assert_eq!(fact(f51, "最早可减刑日期"), "2024-03-01");
        assert!(
            f51.evidence.because.contains("相差1天"),
            "{}",
            f51.evidence.because
        );
        let renewals = findings(&db.store, &fx.office, CheckRule::MedicalRenewals).await;
        assert_eq!(names(&renewals), set(&["罪犯56"]));

        // A stricter setting is honoured at the next run: with 4 renewals required, 罪犯56 no longer matches.
        let mut s = db
            .store
            .check_rule_settings(CheckRule::MedicalRenewals)
            .await
            .unwrap();
        s = domain::enforcement::checks::validate_settings(
            s.rule,
            true,
            &[("max_times".to_string(), "4".to_string())]
                .into_iter()
                .collect(),
        )
        .unwrap();
        db.store.set_check_rule(&fx.office, &s).await.unwrap();
        let summary = db
            .store
            .run_checks_as(&fx.office, &[CheckRule::MedicalRenewals])
            .await
            .unwrap();
        assert_eq!((summary.matched, summary.no_longer), (0, 1));
        let renewals = findings(&db.store, &fx.office, CheckRule::MedicalRenewals).await;
        assert!(!renewals[0].still_matches);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_deduplicate_and_a_finding_becomes_one_clue_in_scope() {
    for db in backends().await {
        let fx = fixture(&db.store).await;
        revolving_records(&db.store, &fx).await;
        import(
            &db.store,
            &fx.office,
            RecordKind::Relatives,
            vec![relative("YB0001", "配偶", "张某", 21)],
        )
        .await;
        import(
            &db.store,
            &fx.office,
            RecordKind::LawyerAppearances,
            vec![appearance(21, "张某", "L1", "YB-FY", "2024-04-01")],
        )
        .await;
        let first = db.store.run_all_checks().await.unwrap();
        assert_eq!(first.new_findings, 7, "{first:?}");
        let second = db.store.run_all_checks().await.unwrap();
        assert_eq!(
            (second.matched, second.new_findings, second.no_longer),
            (7, 0, 0)
        );
        let runs = db.store.check_runs(10).await.unwrap();
        assert_eq!(runs.len(), 2);
        assert!(
            runs.iter()
                .all(|r| r.finished_at.is_some() && r.error.is_none())
        );

        // A record gone: its finding stays, marked as no longer matching.
        let c = db.store.connection();
        Sql::of(c)
            .exec(
                c,
                "DELETE FROM check_lawyer_appearances WHERE case_number = 'A1'",
                vals![],
            )
            .await
            .unwrap();
        let third = db.store.run_all_checks().await.unwrap();
        assert_eq!((third.new_findings, third.no_longer), (0, 1));
        let window = findings(&db.store, &fx.office, CheckRule::RevolvingWindow).await;
        assert_eq!(window.len(), 4);
        let a1 = window.iter().find(|f| fact(f, "案号") == "A1").unwrap();
        assert!(!a1.still_matches);

        // One step to a clue, and only one clue however often it is asked for.
        let opened = db
            .store
            .open_clue_from_finding(&fx.office, &a1.id)
            .await
            .unwrap();
        assert!(opened.created);
        let again = db
            .store
            .open_clue_from_finding(&fx.office, &a1.id)
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.clue_id, opened.clue_id);
        let clue = db
            .store
            .clue_in_scope(&fx.office, &opened.clue_id)
            .await
            .unwrap();
        assert_eq!(clue.source, "data_check");
        assert_eq!(clue.category, "revolving_door");
        assert_eq!(clue.accused_name.as_deref(), Some("李某"));
        assert!(clue.summary.contains(&a1.number), "{}", clue.summary);
        assert!(!clue.summary.contains(&id_text(11)));
        let n = Sql::of(c)
            .scalar(
                c,
                "SELECT COUNT(*) FROM clues WHERE source = 'data_check'",
                vals![],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        let reread = db
            .store
            .check_finding_in_scope(&fx.office, &a1.id)
            .await
            .unwrap();
        assert_eq!(
            reread.clue_number.as_deref(),
            Some(opened.clue_number.as_str())
        );

        // Scope: a district's inspector sees none of the court's findings; the judge never sees her own.
        let district = fx.actor("jiwei_a", "JA-GA", DataScope::Subtree, None);
        assert!(matches!(
            db.store.check_finding_in_scope(&district, &a1.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.store.open_clue_from_finding(&district, &a1.id).await,
            Err(StoreError::NotFound)
        ));
        let (list, total) = db
            .store
            .check_findings(&district, &FindingFilter::default(), 0, 100)
            .await
            .unwrap();
        assert_eq!((list.len(), total), (0, 0));
        let court = fx.actor("jiwei_b", "YB-FY", DataScope::Subtree, None);
        let (_, total) = db
            .store
            .check_findings(&court, &FindingFilter::default(), 0, 100)
            .await
            .unwrap();
        // A1, A4, A5, A9 (departed from the court), A12 (its tribunal's case) and L1 (its judge).
        assert_eq!(total, 6, "the court's own findings");
        let herself = fx.actor("wangfang", "SZFW", DataScope::All, Some("YB0001"));
        let mine = findings(&db.store, &herself, CheckRule::RelativeLawyer).await;
        assert!(
            mine.is_empty(),
            "a finding about the actor is hidden from her"
        );
        let all = findings(&db.store, &fx.office, CheckRule::RelativeLawyer).await;
        assert_eq!(all.len(), 1);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_write_all_or_nothing_and_skip_what_is_known() {
    for db in backends().await {
        let fx = fixture(&db.store).await;
        let s = &db.store;
        let count = |t: &'static str| async move {
            let c = s.connection();
            Sql::of(c)
                .scalar(c, &format!("SELECT COUNT(*) FROM {t}"), vals![])
                .await
                .unwrap()
        };
        let refused = |r: ImportResult| match r {
            ImportResult::Refused(e) => e,
            ImportResult::Imported(s) => panic!("imported {s:?}"),
        };
        let rows = vec![
            (
                2,
                departure(11, "李某", "YB-FY", false, true, "2020-05-10", false),
            ),
            (
                3,
                departure(12, "赵某", "XX-FY", false, true, "2020-05-10", false),
            ),
        ];
        let e = refused(
            s.import_check_records(&fx.office, RecordKind::Departures, &rows)
                .await
                .unwrap(),
        );
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].row, e[0].column), (3, "原任职单位"));
        assert!(e[0].message.contains("XX-FY"));
        assert_eq!(
            count("check_departures").await,
            0,
            "nothing from a bad file"
        );

        // A district's inspector may not import another district's departures.
        let district = fx.actor("jiwei_a", "JA-GA", DataScope::Subtree, None);
        let e = refused(
            s.import_check_records(&district, RecordKind::Departures, &rows[..1])
                .await
                .unwrap(),
        );
        assert!(e[0].message.contains("权限范围"));
        let e = refused(
            s.import_check_records(
                &district,
                RecordKind::Relatives,
                &[
                    (2, relative("YB0001", "配偶", "张某", 21)),
                    (3, relative("NO0001", "配偶", "张某", 22)),
                ],
            )
            .await
            .unwrap(),
        );
        assert_eq!(e.iter().map(|e| e.row).collect::<Vec<_>>(), vec![2, 3]);
        let mut bad_decider = sentence(
            51,
            CrimeType::Duty,
            SentenceType::FixedTerm,
            ChangeKind::Parole,
            "2024-01-01",
            None,
            None,
        );
        if let RecordRow::SentenceChange(ref mut x) = bad_decider {
            x.decider_badge = Some("ZZ9999".into());
        }
        let e = refused(
            s.import_check_records(&fx.office, RecordKind::SentenceChanges, &[(2, bad_decider)])
                .await
                .unwrap(),
        );
        assert_eq!(e[0].column, "决定人警号");

        // A clean file, then the same file again: nothing doubles.
        assert_eq!(
            import(
                s,
                &fx.office,
                RecordKind::Departures,
                vec![rows[0].1.clone()]
            )
            .await,
            1
        );
        assert_eq!(
            import(
                s,
                &fx.office,
                RecordKind::Departures,
                vec![rows[0].1.clone()]
            )
            .await,
            0
        );
        assert_eq!(count("check_departures").await, 1);
        // A court outside the unit tree is kept by its name.
        import(
            s,
            &fx.office,
            RecordKind::LawyerAppearances,
            vec![appearance(11, "李某", "X1", "外省某法院", "2024-01-01")],
        )
        .await;
        let c = s.connection();
        let unknown = Sql::of(c)
            .scalar(c, "SELECT COUNT(*) FROM check_lawyer_appearances WHERE court_unit_id IS NULL AND court_name = '外省某法院'", vals![])
            .await
            .unwrap();
        assert_eq!(unknown, 1);
        // A relative declared again: the last declaration wins.
        import(
            s,
            &fx.office,
            RecordKind::Relatives,
            vec![
                relative("YB0001", "配偶的兄弟", "张某", 21),
                relative("YB0001", "配偶", "张某", 21),
            ],
        )
        .await;
        import(
            s,
            &fx.office,
            RecordKind::Relatives,
            vec![relative("YB0001", "儿子", "张某", 21)],
        )
        .await;
        assert_eq!(count("check_relatives").await, 1);
        let rel = Sql::of(c)
            .one(c, "SELECT relation FROM check_relatives", vals![])
            .await
            .unwrap()
            .unwrap()
            .try_get::<String>("", "relation")
            .unwrap();
        assert_eq!(rel, "child");
        let counts = s.check_record_counts().await.unwrap();
        assert_eq!(
            (
                counts.departures,
                counts.lawyer_appearances,
                counts.relatives
            ),
            (1, 1, 1)
        );
        db.finish().await;
    }
}

/// The case rules over many cases (`MINGJING_CHECKS_SCALE`, default 200,000): counts must equal what
/// was generated, and a second run must only mark findings seen. Prints the times; run with --ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn case_rules_at_scale() {
    let n: usize = std::env::var("MINGJING_CHECKS_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    for db in backends().await {
        let fx = fixture(&db.store).await;
        let units: Vec<String> = [
            "JA-GA", "JA-GA-01", "JA-GA-02", "JA-GA-03", "YB-FY", "SZ-ZY",
        ]
        .iter()
        .map(|c| fx.unit(c).id.clone())
        .collect();
        let stages = [
            "filed",
            "investigation",
            "review",
            "trial",
            "judgment",
            "enforcement",
        ];
        let (mut pending, mut idle) = (0, 0);
        let c = db.store.connection();
        let sql = Sql::of(c);
        let started = std::time::Instant::now();
        let mut rows: Vec<sea_orm::Value> = Vec::new();
        let mut in_stmt = 0;
        // A small linear congruential sequence: the same cases every time, no dependency.
        let mut x: u64 = 42;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        for i in 0..n {
            let received = next(1500);
            let kind = next(10);
            let (stage, since) = match kind {
                0..=6 => ("closed", received.saturating_sub(next(200))),
                7 => ("received", received),
                _ => (stages[next(6) as usize], received.saturating_sub(next(100))),
            };
            if stage == "received" && received > 30 {
                pending += 1;
            }
            if stage != "closed" && stage != "received" && since > 180 {
                idle += 1;
            }
            let outcome =
                (stage == "closed").then(|| if next(10) == 0 { "withdrawn" } else { "judged" });
            rows.extend(vals![
                store::new_id(),
                format!("S{i}"),
                "案件",
                "criminal",
                units[next(units.len() as u64) as usize].as_str(),
                "某某",
                ago(received),
                stage,
                ago(since),
                (stage == "closed").then(|| ago(since)),
                outcome
            ]);
            in_stmt += 1;
            if in_stmt == 500 || i + 1 == n {
                let one = "(?, ?, ?, ?, ?, NULL, ?, NULL, '', 0, ?, ?, ?, NULL, ?, ?, 'gen', 0, 0)";
                sql.exec(
                    c,
                    &format!("INSERT INTO cases (id, number, title, kind, unit_id, handler_id, handler_name, leader_id, leader_name, gang, received_on, stage, stage_since, stage_due, closed_on, outcome, created_by, created_at, updated_at) VALUES {}", vec![one; in_stmt].join(", ")),
                    std::mem::take(&mut rows),
                )
                .await
                .unwrap();
                in_stmt = 0;
            }
        }
        println!("{n} cases loaded in {:?}", started.elapsed());
        let rules = [
            CheckRule::PendingFiling,
            CheckRule::IdleCase,
            CheckRule::WithdrawalRate,
        ];
        let t = std::time::Instant::now();
        let first = db.store.run_checks_as(&fx.office, &rules).await.unwrap();
        println!("first run {:?}: {:?}", t.elapsed(), first.rules);
        let count = |r: &str| {
            first
                .rules
                .iter()
                .find(|c| c.rule == r)
                .unwrap()
                .new_findings
        };
        assert_eq!(count("pending_filing"), pending);
        assert_eq!(count("idle_case"), idle);
        let t = std::time::Instant::now();
        let second = db.store.run_checks_as(&fx.office, &rules).await.unwrap();
        println!("second run {:?}", t.elapsed());
        assert_eq!(second.new_findings, 0);
        assert_eq!(second.matched, first.matched);
        db.finish().await;
    }
}
