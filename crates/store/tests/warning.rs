//! Early-warning scores on a real database (SQLite always, PostgreSQL too when MINGJING_TEST_PG names a
//! server): a small fixture of clues, cases, stages, inquiries, reviews and findings written as plain rows
//! with chosen dates, scored as of a fixed day; every expected number below is worked out by hand from
//! the weights, and each score's explanation names the items behind it.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use crypto::{Keyring, MasterKey, Suite};
use domain::org::{DataScope, Role, UnitKind};
use domain::warning::{FactKind, Level, WarningSettings, Weights, assess};
use sea_orm::{ConnectionTrait, Database, Value};
use store::audit::AuditActor;
use store::org::{NewOfficer, NewUnit};
use store::warning::ScoreFilter;
use store::{Actor, Sql, Store, StoreConfig, StoreError, vals};

struct Db {
    store: Store,
    _dir: tempfile::TempDir,
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
        let name = format!("mj_warning_{}", hex::encode(crypto::random_bytes::<6>()));
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
        _dir: dir,
        pg: None,
    }
}

async fn exec(store: &Store, sql: &str, v: Vec<Value>) {
    let c = store.connection();
    Sql::of(c).exec(c, sql, v).await.expect(sql);
}

async fn text(store: &Store, sql: &str, v: Vec<Value>) -> String {
    let c = store.connection();
    let r = Sql::of(c).one(c, sql, v).await.expect(sql).expect("a row");
    r.try_get_by_index::<String>(0).expect("text")
}

/// 00:00 plus `hour` hours, Beijing time, of `day`, in epoch milliseconds.
fn ms(day: &str, hour: u32, minute: u32) -> i64 {
    let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .from_local_datetime(&d.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap()))
        .single()
        .unwrap()
        .timestamp_millis()
}

const AS_OF: &str = "2025-06-30";

/// Every weight different, so a fact counted under the wrong kind changes the total.
fn settings() -> WarningSettings {
    WarningSettings {
        window_days: 90,
        watch: 10,
        alert: 20,
        weights: Weights {
            clue: 3,
            complaint: 2,
            clue_substantiated: 11,
            case_overdue: 4,
            stage_late: 5,
            inquiry: 1,
            interference: 7,
            review_flawed: 6,
            review_failed: 13,
            review_defect: 9,
            self_report_strict: 12,
            self_report_partial: 10,
        },
    }
}

struct Fixture {
    /// 甲: an officer of the police station with something of every kind.
    jia: String,
    /// 乙: district A's deputy, who decided a stage of a failed case and handled a flawed one.
    yi: String,
    /// 丙: district B, one petition.
    bing: String,
    /// 丁: inactive, with a clue: scored nowhere.
    ding: String,
    /// 戊: the station, nothing at all.
    wu: String,
    /// 己: the responsible leader of the failed case, which on its own counts for nothing.
    ji: String,
    units: Vec<(String, String)>,
}

impl Fixture {
    fn unit(&self, code: &str) -> String {
        self.units
            .iter()
            .find(|(c, _)| c == code)
            .unwrap()
            .1
            .clone()
    }
}

async fn officer_id(store: &Store, badge: &str) -> String {
    text(
        store,
        "SELECT id FROM officers WHERE badge = ?",
        vals![badge],
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn clue(
    store: &Store,
    number: &str,
    unit: &str,
    officer: &str,
    source: &str,
    conclusion: Option<&str>,
    at: i64,
) -> String {
    let id = store::new_id();
    exec(
        store,
        "INSERT INTO clues (id, number, source, category, state, unit_id, accused_name, accused_officer_id, summary, conclusion, state_since, created_at, updated_at) VALUES (?, ?, ?, 'conduct', 'registered', ?, '某某', ?, '反映的问题', ?, ?, ?, ?)",
        vals![id.as_str(), number, source, unit, officer, conclusion, at, at, at],
    )
    .await;
    id
}

#[allow(clippy::too_many_arguments)]
async fn case(
    store: &Store,
    number: &str,
    unit: &str,
    handler: &str,
    leader: Option<&str>,
    stage_due: Option<&str>,
    closed_on: Option<&str>,
) -> String {
    let id = store::new_id();
    exec(
        store,
        "INSERT INTO cases (id, number, title, kind, unit_id, handler_id, handler_name, leader_id, leader_name, gang, received_on, stage, stage_since, stage_due, closed_on, outcome, created_by, created_at, updated_at) VALUES (?, ?, '某案', 'criminal', ?, ?, '承办人', ?, '领导', 0, '2025-01-02', ?, '2025-01-02', ?, ?, NULL, '测试', 0, 0)",
        vals![
            id.as_str(),
            number,
            unit,
            handler,
            leader,
            if closed_on.is_some() { "closed" } else { "investigation" },
            stage_due,
            closed_on
        ],
    )
    .await;
    exec(
        store,
        "INSERT INTO case_officers (id, case_id, officer_id, role) VALUES (?, ?, ?, 'handler')",
        vals![store::new_id(), id.as_str(), handler],
    )
    .await;
    id
}

async fn case_officer(store: &Store, case: &str, officer: &str, role: &str) {
    exec(
        store,
        "INSERT INTO case_officers (id, case_id, officer_id, role) VALUES (?, ?, ?, ?)",
        vals![store::new_id(), case, officer, role],
    )
    .await;
}

async fn stage(store: &Store, case: &str, seq: i32, due: &str, ended: &str, decider: Option<&str>) {
    exec(
        store,
        "INSERT INTO case_stages (id, case_id, seq, stage, started_on, due_on, ended_on, decision, decider_id, decider_name, created_at) VALUES (?, ?, ?, 'investigation', '2025-01-02', ?, ?, '移送', ?, '决定人', 0)",
        vals![store::new_id(), case, seq, due, ended, decider],
    )
    .await;
}

async fn sample(
    store: &Store,
    plan: &str,
    case: &str,
    grade: Option<&str>,
    defects: i32,
    scored: Option<i64>,
) {
    exec(
        store,
        "INSERT INTO review_samples (id, plan_id, case_id, grade, defects, scored_at) VALUES (?, ?, ?, ?, ?, ?)",
        vals![store::new_id(), plan, case, grade, defects, scored],
    )
    .await;
}

async fn plan(store: &Store, unit: &str) -> String {
    let id = store::new_id();
    exec(
        store,
        "INSERT INTO review_plans (id, name, unit_id, method, seed, size, candidates, created_by, creator_name, created_at) VALUES (?, '评查', ?, 'rule', 1, 10, 10, '测试', '测试', 0)",
        vals![id.as_str(), unit],
    )
    .await;
    id
}

async fn inquiry(
    store: &Store,
    number: &str,
    case: &str,
    unit: &str,
    asker: &str,
    interference: bool,
    at: i64,
) {
    exec(
        store,
        "INSERT INTO inquiries (id, number, case_id, unit_id, asker_name, asker_position, asker_unit, asker_officer_id, asked_at, channel, content, handling, leader, interference, reason, recorded_by, recorder_name, created_at) VALUES (?, ?, ?, ?, '过问人', '副局长', '甲区公安分局', ?, ?, 'phone', '询问案件进展', '如实登记', ?, ?, '', '测试', '测试', ?)",
        vals![store::new_id(), number, case, unit, asker, at, i32::from(interference), i32::from(interference), at],
    )
    .await;
}

async fn finding(
    store: &Store,
    number: &str,
    unit: &str,
    officer: &str,
    outcome: &str,
    found_on: &str,
) {
    exec(
        store,
        "INSERT INTO findings (id, number, campaign_id, unit_id, officer_id, category, source, description, found_on, known_at, known_how, outcome, created_by, created_at, updated_at) VALUES (?, ?, 'campaign', ?, ?, 'illegal_business', 'inspection', '查实的问题', ?, 0, '督导检查', ?, '测试', 0, 0)",
        vals![store::new_id(), number, unit, officer, found_on, outcome],
    )
    .await;
}

async fn fixture(store: &Store) -> Fixture {
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
                unit("DA", "甲区公安分局", Some("ROOT")),
                unit("DA1", "甲区城关派出所", Some("DA")),
                unit("DB", "乙区公安分局", Some("ROOT")),
            ],
        )
        .await
        .unwrap();
    let o = |name: &str, badge: &str, unit: &str| NewOfficer {
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
                o("甲", "A1001", "DA1"),
                o("乙", "A0002", "DA"),
                o("丙", "B0001", "DB"),
                o("丁", "A0003", "DA"),
                o("戊", "A1002", "DA1"),
                o("己", "A0004", "DA"),
            ],
        )
        .await
        .unwrap();
    let units: Vec<(String, String)> = store
        .units()
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.code, u.id))
        .collect();
    let f = Fixture {
        jia: officer_id(store, "A1001").await,
        yi: officer_id(store, "A0002").await,
        bing: officer_id(store, "B0001").await,
        ding: officer_id(store, "A0003").await,
        wu: officer_id(store, "A1002").await,
        ji: officer_id(store, "A0004").await,
        units,
    };
    exec(
        store,
        "UPDATE officers SET active = 0 WHERE id = ?",
        vals![f.ding.as_str()],
    )
    .await;
    let (a1, da, db) = (f.unit("DA1"), f.unit("DA"), f.unit("DB"));
    let (jia, yi, bing) = (f.jia.as_str(), f.yi.as_str(), f.bing.as_str());

    // Clues. The window of 90 days ending 2025-06-30 starts 2025-04-02 at 00:00 Beijing time.
    clue(
        store,
        "XS-1",
        &a1,
        jia,
        "inspection",
        None,
        ms("2025-05-10", 9, 0),
    )
    .await;
    clue(
        store,
        "XS-2",
        &a1,
        jia,
        "public_tip",
        None,
        ms("2025-04-02", 0, 0),
    )
    .await;
    clue(
        store,
        "XS-3",
        &a1,
        jia,
        "petition",
        None,
        ms("2025-04-01", 23, 59),
    )
    .await;
    clue(
        store,
        "XS-4",
        &a1,
        jia,
        "public_tip",
        Some("partly_true"),
        ms("2025-06-01", 10, 0),
    )
    .await;
    clue(
        store,
        "XS-5",
        &a1,
        jia,
        "inspection",
        Some("false"),
        ms("2025-06-02", 10, 0),
    )
    .await;
    clue(
        store,
        "XS-6",
        &da,
        yi,
        "org_check",
        None,
        ms("2025-05-05", 10, 0),
    )
    .await;
    clue(
        store,
        "XS-7",
        &db,
        bing,
        "petition",
        None,
        ms("2025-06-29", 10, 0),
    )
    .await;
    clue(
        store,
        "XS-8",
        &da,
        &f.ding,
        "inspection",
        None,
        ms("2025-06-29", 10, 0),
    )
    .await;

    // Cases of the police station, handled by 甲 unless said otherwise.
    let k1 = case(store, "AJ-1", &a1, jia, None, Some("2025-06-29"), None).await;
    case(store, "AJ-2", &a1, jia, None, Some("2025-06-30"), None).await;
    let k3 = case(
        store,
        "AJ-3",
        &da,
        yi,
        None,
        Some("2025-05-01"),
        Some("2025-06-01"),
    )
    .await;
    case_officer(store, &k3, jia, "assistant").await;
    let k4 = case(
        store,
        "AJ-4",
        &a1,
        jia,
        Some(&f.ji),
        None,
        Some("2025-06-01"),
    )
    .await;
    stage(store, &k4, 1, "2025-04-10", "2025-04-12", None).await;
    stage(store, &k4, 2, "2025-03-01", "2025-04-01", None).await;
    stage(store, &k4, 3, "2025-05-01", "2025-05-01", None).await;
    stage(store, &k4, 4, "2025-05-20", "2025-05-25", Some(yi)).await;
    let k5 = case(store, "AJ-5", &da, yi, None, None, Some("2025-05-01")).await;
    case_officer(store, &k5, jia, "decider").await;
    let k6 = case(store, "AJ-6", &a1, jia, None, None, Some("2025-06-01")).await;
    let k7 = case(store, "AJ-7", &db, bing, None, None, None).await;

    // Reviews: AJ-4 failed with 3 defects, AJ-5 flawed, AJ-6 qualified with 2 defects; AJ-6 failed once
    // before the window; AJ-1 drawn but not yet scored.
    let p1 = plan(store, &a1).await;
    let p2 = plan(store, &a1).await;
    sample(
        store,
        &p1,
        &k4,
        Some("failed"),
        3,
        Some(ms("2025-06-10", 15, 0)),
    )
    .await;
    sample(
        store,
        &p1,
        &k5,
        Some("flawed"),
        0,
        Some(ms("2025-05-05", 15, 0)),
    )
    .await;
    sample(
        store,
        &p1,
        &k6,
        Some("qualified"),
        2,
        Some(ms("2025-06-20", 15, 0)),
    )
    .await;
    sample(
        store,
        &p2,
        &k6,
        Some("failed"),
        4,
        Some(ms("2025-03-01", 15, 0)),
    )
    .await;
    sample(store, &p1, &k1, None, 0, None).await;

    // Inquiries made by 甲, and one interference by 乙.
    inquiry(store, "GW-1", &k3, &da, jia, false, ms("2025-06-15", 9, 0)).await;
    inquiry(store, "GW-2", &k7, &db, jia, true, ms("2025-05-01", 9, 0)).await;
    inquiry(store, "GW-3", &k7, &db, jia, true, ms("2025-03-15", 9, 0)).await;
    inquiry(store, "GW-4", &k1, &a1, yi, true, ms("2025-06-01", 9, 0)).await;

    // Findings about 甲 and what their self-reports came to.
    finding(store, "CS-1", &a1, jia, "strict", "2025-05-20").await;
    finding(store, "CS-2", &a1, jia, "partly_lenient", "2025-04-02").await;
    finding(store, "CS-3", &a1, jia, "lenient", "2025-05-21").await;
    finding(store, "CS-4", &a1, jia, "pending", "2025-05-22").await;
    finding(store, "CS-5", &a1, jia, "strict", "2025-04-01").await;
    f
}

fn actor(
    f: &Fixture,
    role: Role,
    unit_code: &str,
    scope: DataScope,
    officer: Option<&str>,
) -> Actor {
    let path = match unit_code {
        "ROOT" => "/ROOT/",
        _ => "",
    };
    Actor {
        user_id: store::new_id(),
        username: "tester".into(),
        display_name: "测试".into(),
        role,
        unit_id: f.unit(unit_code),
        unit_name: unit_code.into(),
        unit_path: path.into(),
        scope,
        officer_id: officer.map(str::to_string),
    }
}

async fn with_path(store: &Store, mut a: Actor) -> Actor {
    let u = store.unit_by_id(&a.unit_id).await.unwrap();
    a.unit_path = u.path;
    a
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Every stored score and item, in a fixed order, without the time of computation.
async fn snapshot(store: &Store) -> Vec<String> {
    let c = store.connection();
    let sql = Sql::of(c);
    let mut out = Vec::new();
    for r in sql
        .all(c, "SELECT officer_id, unit_id, score, level, facts FROM warning_scores ORDER BY officer_id", vals![])
        .await
        .unwrap()
    {
        out.push(format!(
            "{}|{}|{}|{}|{}",
            r.try_get_by_index::<String>(0).unwrap(),
            r.try_get_by_index::<String>(1).unwrap(),
            r.try_get_by_index::<i64>(2).unwrap(),
            r.try_get_by_index::<String>(3).unwrap(),
            r.try_get_by_index::<String>(4).unwrap()
        ));
    }
    for r in sql
        .all(c, "SELECT officer_id, kind, source_id, ref_no, COALESCE(on_date, ''), COALESCE(at_ms, 0), qty FROM warning_items ORDER BY officer_id, kind, source_id", vals![])
        .await
        .unwrap()
    {
        out.push(format!(
            "{}|{}|{}|{}|{}|{}|{}",
            r.try_get_by_index::<String>(0).unwrap(),
            r.try_get_by_index::<String>(1).unwrap(),
            r.try_get_by_index::<String>(2).unwrap(),
            r.try_get_by_index::<String>(3).unwrap(),
            r.try_get_by_index::<String>(4).unwrap(),
            r.try_get_by_index::<i64>(5).unwrap(),
            r.try_get_by_index::<i64>(6).unwrap()
        ));
    }
    for r in sql
        .all(
            c,
            "SELECT unit_id, officers, score, watch, alert FROM warning_units ORDER BY unit_id",
            vals![],
        )
        .await
        .unwrap()
    {
        out.push(format!(
            "{}|{}|{}|{}|{}",
            r.try_get_by_index::<String>(0).unwrap(),
            r.try_get_by_index::<i64>(1).unwrap(),
            r.try_get_by_index::<i64>(2).unwrap(),
            r.try_get_by_index::<i64>(3).unwrap(),
            r.try_get_by_index::<i64>(4).unwrap()
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_equal_the_hand_computed_values_with_their_explanations() {
    for db in backends().await {
        scores_by_hand(&db.store).await;
        db.finish().await;
    }
}

async fn scores_by_hand(store: &Store) {
    let f = fixture(store).await;
    let office = with_path(
        store,
        actor(&f, Role::CampaignOffice, "ROOT", DataScope::All, None),
    )
    .await;
    store
        .set_warning_settings(&office, &settings())
        .await
        .unwrap();
    let n = store
        .recompute_warnings_as_of(&AuditActor::system(), day(AS_OF))
        .await
        .unwrap();
    // 甲, 乙 and 丙 have facts; 丁 is inactive; 戊 and 己 have none.
    assert_eq!(n, 3);

    let jia = store.officer_warning(&office, &f.jia).await.unwrap();
    let score = jia.score.clone().expect("甲 has a score");
    // 甲 by hand: clue 1×3 + complaint 1×2 + substantiated 1×11 + overdue case 1×4 + late stages 2×5
    // + inquiry 1×1 + interference 1×7 + flawed 1×6 + failed 1×13 + defects (3+2)×9 + strict 1×12
    // + partly lenient 1×10 = 3+2+11+4+10+1+7+6+13+45+12+10 = 124.
    assert_eq!(score.score, 124);
    assert_eq!(score.level(), Level::Alert);
    let explained = assess(&score.facts, &settings());
    assert_eq!(
        explained.score, 124,
        "the stored score is what its facts explain"
    );
    assert_eq!(
        explained.lines.iter().map(|l| l.text()).collect::<Vec<_>>(),
        vec![
            "问题线索 1条 × 3分 = 3分",
            "信访举报 1件 × 2分 = 2分",
            "线索经核查属实或部分属实 1条 × 11分 = 11分",
            "承办案件超期未结 1件 × 4分 = 4分",
            "办案环节逾期办结 2个环节 × 5分 = 10分",
            "过问案件 1次 × 1分 = 1分",
            "过问案件被认定为干预 1次 × 7分 = 7分",
            "评查为瑕疵的案件 1件 × 6分 = 6分",
            "评查为不合格的案件 1件 × 13分 = 13分",
            "评查发现的问题 5项 × 9分 = 45分",
            "查实问题未自查（从严） 1项 × 12分 = 12分",
            "查实问题部分自查（部分从宽） 1项 × 10分 = 10分",
        ]
    );
    // The items behind it: numbers and dates, each in its kind.
    let items: Vec<String> = jia
        .items
        .iter()
        .map(|i| {
            format!(
                "{}:{}:{}:{}",
                i.kind.as_str(),
                i.ref_no,
                i.on_date.clone().unwrap_or_else(|| i
                    .at_ms
                    .map(|t| store::clues::local_date(t).to_string())
                    .unwrap_or_default()),
                i.qty
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![
            "clue:XS-1:2025-05-10:1",
            "complaint:XS-2:2025-04-02:1",
            "clue_substantiated:XS-4:2025-06-01:1",
            "case_overdue:AJ-1:2025-06-29:1",
            "stage_late:AJ-4:2025-04-12:1",
            "stage_late:AJ-4:2025-05-25:1",
            "inquiry:AJ-3:2025-06-15:1",
            "interference:AJ-7:2025-05-01:1",
            "review_flawed:AJ-5:2025-05-05:1",
            "review_failed:AJ-4:2025-06-10:1",
            "review_defect:AJ-4:2025-06-10:3",
            "review_defect:AJ-6:2025-06-20:2",
            "self_report_strict:CS-1:2025-05-20:1",
            "self_report_partial:CS-2:2025-04-02:1",
        ]
    );
    let substantiated = jia
        .items
        .iter()
        .find(|i| i.kind == FactKind::ClueSubstantiated)
        .unwrap();
    assert_eq!(substantiated.extra.as_deref(), Some("partly_true"));
    let late = jia
        .items
        .iter()
        .filter(|i| i.kind == FactKind::StageLate)
        .map(|i| i.extra.clone().unwrap_or_default())
        .collect::<Vec<_>>();
    assert_eq!(
        late,
        vec!["2025-04-10", "2025-05-20"],
        "each late stage names its due day"
    );
    let inquiry = jia
        .items
        .iter()
        .find(|i| i.kind == FactKind::Interference)
        .unwrap();
    assert_eq!(
        inquiry.detail.as_deref(),
        Some("GW-2"),
        "the inquiry's own number"
    );

    // 乙: clue 1×3 + interference 1×7 + flawed (handler of AJ-5) 1×6 + failed (decided a stage of AJ-4)
    // 1×13 + defects of AJ-4 3×9 = 3+7+6+13+27 = 56. A closed case is not overdue; a late stage counts
    // against its handler, not its decider.
    let yi = store.officer_warning(&office, &f.yi).await.unwrap();
    let ys = yi.score.expect("乙 has a score");
    assert_eq!(ys.score, 56);
    assert_eq!(
        assess(&ys.facts, &settings()).summary(),
        "问题线索 1条 × 3分 = 3分；过问案件被认定为干预 1次 × 7分 = 7分；评查为瑕疵的案件 1件 × 6分 = 6分；评查为不合格的案件 1件 × 13分 = 13分；评查发现的问题 3项 × 9分 = 27分"
    );
    // 丙: one petition, 1×2 = 2, below 关注.
    let bs = store.officer_warning(&office, &f.bing).await.unwrap();
    assert_eq!(
        bs.score.as_ref().map(|s| (s.score, s.level())),
        Some((2, Level::Normal))
    );
    // The responsible leader of a failed case is not answerable for it on that ground alone; an inactive
    // officer has neither score nor facts; someone with nothing has no row at all.
    for (who, id) in [("己", &f.ji), ("戊", &f.wu)] {
        let w = store.officer_warning(&office, id).await.unwrap();
        assert!(w.score.is_none() && w.items.is_empty(), "{who}");
    }
    let c = store.connection();
    let ding_items = Sql::of(c)
        .scalar(
            c,
            "SELECT COUNT(*) FROM warning_items WHERE officer_id = ?",
            vals![f.ding.as_str()],
        )
        .await
        .unwrap();
    assert_eq!(ding_items, 0);

    // Units: each its own active officers.
    let units = store.warning_units(&office).await.unwrap();
    let u = |code: &str| units.iter().find(|u| u.code == code).unwrap();
    assert_eq!(
        (
            u("DA1").officers,
            u("DA1").score,
            u("DA1").watch,
            u("DA1").alert
        ),
        (2, 124, 0, 1)
    );
    assert_eq!(
        (
            u("DA").officers,
            u("DA").score,
            u("DA").watch,
            u("DA").alert
        ),
        (2, 56, 0, 1)
    );
    assert_eq!((u("DB").officers, u("DB").score, u("DB").alert), (1, 2, 0));
    assert_eq!((u("ROOT").officers, u("ROOT").score), (0, 0));

    // The run remembers its day, window and settings.
    let run = store.last_warning_run().await.unwrap().unwrap();
    assert_eq!(
        (run.as_of.as_str(), run.since.as_str()),
        (AS_OF, "2025-04-02")
    );
    assert_eq!(run.settings, settings());
    assert_eq!(run.officers, 3);
    // 甲 14 items (the defects of two reviews are two items), 乙 5, 丙 1.
    assert_eq!(run.items, 20);

    // Recomputing again changes nothing but the time.
    let first = snapshot(store).await;
    store
        .recompute_warnings_as_of(&AuditActor::system(), day(AS_OF))
        .await
        .unwrap();
    assert_eq!(snapshot(store).await, first);
    assert_eq!(
        store.last_warning_run().await.unwrap().unwrap().seq,
        run.seq + 1
    );

    // A day later the window moves: XS-2 and CS-2 (on its first day) fall out; AJ-2 is now overdue too.
    store
        .recompute_warnings_as_of(&AuditActor::system(), day("2025-07-01"))
        .await
        .unwrap();
    let later = store.officer_warning(&office, &f.jia).await.unwrap();
    // 124 − complaint 2 − partly lenient 10 + second overdue case 4 = 116.
    assert_eq!(later.score.unwrap().score, 116);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn levels_turn_exactly_at_the_thresholds() {
    for db in backends().await {
        thresholds(&db.store).await;
        db.finish().await;
    }
}

async fn thresholds(store: &Store) {
    let f = fixture(store).await;
    let office = with_path(
        store,
        actor(&f, Role::CampaignOffice, "ROOT", DataScope::All, None),
    )
    .await;
    let level_of = |id: String| {
        let office = office.clone();
        async move {
            store
                .officer_warning(&office, &id)
                .await
                .unwrap()
                .score
                .map(|s| (s.score, s.level))
        }
    };
    // 甲 scores 124 and 乙 56 (see the test above): thresholds right on them, then one above.
    let mut s = settings();
    s.watch = 56;
    s.alert = 124;
    store.set_warning_settings(&office, &s).await.unwrap();
    store
        .recompute_warnings_as_of(&AuditActor::system(), day(AS_OF))
        .await
        .unwrap();
    assert_eq!(level_of(f.jia.clone()).await, Some((124, "alert".into())));
    assert_eq!(level_of(f.yi.clone()).await, Some((56, "watch".into())));
    let (list, total) = store
        .warning_list(&office, &ScoreFilter::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(
        list.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        vec!["甲", "乙"],
        "highest first"
    );

    s.watch = 57;
    s.alert = 125;
    store.set_warning_settings(&office, &s).await.unwrap();
    store
        .recompute_warnings_as_of(&AuditActor::system(), day(AS_OF))
        .await
        .unwrap();
    assert_eq!(level_of(f.jia.clone()).await, Some((124, "watch".into())));
    assert_eq!(level_of(f.yi.clone()).await, Some((56, "normal".into())));
    let units = store.warning_units(&office).await.unwrap();
    let da1 = units.iter().find(|u| u.code == "DA1").unwrap();
    assert_eq!((da1.watch, da1.alert), (1, 0));
    let (list, total) = store
        .warning_list(&office, &ScoreFilter::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(list[0].name, "甲");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_checked_and_lists_keep_to_scope() {
    for db in backends().await {
        settings_and_scope(&db.store).await;
        db.finish().await;
    }
}

async fn settings_and_scope(store: &Store) {
    let f = fixture(store).await;
    let office = with_path(
        store,
        actor(&f, Role::CampaignOffice, "ROOT", DataScope::All, None),
    )
    .await;
    // Nothing saved: the defaults of the domain.
    assert_eq!(
        store.warning_settings().await.unwrap(),
        WarningSettings::default()
    );
    let mut bad = settings();
    bad.alert = bad.watch;
    match store.set_warning_settings(&office, &bad).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.field, Some("alert"));
            assert!(e.message.contains("「预警」分数线应高于「关注」分数线"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.warning_settings().await.unwrap(),
        WarningSettings::default(),
        "nothing was saved"
    );
    // Settings spoiled by hand in the table are not used.
    exec(
        store,
        "INSERT INTO settings (key, value) VALUES ('warning_settings', '{\"watch\": 30, \"alert\": 5}')",
        vals![],
    )
    .await;
    assert_eq!(
        store.warning_settings().await.unwrap(),
        WarningSettings::default()
    );
    store
        .set_warning_settings(&office, &settings())
        .await
        .unwrap();
    assert_eq!(store.warning_settings().await.unwrap(), settings());
    store
        .recompute_warnings_as_of(&AuditActor::system(), day(AS_OF))
        .await
        .unwrap();

    let names = |list: Vec<store::warning::OfficerScore>| {
        list.into_iter().map(|s| s.name).collect::<Vec<_>>()
    };
    let all = ScoreFilter::default();
    // District A's leader (who is 乙) sees 甲 but never their own score; district B sees neither.
    let leader_a = with_path(
        store,
        actor(&f, Role::UnitLeader, "DA", DataScope::Subtree, Some(&f.yi)),
    )
    .await;
    let (list, total) = store.warning_list(&leader_a, &all, 0, 10).await.unwrap();
    assert_eq!((names(list), total), (vec!["甲".to_string()], 1));
    assert!(matches!(
        store.officer_warning(&leader_a, &f.yi).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.officer_warning(&leader_a, &f.jia).await.is_ok());
    let b = with_path(
        store,
        actor(&f, Role::UnitLeader, "DB", DataScope::Subtree, None),
    )
    .await;
    let (list, total) = store.warning_list(&b, &all, 0, 10).await.unwrap();
    assert!(list.is_empty() && total == 0);
    assert!(matches!(
        store.officer_warning(&b, &f.jia).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.officer_warning(&b, "no-such-officer").await,
        Err(StoreError::NotFound)
    ));
    let units = store.warning_units(&b).await.unwrap();
    assert_eq!(
        units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
        vec!["DB"]
    );
    // Own-unit scope of the station: 甲 only, and the unit filter narrows the office's list.
    let station = with_path(
        store,
        actor(&f, Role::UnitLeader, "DA1", DataScope::OwnUnit, None),
    )
    .await;
    let (list, _) = store.warning_list(&station, &all, 0, 10).await.unwrap();
    assert_eq!(names(list), vec!["甲"]);
    let only_da = ScoreFilter {
        unit_id: Some(f.unit("DA")),
        level: None,
    };
    let (list, _) = store.warning_list(&office, &only_da, 0, 10).await.unwrap();
    assert_eq!(names(list), vec!["乙"]);
    let watch_only = ScoreFilter {
        unit_id: None,
        level: Some(Level::Watch),
    };
    let (list, total) = store
        .warning_list(&office, &watch_only, 0, 10)
        .await
        .unwrap();
    assert!(
        list.is_empty() && total == 0,
        "both are at 预警 with these thresholds"
    );

    // The export's pages follow the same order and meet without overlap.
    let first = store
        .warning_list_after(&office, &all, "", 1)
        .await
        .unwrap();
    assert_eq!(names(first.clone()), vec!["甲"]);
    let cursor = store::warning::score_cursor(&first[0]);
    let second = store
        .warning_list_after(&office, &all, &cursor, 1)
        .await
        .unwrap();
    assert_eq!(names(second.clone()), vec!["乙"]);
    let cursor = store::warning::score_cursor(&second[0]);
    assert!(
        store
            .warning_list_after(&office, &all, &cursor, 1)
            .await
            .unwrap()
            .is_empty()
    );
}
