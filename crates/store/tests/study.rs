//! Study records on a real database (SQLite always, PostgreSQL too when MINGJING_TEST_PG names a server):
//! attendance imports are all or nothing, the venue code admits the current and previous minute only,
//! tests are graded and timed by the server, and completion counts what the requirement asks.

use crypto::{Keyring, MasterKey, Suite};
use domain::org::{DataScope, Role, UnitKind, Username};
use domain::study::{ActivityInput, AnswerSet, StudyRequirement, TestInput, validate_question};
use sea_orm::{ConnectionTrait, Database};
use store::audit::AuditActor;
use store::org::{NewOfficer, NewUnit, NewUser};
use store::study::{AttendanceImport, ImportSummary, MarkOutcome, SignInOutcome};
use store::{Actor, Sql, Store, StoreConfig, StoreError, now_ms, vals};

struct Db {
    store: Store,
    _dir: tempfile::TempDir,
}

async fn backends() -> Vec<Db> {
    let mut v = vec![open(None).await];
    if let Some(base) = std::env::var("MINGJING_TEST_PG")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        let name = format!("mj_study_{}", hex::encode(crypto::random_bytes::<6>()));
        let admin = Database::connect(base.trim())
            .await
            .expect("MINGJING_TEST_PG is set but the server cannot be reached");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        admin.close().await.ok();
        let (head, _) = base
            .trim()
            .rsplit_once('/')
            .expect("url has a database part");
        v.push(open(Some(format!("{head}/{name}"))).await);
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
    Db { store, _dir: dir }
}

/// City → district A (police) → a station below it; district B (court) beside A.
async fn seed(store: &Store) {
    let sys = AuditActor::system();
    let unit = |code: &str, name: &str, kind, parent: Option<&str>| NewUnit {
        code: code.into(),
        name: name.into(),
        kind,
        parent_code: parent.map(str::to_string),
    };
    store
        .create_units(
            &sys,
            &[
                unit("ROOT", "江州市委政法委", UnitKind::Committee, None),
                unit("A", "甲区公安分局", UnitKind::Police, Some("ROOT")),
                unit("A1", "甲区城关派出所", UnitKind::Police, Some("A")),
                unit("B", "乙区人民法院", UnitKind::Court, Some("ROOT")),
            ],
        )
        .await
        .expect("units");
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
                o("张伟", "A001", "A"),
                o("李娜", "A002", "A"),
                o("王强", "A003", "A"),
                o("赵敏", "A101", "A1"),
                o("钱进", "B001", "B"),
            ],
        )
        .await
        .expect("officers");
}

async fn user(
    store: &Store,
    username: &str,
    role: Role,
    unit: &str,
    scope: DataScope,
    badge: Option<&str>,
) -> Actor {
    let u = NewUser {
        username: Username::parse(username).unwrap(),
        display_name: username.into(),
        role,
        unit_code: unit.into(),
        scope,
        password: "Study-test-2026".into(),
        officer_badge: badge.map(str::to_string),
    };
    let id = store
        .create_user(&AuditActor::system(), &u)
        .await
        .expect("user");
    let token = store
        .create_session(&id, "web", true)
        .await
        .expect("session");
    store
        .session(&token)
        .await
        .expect("session")
        .expect("live")
        .actor
}

async fn campaign(store: &Store) -> String {
    let id = store::new_id();
    let root = store.unit_by_code("ROOT").await.unwrap();
    let c = store.connection();
    Sql::of(c)
        .exec(
            c,
            "INSERT INTO campaigns (id, name, template, unit_id, status, created_by, created_at, updated_at) VALUES (?, ?, 'education', ?, 'active', NULL, ?, ?)",
            vals![id.as_str(), "2024年政法队伍教育整顿", root.id.as_str(), now_ms(), now_ms()],
        )
        .await
        .expect("campaign");
    id
}

fn today() -> String {
    store::clues::today().format("%Y-%m-%d").to_string()
}

async fn activity(store: &Store, actor: &Actor, campaign: &str, unit: &str, hours: &str) -> String {
    let draft = ActivityInput {
        kind: "concentrated".into(),
        title: "集中学习习近平法治思想".into(),
        day: today(),
        hours: hours.into(),
        venue: "分局三楼会议室".into(),
        cases: String::new(),
    }
    .validate()
    .expect("valid activity");
    let unit_id = store.unit_by_code(unit).await.unwrap().id;
    store
        .create_activity(actor, campaign, &unit_id, &draft)
        .await
        .expect("activity")
}

fn row(row: usize, badge: &str, name: &str, at: &str) -> AttendanceImport {
    AttendanceImport {
        row,
        badge: badge.into(),
        name: name.into(),
        signed_at: at.into(),
    }
}

async fn count(store: &Store, sql: &str, v: Vec<sea_orm::Value>) -> i64 {
    let c = store.connection();
    Sql::of(c).scalar(c, sql, v).await.expect("count")
}

#[tokio::test]
async fn attendance_import_is_all_or_nothing_with_row_errors() {
    for db in backends().await {
        let store = db.store;
        seed(&store).await;
        let office = user(
            &store,
            "office",
            Role::CampaignOffice,
            "ROOT",
            DataScope::All,
            None,
        )
        .await;
        let c = campaign(&store).await;
        let a = activity(&store, &office, &c, "A", "2").await;
        let day = today();

        let bad = vec![
            row(2, "A001", "张伟", &format!("{day} 08:55")),
            row(3, "A002", "李娜", "09:01"),
            row(4, "X999", "查无此人", ""),
            row(5, "A003", "王刚", ""),
            row(6, "B001", "钱进", ""),
            row(7, "A101", "赵敏", "2000-01-01 09:00"),
            row(8, "A001", "张伟", ""),
            row(9, "", "无警号", ""),
        ];
        let issues = store
            .import_attendance(&office, &a, bad)
            .await
            .unwrap()
            .expect_err("a bad file is refused");
        let at = |r: usize| {
            issues
                .iter()
                .find(|i| i.row == r)
                .unwrap_or_else(|| panic!("no issue for row {r}: {issues:?}"))
        };
        assert_eq!(issues.len(), 6, "{issues:?}");
        assert!(at(4).message.contains("不在干警花名册中"));
        assert_eq!(at(5).column, Some("姓名"));
        assert!(
            at(5).message.contains("花名册") && at(5).message.contains("王强"),
            "{}",
            at(5).message
        );
        // A court officer cannot be put on a police district's sheet.
        assert!(at(6).message.contains("不在本活动可登记的范围内"));
        assert_eq!(at(7).column, Some("签到时间"));
        assert!(at(8).message.contains("与第2行重复"));
        assert_eq!(at(9).column, Some("警号"));
        // Nothing was written, not even the good rows.
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM study_attendance", vals![]).await,
            0
        );

        let good = vec![
            row(2, "A001", "张伟", &format!("{day} 08:55")),
            row(3, "A002", "李娜", "09:01"),
            row(4, " A101 ", "赵敏", ""),
        ];
        let s = store
            .import_attendance(&office, &a, good)
            .await
            .unwrap()
            .expect("a clean file is imported");
        assert_eq!(
            s,
            ImportSummary {
                added: 3,
                already: 0
            }
        );
        let (sheet, total) = store.attendance(&office, &a, 0, 50).await.unwrap();
        assert_eq!(total, 3);
        let li = sheet.iter().find(|x| x.badge == "A002").unwrap();
        assert_eq!(li.method, "import");
        assert_eq!(
            store::clues::local_date(li.signed_at.unwrap())
                .format("%Y-%m-%d")
                .to_string(),
            day
        );
        assert!(
            sheet
                .iter()
                .find(|x| x.badge == "A101")
                .unwrap()
                .signed_at
                .is_none()
        );

        // Importing again keeps what is there and says so.
        let again = vec![row(2, "A001", "张伟", ""), row(3, "A003", "王强", "")];
        assert_eq!(
            store
                .import_attendance(&office, &a, again)
                .await
                .unwrap()
                .unwrap(),
            ImportSummary {
                added: 1,
                already: 1
            }
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM study_attendance WHERE activity_id = ?",
                vals![a.as_str()]
            )
            .await,
            4
        );
        assert!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'study.attendance_import'",
                vals![]
            )
            .await
                == 2
        );

        // A liaison of district B sees neither the activity nor its sheet.
        let liaison_b = user(
            &store,
            "liaison_b",
            Role::UnitLiaison,
            "B",
            DataScope::OwnUnit,
            None,
        )
        .await;
        assert!(matches!(
            store
                .import_attendance(&liaison_b, &a, vec![row(2, "B001", "钱进", "")])
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.attendance(&liaison_b, &a, 0, 10).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn large_import_goes_in_batches() {
    for db in backends().await {
        let store = db.store;
        seed(&store).await;
        let n = 2_345;
        let officers: Vec<NewOfficer> = (0..n)
            .map(|i| NewOfficer {
                name: format!("干警{i}"),
                badge: format!("P{i:05}"),
                unit_code: "A1".into(),
                position: "民警".into(),
                id_number: None,
            })
            .collect();
        store
            .add_officers(&AuditActor::system(), &officers)
            .await
            .unwrap();
        let office = user(
            &store,
            "office",
            Role::CampaignOffice,
            "ROOT",
            DataScope::All,
            None,
        )
        .await;
        let c = campaign(&store).await;
        let a = activity(&store, &office, &c, "A", "1.5").await;
        let rows: Vec<AttendanceImport> = (0..n)
            .map(|i| row(i + 2, &format!("P{i:05}"), &format!("干警{i}"), "09:00"))
            .collect();
        let s = store
            .import_attendance(&office, &a, rows)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.added, n as u64);
        assert_eq!(
            store
                .activity_in_scope(&office, &a)
                .await
                .unwrap()
                .attendees,
            n as i64
        );

        // One bad row at the very end still stops the whole file.
        let a2 = activity(&store, &office, &c, "A", "1").await;
        let mut rows: Vec<AttendanceImport> = (0..n)
            .map(|i| row(i + 2, &format!("P{i:05}"), &format!("干警{i}"), ""))
            .collect();
        rows.push(row(n + 2, "P00000", "干警0", ""));
        let issues = store
            .import_attendance(&office, &a2, rows)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].row, n + 2);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM study_attendance WHERE activity_id = ?",
                vals![a2.as_str()]
            )
            .await,
            0
        );
    }
}

#[tokio::test]
async fn venue_code_admits_current_and_previous_minute_only() {
    for db in backends().await {
        let store = db.store;
        seed(&store).await;
        let office = user(
            &store,
            "office",
            Role::CampaignOffice,
            "ROOT",
            DataScope::All,
            None,
        )
        .await;
        let zhang = user(
            &store,
            "zhangwei",
            Role::Officer,
            "A",
            DataScope::OwnUnit,
            Some("A001"),
        )
        .await;
        let li = user(
            &store,
            "lina",
            Role::Officer,
            "A",
            DataScope::OwnUnit,
            Some("A002"),
        )
        .await;
        let zhao = user(
            &store,
            "zhaomin",
            Role::Officer,
            "A1",
            DataScope::OwnUnit,
            Some("A101"),
        )
        .await;
        let qian = user(
            &store,
            "qianjin",
            Role::Officer,
            "B",
            DataScope::OwnUnit,
            Some("B001"),
        )
        .await;
        let c = campaign(&store).await;
        let a = activity(&store, &office, &c, "A", "2").await;

        let now = now_ms();
        let current = store.venue_code(&office, &a, now).await.unwrap();
        assert_eq!(current.code.len(), 6);
        assert!((1..=60).contains(&current.seconds_left));
        let previous = store
            .venue_code(&office, &a, now - 60_000)
            .await
            .unwrap()
            .code;
        let expired = store
            .venue_code(&office, &a, now - 120_000)
            .await
            .unwrap()
            .code;

        // An officer of the district and one of the station below it are both admitted.
        assert_eq!(store.signin_choices(&zhang, now).await.unwrap().len(), 1);
        assert_eq!(store.signin_choices(&zhao, now).await.unwrap().len(), 1);
        let out = store
            .sign_in_with_code(&zhang, None, &current.code, now)
            .await
            .unwrap();
        assert!(matches!(out, SignInOutcome::Signed { .. }), "{out:?}");
        let out = store
            .sign_in_with_code(&zhao, Some(&a), &previous, now)
            .await
            .unwrap();
        assert!(matches!(out, SignInOutcome::Signed { .. }), "{out:?}");
        // Once is enough: a second sign-in is told so and changes nothing.
        let out = store
            .sign_in_with_code(&zhang, None, &current.code, now)
            .await
            .unwrap();
        assert!(matches!(out, SignInOutcome::Already { .. }), "{out:?}");
        if expired != current.code && expired != previous {
            let e = store
                .sign_in_with_code(&li, None, &expired, now)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(d) if d.field == Some("code") && d.message.contains("过期")),
                "{e:?}"
            );
        }
        let e = store
            .sign_in_with_code(&li, None, "12ab56", now)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.message.contains("6位数字")),
            "{e:?}"
        );
        // A court officer has no activity of the police district to sign in to.
        assert!(store.signin_choices(&qian, now).await.unwrap().is_empty());
        let e = store
            .sign_in_with_code(&qian, Some(&a), &current.code, now)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.field == Some("activity_id")),
            "{e:?}"
        );
        // Tomorrow the activity is no longer open for sign-in.
        assert!(
            store
                .signin_choices(&zhang, now + 86_400_000)
                .await
                .unwrap()
                .is_empty()
        );

        let (sheet, total) = store.attendance(&office, &a, 0, 50).await.unwrap();
        assert_eq!(total, 2);
        assert!(sheet.iter().all(|x| x.method == "code"));
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'study.signin'",
                vals![]
            )
            .await,
            2
        );

        // Manual marking: in range and once.
        assert!(matches!(
            store.mark_attendance(&office, &a, "A002").await.unwrap(),
            MarkOutcome::Marked { .. }
        ));
        assert!(matches!(
            store.mark_attendance(&office, &a, "A002").await.unwrap(),
            MarkOutcome::Already { .. }
        ));
        let e = store
            .mark_attendance(&office, &a, "B001")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.field == Some("badge")),
            "{e:?}"
        );
        let officer_id = sheet[0].officer_id.clone();
        store
            .remove_attendance(&office, &a, &officer_id)
            .await
            .unwrap();
        assert_eq!(store.attendance(&office, &a, 0, 50).await.unwrap().1, 2);
    }
}

async fn bank(store: &Store, office: &Actor, c: &str) {
    let qs = vec![
        validate_question(
            "单选",
            "教育整顿的第一个环节是？",
            ["学习教育", "查纠整改", "总结提升", ""],
            "A",
            "10",
        )
        .unwrap(),
        validate_question(
            "多选",
            "六大顽瘴痼疾包括哪些？",
            ["违规经商办企业", "违规参股借贷", "上班迟到", ""],
            "AB",
            "10",
        )
        .unwrap(),
        validate_question(
            "判断",
            "实行“自查从宽、被查从严”政策。",
            ["", "", "", ""],
            "对",
            "10",
        )
        .unwrap(),
    ];
    store.import_questions(office, c, &qs).await.unwrap();
}

/// The right answers of an attempt, in drawn order, read from the bank.
async fn right_answers(store: &Store, officer: &Actor, attempt: &str) -> Vec<Option<AnswerSet>> {
    let view = store
        .attempt_view(officer, attempt, now_ms())
        .await
        .unwrap();
    let mut out = Vec::new();
    for q in &view.questions {
        let c = store.connection();
        let r = Sql::of(c)
            .one(
                c,
                "SELECT answer FROM study_questions WHERE id = ?",
                vals![q.id.as_str()],
            )
            .await
            .unwrap()
            .unwrap();
        out.push(AnswerSet::parse_letters(
            &r.try_get::<String>("", "answer").unwrap(),
        ));
    }
    out
}

#[tokio::test]
async fn tests_are_timed_by_the_server_and_completion_counts() {
    for db in backends().await {
        let store = db.store;
        seed(&store).await;
        let office = user(
            &store,
            "office",
            Role::CampaignOffice,
            "ROOT",
            DataScope::All,
            None,
        )
        .await;
        let zhang = user(
            &store,
            "zhangwei",
            Role::Officer,
            "A",
            DataScope::OwnUnit,
            Some("A001"),
        )
        .await;
        let li = user(
            &store,
            "lina",
            Role::Officer,
            "A",
            DataScope::OwnUnit,
            Some("A002"),
        )
        .await;
        let c = campaign(&store).await;
        let a_id = store.unit_by_code("A").await.unwrap().id;

        // Nobody has finished before anything happened; the default asks for the test.
        assert_eq!(store.study_completion(&c, &a_id).await.unwrap(), (0, 3));
        store
            .set_study_requirement(
                &office,
                &c,
                &StudyRequirement {
                    required_minutes: 180,
                    require_test: true,
                    required_essays: 0,
                },
            )
            .await
            .unwrap();

        bank(&store, &office, &c).await;
        let t = TestInput {
            title: "应知应会测试".into(),
            question_count: "3".into(),
            time_limit_minutes: "20".into(),
            pass_percent: "60".into(),
            max_attempts: "2".into(),
        };
        let too_many = TestInput {
            question_count: "4".into(),
            ..t.clone()
        };
        let e = store
            .create_test(&office, &c, &a_id, &too_many.validate().unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.field == Some("question_count")),
            "{e:?}"
        );
        let test = store
            .create_test(&office, &c, &a_id, &t.validate().unwrap())
            .await
            .unwrap();

        // Zhang passes with every answer right.
        let now = now_ms();
        let at = store.start_attempt(&zhang, &test, now).await.unwrap();
        let answers = right_answers(&store, &zhang, &at).await;
        let g = store
            .submit_attempt(&zhang, &at, &answers, now + 60_000)
            .await
            .unwrap();
        assert_eq!((g.score, g.max_score, g.passed), (30, 30, true));
        let e = store
            .submit_attempt(&zhang, &at, &answers, now + 60_000)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.message.contains("已经结束")),
            "{e:?}"
        );

        // Li hands in after the time limit: refused, and the attempt counts as used at 0.
        let at = store.start_attempt(&li, &test, now).await.unwrap();
        let answers = right_answers(&store, &li, &at).await;
        let late = now + 20 * 60_000 + domain::study::SUBMIT_GRACE_MS + 1;
        let e = store
            .submit_attempt(&li, &at, &answers, late)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.message.contains("作答时限")),
            "{e:?}"
        );
        let view = store.attempt_view(&li, &at, late).await.unwrap();
        assert_eq!(
            (view.state.as_str(), view.score, view.passed),
            ("expired", Some(0), false)
        );
        // The officer cannot see another's attempt.
        assert!(matches!(
            store.attempt_view(&zhang, &at, late).await,
            Err(StoreError::NotFound)
        ));
        // One retake is left; after it, none.
        let at2 = store.start_attempt(&li, &test, late).await.unwrap();
        let wrong: Vec<Option<AnswerSet>> = vec![None; 3];
        assert!(
            !store
                .submit_attempt(&li, &at2, &wrong, late + 1000)
                .await
                .unwrap()
                .passed
        );
        let e = store
            .start_attempt(&li, &test, late + 2000)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.message.contains("最多可作答2次")),
            "{e:?}"
        );

        // Hours: a 2-hour and a 1.5-hour activity for Zhang, only the first for Li.
        let a1 = activity(&store, &office, &c, "A", "2").await;
        let a2 = activity(&store, &office, &c, "A", "1.5").await;
        store
            .import_attendance(
                &office,
                &a1,
                vec![row(2, "A001", "张伟", ""), row(3, "A002", "李娜", "")],
            )
            .await
            .unwrap()
            .unwrap();
        store
            .import_attendance(&office, &a2, vec![row(2, "A001", "张伟", "")])
            .await
            .unwrap()
            .unwrap();
        // Zhang: 3.5 h and passed → done. Li: 2 h, failed → not. Wang: nothing.
        assert_eq!(store.study_completion(&c, &a_id).await.unwrap(), (1, 3));
        let (rows, total) = store
            .study_officers(&office, &c, Some(&a_id), true, 0, 50)
            .await
            .unwrap();
        assert_eq!(total, 2);
        let li_row = rows.iter().find(|r| r.badge == "A002").unwrap();
        assert!(!li_row.done);
        assert_eq!(li_row.minutes, 120);
        assert!(
            li_row.because.iter().any(|b| b.contains("还差1小时")),
            "{:?}",
            li_row.because
        );
        assert!(
            li_row
                .because
                .iter()
                .any(|b| b.contains("尚未通过（最好成绩0%）")),
            "{:?}",
            li_row.because
        );
        let me = store.my_study(&zhang, &c).await.unwrap();
        assert!(me.done, "{:?}", me.because);
        assert_eq!(me.minutes, 210);

        // An inactive officer is not counted; the station below A counts on its own.
        let conn = store.connection();
        Sql::of(conn)
            .exec(
                conn,
                "UPDATE officers SET active = 0 WHERE badge = 'A003'",
                vals![],
            )
            .await
            .unwrap();
        assert_eq!(store.study_completion(&c, &a_id).await.unwrap(), (1, 2));
        let a1_unit = store.unit_by_code("A1").await.unwrap().id;
        assert_eq!(store.study_completion(&c, &a1_unit).await.unwrap(), (0, 1));
        // Without the test requirement, Li's two hours still fall short of three.
        store
            .set_study_requirement(
                &office,
                &c,
                &StudyRequirement {
                    required_minutes: 120,
                    require_test: false,
                    required_essays: 0,
                },
            )
            .await
            .unwrap();
        assert_eq!(store.study_completion(&c, &a_id).await.unwrap(), (2, 2));
        let by_unit = store.study_completion_by_unit(&office, &c).await.unwrap();
        let a_row = by_unit.iter().find(|u| u.unit_id == a_id).unwrap();
        assert_eq!((a_row.done, a_row.total, a_row.rate), (2, 2, 100.0));
    }
}

#[tokio::test]
async fn essays_go_through_review() {
    for db in backends().await {
        let store = db.store;
        seed(&store).await;
        let leader = user(
            &store,
            "leader_a",
            Role::UnitLeader,
            "A",
            DataScope::Subtree,
            None,
        )
        .await;
        let leader_b = user(
            &store,
            "leader_b",
            Role::UnitLeader,
            "B",
            DataScope::Subtree,
            None,
        )
        .await;
        let zhang = user(
            &store,
            "zhangwei",
            Role::Officer,
            "A",
            DataScope::OwnUnit,
            Some("A001"),
        )
        .await;
        let c = campaign(&store).await;
        let body = "通过这次教育整顿学习，我深刻认识到".repeat(20);
        let id = store
            .submit_essay(&zhang, &c, "学习体会", &body)
            .await
            .unwrap();
        assert!(matches!(
            store.essay_in_scope(&leader_b, &id).await,
            Err(StoreError::NotFound)
        ));
        let e = store
            .review_essay(&leader, &id, false, "太短")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.field == Some("note")),
            "{e:?}"
        );
        assert_eq!(
            store
                .review_essay(&leader, &id, false, "请结合本职工作查摆问题")
                .await
                .unwrap()
                .as_str(),
            "returned"
        );
        let e = store
            .review_essay(&leader, &id, true, "")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("退回修改"), "{e}");
        assert_eq!(
            store
                .resubmit_essay(&zhang, &id, "学习体会（修改稿）", &body)
                .await
                .unwrap()
                .as_str(),
            "submitted"
        );
        assert_eq!(
            store
                .review_essay(&leader, &id, true, "")
                .await
                .unwrap()
                .as_str(),
            "approved"
        );
        let essay = store.essay_in_scope(&zhang, &id).await.unwrap();
        assert_eq!(
            (essay.revision, essay.title.as_str()),
            (2, "学习体会（修改稿）")
        );
        let events = store.essay_events(&leader, &id).await.unwrap();
        assert_eq!(events.len(), 4);
        assert!(events[1].note.contains("请结合本职工作查摆问题"));
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'study.essay_%'",
                vals![]
            )
            .await,
            4
        );
    }
}

#[tokio::test]
async fn study_tables_survive_backup_and_restore() {
    let key = MasterKey::generate().to_hex();
    let open_at = |dir: std::path::PathBuf| {
        let key = key.clone();
        async move {
            Store::open(
                &StoreConfig::new(dir),
                Keyring::new(MasterKey::from_hex(&key).unwrap(), Suite::Sm4Gcm),
            )
            .await
            .unwrap()
        }
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = open_at(a.path().to_path_buf()).await;
    seed(&store).await;
    let office = user(
        &store,
        "office",
        Role::CampaignOffice,
        "ROOT",
        DataScope::All,
        None,
    )
    .await;
    let zhang = user(
        &store,
        "zhangwei",
        Role::Officer,
        "A",
        DataScope::OwnUnit,
        Some("A001"),
    )
    .await;
    let c = campaign(&store).await;
    store
        .set_study_requirement(
            &office,
            &c,
            &StudyRequirement {
                required_minutes: 60,
                require_test: true,
                required_essays: 1,
            },
        )
        .await
        .unwrap();
    let act = activity(&store, &office, &c, "A", "2").await;
    store
        .import_attendance(&office, &act, vec![row(2, "A001", "张伟", "09:00")])
        .await
        .unwrap()
        .unwrap();
    store
        .submit_essay(&zhang, &c, "学习体会", &"以学促查、以学促改。".repeat(30))
        .await
        .unwrap();
    bank(&store, &office, &c).await;
    let a_id = store.unit_by_code("A").await.unwrap().id;
    let t = TestInput {
        title: "应知应会测试".into(),
        question_count: "3".into(),
        time_limit_minutes: "20".into(),
        pass_percent: "60".into(),
        max_attempts: "2".into(),
    };
    let test = store
        .create_test(&office, &c, &a_id, &t.validate().unwrap())
        .await
        .unwrap();
    let at = store.start_attempt(&zhang, &test, now_ms()).await.unwrap();
    store
        .submit_attempt(&zhang, &at, &[None, None, None], now_ms())
        .await
        .unwrap();

    let file = a.path().join("backup.jsonl");
    store.backup(&file).await.unwrap();
    let restored = open_at(b.path().to_path_buf()).await;
    restored.restore(&file).await.unwrap();
    let ours = |counts: Vec<(String, i64)>| {
        counts
            .into_iter()
            .filter(|(t, _)| t.starts_with("study_"))
            .collect::<Vec<_>>()
    };
    let before = ours(store.table_counts().await.unwrap());
    assert_eq!(before.len(), 8, "{before:?}");
    assert!(
        before.iter().all(|(_, n)| *n > 0),
        "every study table has rows: {before:?}"
    );
    assert_eq!(ours(restored.table_counts().await.unwrap()), before);
    // The venue code comes out the same: the salt travelled, the key is the same.
    let office_b = user(
        &restored,
        "office_b",
        Role::CampaignOffice,
        "ROOT",
        DataScope::All,
        None,
    )
    .await;
    let t = now_ms();
    assert_eq!(
        restored.venue_code(&office_b, &act, t).await.unwrap().code,
        store.venue_code(&office, &act, t).await.unwrap().code
    );
    assert_eq!(
        restored.study_completion(&c, &a_id).await.unwrap(),
        store.study_completion(&c, &a_id).await.unwrap()
    );
}

/// Not a test of speed (machines here are too noisy for that): prints the import's rows/s beside the
/// baseline of QUALITY.md, plain 100-row INSERT transactions of the same rows, measured in the same run.
/// `STUDY_IMPORT_ROWS=1000000 cargo test --release -p store --test study -- --ignored --nocapture`
#[tokio::test]
#[ignore]
async fn measure_attendance_import() {
    let n: usize = std::env::var("STUDY_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let db = open(None).await;
    let store = db.store;
    seed(&store).await;
    let a1 = store.unit_by_code("A1").await.unwrap().id;
    let conn = store.connection();
    let sql = Sql::of(conn);
    for start in (0..n).step_by(5000) {
        let end = (start + 5000).min(n);
        let marks = vec!["(?, ?, ?, ?, '民警', 1, 0)"; end - start].join(", ");
        let mut v = Vec::new();
        for i in start..end {
            v.extend(vals![
                store::new_id(),
                a1.as_str(),
                format!("干警{i}"),
                format!("P{i:07}")
            ]);
        }
        sql.exec(conn, &format!("INSERT INTO officers (id, unit_id, name, badge, position, active, created_at) VALUES {marks}"), v).await.unwrap();
    }
    let office = user(
        &store,
        "office",
        Role::CampaignOffice,
        "ROOT",
        DataScope::All,
        None,
    )
    .await;
    let c = campaign(&store).await;

    // Baseline: the same rows, 100 to a transaction, each commit durable.
    let base = activity(&store, &office, &c, "A", "1").await;
    let ids: Vec<String> = {
        let rows = sql
            .all(
                conn,
                "SELECT id FROM officers WHERE badge LIKE 'P%' ORDER BY badge",
                vals![],
            )
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get::<String>("", "id").unwrap())
            .collect()
    };
    let t = std::time::Instant::now();
    for chunk in ids.chunks(100) {
        let marks = vec!["(?, ?, ?, NULL, 'import', NULL, 0)"; chunk.len()].join(", ");
        let mut v = Vec::new();
        for id in chunk {
            v.extend(vals![store::new_id(), base.as_str(), id.as_str()]);
        }
        let txn = sea_orm::TransactionTrait::begin(conn).await.unwrap();
        sql.exec(&txn, &format!("INSERT INTO study_attendance (id, activity_id, officer_id, signed_at, method, recorded_by, recorded_at) VALUES {marks}"), v).await.unwrap();
        txn.commit().await.unwrap();
    }
    let baseline = n as f64 / t.elapsed().as_secs_f64();

    let a = activity(&store, &office, &c, "A", "2").await;
    let rows: Vec<AttendanceImport> = (0..n)
        .map(|i| row(i + 2, &format!("P{i:07}"), &format!("干警{i}"), "09:00"))
        .collect();
    let t = std::time::Instant::now();
    let s = store
        .import_attendance(&office, &a, rows)
        .await
        .unwrap()
        .unwrap();
    let import = n as f64 / t.elapsed().as_secs_f64();
    assert_eq!(s.added, n as u64);
    println!(
        "attendance import of {n} rows: {import:.0} rows/s; baseline 100-row transactions: {baseline:.0} rows/s; ratio {:.2}",
        import / baseline
    );
}
