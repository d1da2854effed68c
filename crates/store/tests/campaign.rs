//! Campaigns on a real database (SQLite always, PostgreSQL too when MINGJING_TEST_PG names a server): the
//! phase gate reading its facts from the clue, task and study modules, overrides and rework with their
//! records, the life of a task with evidence files, the deadline scan, and the responsibility matrix.

use chrono::Days;
use crypto::{Keyring, MasterKey, Suite};
use domain::campaign::{
    CampaignTemplate, PhaseDraft, ResponsibilityLevel, TaskAction, TaskDraft, TaskState,
    validate_phases, validate_task,
};
use domain::clues::{ClueSource, DisposalMethod};
use domain::org::{DataScope, Role, UnitKind};
use domain::tips::{AttachmentKind, ProblemCategory};
use sea_orm::{ConnectionTrait, Database};
use store::audit::AuditActor;
use store::campaign::responsibility::Holder;
use store::campaign::tasks::{Evidence, NewTask, TaskFilter, TaskTab};
use store::campaign::{NewCampaign, PhaseStep};
use store::clues::{NewClue, StepInput, today};
use store::org::{NewOfficer, NewUnit};
use store::{Actor, Sql, Store, StoreConfig, StoreError, vals};

struct Db {
    store: Store,
    _dir: tempfile::TempDir,
    /// (server URL, database name) of a PostgreSQL database made for this test, dropped at the end.
    pg: Option<(String, String)>,
}

impl Db {
    async fn finish(self) {
        self.store.close().await;
        if let Some((server, name)) = self.pg {
            if let Ok(admin) = Database::connect(&server).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                admin.close().await.ok();
            }
        }
    }
}

async fn backends() -> Vec<Db> {
    let mut v = vec![open(None).await];
    if let Some(base) = std::env::var("MINGJING_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
    {
        let name = format!("mj_campaign_{}", hex::encode(crypto::random_bytes::<6>()));
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
    Db {
        store,
        _dir: dir,
        pg: None,
    }
}

/// ROOT → D1 → D1S, ROOT → D2; two officers in D1, none in D2.
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
                u("D1S", "甲区城关派出所", Some("D1")),
                u("D2", "乙区公安分局", Some("ROOT")),
            ],
        )
        .await
        .expect("units");
    let o = |name: &str, badge: &str| NewOfficer {
        name: name.into(),
        badge: badge.into(),
        unit_code: "D1".into(),
        position: "民警".into(),
        id_number: None,
    };
    store
        .add_officers(
            &AuditActor::system(),
            &[o("张一", "A001"), o("李二", "A002")],
        )
        .await
        .expect("officers");
}

async fn actor(store: &Store, name: &str, role: Role, unit_code: &str, scope: DataScope) -> Actor {
    let u = store.unit_by_code(unit_code).await.expect("unit");
    Actor {
        user_id: format!("u-{name}"),
        username: name.into(),
        display_name: format!("{name}（测试）"),
        role,
        unit_id: u.id,
        unit_name: u.name,
        unit_path: u.path,
        scope,
        officer_id: None,
    }
}

async fn unit_id(store: &Store, code: &str) -> String {
    store.unit_by_code(code).await.expect("unit").id
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

fn draft(starts: i64, ends: i64, rate: &str, clues: bool, tasks: bool) -> PhaseDraft {
    PhaseDraft {
        starts: day(starts),
        ends: day(ends),
        study_rate: rate.into(),
        clues_disposed: clues,
        tasks_accepted: tasks,
        ..PhaseDraft::default()
    }
}

/// 学习动员 (study ≥ 90%, no overdue clue, tasks accepted) → 自查自纠 (rectification) → 对照检查 → 整改提高 (none).
async fn discipline_campaign(store: &Store, office: &Actor) -> String {
    let mut drafts = vec![
        draft(-10, 10, "90", true, true),
        draft(10, 20, "", false, false),
        draft(20, 30, "", false, false),
        draft(30, 40, "", false, false),
    ];
    drafts[1].rectification_accepted = true;
    let phases = validate_phases(CampaignTemplate::Discipline, &drafts).expect("phases");
    store
        .create_campaign(
            office,
            &NewCampaign {
                name: "2026年思想作风纪律整顿".into(),
                template: CampaignTemplate::Discipline,
                phases,
            },
        )
        .await
        .expect("campaign")
}

fn task(title: &str, deadline_offset: i64) -> domain::campaign::ValidTask {
    let d = TaskDraft {
        title: title.into(),
        body: "按要求报送相关材料并说明情况".into(),
        deadline: day(deadline_offset),
        leader: "王副书记".into(),
        owner: "李科长".into(),
    };
    validate_task(&d, today()).expect("task")
}

async fn audit_count(store: &Store, action: &str) -> i64 {
    let c = store.connection();
    Sql::of(c)
        .scalar(
            c,
            "SELECT COUNT(*) FROM audit_log WHERE action = ?",
            vals![action],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_unit_moves_on_only_when_its_facts_hold() {
    for db in backends().await {
        let s = &db.store.clone();
        seed(s).await;
        let office = actor(s, "office", Role::CampaignOffice, "ROOT", DataScope::All).await;
        let jiwei = actor(
            s,
            "jiwei",
            Role::DisciplineInspector,
            "ROOT",
            DataScope::All,
        )
        .await;
        let leader = actor(s, "leader", Role::UnitLeader, "D1", DataScope::Subtree).await;
        let d1 = unit_id(s, "D1").await;
        let cid = discipline_campaign(s, &office).await;

        // Nothing done yet: the default study requirement (pass the test) is met by nobody.
        let e = s
            .move_unit(&office, &cid, &d1, &PhaseStep::Advance)
            .await
            .unwrap_err();
        let StoreError::Invalid(e) = e else {
            panic!("{e:?}")
        };
        assert!(
            e.message.contains("学习完成率 0%（0/2人），要求 ≥ 90%"),
            "{}",
            e.message
        );

        // An overdue clue of the unit and an open task of the phase block it too.
        let n = NewClue {
            source: ClueSource::Inspection,
            category: ProblemCategory::Conduct,
            accused_name: None,
            accused_unit: None,
            accused_position: None,
            accused_badge: None,
            summary: "督导中发现的作风问题".into(),
        };
        let (clue, _) = s.register_clue(&office, &n).await.unwrap();
        s.clue_step(
            &office,
            &clue,
            &StepInput::Assign {
                unit_id: d1.clone(),
            },
            "",
        )
        .await
        .unwrap();
        let c = s.connection();
        Sql::of(c)
            .exec(
                c,
                "UPDATE clues SET due_date = ? WHERE id = ?",
                vals![day(-1), clue.as_str()],
            )
            .await
            .unwrap();
        let c0 = s.campaign_in_scope(&office, &cid).await.unwrap();
        let (tid, _) = s
            .issue_task(
                &office,
                &NewTask {
                    task: task("报送实施方案", 5),
                    campaign_id: Some(cid.clone()),
                    phase_seq: Some(0),
                    unit_ids: vec![d1.clone()],
                },
            )
            .await
            .unwrap();
        s.set_study_requirement(
            &office,
            &cid,
            &domain::study::StudyRequirement {
                required_minutes: 0,
                require_test: false,
                required_essays: 0,
            },
        )
        .await
        .unwrap();
        let facts = s.unit_facts(&c0, &d1, 0).await.unwrap();
        assert_eq!(
            (
                facts.study.done,
                facts.study.of,
                facts.overdue_clues,
                facts.tasks.done,
                facts.tasks.of
            ),
            (2, 2, 1, 0, 1)
        );
        let e = s
            .move_unit(&office, &cid, &d1, &PhaseStep::Advance)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("尚有2项退出条件未满足")
                && e.contains("有 1 条问题线索超过办理时限未处置")
                && e.contains("本阶段任务已验收 0/1项"),
            "{e}"
        );
        let view = s.unit_phase(&office, &c0, &d1).await.unwrap();
        assert_eq!(
            (view.state.phase, view.state.completed, view.history.len()),
            (0, false, 0)
        );

        // The clue is disposed of (its next step is due in the future) and the task is accepted.
        s.clue_step(
            &jiwei,
            &clue,
            &StepInput::Dispose {
                method: DisposalMethod::TalkOrLetter,
            },
            "",
        )
        .await
        .unwrap();
        let target = s.task_in_scope(&leader, &tid).await.unwrap().targets[0]
            .row
            .target_id
            .clone();
        s.task_step(
            &leader,
            &target,
            TaskAction::Submit,
            "已报送实施方案，请审阅",
            vec![],
        )
        .await
        .unwrap();
        s.task_step(&office, &target, TaskAction::Accept, "", vec![])
            .await
            .unwrap();
        let before = audit_count(s, "campaign.advance").await;
        let mv = s
            .move_unit(&office, &cid, &d1, &PhaseStep::Advance)
            .await
            .unwrap();
        assert_eq!(mv.to.phase, 1);
        assert_eq!(mv.because[0], "由「学习动员」进入「自查自纠」阶段");
        assert!(
            mv.because
                .contains(&"已满足：学习完成率 100%（2/2人），要求 ≥ 90%".to_string()),
            "{:?}",
            mv.because
        );
        assert_eq!(audit_count(s, "campaign.advance").await, before + 1);
        let view = s.unit_phase(&office, &c0, &d1).await.unwrap();
        assert_eq!(view.state.phase, 1);
        assert_eq!(view.history.len(), 1);
        assert_eq!(view.history[0].action, "advance");
        assert_eq!(view.history[0].checklist.items.len(), 3);
        assert!(view.history[0].checklist.passed());

        // D2 has no officers: the study criterion cannot hold, so only an override with a reason moves it.
        let d2 = unit_id(s, "D2").await;
        let e = s
            .move_unit(
                &office,
                &cid,
                &d2,
                &PhaseStep::Override {
                    reason: "同意".into(),
                },
            )
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(e, "请填写特批理由（不少于5个字）");
        let mv = s
            .move_unit(
                &office,
                &cid,
                &d2,
                &PhaseStep::Override {
                    reason: "该局干警已全员借调专案组，经领导小组同意".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(mv.to.phase, 1);
        let view = s.unit_phase(&office, &c0, &d2).await.unwrap();
        let note = &view.history[0].note;
        assert!(
            note.contains("整顿办特批：该局干警已全员借调专案组")
                && note.contains("未满足：本单位花名册中没有干警"),
            "{note}"
        );
        assert_eq!(audit_count(s, "campaign.override").await, 1);

        // D1 goes through the rest (no rectification rows, no criteria) and completes; rework sends it back.
        for expect in [2, 3] {
            assert_eq!(
                s.move_unit(&office, &cid, &d1, &PhaseStep::Advance)
                    .await
                    .unwrap()
                    .to
                    .phase,
                expect
            );
        }
        let last = s
            .move_unit(&office, &cid, &d1, &PhaseStep::Advance)
            .await
            .unwrap();
        assert!(last.to.completed);
        assert_eq!(
            last.because[0],
            "「整改提高」是最后一个阶段，本单位整顿活动完成"
        );
        let inspector = actor(s, "duchazu", Role::Inspector, "ROOT", DataScope::All).await;
        let mv = s
            .move_unit(
                &inspector,
                &cid,
                &d1,
                &PhaseStep::Rework {
                    to: 1,
                    reasons: "整改台账与实际不符，重新整改".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!((mv.to.phase, mv.to.completed), (1, false));
        let view = s.unit_phase(&office, &c0, &d1).await.unwrap();
        assert_eq!(view.history.len(), 5);
        assert_eq!(view.history[4].action, "rework");
        assert!(
            view.history[4]
                .note
                .contains("返工理由：整改台账与实际不符"),
            "{}",
            view.history[4].note
        );

        // Another unit's liaison sees the campaign but not D1's phase, and cannot move it.
        let liaison = actor(s, "lianluo", Role::UnitLiaison, "D2", DataScope::OwnUnit).await;
        let seen = s.campaign_in_scope(&liaison, &cid).await.unwrap();
        assert!(matches!(
            s.unit_phase(&liaison, &seen, &d1).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.move_unit(&liaison, &cid, &d1, &PhaseStep::Advance).await,
            Err(StoreError::NotFound)
        ));
        let (board, total) = s
            .phase_board(&liaison, &seen, &Default::default(), 0, 50)
            .await
            .unwrap();
        assert_eq!(
            (total, board.len(), board[0].unit_code.as_str()),
            (1, 1, "D2")
        );

        // The board shows every unit with what blocks it; the campaign completes when every unit has.
        let (board, total) = s
            .phase_board(&office, &c0, &Default::default(), 0, 50)
            .await
            .unwrap();
        assert_eq!(total, 4);
        let root = board.iter().find(|b| b.unit_code == "ROOT").unwrap();
        assert!(
            root.checklist.blocking_text().contains("没有干警"),
            "{:?}",
            root.checklist
        );
        assert_eq!(
            s.phase_counts(&office, &c0).await.unwrap(),
            vec![2, 2, 0, 0, 0]
        );
        for code in ["ROOT", "D1", "D1S", "D2"] {
            let u = unit_id(s, code).await;
            loop {
                let v = s.unit_phase(&office, &c0, &u).await.unwrap();
                if v.state.completed {
                    break;
                }
                s.move_unit(
                    &office,
                    &cid,
                    &u,
                    &PhaseStep::Override {
                        reason: "测试中统一推进各单位".into(),
                    },
                )
                .await
                .unwrap();
            }
        }
        assert_eq!(
            s.campaign_in_scope(&office, &cid).await.unwrap().status,
            "completed"
        );
        assert_eq!(s.audit_verify().await.unwrap().first_bad, None);
        db.finish().await;
    }
}

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[0u8; 32]);
    v
}

#[tokio::test]
async fn a_task_lives_through_reports_returns_and_acceptance() {
    for db in backends().await {
        let s = &db.store.clone();
        seed(s).await;
        let office = actor(s, "office", Role::CampaignOffice, "ROOT", DataScope::All).await;
        let leader = actor(s, "leader", Role::UnitLeader, "D1", DataScope::Subtree).await;
        let liaison = actor(s, "lianluo", Role::UnitLiaison, "D2", DataScope::OwnUnit).await;
        let (d1, d1s, d2) = (
            unit_id(s, "D1").await,
            unit_id(s, "D1S").await,
            unit_id(s, "D2").await,
        );

        // Who may send tasks where.
        let to = |units: Vec<String>| NewTask {
            task: task("开展警示教育", 7),
            campaign_id: None,
            phase_seq: None,
            unit_ids: units,
        };
        let (tid, number) = s
            .issue_task(&office, &to(vec![d1.clone(), d2.clone()]))
            .await
            .unwrap();
        assert!(number.starts_with("RW-"), "{number}");
        assert!(s.issue_task(&leader, &to(vec![d1s.clone()])).await.is_ok());
        for bad in [vec![d2.clone()], vec![d1.clone()], vec![]] {
            let e = s.issue_task(&leader, &to(bad)).await.unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(d) if d.field == Some("units")),
                "{e:?}"
            );
        }

        // Each side sees its own copies; the wrong side or another unit is refused.
        let mine = s.task_in_scope(&liaison, &tid).await.unwrap();
        assert_eq!(mine.targets.len(), 1);
        let t2 = mine.targets[0].row.target_id.clone();
        let all = s.task_in_scope(&office, &tid).await.unwrap();
        assert_eq!(all.targets.len(), 2);
        let t1 = all
            .targets
            .iter()
            .find(|t| t.row.unit_id == d1)
            .unwrap()
            .row
            .target_id
            .clone();
        assert!(matches!(
            s.task_step(
                &liaison,
                &t1,
                TaskAction::Progress,
                "本单位已完成部署",
                vec![]
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.task_step(&liaison, &t2, TaskAction::Accept, "", vec![])
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(s.task_in_scope(&leader, &tid).await, Ok(t) if t.targets.len() == 1));

        // A bad file refuses the whole report: no event, no file left on disk.
        let bad = Evidence {
            name: "x.bin".into(),
            kind: AttachmentKind::Text,
            bytes: vec![0, 1, 2, 3],
        };
        let good = Evidence {
            name: "照片.png".into(),
            kind: AttachmentKind::Png,
            bytes: png(),
        };
        let e = s
            .task_step(
                &liaison,
                &t2,
                TaskAction::Progress,
                "已组织警示教育大会",
                vec![good.clone(), bad],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.field == Some("files")),
            "{e:?}"
        );
        let e = s
            .task_step(&liaison, &t2, TaskAction::Progress, "短", vec![])
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.field == Some("note")),
            "{e:?}"
        );
        let files_dir = s.data_dir().join("task_files").join(&t2);
        assert_eq!(
            std::fs::read_dir(&files_dir)
                .map(|d| d.count())
                .unwrap_or(0),
            0
        );
        assert_eq!(
            s.task_in_scope(&liaison, &tid).await.unwrap().targets[0]
                .events
                .len(),
            1
        );

        let text = Evidence {
            name: "../../会议记录.txt".into(),
            kind: AttachmentKind::Text,
            bytes: "参会120人".as_bytes().to_vec(),
        };
        assert_eq!(
            s.task_step(
                &liaison,
                &t2,
                TaskAction::Progress,
                "已组织警示教育大会",
                vec![good, text]
            )
            .await
            .unwrap(),
            TaskState::InProgress
        );
        assert_eq!(
            s.task_step(&office, &t2, TaskAction::Chase, "请于本周内完成", vec![])
                .await
                .unwrap(),
            TaskState::InProgress
        );
        assert_eq!(
            s.task_step(
                &liaison,
                &t2,
                TaskAction::Submit,
                "全部完成，请验收",
                vec![]
            )
            .await
            .unwrap(),
            TaskState::Submitted
        );
        assert!(
            s.task_step(&liaison, &t2, TaskAction::Submit, "再次报请验收", vec![])
                .await
                .is_err()
        );
        let e = s
            .task_step(&office, &t2, TaskAction::Return, "不够", vec![])
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(e, "请填写退回理由（不少于5个字）");
        assert_eq!(
            s.task_step(
                &office,
                &t2,
                TaskAction::Return,
                "缺少参会人员签到表",
                vec![]
            )
            .await
            .unwrap(),
            TaskState::Returned
        );
        s.task_step(&liaison, &t2, TaskAction::Submit, "已补充签到表", vec![])
            .await
            .unwrap();
        assert_eq!(
            s.task_step(&office, &t2, TaskAction::Accept, "同意", vec![])
                .await
                .unwrap(),
            TaskState::Accepted
        );
        assert!(
            s.task_step(&office, &t2, TaskAction::Accept, "", vec![])
                .await
                .is_err()
        );

        // The history keeps every step, the files hang on the report they came with.
        let v = s.task_in_scope(&liaison, &tid).await.unwrap();
        let acts: Vec<&str> = v.targets[0]
            .events
            .iter()
            .map(|e| e.action.as_str())
            .collect();
        assert_eq!(
            acts,
            [
                "issue", "progress", "chase", "submit", "return", "submit", "accept"
            ]
        );
        let files = &v.targets[0].events[1].files;
        assert_eq!(files.len(), 2);
        assert_eq!(files[1].name, "会议记录.txt");
        let (name, kind, bytes) = s.task_file(&liaison, &tid, &files[1].id).await.unwrap();
        assert_eq!(
            (name.as_str(), kind.as_str(), bytes.as_slice()),
            ("会议记录.txt", "txt", "参会120人".as_bytes())
        );
        assert!(matches!(
            s.task_file(&leader, &tid, &files[1].id).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(v.targets[0].row.chased, 1);

        // Lists: the liaison's to-do, the office's issued tasks, filters.
        let (rows, n) = s
            .tasks(&liaison, &TaskFilter::default(), 0, 50)
            .await
            .unwrap();
        assert_eq!((n, rows[0].state), (1, TaskState::Accepted));
        let issued = TaskFilter {
            tab: TaskTab::Issued,
            ..TaskFilter::default()
        };
        assert_eq!(s.tasks(&office, &issued, 0, 50).await.unwrap().1, 2);
        let open = TaskFilter {
            tab: TaskTab::All,
            state: Some(TaskState::Issued),
            ..TaskFilter::default()
        };
        assert_eq!(s.tasks(&office, &open, 0, 50).await.unwrap().1, 2);
        assert_eq!(
            s.tasks_after(
                &office,
                &TaskFilter {
                    tab: TaskTab::All,
                    ..TaskFilter::default()
                },
                "",
                10
            )
            .await
            .unwrap()
            .len(),
            3
        );
        assert_eq!(audit_count(s, "task.return").await, 1);
        assert_eq!(s.audit_verify().await.unwrap().first_bad, None);
        db.finish().await;
    }
}

#[tokio::test]
async fn the_deadline_scan_reminds_escalates_and_runs_idempotently() {
    for db in backends().await {
        let s = &db.store.clone();
        seed(s).await;
        let office = actor(s, "office", Role::CampaignOffice, "ROOT", DataScope::All).await;
        let liaison = actor(s, "lianluo", Role::UnitLiaison, "D2", DataScope::OwnUnit).await;
        let (d1, d2) = (unit_id(s, "D1").await, unit_id(s, "D2").await);
        let one = |title: &str, offset, unit: &str| NewTask {
            task: task(title, offset),
            campaign_id: None,
            phase_seq: None,
            unit_ids: vec![unit.to_string()],
        };
        s.issue_task(&office, &one("今天到期的任务", 0, &d1))
            .await
            .unwrap();
        let (late, _) = s
            .issue_task(&office, &one("已经超期的任务", 0, &d2))
            .await
            .unwrap();
        let (done, _) = s
            .issue_task(&office, &one("已经验收的任务", 0, &d2))
            .await
            .unwrap();
        s.issue_task(&office, &one("下月到期的任务", 30, &d2))
            .await
            .unwrap();
        let c = s.connection();
        Sql::of(c)
            .exec(
                c,
                "UPDATE tasks SET deadline = ? WHERE id IN (?, ?)",
                vals![day(-2), late.as_str(), done.as_str()],
            )
            .await
            .unwrap();
        let t = s.task_in_scope(&office, &done).await.unwrap().targets[0]
            .row
            .target_id
            .clone();
        s.task_step(&liaison, &t, TaskAction::Submit, "已完成，请验收", vec![])
            .await
            .unwrap();
        s.task_step(&office, &t, TaskAction::Accept, "", vec![])
            .await
            .unwrap();

        // A reminder to D1; the overdue one to D2 and to the office that issued it.
        assert_eq!(s.scan_task_deadlines().await.unwrap(), 3);
        assert_eq!(s.scan_task_deadlines().await.unwrap(), 0);
        let d2_notes = s.notifications(&liaison, 10).await.unwrap();
        assert_eq!(d2_notes.len(), 1);
        assert_eq!(d2_notes[0].kind, "task_overdue");
        assert!(
            d2_notes[0].message.contains("已经超期的任务")
                && d2_notes[0].message.contains("乙区公安分局尚未完成"),
            "{}",
            d2_notes[0].message
        );
        let office_notes = s.notifications(&office, 10).await.unwrap();
        assert_eq!(office_notes.len(), 1);
        let leader = actor(s, "leader", Role::UnitLeader, "D1", DataScope::Subtree).await;
        let d1_notes = s.notifications(&leader, 10).await.unwrap();
        assert_eq!(
            (d1_notes.len(), d1_notes[0].kind.as_str()),
            (1, "task_reminder")
        );
        // The job runner knows the scan; running it again writes nothing new.
        assert!(
            s.run_due_jobs()
                .await
                .unwrap()
                .contains(&"task_deadlines".to_string())
        );
        assert_eq!(
            Sql::of(c)
                .scalar(
                    c,
                    "SELECT COUNT(*) FROM notifications WHERE kind LIKE 'task_%'",
                    vals![]
                )
                .await
                .unwrap(),
            3
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn each_unit_names_its_responsible_people() {
    for db in backends().await {
        let s = &db.store.clone();
        seed(s).await;
        let leader = actor(s, "leader", Role::UnitLeader, "D1", DataScope::Subtree).await;
        let liaison = actor(s, "lianluo", Role::UnitLiaison, "D2", DataScope::OwnUnit).await;
        let d1 = unit_id(s, "D1").await;
        let h = |level, name: &str, position: &str| Holder {
            level,
            name: name.into(),
            position: position.into(),
        };
        let holders = [
            h(
                ResponsibilityLevel::Supervisory,
                "区纪委监委派驻纪检监察组",
                "",
            ),
            h(
                ResponsibilityLevel::FirstResponsible,
                "吴建国",
                "党委书记、局长",
            ),
            h(ResponsibilityLevel::Principal, "中共甲区公安分局委员会", ""),
            h(ResponsibilityLevel::Direct, "", ""),
        ];
        s.set_responsibility(&leader, &d1, &holders).await.unwrap();
        let r = s.responsibility(&d1).await.unwrap();
        let levels: Vec<&str> = r.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(levels, ["主体责任", "第一责任人", "监督责任"]);
        assert_eq!(
            r[1],
            (
                "第一责任人".to_string(),
                "吴建国".to_string(),
                "党委书记、局长".to_string()
            )
        );
        assert!(matches!(
            s.set_responsibility(&liaison, &d1, &holders).await,
            Err(StoreError::NotFound)
        ));
        let e = s
            .set_responsibility(&leader, &d1, &[h(ResponsibilityLevel::Direct, "吴", "")])
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(d) if d.field == Some("name")),
            "{e:?}"
        );
        assert_eq!(
            s.responsibility(&d1).await.unwrap().len(),
            3,
            "a refused change leaves the old holders"
        );
        let (m, total) = s.responsibility_matrix(&leader, 0, 10).await.unwrap();
        assert_eq!((total, m[0].holders.len(), m[1].holders.len()), (2, 3, 0));
        assert_eq!(audit_count(s, "responsibility.set").await, 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn campaign_tables_survive_backup_and_restore() {
    let key = MasterKey::generate().to_hex();
    let open_with = |dir: &std::path::Path| {
        let cfg = StoreConfig::new(dir);
        let key = key.clone();
        async move {
            Store::open(
                &cfg,
                Keyring::new(MasterKey::from_hex(&key).unwrap(), Suite::Sm4Gcm),
            )
            .await
            .unwrap()
        }
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let s = open_with(a.path()).await;
    seed(&s).await;
    let office = actor(&s, "office", Role::CampaignOffice, "ROOT", DataScope::All).await;
    let leader = actor(&s, "leader", Role::UnitLeader, "D1", DataScope::Subtree).await;
    let cid = discipline_campaign(&s, &office).await;
    let d2 = unit_id(&s, "D2").await;
    s.move_unit(
        &office,
        &cid,
        &d2,
        &PhaseStep::Override {
            reason: "经领导小组研究同意推进".into(),
        },
    )
    .await
    .unwrap();
    let d1 = unit_id(&s, "D1").await;
    let (tid, _) = s
        .issue_task(
            &office,
            &NewTask {
                task: task("报送实施方案", 3),
                campaign_id: Some(cid.clone()),
                phase_seq: Some(0),
                unit_ids: vec![d1.clone()],
            },
        )
        .await
        .unwrap();
    let target = s.task_in_scope(&leader, &tid).await.unwrap().targets[0]
        .row
        .target_id
        .clone();
    let ev = Evidence {
        name: "方案.txt".into(),
        kind: AttachmentKind::Text,
        bytes: "实施方案".as_bytes().to_vec(),
    };
    s.task_step(
        &leader,
        &target,
        TaskAction::Progress,
        "已起草实施方案",
        vec![ev],
    )
    .await
    .unwrap();
    s.set_responsibility(
        &leader,
        &d1,
        &[Holder {
            level: ResponsibilityLevel::FirstResponsible,
            name: "吴建国".into(),
            position: "局长".into(),
        }],
    )
    .await
    .unwrap();

    let file = a.path().join("backup.jsonl");
    s.backup(&file).await.unwrap();
    let restored = open_with(b.path()).await;
    restored.restore(&file).await.unwrap();
    let mine = [
        "campaigns",
        "campaign_phases",
        "unit_phases",
        "unit_phase_events",
        "tasks",
        "task_targets",
        "task_events",
        "task_files",
        "responsibilities",
    ];
    let before: Vec<(String, i64)> = s
        .table_counts()
        .await
        .unwrap()
        .into_iter()
        .filter(|(t, _)| mine.contains(&t.as_str()))
        .collect();
    let after: Vec<(String, i64)> = restored
        .table_counts()
        .await
        .unwrap()
        .into_iter()
        .filter(|(t, _)| mine.contains(&t.as_str()))
        .collect();
    assert_eq!(
        before.len(),
        mine.len(),
        "every campaign table is in the backup"
    );
    assert!(before.iter().all(|(_, n)| *n > 0), "{before:?}");
    assert_eq!(before, after);
    let c = restored.campaign_in_scope(&office, &cid).await.unwrap();
    assert_eq!(
        restored
            .unit_phase(&office, &c, &d2)
            .await
            .unwrap()
            .state
            .phase,
        1
    );
}
