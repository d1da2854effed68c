//! The public portal: report, follow with the receipt, talk to the handler, resubmit safely.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::{self, TestApp, expect_status, is_grouped_receipt, on_each_backend, tip};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_the_public_reports_as_json_and_follows_it_with_the_receipt() {
    on_each_backend(report_as_json_and_follow).await
}

async fn report_as_json_and_follow(app: TestApp) {
    let c = app.public();
    let res = c
        .post(app.url("/api/v1/public/tips"))
        .json(&tip(
            "某民警多次私下会见案件当事人并收受红包，时间在今年三月。",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    let receipt = v["receipt"].as_str().unwrap().to_string();
    let number = v["number"].as_str().unwrap().to_string();
    assert!(is_grouped_receipt(&receipt), "receipt {receipt}");
    assert!(
        number.starts_with("JB-") && number.ends_with("-000001"),
        "number {number}"
    );
    assert_eq!(app.store.count_tips().await.unwrap(), 1);
    assert_eq!(
        app.store.count_clues().await.unwrap(),
        1,
        "every tip becomes a clue"
    );

    // The receipt works with or without its spaces.
    for typed in [receipt.clone(), receipt.replace(' ', "")] {
        let res = c
            .post(app.url("/api/v1/public/tips/lookup"))
            .json(&json!({ "receipt": typed }))
            .send()
            .await
            .unwrap();
        let body: Value =
            serde_json::from_str(&expect_status(res, StatusCode::OK, "lookup").await).unwrap();
        assert_eq!(body["number"], number.as_str());
        assert_eq!(body["status"], "已受理");
        assert_eq!(body["feedback"], Value::Null);
    }

    // An unknown receipt is 404; a malformed one is 400; both JSON with a Chinese message.
    let res = c
        .post(app.url("/api/v1/public/tips/lookup"))
        .json(&json!({ "receipt": "1234 5678 9012 3456 7890" }))
        .send()
        .await
        .unwrap();
    let body: Value =
        serde_json::from_str(&expect_status(res, StatusCode::NOT_FOUND, "unknown receipt").await)
            .unwrap();
    assert_eq!(body["code"], "not_found");
    let res = c
        .post(app.url("/api/v1/public/tips/lookup"))
        .json(&json!({ "receipt": "12ab" }))
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(
        &expect_status(res, StatusCode::BAD_REQUEST, "malformed receipt").await,
    )
    .unwrap();
    assert!(body["message"].as_str().unwrap().contains("查询码"));

    // The reporter writes to the handler and sees the message; the staff side sees it too.
    let res = c
        .post(app.url("/api/v1/public/tips/messages"))
        .json(&json!({ "receipt": receipt, "body": "补充：当事人姓刘，可以当面说明。" }))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::CREATED, "reporter message").await;
    let res = c
        .post(app.url("/api/v1/public/tips/messages"))
        .json(&json!({ "receipt": "0000 0000 0000 0000 0000", "body": "你好" }))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "message with unknown receipt").await;
    let res = c
        .post(app.url("/api/v1/public/tips/lookup"))
        .json(&json!({ "receipt": receipt }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["messages"][0]["direction"], "reporter");
    assert_eq!(
        body["messages"][0]["body"],
        "补充：当事人姓刘，可以当面说明。"
    );

    let (clue_id, _) = app.clue_of_tip(&number).await;
    let token = app.api_token("jiwei").await;
    let t: Value = app
        .public()
        .get(app.url(&format!("/api/v1/clues/{clue_id}/tip")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["messages"][0]["body"], "补充：当事人姓刘，可以当面说明。");
    assert_eq!(t["has_identity"], false);

    // The same through the pages: the lookup form shows status; an unknown code is a 404 page.
    let res = c
        .post(app.url("/lookup"))
        .form(&[("receipt", receipt.as_str())])
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "lookup page").await;
    assert!(page.contains(&number) && page.contains("已受理"));
    let res = c
        .post(app.url("/lookup"))
        .form(&[("receipt", "9999 9999 9999 9999 9999")])
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::NOT_FOUND, "lookup page, unknown").await;
    assert!(page.contains("没有找到"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_the_public_reports_with_an_attachment() {
    on_each_backend(report_with_attachment).await
}

async fn report_with_attachment(app: TestApp) {
    let png = common::tiny_png();
    let form = Form::new()
        .text("category", "judicial_corruption")
        .text(
            "description",
            "派出所民警在办理案件时索要财物，附现场照片一张。",
        )
        .text("accused_name", "李某")
        .part(
            "attachments",
            Part::bytes(png.clone())
                .file_name("现场照片.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let res = app
        .public()
        .post(app.url("/api/v1/public/tips"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let v: Value =
        serde_json::from_str(&expect_status(res, StatusCode::CREATED, "multipart tip").await)
            .unwrap();
    assert!(is_grouped_receipt(v["receipt"].as_str().unwrap()));
    let number = v["number"].as_str().unwrap().to_string();

    // Staff see the attachment by its name and download exactly the bytes sent, as a download.
    let (clue_id, _) = app.clue_of_tip(&number).await;
    let token = app.api_token("jiwei").await;
    let t: Value = app
        .public()
        .get(app.url(&format!("/api/v1/clues/{clue_id}/tip")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let att = &t["attachments"][0];
    assert_eq!(att["name"], "现场照片.png");
    assert_eq!(att["kind"], "png");
    assert_eq!(att["size"], png.len());
    let staff = app.login("jiwei").await;
    let res = staff
        .get(app.url(&format!(
            "/clues/{clue_id}/attachments/{}",
            att["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), png.as_slice());

    // On disk the file is sealed under a server-made name: no PNG signature, no reporter's file name.
    let attachments: Vec<_> = app
        .data_files()
        .into_iter()
        .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "attachments"))
        .collect();
    assert_eq!(attachments.len(), 1);
    for (path, bytes) in &attachments {
        assert!(
            !bytes.starts_with(b"\x89PNG"),
            "attachment stored in plain: {path:?}"
        );
        assert!(!path.to_string_lossy().contains("现场照片"));
    }

    // The HTML form takes the same multipart and answers with the receipt page.
    let form = Form::new()
        .text("idem", common::random_suffix())
        .text("category", "conduct")
        .text("description", "窗口民警工作时间玩手机，群众排队等候很久。")
        .part(
            "attachments",
            Part::bytes(png.clone()).file_name("截图.png"),
        );
    let res = app
        .public()
        .post(app.url("/report"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "report form").await;
    let shown = page
        .split("id=\"receipt-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap();
    assert!(is_grouped_receipt(shown), "receipt on page: {shown}");
    assert_eq!(app.store.count_tips().await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubmitting_with_the_same_idempotency_key_makes_one_tip() {
    on_each_backend(idempotent_resubmission).await
}

async fn idempotent_resubmission(app: TestApp) {
    let key = format!("client-{}", common::random_suffix());
    let body = tip("某法院执行局干警违规为被执行人通风报信，致使财产被转移。");
    let send = |k: String| {
        let c = app.public();
        let url = app.url("/api/v1/public/tips");
        let body = body.clone();
        async move {
            c.post(url)
                .header("Idempotency-Key", k)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(key.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send(key.clone()).await;
    assert!(
        again.status() == StatusCode::OK || again.status() == StatusCode::CREATED,
        "replay status {}",
        again.status()
    );
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["receipt"], first["receipt"]);
    assert_eq!(again["number"], first["number"]);

    // A multipart retry with the same key in its header is the same submission too.
    let form = Form::new().text("category", "interference").text(
        "description",
        "某法院执行局干警违规为被执行人通风报信，致使财产被转移。",
    );
    let res = app
        .public()
        .post(app.url("/api/v1/public/tips"))
        .header("Idempotency-Key", key.clone())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let mp: Value = res.json().await.unwrap();
    assert_eq!(mp["number"], first["number"]);
    assert_eq!(app.store.count_tips().await.unwrap(), 1);
    assert_eq!(app.store.count_clues().await.unwrap(), 1);

    // Concurrent retries with a new key still make exactly one tip.
    let key2 = format!("client-{}", common::random_suffix());
    let (a, b) = tokio::join!(send(key2.clone()), send(key2.clone()));
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["receipt"], b["receipt"]);
    assert_eq!(app.store.count_tips().await.unwrap(), 2);

    // A different key is a different tip.
    let other = send(format!("client-{}", common::random_suffix())).await;
    assert_eq!(other.status(), StatusCode::CREATED);
    let other: Value = other.json().await.unwrap();
    assert_ne!(other["number"], first["number"]);
    assert_eq!(app.store.count_tips().await.unwrap(), 3);
    assert_eq!(app.store.count_clues().await.unwrap(), 3);
}
