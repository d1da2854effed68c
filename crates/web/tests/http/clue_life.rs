//! A public tip becomes a clue and is handled to the end, once through the API and once through the
//! pages; the reporter sees the outcome with the receipt; illegal steps change nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{DISTRICT_A, TestApp, expect_status, hidden, location, on_each_backend, tip};

async fn lookup(app: &TestApp, receipt: &str) -> Value {
    let res = app
        .public()
        .post(app.url("/api/v1/public/tips/lookup"))
        .json(&json!({ "receipt": receipt }))
        .send()
        .await
        .unwrap();
    serde_json::from_str(&expect_status(res, StatusCode::OK, "lookup").await).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_handles_a_tip_to_the_end_through_the_api() {
    on_each_backend(whole_life_through_the_api).await
}

async fn whole_life_through_the_api(app: TestApp) {
    let (receipt, number) = app
        .submit_tip(&tip(
            "某派出所所长为涉赌场所充当保护伞，多次提前通知检查时间。",
        ))
        .await;
    let token = app.api_token("jiwei").await;
    let c = app.public();
    let get = |path: String| {
        let req = c.get(app.url(&path)).bearer_auth(&token);
        async move { req.send().await.unwrap() }
    };
    let list: Value = get("/api/v1/clues?source=public_tip&per_page=10".into())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["page"], 1);
    let clue_id = list["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(list["items"][0]["summary"], format!("群众举报 {number}"));
    assert_eq!(list["items"][0]["state"], "registered");

    let step = |body: Value| {
        let req = c
            .post(app.url(&format!("/api/v1/clues/{clue_id}/steps")))
            .bearer_auth(&token)
            .json(&body);
        async move { req.send().await.unwrap() }
    };
    let state_now = || async {
        let d: Value = get(format!("/api/v1/clues/{clue_id}"))
            .await
            .json()
            .await
            .unwrap();
        (
            d["clue"]["state"].as_str().unwrap().to_string(),
            d["timeline"].as_array().unwrap().len(),
        )
    };

    // Closing a clue that was only registered is refused, and nothing changes.
    let res = step(json!({ "action": "close", "feedback": "已办结，感谢您的监督。" })).await;
    let err: Value = serde_json::from_str(
        &expect_status(res, StatusCode::BAD_REQUEST, "close from registered").await,
    )
    .unwrap();
    assert_eq!(err["code"], "invalid");
    assert_eq!(err["message"], "线索当前状态为已登记，不能执行办结");
    assert_eq!(state_now().await, ("registered".to_string(), 1));

    let unit_a = app.unit_id(DISTRICT_A);
    let steps = [
        (
            json!({ "action": "assign", "unit_id": unit_a, "note": "请甲区核查" }),
            "assigned",
        ),
        (
            json!({ "action": "dispose", "method": "preliminary_check" }),
            "disposing",
        ),
        (
            json!({ "action": "verify", "note": "经调取通话记录并谈话，反映的问题基本属实。" }),
            "verified",
        ),
        (
            json!({ "action": "conclude", "conclusion": "partly_true" }),
            "concluded",
        ),
        (
            json!({ "action": "handle", "outcome": "org_admonish" }),
            "handled",
        ),
        (
            json!({ "action": "close", "feedback": "经核查，您反映的问题部分属实，已对相关人员诫勉谈话。感谢您的监督。" }),
            "closed",
        ),
    ];
    for (i, (body, want)) in steps.iter().enumerate() {
        // A second, out-of-order step before each legal one: refused, state unchanged.
        if i == 2 {
            let res = step(json!({ "action": "verify", "note": "太短" })).await;
            let err: Value = serde_json::from_str(
                &expect_status(res, StatusCode::BAD_REQUEST, "verify without enough note").await,
            )
            .unwrap();
            assert_eq!(err["field"], "note");
            assert_eq!(state_now().await.0, "disposing");
        }
        let res = step(body.clone()).await;
        let d: Value = serde_json::from_str(
            &expect_status(res, StatusCode::OK, &format!("step {body}")).await,
        )
        .unwrap();
        assert_eq!(d["clue"]["state"], *want, "after {body}");
    }
    let d: Value = get(format!("/api/v1/clues/{clue_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["clue"]["unit_id"], unit_a.as_str());
    assert_eq!(d["clue"]["disposal"], "preliminary_check");
    assert_eq!(d["clue"]["conclusion"], "partly_true");
    assert_eq!(d["clue"]["outcome"], "org_admonish");
    let actions: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "register", "assign", "dispose", "verify", "conclude", "handle", "close"
        ]
    );
    assert_eq!(d["actions"], json!([]));

    // A closed clue takes no more steps.
    let res = step(json!({ "action": "assign", "unit_id": unit_a })).await;
    expect_status(res, StatusCode::BAD_REQUEST, "assign after close").await;

    let v = lookup(&app, &receipt).await;
    assert_eq!(v["status"], "已办结");
    assert_eq!(
        v["feedback"],
        "经核查，您反映的问题部分属实，已对相关人员诫勉谈话。感谢您的监督。"
    );

    // Each step is in the audit trail.
    let audit = app.store.audit_recent(200, None).await.unwrap();
    for a in [
        "clue.assign",
        "clue.dispose",
        "clue.verify",
        "clue.conclude",
        "clue.handle",
        "clue.close",
    ] {
        assert!(
            audit
                .iter()
                .any(|r| r.action == a && r.actor == "user:jiwei"),
            "audit has {a}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_handles_a_tip_to_the_end_on_the_pages() {
    on_each_backend(whole_life_on_the_pages).await
}

async fn whole_life_on_the_pages(app: TestApp) {
    let (receipt, number) = app
        .submit_tip(&tip("某司法所工作人员在社区矫正中收受矫正对象家属财物。"))
        .await;
    let (clue_id, clue_number) = app.clue_of_tip(&number).await;
    let b = app.login("jiwei").await;
    let detail = format!("/clues/{clue_id}");

    let list = b
        .get(app.url("/clues"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&clue_number), "list shows the new clue");

    let post_step = |fields: Vec<(&'static str, String)>| {
        let b = b.clone();
        let url = app.url(&format!("/clues/{clue_id}/step"));
        let detail = app.url(&detail);
        async move {
            let page = b.get(detail).send().await.unwrap().text().await.unwrap();
            let csrf = hidden(&page, "csrf").unwrap();
            let mut form = vec![("csrf", csrf)];
            form.extend(fields);
            b.post(url).form(&form).send().await.unwrap()
        }
    };

    // Illegal: close right after registration. The page says why, in Chinese, and the state stays.
    let res = post_step(vec![
        ("action", "close".into()),
        ("feedback", "已办结".into()),
    ])
    .await;
    let page = expect_status(res, StatusCode::BAD_REQUEST, "close from registered").await;
    assert!(page.contains("线索当前状态为已登记，不能执行办结"));
    assert_eq!(
        app.store
            .clue_in_scope(&app.actor("jiwei").await, &clue_id)
            .await
            .unwrap()
            .state,
        "registered"
    );

    let unit_a = app.unit_id(DISTRICT_A);
    let steps: Vec<Vec<(&'static str, String)>> = vec![
        vec![
            ("action", "assign".into()),
            ("unit_id", unit_a.clone()),
            ("note", "".into()),
        ],
        vec![
            ("action", "dispose".into()),
            ("method", "talk_or_letter".into()),
            ("note", "".into()),
        ],
        vec![
            ("action", "verify".into()),
            ("note", "函询回复已收到，经核实所反映问题不属实。".into()),
        ],
        vec![
            ("action", "conclude".into()),
            ("conclusion", "false".into()),
            ("note", "".into()),
        ],
    ];
    for s in steps {
        let what = s[0].1.clone();
        let res = post_step(s).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "step {what}: {}",
            res.text().await.unwrap_or_default()
        );
        assert_eq!(location(&res), detail);
    }
    // 不属实 admits no sanction: the form says so and the clue stays concluded.
    let res = post_step(vec![
        ("action", "handle".into()),
        ("outcome", "party_warning".into()),
    ])
    .await;
    let page = expect_status(res, StatusCode::BAD_REQUEST, "sanction after 不属实").await;
    assert!(page.contains("处理结果只能为“无”"));
    let res = post_step(vec![
        ("action", "handle".into()),
        ("outcome", "none".into()),
    ])
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Closing a public tip needs feedback for the reporter.
    let res = post_step(vec![("action", "close".into()), ("feedback", "".into())]).await;
    expect_status(res, StatusCode::BAD_REQUEST, "close without feedback").await;
    let feedback = "经核查，您反映的问题不属实。感谢您对政法队伍建设的关心。";
    let res = post_step(vec![
        ("action", "close".into()),
        ("feedback", feedback.into()),
    ])
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let page = b
        .get(app.url(&detail))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"clue-state\">已办结"),
        "detail shows 已办结"
    );
    assert!(
        !page.contains("id=\"form-close\""),
        "no step forms after closing"
    );

    // The reporter reads the outcome on the lookup page.
    let res = app
        .public()
        .post(app.url("/lookup"))
        .form(&[("receipt", receipt.as_str())])
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "lookup page").await;
    assert!(page.contains("id=\"tip-status\">已办结"));
    assert!(page.contains(feedback));
    assert!(
        !page.contains("id=\"reply-submit\""),
        "no reply box once closed"
    );
    let res = app
        .public()
        .post(app.url("/api/v1/public/tips/messages"))
        .json(&json!({ "receipt": receipt, "body": "还有补充" }))
        .send()
        .await
        .unwrap();
    let err: Value = serde_json::from_str(
        &expect_status(res, StatusCode::BAD_REQUEST, "message after close").await,
    )
    .unwrap();
    assert!(err["message"].as_str().unwrap().contains("已办结"));
}
