//! Campaign progress over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set): the city-wide
//! and per-unit dashboards sum the right units for each scope, another unit's dashboard answers 404,
//! roles without the permission are refused, the table exports, and the weekly briefing is a Word file
//! that LibreOffice opens with the week's title and figures in it.

#[path = "common/mod.rs"]
mod common;

use std::process::Command;

use chrono::Days;
use common::{
    BADGE_B, BADGE_LEADER_A, DISTRICT_A, DISTRICT_A_CHILD, DISTRICT_B, TestApp, expect_status,
    on_each_backend, spawn_app, unzip_all,
};
use domain::campaign::{CampaignTemplate, PhaseDraft, validate_phases};
use domain::rectification::{ItemInput, validate_item};
use domain::selfcheck::{Section, Window};
use domain::tips::ProblemCategory;
use reqwest::StatusCode;
use store::Actor;
use store::campaign::NewCampaign;

fn day(offset: i64) -> chrono::NaiveDate {
    let t = store::clues::today();
    if offset >= 0 {
        t + Days::new(offset as u64)
    } else {
        t - Days::new((-offset) as u64)
    }
}

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

/// An actor standing for an officer by badge (only some officers have accounts).
async fn officer_actor(app: &TestApp, badge: &str) -> Actor {
    let mut a = app.actor("ganjing").await;
    let office = app.actor("office").await;
    let (list, _) = app
        .store
        .officers_in_scope(&office, badge, 0, 10)
        .await
        .unwrap();
    let o = list.into_iter().find(|o| o.badge == badge).unwrap();
    let unit = app.store.unit_by_id(&o.unit_id).await.unwrap();
    a.officer_id = Some(o.id);
    a.unit_id = unit.id;
    a.unit_path = unit.path;
    a
}

/// A campaign with known figures. Three officers: the district A leader (甲区公安分局), the officer
/// ganjing (its 城关派出所) and 王芳 (乙区人民法院). Self-reports from ganjing (零报告) and 王芳 (one
/// problem): city-wide 2/3 = 66.7%, district A 1/2 = 50.0%, district B 100.0%. One finding about the
/// district A leader, who reported nothing (从严). Two ledger rows in district A, none accepted.
async fn campaign(app: &TestApp) -> String {
    let d = |s: i64, e: i64| PhaseDraft {
        starts: day(s).to_string(),
        ends: day(e).to_string(),
        ..PhaseDraft::default()
    };
    let phases = validate_phases(
        CampaignTemplate::Education,
        &[d(-5, 10), d(10, 20), d(20, 30)],
    )
    .unwrap();
    let office = app.actor("office").await;
    let cid = app
        .store
        .create_campaign(
            &office,
            &NewCampaign {
                name: "全市政法队伍教育整顿".into(),
                template: CampaignTemplate::Education,
                phases,
            },
        )
        .await
        .unwrap();
    app.store
        .set_selfcheck_window(&office, &cid, Window::new(day(-3), day(7)).unwrap())
        .await
        .unwrap();
    let ganjing = app.actor("ganjing").await;
    app.store
        .file_self_report(&ganjing, &cid, &report(&[]))
        .await
        .unwrap();
    let wang = officer_actor(app, BADGE_B).await;
    app.store
        .file_self_report(
            &wang,
            &cid,
            &report(&[(ProblemCategory::Conduct, "曾在工作日中午饮酒")]),
        )
        .await
        .unwrap();
    let duchazu = app.actor("duchazu").await;
    app.store
        .record_inspection_finding(
            &duchazu,
            &cid,
            &store::selfcheck::NewInspectionFinding {
                badge: BADGE_LEADER_A.into(),
                category: ProblemCategory::IllegalBusiness,
                description: "配偶在辖区开办公司，本人未报告".into(),
                found_on: day(0),
                items: vec!["配偶开办公司".into()],
            },
        )
        .await
        .unwrap();
    for problem in ["案件卷宗归档不及时", "值班备勤制度落实不到位"] {
        let valid = validate_item(
            &ItemInput {
                source: "inspection".into(),
                category: "conduct".into(),
                problem: problem.into(),
                measures: "建立台账，逐项整改".into(),
                leader: "吴建国".into(),
                person: "孙磊".into(),
                deadline: day(20).to_string(),
            },
            store::clues::today(),
        )
        .unwrap();
        app.store
            .add_rectification_item(&office, &cid, &app.unit_id(DISTRICT_A), &valid, None)
            .await
            .unwrap();
    }
    cid
}

/// The text of the element with this id (the tile's big figure is its first `<b>`).
fn tile(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in the page"));
    let rest = &page[at..];
    let b = rest.find("<b>").unwrap() + 3;
    let e = rest[b..].find("</b>").unwrap();
    rest[b..b + e].to_string()
}

/// The cell of a table row (by the unit's id) with the given class.
fn cell(page: &str, unit_id: &str, class: &str) -> String {
    let at = page
        .find(&format!("data-unit=\"{unit_id}\""))
        .unwrap_or_else(|| panic!("no row for {unit_id}"));
    let rest = &page[at..];
    let end = rest.find("</tr>").unwrap();
    let row = &rest[..end];
    let c = row
        .find(&format!("class=\"{class}\">"))
        .unwrap_or_else(|| panic!("no {class} cell"));
    let s = c + class.len() + 9;
    let e = row[s..].find("</td>").unwrap();
    row[s..s + e].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_sum_the_right_units_for_each_scope() {
    on_each_backend(figures_and_scope).await
}

async fn figures_and_scope(app: TestApp) {
    let cid = campaign(&app).await;
    let (a, b) = (app.unit_id(DISTRICT_A), app.unit_id(DISTRICT_B));

    let office = app.login("office").await;
    let page = expect_status(
        office.get(app.url("/progress")).send().await.unwrap(),
        StatusCode::OK,
        "office city-wide",
    )
    .await;
    assert!(
        page.contains("江州市委政法委"),
        "the campaign's own unit is the root"
    );
    assert_eq!(tile(&page, "tile-reports"), "66.7%");
    assert!(page.contains("自查填报率（2/3）"));
    assert_eq!(tile(&page, "tile-nil"), "1");
    assert_eq!(tile(&page, "tile-findings"), "1");
    assert!(
        page.contains("从严1"),
        "the finding about a non-reporter is strict"
    );
    assert_eq!(tile(&page, "tile-ledger"), "0.0%");
    assert!(page.contains("整改销号率（0/2"));
    // District A sums its own officer and its station's: 1 of 2 filed.
    assert_eq!(cell(&page, &a, "reports"), "50.0%");
    assert_eq!(cell(&page, &b, "reports"), "100.0%");
    assert!(page.contains("<svg"), "charts are drawn");
    assert!(page.contains("id=\"briefing-link\""));

    // The district A leader starts from district A and cannot open district B's dashboard.
    let leader = app.login("leader_a").await;
    let page = expect_status(
        leader.get(app.url("/progress")).send().await.unwrap(),
        StatusCode::OK,
        "leader",
    )
    .await;
    assert!(page.contains(&format!("data-unit=\"{a}\">整顿进展")));
    assert_eq!(tile(&page, "tile-reports"), "50.0%");
    assert!(!page.contains("乙区人民法院"));
    for path in [
        format!("/progress/units/{b}"),
        format!("/progress/export?unit={b}"),
        format!("/progress/briefing.docx?unit={b}"),
        format!("/progress/units/{b}?campaign={cid}"),
        "/progress/units/no-such-unit".to_string(),
        "/progress?campaign=no-such-campaign".to_string(),
    ] {
        expect_status(
            leader.get(app.url(&path)).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            &path,
        )
        .await;
    }
    let page = expect_status(
        leader
            .get(app.url(&format!(
                "/progress/units/{}",
                app.unit_id(DISTRICT_A_CHILD)
            )))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "leader's station",
    )
    .await;
    assert_eq!(tile(&page, "tile-reports"), "100.0%");

    // District B's liaison sees only district B.
    let liaison = app.login("lianluo_b").await;
    let page = expect_status(
        liaison.get(app.url("/progress")).send().await.unwrap(),
        StatusCode::OK,
        "liaison",
    )
    .await;
    assert_eq!(tile(&page, "tile-reports"), "100.0%");
    expect_status(
        liaison
            .get(app.url(&format!("/progress/units/{a}")))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "liaison on A",
    )
    .await;

    // Roles without the campaign view are refused everywhere.
    for user in ["ganjing", "jiwei", "baoguan", "shenji"] {
        let c = app.login(user).await;
        for path in [
            "/progress",
            "/progress/export",
            "/progress/briefing.docx",
            &format!("/progress/units/{a}"),
        ] {
            let res = c.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{user} {path}");
        }
    }

    // The export lists every unit in scope with its subtree's figures.
    let xlsx = office
        .get(app.url(&format!("/progress/export?campaign={cid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let text = unzip_all(&xlsx.bytes().await.unwrap());
    for name in [
        "江州市委政法委",
        "甲区公安分局城关派出所",
        "乙区人民法院城南法庭",
    ] {
        assert!(common::contains(&text, name.as_bytes()), "{name} exported");
    }
    let xlsx = leader
        .get(app.url("/progress/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let text = unzip_all(&xlsx.bytes().await.unwrap());
    assert!(common::contains(&text, "甲区公安分局".as_bytes()));
    assert!(
        !common::contains(&text, "乙区人民法院".as_bytes()),
        "the export keeps to the scope"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_says_so_when_there_is_no_campaign() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let page = expect_status(
        office.get(app.url("/progress")).send().await.unwrap(),
        StatusCode::OK,
        "no campaign",
    )
    .await;
    assert!(page.contains("目前没有整顿活动"));
    expect_status(
        office
            .get(app.url("/progress/briefing.docx"))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "no briefing without a campaign",
    )
    .await;
}

/// Runs a program, failing the test with its output when it cannot run or fails.
fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} ({e}); .ci/run installs it"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_briefing_opens_in_libreoffice_with_the_figures() {
    let app = spawn_app().await;
    campaign(&app).await;
    let office = app.login("office").await;
    let res = office
        .get(app.url("/progress/briefing.docx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[reqwest::header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let docx = res.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("briefing.docx");
    std::fs::write(&file, &docx).unwrap();
    run(
        Command::new("libreoffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                dir.path().join("profile").display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path())
            .arg(&file),
        "libreoffice",
    );
    let pdf = dir.path().join("briefing.pdf");
    let info = run(Command::new("pdfinfo").arg(&pdf), "pdfinfo");
    assert!(info.contains("595.") && info.contains("841."), "A4: {info}");
    let text = run(Command::new("pdftotext").arg(&pdf).arg("-"), "pdftotext");
    let flat: String = text.split_whitespace().collect();
    for want in [
        "教育整顿工作简报",
        "江州市委政法委教育整顿工作进展情况",
        "填报率66.7%",
        "从严1个",
        "整改台账共2项",
        "甲区公安分局",
        "50.0%",
    ] {
        assert!(flat.contains(want), "{want} missing from the PDF:\n{text}");
    }
    // The briefing is a document of record: it is audited.
    let c = app.store.connection();
    let n: i64 = store::Sql::of(c)
        .scalar(
            c,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'progress.briefing'",
            store::vals![],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
}
