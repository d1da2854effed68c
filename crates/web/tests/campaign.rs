//! Campaign pages over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set): every new route
//! refuses a role without the permission, another unit's phase or task by id answers 404, a bad form
//! answers 400 with nothing written, and the office moves a unit on only when its checklist holds or
//! with a written override.

#[path = "common/mod.rs"]
mod common;

use chrono::Days;
use common::{
    ACCOUNTS, DISTRICT_A, DISTRICT_B, ONE_PER_ROLE, TestApp, expect_status, location,
    on_each_backend, tiny_png, unzip_all,
};
use domain::access::Permission;
use domain::campaign::{
    CampaignTemplate, PhaseDraft, TaskAction, TaskDraft, validate_phases, validate_task,
};
use domain::org::Role;
use domain::tips::AttachmentKind;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use store::campaign::NewCampaign;
use store::campaign::tasks::{Evidence, NewTask};
use store::{Sql, vals};

fn role_of(username: &str) -> Role {
    ACCOUNTS
        .iter()
        .find(|a| a.0 == username)
        .map(|a| a.2)
        .unwrap()
}

fn day(offset: i64) -> String {
    let t = store::clues::today();
    let d = if offset >= 0 {
        t + Days::new(offset as u64)
    } else {
        t - Days::new((-offset) as u64)
    };
    d.format("%Y-%m-%d").to_string()
}

/// A campaign of the education template run by `username`'s unit; the first phase asks only that its
/// tasks be accepted.
async fn campaign(app: &TestApp, username: &str) -> String {
    let d = |s, e| PhaseDraft {
        starts: day(s),
        ends: day(e),
        tasks_accepted: true,
        ..PhaseDraft::default()
    };
    let phases = validate_phases(
        CampaignTemplate::Education,
        &[d(-5, 10), d(10, 20), d(20, 30)],
    )
    .unwrap();
    let who = app.actor(username).await;
    app.store
        .create_campaign(
            &who,
            &NewCampaign {
                name: "全市政法队伍教育整顿".into(),
                template: CampaignTemplate::Education,
                phases,
            },
        )
        .await
        .unwrap()
}

/// A task from the office to `unit_code`, optionally counted in phase `seq` of `campaign`; returns (task, target).
async fn task_to(
    app: &TestApp,
    unit_code: &str,
    title: &str,
    phase: Option<(&str, usize)>,
) -> (String, String) {
    let office = app.actor("office").await;
    let t = validate_task(
        &TaskDraft {
            title: title.into(),
            body: "按要求完成并报送佐证材料".into(),
            deadline: day(7),
            leader: "王副书记".into(),
            owner: "李科长".into(),
        },
        store::clues::today(),
    )
    .unwrap();
    let n = NewTask {
        task: t,
        campaign_id: phase.map(|p| p.0.to_string()),
        phase_seq: phase.map(|p| p.1),
        unit_ids: vec![app.unit_id(unit_code)],
    };
    let (id, _) = app.store.issue_task(&office, &n).await.unwrap();
    let target = app.store.task_in_scope(&office, &id).await.unwrap().targets[0]
        .row
        .target_id
        .clone();
    (id, target)
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let c = app.store.connection();
    Sql::of(c)
        .scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .unwrap()
}

enum Body {
    None,
    /// A form with a forged CSRF token: a permitted role passes the role check and stops there.
    Forged(Vec<(&'static str, &'static str)>),
    ForgedMultipart,
}

struct Route {
    method: &'static str,
    path: String,
    body: Body,
    allowed: fn(Role) -> bool,
}

async fn send(c: &reqwest::Client, app: &TestApp, r: &Route) -> reqwest::Response {
    let url = app.url(&r.path);
    let req = if r.method == "GET" {
        c.get(url)
    } else {
        c.post(url)
    };
    let req = match &r.body {
        Body::None => req,
        Body::Forged(fields) => {
            let mut f = fields.clone();
            f.push(("csrf", "forged-token"));
            req.form(&f)
        }
        Body::ForgedMultipart => req.multipart(
            Form::new()
                .text("csrf", "forged-token")
                .text("note", "已完成部署工作"),
        ),
    };
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_campaign_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    let cid = campaign(&app, "office").await;
    let ua = app.unit_id(DISTRICT_A);
    let (tid, target) = task_to(&app, DISTRICT_A, "报送实施方案", Some((&cid, 0))).await;
    let leader = app.actor("leader_a").await;
    let evidence = Evidence {
        name: "方案.png".into(),
        kind: AttachmentKind::Png,
        bytes: tiny_png(),
    };
    app.store
        .task_step(
            &leader,
            &target,
            TaskAction::Progress,
            "已起草实施方案",
            vec![evidence],
        )
        .await
        .unwrap();
    let file = app
        .store
        .task_in_scope(&leader, &tid)
        .await
        .unwrap()
        .targets[0]
        .events[1]
        .files[0]
        .id
        .clone();

    let r = |method, path: String, body, allowed| Route {
        method,
        path,
        body,
        allowed,
    };
    let f = |fields: &[(&'static str, &'static str)]| Body::Forged(fields.to_vec());
    let routes = vec![
        r("GET", "/campaigns".into(), Body::None, |r| {
            r.can(ViewCampaign)
        }),
        r("GET", "/campaigns/new".into(), Body::None, |r| {
            r.can(ManageCampaign)
        }),
        r(
            "POST",
            "/campaigns/new".into(),
            f(&[("template", "education"), ("name", "新的整顿活动")]),
            |r| r.can(ManageCampaign),
        ),
        r("GET", format!("/campaigns/{cid}"), Body::None, |r| {
            r.can(ViewCampaign)
        }),
        r(
            "GET",
            format!("/campaigns/{cid}/board.xlsx"),
            Body::None,
            |r| r.can(ViewCampaign),
        ),
        r(
            "POST",
            format!("/campaigns/{cid}/phases/0"),
            f(&[("starts", "2026-01-01"), ("ends", "2026-02-01")]),
            |r| r.can(ManageCampaign),
        ),
        r(
            "GET",
            format!("/campaigns/{cid}/units/{ua}"),
            Body::None,
            |r| r.can(ViewCampaign),
        ),
        r(
            "POST",
            format!("/campaigns/{cid}/units/{ua}/advance"),
            f(&[]),
            |r| r.can(ManageCampaign),
        ),
        r(
            "POST",
            format!("/campaigns/{cid}/units/{ua}/override"),
            f(&[("reason", "经领导小组研究同意")]),
            |r| r.can(ManageCampaign),
        ),
        r(
            "POST",
            format!("/campaigns/{cid}/units/{ua}/rework"),
            f(&[("to", "0"), ("reasons", "验收不合格需返工")]),
            |r| r.can(ManageCampaign) || r.can(InspectUnits),
        ),
        r("GET", "/tasks".into(), Body::None, |r| r.can(ViewCampaign)),
        r("GET", "/tasks/export".into(), Body::None, |r| {
            r.can(ViewCampaign)
        }),
        r("GET", "/tasks/new".into(), Body::None, |r| {
            r.can(IssueTasks)
        }),
        r(
            "POST",
            "/tasks/new".into(),
            f(&[("title", "新任务")]),
            |r| r.can(IssueTasks),
        ),
        r("GET", format!("/tasks/{tid}"), Body::None, |r| {
            r.can(ViewCampaign)
        }),
        r(
            "POST",
            format!("/tasks/{tid}/targets/{target}/report"),
            Body::ForgedMultipart,
            |r| r.can(ReportTasks),
        ),
        r(
            "POST",
            format!("/tasks/{tid}/targets/{target}/chase"),
            f(&[("note", "请抓紧")]),
            |r| r.can(IssueTasks),
        ),
        r(
            "POST",
            format!("/tasks/{tid}/targets/{target}/return"),
            f(&[("note", "材料不全请补充")]),
            |r| r.can(IssueTasks),
        ),
        r(
            "POST",
            format!("/tasks/{tid}/targets/{target}/accept"),
            f(&[]),
            |r| r.can(IssueTasks),
        ),
        r(
            "GET",
            format!("/tasks/{tid}/files/{file}"),
            Body::None,
            |r| r.can(ViewCampaign),
        ),
        r("GET", "/org/responsibility".into(), Body::None, |r| {
            r.can(ViewCampaign)
        }),
        r(
            "GET",
            "/org/responsibility/export".into(),
            Body::None,
            |r| r.can(ViewCampaign),
        ),
        r(
            "POST",
            format!("/org/responsibility/{ua}"),
            f(&[("name_first", "吴建国")]),
            |r| r.can(ManageResponsibility),
        ),
    ];
    let (tasks_before, events_before) =
        (count(&app, "tasks").await, count(&app, "task_events").await);

    let anon = app.browser();
    for route in &routes {
        let res = send(&anon, &app, route).await;
        assert_eq!(
            (res.status(), location(&res).as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "anonymous {} {}",
            route.method,
            route.path
        );
    }
    let mut refused = 0;
    for username in ONE_PER_ROLE {
        let role = role_of(username);
        let browser = app.login(username).await;
        for route in &routes {
            let res = send(&browser, &app, route).await;
            let status = res.status();
            let what = format!(
                "{username} ({}) {} {}",
                role.as_str(),
                route.method,
                route.path
            );
            let body = res.text().await.unwrap_or_default();
            assert!(!status.is_server_error(), "{what}: {status} {body}");
            if (route.allowed)(role) {
                assert_ne!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what} is allowed but was refused"
                );
                assert_ne!(
                    status,
                    StatusCode::SEE_OTHER,
                    "{what}: a forged token must not get through"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what} must be refused: {body}"
                );
                assert!(body.contains("无权"), "{what}: Chinese refusal");
                refused += 1;
            }
        }
    }
    assert!(refused > 100, "{refused}");
    // Nothing any of that did changed a task, a phase or the responsibility matrix.
    assert_eq!(
        (count(&app, "tasks").await, count(&app, "task_events").await),
        (tasks_before, events_before)
    );
    assert_eq!(count(&app, "campaigns").await, 1);
    assert_eq!(count(&app, "unit_phases").await, 0);
    assert_eq!(count(&app, "responsibilities").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_units_phase_and_tasks_answer_404() {
    on_each_backend(scope_between_units).await
}

async fn scope_between_units(app: TestApp) {
    let cid = campaign(&app, "office").await;
    let (ua, ub) = (app.unit_id(DISTRICT_A), app.unit_id(DISTRICT_B));
    let (tid_a, target_a) = task_to(&app, DISTRICT_A, "甲区的任务", None).await;
    let (tid_b, _) = task_to(&app, DISTRICT_B, "乙区的任务", None).await;
    let leader = app.actor("leader_a").await;
    let ev = Evidence {
        name: "甲区材料.txt".into(),
        kind: AttachmentKind::Text,
        bytes: "甲区内部材料".as_bytes().to_vec(),
    };
    app.store
        .task_step(
            &leader,
            &target_a,
            TaskAction::Progress,
            "甲区已完成部署",
            vec![ev],
        )
        .await
        .unwrap();
    let file_a = app
        .store
        .task_in_scope(&leader, &tid_a)
        .await
        .unwrap()
        .targets[0]
        .events[1]
        .files[0]
        .id
        .clone();

    // The liaison of district B sees the city's campaign and its own unit, nothing of district A.
    let b = app.login("lianluo_b").await;
    let csrf = app.csrf(&b, "/tasks").await;
    expect_status(
        b.get(app.url(&format!("/campaigns/{cid}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "campaign",
    )
    .await;
    expect_status(
        b.get(app.url(&format!("/campaigns/{cid}/units/{ub}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "own unit",
    )
    .await;
    for path in [
        format!("/campaigns/{cid}/units/{ua}"),
        format!("/tasks/{tid_a}"),
        format!("/tasks/{tid_a}/files/{file_a}"),
        format!("/org/responsibility?unit={ua}"),
    ] {
        expect_status(
            b.get(app.url(&path)).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            &path,
        )
        .await;
    }
    let report = Form::new()
        .text("csrf", csrf.clone())
        .text("note", "乙区冒名报送甲区进展");
    let res = b
        .post(app.url(&format!("/tasks/{tid_a}/targets/{target_a}/report")))
        .multipart(report)
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "report on district A's task").await;
    // The target id of A under B's own task id is no way in either.
    let res = b
        .post(app.url(&format!("/tasks/{tid_b}/targets/{target_a}/report")))
        .multipart(
            Form::new()
                .text("csrf", csrf.clone())
                .text("note", "乙区冒名报送甲区进展"),
        )
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "A's target under B's task").await;
    let res = b
        .post(app.url(&format!("/org/responsibility/{ua}")))
        .form(&[("csrf", csrf.as_str()), ("name_first", "冒名顶替")])
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "responsibility of district A").await;
    let board = expect_status(
        b.get(app.url(&format!("/campaigns/{cid}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "board",
    )
    .await;
    assert!(
        board.contains("乙区人民法院") && !board.contains("甲区公安分局"),
        "the board shows only B's units"
    );
    let export = b
        .get(app.url("/tasks/export?tab=all"))
        .send()
        .await
        .unwrap();
    let xml = unzip_all(&export.bytes().await.unwrap());
    assert!(
        common::contains(&xml, "乙区的任务".as_bytes())
            && !common::contains(&xml, "甲区的任务".as_bytes())
    );

    // District A's office cannot move a unit of district B in the city's campaign, nor see a campaign of B.
    let oa = app.login("office_a").await;
    let csrf_a = app.csrf(&oa, "/campaigns").await;
    for action in ["advance", "override"] {
        let res = oa
            .post(app.url(&format!("/campaigns/{cid}/units/{ub}/{action}")))
            .form(&[("csrf", csrf_a.as_str()), ("reason", "越权推进其他单位")])
            .send()
            .await
            .unwrap();
        expect_status(res, StatusCode::NOT_FOUND, action).await;
    }
    // A campaign run by district A's office is not district B's business at all.
    let a_campaign = campaign(&app, "office_a").await;
    expect_status(
        b.get(app.url(&format!("/campaigns/{a_campaign}")))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "district A's campaign",
    )
    .await;
    expect_status(
        oa.get(app.url(&format!("/campaigns/{a_campaign}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "its own campaign",
    )
    .await;
    assert_eq!(count(&app, "unit_phases").await, 0, "nothing moved");
    assert_eq!(count(&app, "responsibilities").await, 0);
    assert_eq!(
        app.store
            .task_in_scope(&leader, &tid_a)
            .await
            .unwrap()
            .targets[0]
            .events
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_forms_answer_400_and_write_nothing() {
    on_each_backend(bad_forms).await
}

async fn bad_forms(app: TestApp) {
    let office = app.login("office").await;
    let csrf = app.csrf(&office, "/campaigns/new").await;

    // A campaign whose phases run backwards, with no name.
    let form = [
        ("csrf", csrf.as_str()),
        ("template", "education"),
        ("name", ""),
        ("p0_starts", "2026-05-01"),
        ("p0_ends", "2026-04-01"),
        ("p1_starts", "2026-05-02"),
        ("p1_ends", "2026-06-01"),
        ("p2_starts", "2026-06-02"),
        ("p2_ends", "x"),
    ];
    let body = expect_status(
        office
            .post(app.url("/campaigns/new"))
            .form(&form)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "bad campaign",
    )
    .await;
    assert!(body.contains("活动名称不能为空"), "{body}");
    assert!(
        body.contains("第1阶段：结束日期（2026-04-01）不能早于开始日期（2026-05-01）"),
        "{body}"
    );
    assert!(
        body.contains("第3阶段：结束日期应为 YYYY-MM-DD 格式的日期"),
        "{body}"
    );
    assert!(
        body.contains("value=\"2026-05-02\""),
        "the form keeps what was typed"
    );
    assert_eq!(count(&app, "campaigns").await, 0);

    // A task with a past deadline, no title and no unit.
    let form = [
        ("csrf", csrf.as_str()),
        ("title", ""),
        ("body", "按要求完成"),
        ("deadline", "2020-01-01"),
        ("leader", "王副书记"),
        ("owner", "李科长"),
    ];
    let body = expect_status(
        office
            .post(app.url("/tasks/new"))
            .form(&form)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "bad task",
    )
    .await;
    assert!(
        body.contains("任务名称不能为空")
            && body.contains("不能早于今天")
            && body.contains("请至少选择一个下发单位"),
        "{body}"
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("title", "任务"),
        ("body", "按要求完成"),
        ("deadline", &day(3)),
        ("leader", "王副书记"),
        ("owner", "李科长"),
        ("unit", "no-such-unit"),
        ("phase", "abc"),
    ];
    let body = expect_status(
        office
            .post(app.url("/tasks/new"))
            .form(&form)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "bad phase",
    )
    .await;
    assert!(body.contains("请从列表中选择所属阶段"), "{body}");
    let form = [
        ("csrf", csrf.as_str()),
        ("title", "任务"),
        ("body", "按要求完成"),
        ("deadline", &day(3)),
        ("leader", "王副书记"),
        ("owner", "李科长"),
        ("unit", "no-such-unit"),
    ];
    let body = expect_status(
        office
            .post(app.url("/tasks/new"))
            .form(&form)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "unknown unit",
    )
    .await;
    assert!(body.contains("所选单位不在您的权限范围内"), "{body}");
    assert_eq!(count(&app, "tasks").await, 0);

    // A progress report with a file that is not a document, and one with no text.
    let (tid, target) = task_to(&app, DISTRICT_A, "开展警示教育", None).await;
    let leader = app.login("leader_a").await;
    let lc = app.csrf(&leader, "/tasks").await;
    let url = app.url(&format!("/tasks/{tid}/targets/{target}/report"));
    let bad_file = Form::new()
        .text("csrf", lc.clone())
        .text("note", "已开展警示教育")
        .part(
            "files",
            Part::bytes(vec![0u8, 1, 2, 3, 0xff]).file_name("病毒.exe"),
        );
    let body = expect_status(
        leader.post(&url).multipart(bad_file).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad file",
    )
    .await;
    assert!(body.contains("「病毒.exe」：附件只能是"), "{body}");
    let no_text = Form::new()
        .text("csrf", lc.clone())
        .text("note", "好")
        .part("files", Part::bytes(tiny_png()).file_name("a.png"));
    let body = expect_status(
        leader.post(&url).multipart(no_text).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "short note",
    )
    .await;
    assert!(body.contains("进展情况不能少于5个字"), "{body}");
    assert_eq!(count(&app, "task_events").await, 1, "only the issue event");
    assert_eq!(count(&app, "task_files").await, 0);
    assert_eq!(
        std::fs::read_dir(app.data_dir.join("task_files").join(&target))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "no file left on disk"
    );

    // Returning a report needs a reason.
    let ok = Form::new()
        .text("csrf", lc.clone())
        .text("note", "已开展警示教育，请验收")
        .text("done", "1");
    expect_status(
        leader.post(&url).multipart(ok).send().await.unwrap(),
        StatusCode::SEE_OTHER,
        "good report",
    )
    .await;
    let res = office
        .post(app.url(&format!("/tasks/{tid}/targets/{target}/return")))
        .form(&[("csrf", csrf.as_str()), ("note", "不行")])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "short return").await;
    assert!(body.contains("请填写退回理由（不少于5个字）"), "{body}");
    assert_eq!(count(&app, "task_events").await, 2);

    // The responsibility matrix: a one-character name is refused, nothing saved.
    let ua = app.unit_id(DISTRICT_A);
    let res = leader
        .post(app.url(&format!("/org/responsibility/{ua}")))
        .form(&[
            ("csrf", lc.as_str()),
            ("name_principal", "中共甲区公安分局委员会"),
            ("name_first", "吴"),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "short holder").await;
    assert!(
        body.contains("责任主体或责任人不能少于2个字") && body.contains("中共甲区公安分局委员会"),
        "{body}"
    );
    assert_eq!(count(&app, "responsibilities").await, 0);

    // An override without a reason, a rework to nowhere.
    let cid = campaign(&app, "office").await;
    let base = format!("/campaigns/{cid}/units/{ua}");
    let res = office
        .post(app.url(&format!("{base}/override")))
        .form(&[("csrf", csrf.as_str()), ("reason", "  ")])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "override without reason").await;
    assert!(body.contains("请填写特批理由（不少于5个字）"), "{body}");
    let res = office
        .post(app.url(&format!("{base}/rework")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("to", "abc"),
            ("reasons", "验收发现问题较多"),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "rework to nowhere").await;
    assert!(body.contains("请选择返工到的阶段"), "{body}");
    let res = office
        .post(app.url(&format!("/campaigns/{cid}/phases/1")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("starts", &day(12)),
            ("ends", &day(2)),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "phase ends before it starts").await;
    assert!(body.contains("不能早于开始日期"), "{body}");
    assert_eq!(
        (
            count(&app, "unit_phases").await,
            count(&app, "unit_phase_events").await
        ),
        (0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_moves_a_unit_on_only_when_its_checklist_holds() {
    on_each_backend(phase_gate).await
}

async fn phase_gate(app: TestApp) {
    let office = app.login("office").await;
    let csrf = app.csrf(&office, "/campaigns/new?template=education").await;
    // The education template; the study phase asks only that its tasks be accepted.
    let (s0, e0, s1, e1, s2, e2) = (day(-3), day(10), day(10), day(20), day(21), day(30));
    let form = [
        ("csrf", csrf.as_str()),
        ("template", "education"),
        ("name", "2026年全市政法队伍教育整顿"),
        ("p0_starts", &s0),
        ("p0_ends", &e0),
        ("p0_tasks", "1"),
        ("p1_starts", &s1),
        ("p1_ends", &e1),
        ("p1_tasks", "1"),
        ("p2_starts", &s2),
        ("p2_ends", &e2),
    ];
    let res = office
        .post(app.url("/campaigns/new"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cid = location(&res).trim_start_matches("/campaigns/").to_string();
    let ua = app.unit_id(DISTRICT_A);
    let ub = app.unit_id(DISTRICT_B);

    // A task of the study phase for district A, issued through the form.
    let form = [
        ("csrf", csrf.as_str()),
        ("title", "报送学习教育实施方案"),
        ("body", "各单位制定本单位实施方案并报送"),
        ("deadline", &day(5)),
        ("leader", "王副书记"),
        ("owner", "李科长"),
        ("phase", &format!("{cid}:0")),
        ("unit", &ua),
    ];
    let res = office
        .post(app.url("/tasks/new"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let tid = location(&res).trim_start_matches("/tasks/").to_string();
    let target = app
        .store
        .task_in_scope(&app.actor("office").await, &tid)
        .await
        .unwrap()
        .targets[0]
        .row
        .target_id
        .clone();

    // The checklist holds the fact; advancing is refused and nothing moves.
    let unit_page = app.url(&format!("/campaigns/{cid}/units/{ua}"));
    let page = expect_status(
        office.get(&unit_page).send().await.unwrap(),
        StatusCode::OK,
        "unit page",
    )
    .await;
    assert!(
        page.contains("本阶段任务已验收 0/1项，尚有 1项未验收，要求全部验收"),
        "{page}"
    );
    let res = office
        .post(format!("{unit_page}/advance"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "advance while blocked").await;
    assert!(
        body.contains("「学习教育」阶段尚有1项退出条件未满足"),
        "{body}"
    );
    assert!(body.contains("当前阶段：<b>学习教育</b>"), "{body}");
    let board = expect_status(
        office
            .get(app.url(&format!("/campaigns/{cid}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "board",
    )
    .await;
    assert!(
        board.contains("本阶段任务已验收 0/1项"),
        "the board says what blocks the unit"
    );

    // District A reports with evidence and asks for acceptance; the office accepts.
    let leader = app.login("leader_a").await;
    let lc = app.csrf(&leader, "/tasks").await;
    let report = Form::new()
        .text("csrf", lc.clone())
        .text("note", "实施方案已经党委会审议通过")
        .text("done", "1")
        .part("files", Part::bytes(tiny_png()).file_name("实施方案.png"));
    let res = leader
        .post(app.url(&format!("/tasks/{tid}/targets/{target}/report")))
        .multipart(report)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let task_page = expect_status(
        office
            .get(app.url(&format!("/tasks/{tid}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "task",
    )
    .await;
    assert!(
        task_page.contains("实施方案.png") && task_page.contains("待验收"),
        "{task_page}"
    );
    let file_link = task_page
        .split(&format!("/tasks/{tid}/files/"))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let res = office
        .get(app.url(&format!("/tasks/{tid}/files/{file_link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), tiny_png().as_slice());
    let res = office
        .post(app.url(&format!("/tasks/{tid}/targets/{target}/accept")))
        .form(&[("csrf", csrf.as_str()), ("note", "同意")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Now the checklist holds and the unit moves on.
    let page = expect_status(
        office.get(&unit_page).send().await.unwrap(),
        StatusCode::OK,
        "unit page",
    )
    .await;
    assert!(
        page.contains("本阶段任务已全部验收（1/1项）") && page.contains("各项退出条件均已满足"),
        "{page}"
    );
    let res = office
        .post(format!("{unit_page}/advance"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&res),
        format!("/campaigns/{cid}/units/{ua}?done=advance")
    );
    let page = expect_status(
        office.get(&unit_page).send().await.unwrap(),
        StatusCode::OK,
        "unit page",
    )
    .await;
    assert!(
        page.contains("当前阶段：<b>查纠整改</b>")
            && page.contains("由「学习教育」进入「查纠整改」阶段"),
        "{page}"
    );

    // District B has a task of the study phase too; the office overrides with a reason instead.
    task_to(&app, DISTRICT_B, "报送学习教育实施方案", Some((&cid, 0))).await;
    let b_page = app.url(&format!("/campaigns/{cid}/units/{ub}"));
    let res = office
        .post(format!("{b_page}/advance"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::BAD_REQUEST, "B blocked").await;
    let res = office
        .post(format!("{b_page}/override"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "乙区法院方案已线下报送，经领导小组同意"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = expect_status(
        office.get(&b_page).send().await.unwrap(),
        StatusCode::OK,
        "B page",
    )
    .await;
    assert!(
        page.contains("整顿办特批：乙区法院方案已线下报送")
            && page.contains("未满足：本阶段任务已验收 0/1项"),
        "{page}"
    );

    // The inspector sends A back with the reasons; the liaison of B may look but not act.
    let duchazu = app.login("duchazu").await;
    let dc = app.csrf(&duchazu, "/campaigns").await;
    let res = duchazu
        .post(format!("{unit_page}/rework"))
        .form(&[
            ("csrf", dc.as_str()),
            ("to", "0"),
            ("reasons", "实施方案流于形式，重新学习"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = expect_status(
        office.get(&unit_page).send().await.unwrap(),
        StatusCode::OK,
        "unit page",
    )
    .await;
    assert!(
        page.contains("当前阶段：<b>学习教育</b>") && page.contains("返工理由：实施方案流于形式"),
        "{page}"
    );
    let b = app.login("lianluo_b").await;
    let page = expect_status(
        b.get(&b_page).send().await.unwrap(),
        StatusCode::OK,
        "B's own page",
    )
    .await;
    assert!(
        !page.contains("form-advance") && !page.contains("form-rework"),
        "no forms for the liaison"
    );

    let c = app.store.connection();
    let audited = Sql::of(c).scalar(c, "SELECT COUNT(*) FROM audit_log WHERE action IN ('campaign.advance', 'campaign.override', 'campaign.rework')", vals![]).await.unwrap();
    assert_eq!(audited, 3);
    assert_eq!(app.store.audit_verify().await.unwrap().first_bad, None);
}
