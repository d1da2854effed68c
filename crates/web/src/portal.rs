//! The public portal: report a problem with no account, get a receipt code once, and later read the status,
//! answer the handler's questions and see the outcome with that code. Works on a phone and with JavaScript
//! off; sends nothing to any other host. The same actions are offered as JSON under `/api/v1/public/`.
//!
//! Public forms carry no CSRF token on purpose: they act on no session, so there is no ambient authority
//! for another site to borrow, and a token that expired while someone wrote a long report would lose it.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use domain::DomainError;
use domain::tips::{ProblemCategory, ReceiptCode, TipInput};
use serde::{Deserialize, Serialize};
use store::tips::{NewAttachment, NewTip, PublicView, TipReceipt};

use crate::AppState;
use crate::error::{ApiError, Error};
use crate::view::{fmt_time, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/report", get(index).post(report))
        .route("/lookup", get(lookup_page).post(lookup))
        .route("/lookup/reply", post(reply))
        .route("/api/v1/public/tips", post(api_submit))
        .route("/api/v1/public/tips/lookup", post(api_lookup))
        .route("/api/v1/public/tips/messages", post(api_message))
}

/// The client address for rate limits: the socket peer, or the proxy's `X-Forwarded-For` when trusted.
pub fn client_key(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if state.config.trust_proxy {
        if let Some(f) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return f.trim().to_string();
        }
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn now_ms() -> i64 {
    store::now_ms()
}

fn allow(limiter: &std::sync::Mutex<domain::limiter::RateLimiter>, key: &str) -> bool {
    limiter
        .lock()
        .map(|mut l| l.check(key, now_ms()))
        .unwrap_or(false)
}

// ---------- the report form ----------

struct CategoryOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn categories(selected: &str) -> Vec<CategoryOption> {
    ProblemCategory::all()
        .iter()
        .map(|c| CategoryOption {
            value: c.as_str(),
            label: c.label(),
            selected: c.as_str() == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/index.html")]
struct IndexPage {
    categories: Vec<CategoryOption>,
    errors: Vec<(String, String)>,
    form: TipInput,
    idem: String,
}

impl IndexPage {
    fn error_for(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
    fn val(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
}

fn empty_input() -> TipInput {
    TipInput {
        accused_name: None,
        accused_unit: None,
        accused_position: None,
        category: String::new(),
        description: String::new(),
        reporter_name: None,
        reporter_contact: None,
    }
}

async fn index() -> Response {
    page(&IndexPage {
        categories: categories(""),
        errors: vec![],
        form: empty_input(),
        idem: crypto::random_token(),
    })
}

#[derive(Template)]
#[template(path = "portal/receipt.html")]
struct ReceiptPage {
    receipt: String,
    number: String,
    replayed: bool,
}

/// What a submission carries before validation, from a form or from the API.
struct Submission {
    input: TipInput,
    files: Vec<(String, Vec<u8>)>,
    idem: Option<String>,
}

fn field_errors(errs: Vec<DomainError>) -> Vec<(String, String)> {
    errs.into_iter()
        .map(|e| (e.field.unwrap_or("form").to_string(), e.message))
        .collect()
}

/// Validates everything first, so a bad submission leaves nothing behind; then hands it to the store.
async fn submit(
    state: &AppState,
    sub: Submission,
) -> Result<Result<TipReceipt, Vec<(String, String)>>, Error> {
    let mut errors = Vec::new();
    let valid = match domain::tips::validate_tip(&sub.input) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.extend(field_errors(e));
            None
        }
    };
    if sub.files.len() > domain::tips::MAX_ATTACHMENTS {
        errors.push((
            "attachments".into(),
            format!("附件最多{}个。", domain::tips::MAX_ATTACHMENTS),
        ));
    }
    let mut attachments = Vec::new();
    for (name, bytes) in sub.files {
        let name = domain::tips::sanitize_filename(&name);
        if bytes.len() > domain::tips::MAX_ATTACHMENT_BYTES {
            errors.push(("attachments".into(), format!("附件「{name}」超过10MB。")));
            continue;
        }
        match domain::tips::check_attachment(&bytes) {
            Ok(kind) => attachments.push(NewAttachment { name, kind, bytes }),
            Err(e) => errors.push((
                "attachments".into(),
                format!("附件「{name}」：{}", e.message),
            )),
        }
    }
    if let Some(k) = &sub.idem {
        if k.is_empty() || k.len() > 128 || !k.bytes().all(|b| b.is_ascii_graphic()) {
            errors.push((
                "idempotency_key".into(),
                "Idempotency-Key 须为1至128个可见ASCII字符。".into(),
            ));
        }
    }
    let Some(tip) = valid.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let r = state
        .store
        .submit_tip(NewTip {
            tip,
            attachments,
            idempotency_key: sub.idem,
        })
        .await?;
    Ok(Ok(r))
}

async fn read_multipart(mut mp: Multipart) -> Result<Submission, Error> {
    // An upload past the body limit is "too large", not "malformed": say which, so the reporter knows what to fix.
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::bad("提交的表单数据不完整或格式不正确，请重新提交。")
        }
    };
    let mut input = empty_input();
    let mut files = Vec::new();
    let mut idem = None;
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "attachments" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            // A file input left empty still sends a nameless, empty part.
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            if files.len() > domain::tips::MAX_ATTACHMENTS {
                return Err(Error::bad(format!(
                    "附件最多{}个。",
                    domain::tips::MAX_ATTACHMENTS
                )));
            }
            files.push((file_name, bytes.to_vec()));
            continue;
        }
        let bytes = field.bytes().await.map_err(bad)?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::bad("提交的文字含有无法识别的字符（不是有效的UTF-8编码）。"))?;
        let opt = || {
            if text.trim().is_empty() {
                None
            } else {
                Some(text.clone())
            }
        };
        match name.as_str() {
            "accused_name" => input.accused_name = opt(),
            "accused_unit" => input.accused_unit = opt(),
            "accused_position" => input.accused_position = opt(),
            "category" => input.category = text.clone(),
            "description" => input.description = text.clone(),
            "reporter_name" => input.reporter_name = opt(),
            "reporter_contact" => input.reporter_contact = opt(),
            "idem" | "idempotency_key" => idem = opt(),
            _ => {}
        }
    }
    Ok(Submission { input, files, idem })
}

async fn report(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<Response, Error> {
    if !allow(
        &state.submit_limiter,
        &client_key(&state, &headers, Some(peer)),
    ) {
        return Err(Error::TooMany);
    }
    let sub = read_multipart(mp).await?;
    let form = TipInput {
        ..sub.input.clone()
    };
    let idem = sub.idem.clone().unwrap_or_else(crypto::random_token);
    match submit(&state, sub).await? {
        Ok(r) => Ok(page(&ReceiptPage {
            receipt: r.receipt.grouped(),
            number: r.number,
            replayed: r.replayed,
        })),
        Err(errors) => {
            let mut res = page(&IndexPage {
                categories: categories(&form.category),
                errors,
                form,
                idem,
            });
            *res.status_mut() = StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

// ---------- lookup with the receipt ----------

#[derive(Template)]
#[template(path = "portal/lookup.html")]
struct LookupPage {
    error: Option<String>,
}

async fn lookup_page() -> Response {
    page(&LookupPage { error: None })
}

struct MessageRow {
    who: &'static str,
    kind: &'static str,
    body: String,
    at: String,
}

#[derive(Template)]
#[template(path = "portal/view.html")]
struct ViewPage {
    receipt: String,
    view: PublicView,
    submitted: String,
    messages: Vec<MessageRow>,
    notice: Option<String>,
    error: Option<String>,
    closed: bool,
}

fn view_page(
    receipt: &ReceiptCode,
    view: PublicView,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let messages = view
        .messages
        .iter()
        .map(|m| MessageRow {
            who: if m.direction == "reporter" {
                "我"
            } else {
                "办理人员"
            },
            kind: match m.kind.as_str() {
                "feedback" => "办理结果",
                "question" => "提问",
                _ => "留言",
            },
            body: m.body.clone(),
            at: fmt_time(m.at),
        })
        .collect();
    let closed = view.status == "已办结";
    page(&ViewPage {
        receipt: receipt.grouped(),
        submitted: fmt_time(view.submitted_at),
        view,
        messages,
        notice,
        error,
        closed,
    })
}

#[derive(Deserialize)]
struct LookupForm {
    #[serde(default)]
    receipt: String,
}

/// Parses the code and spends a token of the client's and the global budget; unknown codes cost the same.
fn check_receipt(state: &AppState, key: &str, raw: &str) -> Result<ReceiptCode, Error> {
    if !allow(&state.receipt_limiter, key) {
        return Err(Error::TooMany);
    }
    ReceiptCode::parse(raw).map_err(|_| Error::bad("查询码应为20位数字，请核对后重新输入。"))
}

async fn lookup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LookupForm>,
) -> Result<Response, Error> {
    let key = client_key(&state, &headers, Some(peer));
    let receipt = match check_receipt(&state, &key, &f.receipt) {
        Ok(r) => r,
        Err(Error::BadRequest(m)) => {
            let mut res = page(&LookupPage { error: Some(m) });
            *res.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(res);
        }
        Err(e) => return Err(e),
    };
    match state.store.lookup_tip(&receipt).await? {
        Some(v) => Ok(view_page(&receipt, v, None, None)),
        None => {
            let mut res = page(&LookupPage {
                error: Some("没有找到与该查询码对应的举报，请核对后重新输入。".into()),
            });
            *res.status_mut() = StatusCode::NOT_FOUND;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
struct ReplyForm {
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    body: String,
}

async fn reply(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<ReplyForm>,
) -> Result<Response, Error> {
    let key = client_key(&state, &headers, Some(peer));
    let receipt = check_receipt(&state, &key, &f.receipt)?;
    let (notice, error) = match state.store.reporter_message(&receipt, &f.body).await {
        Ok(()) => (Some("留言已送达办理人员。".to_string()), None),
        Err(store::StoreError::Invalid(e)) => (None, Some(e.message)),
        Err(e) => return Err(e.into()),
    };
    let view = state
        .store
        .lookup_tip(&receipt)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(view_page(&receipt, view, notice, error))
}

// ---------- JSON API ----------

#[derive(Deserialize)]
pub struct ApiTip {
    #[serde(default)]
    pub accused_name: Option<String>,
    #[serde(default)]
    pub accused_unit: Option<String>,
    #[serde(default)]
    pub accused_position: Option<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub reporter_name: Option<String>,
    #[serde(default)]
    pub reporter_contact: Option<String>,
}

#[derive(Serialize)]
struct ApiReceipt {
    receipt: String,
    number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<String>,
}

fn invalid_json(errors: Vec<(String, String)>) -> Response {
    let first = errors.first().map(|e| e.1.clone()).unwrap_or_default();
    let fields: Vec<_> = errors
        .iter()
        .map(|(f, m)| serde_json::json!({ "field": f, "message": m }))
        .collect();
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "code": "invalid", "message": first, "errors": fields })),
    )
        .into_response()
}

async fn api_submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, ApiError> {
    if !allow(
        &state.submit_limiter,
        &client_key(&state, &headers, Some(peer)),
    ) {
        return Err(ApiError(Error::TooMany));
    }
    let idem = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string).unwrap_or_default());
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut sub = if ct.starts_with("multipart/form-data") {
        let mp = Multipart::from_request(req, &state)
            .await
            .map_err(|_| ApiError(Error::bad("multipart 请求格式不正确。")))?;
        read_multipart(mp).await?
    } else if ct.starts_with("application/json") {
        let Json(t): Json<ApiTip> = Json::from_request(req, &state)
            .await
            .map_err(|e| ApiError(Error::bad(format!("JSON 格式不正确：{}", e.body_text()))))?;
        Submission {
            input: TipInput {
                accused_name: t.accused_name,
                accused_unit: t.accused_unit,
                accused_position: t.accused_position,
                category: t.category,
                description: t.description,
                reporter_name: t.reporter_name,
                reporter_contact: t.reporter_contact,
            },
            files: vec![],
            idem: None,
        }
    } else {
        return Err(ApiError(Error::bad(
            "请以 application/json 或 multipart/form-data 提交。",
        )));
    };
    if idem.is_some() {
        sub.idem = idem;
    }
    match submit(&state, sub).await? {
        Ok(r) => {
            let status = if r.replayed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            Ok((
                status,
                Json(ApiReceipt {
                    receipt: r.receipt.grouped(),
                    number: r.number,
                    duplicate_of: None,
                }),
            )
                .into_response())
        }
        Err(errors) => Ok(invalid_json(errors)),
    }
}

#[derive(Deserialize)]
struct ApiLookup {
    #[serde(default)]
    receipt: String,
}

async fn api_lookup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<ApiLookup>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) =
        body.map_err(|e| ApiError(Error::bad(format!("JSON 格式不正确：{}", e.body_text()))))?;
    let key = client_key(&state, &headers, Some(peer));
    let receipt = check_receipt(&state, &key, &b.receipt)?;
    let v = state
        .store
        .lookup_tip(&receipt)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
struct ApiMessage {
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    body: String,
}

async fn api_message(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<ApiMessage>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) =
        body.map_err(|e| ApiError(Error::bad(format!("JSON 格式不正确：{}", e.body_text()))))?;
    let key = client_key(&state, &headers, Some(peer));
    let receipt = check_receipt(&state, &key, &b.receipt)?;
    state.store.reporter_message(&receipt, &b.body).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "ok": true }))).into_response())
}
