//! Store behaviour on a real database: SQLite always, and PostgreSQL too when MINGJING_TEST_PG names a server.

use crypto::{Keyring, MasterKey, Suite};
use domain::org::{DataScope, Role, UnitKind, Username};
use domain::tips::{ProblemCategory, ValidTip};
use sea_orm::{ConnectionTrait, Database, Statement};
use store::audit::AuditActor;
use store::org::{NewUnit, NewUser};
use store::tips::NewTip;
use store::{Store, StoreConfig};

struct Db {
    store: Store,
    dir: tempfile::TempDir,
    key: String,
    url: Option<String>,
}

async fn pg_database() -> Option<String> {
    let base = std::env::var("MINGJING_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())?;
    let name = format!("mj_store_{}", uuid_like());
    let admin = Database::connect(&base)
        .await
        .expect("MINGJING_TEST_PG is set but the server cannot be reached");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    admin.close().await.ok();
    let (head, _) = base.rsplit_once('/').expect("url has a database part");
    Some(format!("{head}/{name}"))
}

fn uuid_like() -> String {
    hex::encode(crypto::random_bytes::<6>())
}

/// Every test runs on SQLite, then again on a fresh PostgreSQL database when one is configured.
async fn backends() -> Vec<Db> {
    let mut v = vec![open(None, None).await];
    if let Some(url) = pg_database().await {
        v.push(open(Some(url), None).await);
    }
    v
}

async fn open(url: Option<String>, key: Option<String>) -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = key.unwrap_or_else(|| MasterKey::generate().to_hex());
    let mut cfg = StoreConfig::new(dir.path());
    cfg.database_url = url.clone();
    let store = Store::open(
        &cfg,
        Keyring::new(MasterKey::from_hex(&key).expect("key"), Suite::Sm4Gcm),
    )
    .await
    .expect("open store");
    Db {
        store,
        dir,
        key,
        url,
    }
}

async fn seed(store: &Store) {
    let units = vec![
        NewUnit {
            code: "ROOT".into(),
            name: "江州市委政法委".into(),
            kind: UnitKind::Committee,
            parent_code: None,
        },
        NewUnit {
            code: "D1".into(),
            name: "城关区公安分局".into(),
            kind: UnitKind::Police,
            parent_code: Some("ROOT".into()),
        },
    ];
    store
        .create_units(&AuditActor::system(), &units)
        .await
        .expect("units");
}

fn tip(text: &str, reporter: Option<&str>) -> NewTip {
    NewTip {
        tip: ValidTip {
            accused_name: Some("张某".into()),
            accused_unit: Some("城关派出所".into()),
            accused_position: None,
            category: ProblemCategory::Conduct,
            description: text.into(),
            reporter_name: reporter.map(str::to_string),
            reporter_contact: reporter.map(|r| format!("{r}-phone")),
        },
        attachments: vec![store::tips::NewAttachment {
            name: "证据.txt".into(),
            kind: domain::tips::AttachmentKind::Text,
            bytes: "现场记录".as_bytes().to_vec(),
        }],
        idempotency_key: None,
    }
}

const TEXT: &str = "城关派出所民警张某在办理户籍业务时向群众索要好处费二百元，不给就拖着不办，多名群众对此反映强烈，希望组织调查处理。";

#[tokio::test]
async fn sqlite_without_full_synchronous_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = StoreConfig::new(dir.path());
    cfg.sqlite_synchronous = "normal".into();
    let err = Store::open(&cfg, Keyring::new(MasterKey::generate(), Suite::Sm4Gcm))
        .await
        .err()
        .expect("must refuse");
    assert!(err.to_string().contains("synchronous=FULL"), "{err}");
    let mut cfg = StoreConfig::new(dir.path());
    cfg.sqlite_journal_mode = "delete".into();
    assert!(
        Store::open(&cfg, Keyring::new(MasterKey::generate(), Suite::Sm4Gcm))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn migrations_run_once_and_reopen_cleanly() {
    for db in backends().await {
        let Db {
            store,
            dir,
            key,
            url,
        } = db;
        seed(&store).await;
        store.close().await;
        let again = open_at(dir.path(), url.clone(), &key).await;
        let n = again.count_units().await.unwrap();
        assert_eq!(n, 2);
        let sql = Statement::from_string(
            again.connection().get_database_backend(),
            "SELECT COUNT(*) AS n FROM schema_migrations",
        );
        let row = again
            .connection()
            .query_one_raw(sql)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.try_get::<i64>("", "n").unwrap(),
            store::migrate::latest_version()
        );
    }
}

async fn open_at(dir: &std::path::Path, url: Option<String>, key: &str) -> Store {
    let mut cfg = StoreConfig::new(dir);
    cfg.database_url = url;
    Store::open(
        &cfg,
        Keyring::new(MasterKey::from_hex(key).unwrap(), Suite::Sm4Gcm),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn concurrent_tips_share_commits_and_get_distinct_numbers() {
    for db in backends().await {
        let store = db.store.clone();
        seed(&store).await;
        let mut tasks = Vec::new();
        for i in 0..120 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                s.submit_tip(tip(
                    &format!("{TEXT}第{i}号补充：{}", "细节".repeat(i % 7)),
                    None,
                ))
                .await
            }));
        }
        let mut numbers = std::collections::HashSet::new();
        let mut receipts = Vec::new();
        for t in tasks {
            let r = t.await.unwrap().expect("submit");
            assert!(
                numbers.insert(r.number.clone()),
                "duplicate number {}",
                r.number
            );
            receipts.push(r.receipt);
        }
        assert_eq!(store.count_tips().await.unwrap(), 120);
        assert_eq!(store.count_clues().await.unwrap(), 120);
        for r in receipts.iter().take(10) {
            assert_eq!(store.verify_tip_files(r).await.unwrap(), 1);
            assert!(store.lookup_tip(r).await.unwrap().is_some());
        }
        let v = store.audit_verify().await.unwrap();
        assert_eq!(v.first_bad, None);
        assert!(v.rows >= 121);
        drop(db.dir);
    }
}

#[tokio::test]
async fn an_idempotency_key_makes_one_tip() {
    for db in backends().await {
        let store = &db.store;
        seed(store).await;
        let mut a = tip(TEXT, None);
        a.idempotency_key = Some("client-key-1".into());
        let mut b = tip(TEXT, None);
        b.idempotency_key = Some("client-key-1".into());
        let r1 = store.submit_tip(a).await.unwrap();
        let r2 = store.submit_tip(b).await.unwrap();
        assert_eq!(r1.number, r2.number);
        assert_eq!(r1.receipt.digits(), r2.receipt.digits());
        assert!(r2.replayed);
        assert_eq!(store.count_tips().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn a_near_duplicate_is_linked_not_dropped() {
    for db in backends().await {
        let store = &db.store;
        seed(store).await;
        let first = store.submit_tip(tip(TEXT, None)).await.unwrap();
        let near = TEXT.replace("反映强烈", "反应强烈");
        let second = store.submit_tip(tip(&near, None)).await.unwrap();
        assert_eq!(second.duplicate_of.as_deref(), Some(first.number.as_str()));
        let unrelated = store.submit_tip(tip("市中级人民法院某法官离任后不到一年就以律师身份代理原单位审理的合同纠纷案件，利用过去的关系打招呼。", None)).await.unwrap();
        assert_eq!(unrelated.duplicate_of, None);
        assert_eq!(store.count_tips().await.unwrap(), 3);
    }
}

#[tokio::test]
async fn backup_then_restore_into_an_empty_folder_keeps_everything() {
    for db in backends().await {
        let store = &db.store;
        seed(store).await;
        let canary = format!("CANARY{}", uuid_like());
        let r = store.submit_tip(tip(TEXT, Some(&canary))).await.unwrap();
        store
            .submit_tip(tip(
                "另一条举报：某司法所工作人员工作时间长期在外办私事，群众找不到人办事。",
                None,
            ))
            .await
            .unwrap();
        let out = db.dir.path().join("backup.mjb");
        let summary = store.backup(&out).await.unwrap();
        assert_eq!(summary.files, 2);
        let raw = std::fs::read(&out).unwrap();
        assert!(
            !String::from_utf8_lossy(&raw).contains(&canary),
            "identity must stay sealed in the backup"
        );
        let before = store.table_counts().await.unwrap();

        // Restore on SQLite in a fresh folder with the same master key.
        let fresh = open(None, Some(db.key.clone())).await;
        fresh.store.restore(&out).await.unwrap();
        let after = fresh.store.table_counts().await.unwrap();
        for ((t, a), (_, b)) in before.iter().zip(after.iter()) {
            if t == "audit_log" {
                assert_eq!(*b, a + 1, "restore adds its own audit row");
            } else if t != "audit_head" {
                assert_eq!(a, b, "table {t}");
            }
        }
        assert_eq!(fresh.store.audit_verify().await.unwrap().first_bad, None);
        assert_eq!(fresh.store.verify_tip_files(&r.receipt).await.unwrap(), 1);
        let view = fresh
            .store
            .lookup_tip(&r.receipt)
            .await
            .unwrap()
            .expect("sealed data decrypts after restore");
        assert_eq!(view.number, r.number);
        // A second restore into a non-empty store is refused, and another key cannot restore at all.
        assert!(fresh.store.restore(&out).await.is_err());
        let other = open(None, None).await;
        assert!(other.store.restore(&out).await.is_err());
        assert_eq!(other.store.count_units().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn tampering_with_the_audit_trail_is_named() {
    let db = open(None, None).await;
    let store = &db.store;
    seed(store).await;
    for i in 0..5 {
        store
            .audit_now(&AuditActor::system(), "test.event", &format!("t{i}"), "")
            .await
            .unwrap();
    }
    assert_eq!(store.audit_verify().await.unwrap().first_bad, None);
    let exec = |sql: &str| {
        let st = Statement::from_string(store.connection().get_database_backend(), sql.to_string());
        async move { store.connection().execute_raw(st).await.unwrap() }
    };
    exec("UPDATE audit_log SET detail = 'changed' WHERE seq = 3").await;
    let bad = store
        .audit_verify()
        .await
        .unwrap()
        .first_bad
        .expect("detected");
    assert_eq!(bad.0, 3, "{}", bad.1);
}

#[tokio::test]
async fn deadline_scan_writes_each_notice_once() {
    for db in backends().await {
        let store = &db.store;
        seed(store).await;
        store.submit_tip(tip(TEXT, None)).await.unwrap();
        // Push the clue's step deadline into the past.
        let st = Statement::from_string(
            store.connection().get_database_backend(),
            "UPDATE clues SET due_date = '2020-01-01'".to_string(),
        );
        store.connection().execute_raw(st).await.unwrap();
        let first = store.scan_clue_deadlines().await.unwrap();
        assert_eq!(
            first, 1,
            "overdue notice to the handling unit, which is the office itself here"
        );
        let second = store.scan_clue_deadlines().await.unwrap();
        assert_eq!(second, 0);
    }
}

#[tokio::test]
async fn a_user_in_one_district_cannot_load_another_districts_clue() {
    for db in backends().await {
        let store = &db.store;
        seed(store).await;
        store
            .create_units(
                &AuditActor::system(),
                &[NewUnit {
                    code: "D2".into(),
                    name: "高新区公安分局".into(),
                    kind: UnitKind::Police,
                    parent_code: Some("ROOT".into()),
                }],
            )
            .await
            .unwrap();
        for (name, unit, role, scope) in [
            ("boss", "ROOT", Role::DisciplineInspector, DataScope::All),
            ("dist1", "D1", Role::DisciplineInspector, DataScope::Subtree),
        ] {
            store
                .create_user(
                    &AuditActor::system(),
                    &NewUser {
                        username: Username::parse(name).unwrap(),
                        display_name: name.into(),
                        role,
                        unit_code: unit.into(),
                        scope,
                        password: "Password123456".into(),
                        officer_badge: None,
                    },
                )
                .await
                .unwrap();
        }
        let boss = actor(store, "boss").await;
        let d1 = actor(store, "dist1").await;
        store.submit_tip(tip(TEXT, None)).await.unwrap();
        let (clues, _) = store
            .clues(&boss, &Default::default(), 0, 10)
            .await
            .unwrap();
        let id = clues[0].id.clone();
        assert!(matches!(
            store.clue_in_scope(&d1, &id).await,
            Err(store::StoreError::NotFound)
        ));
        let d2 = store.unit_by_code("D2").await.unwrap();
        store
            .clue_step(
                &boss,
                &id,
                &store::clues::StepInput::Assign { unit_id: d2.id },
                "",
            )
            .await
            .unwrap();
        assert!(matches!(
            store.clue_in_scope(&d1, &id).await,
            Err(store::StoreError::NotFound)
        ));
        let d1u = store.unit_by_code("D1").await.unwrap();
        store
            .clue_step(
                &boss,
                &id,
                &store::clues::StepInput::Assign {
                    unit_id: d1u.id.clone(),
                },
                "",
            )
            .await
            .unwrap();
        assert!(store.clue_in_scope(&d1, &id).await.is_ok());
        // d1 cannot send it to a unit outside its scope.
        let root = store.unit_by_code("ROOT").await.unwrap();
        assert!(
            store
                .clue_step(
                    &d1,
                    &id,
                    &store::clues::StepInput::Assign { unit_id: root.id },
                    ""
                )
                .await
                .is_err()
        );
    }
}

async fn actor(store: &Store, username: &str) -> store::Actor {
    let user_id = match store
        .check_password(username, "Password123456")
        .await
        .unwrap()
    {
        store::org::LoginOutcome::Ok { user_id, .. } => user_id,
        other => panic!("login failed: {other:?}"),
    };
    let token = store.create_session(&user_id, "web", true).await.unwrap();
    store.session(&token).await.unwrap().unwrap().actor
}

/// A table added by a migration but missing from the backup list would be silently lost on restore:
/// every table and column of the schema is in the backup, except queued jobs and sign-in sessions.
#[tokio::test]
async fn the_backup_holds_every_table_and_column_of_the_schema() {
    let db = open(None, None).await;
    let c = db.store.connection();
    let rows = c
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ))
        .await
        .unwrap();
    let mut schema: Vec<(String, Vec<String>)> = Vec::new();
    for r in rows {
        let name: String = r.try_get_by_index(0).unwrap();
        if ["schema_migrations", "jobs", "sessions"].contains(&name.as_str()) {
            continue;
        }
        let cols = c
            .query_all_raw(Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                format!("SELECT name FROM pragma_table_info('{name}') ORDER BY cid"),
            ))
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect();
        schema.push((name, cols));
    }
    let mut backed: Vec<(String, Vec<String>)> = store::backup::backed_up_tables()
        .into_iter()
        .map(|(t, cols)| {
            (
                t.to_string(),
                cols.into_iter().map(str::to_string).collect(),
            )
        })
        .collect();
    backed.sort();
    for (t, cols) in &schema {
        let b = backed.iter().find(|(n, _)| n == t);
        assert!(b.is_some(), "table {t} is not in the backup");
        let mut want = cols.clone();
        want.sort();
        let mut have = b.unwrap().1.clone();
        have.sort();
        assert_eq!(want, have, "columns of {t}");
    }
    assert_eq!(
        schema.len(),
        backed.len(),
        "the backup names a table the schema lacks"
    );
}
