//! The staff JSON API under `/api/v1/` and the OpenAPI document at `/api/openapi.json`.
//!
//! A caller trades a username, password and (when the account has one) a TOTP code for a bearer token,
//! then acts with exactly the permissions and data scope the pages give the same person: the handlers
//! reuse the pages' filters, step mapping and export. Every refusal is `{"code","message"}` JSON with a
//! Chinese message, body rejections included. The public tip routes live in `portal.rs`; the document
//! here describes them too, so it is the one place a client reads.

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::access::Permission;
use domain::clues::{ClueSource, ClueState, Conclusion, DisposalMethod, Outcome};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use serde_json::{Value, json};
use store::clues::NewClue;
use store::org::LoginOutcome;

use crate::AppState;
use crate::auth::ApiStaff;
use crate::clues::{FilterQuery, StepForm, step_input, step_permission};
use crate::error::{ApiError, Error};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/auth/token", post(token))
        .route("/api/v1/clues", get(list).post(register))
        .route("/api/v1/clues/export", get(export))
        .route("/api/v1/clues/{id}", get(detail))
        .route("/api/v1/clues/{id}/steps", post(step))
        .route("/api/v1/clues/{id}/supervise", post(supervise))
        .route("/api/v1/clues/{id}/tip", get(tip))
        .route("/api/v1/progress", get(progress))
}

/// The one message for a wrong password, an unknown account, a disabled one and a locked one.
pub const LOGIN_REFUSED: &str = "用户名或密码错误，或账号已被暂时锁定（连续输错5次锁定15分钟）。";

/// A JSON error whose code has no [`Error`] variant (the token endpoint's second-factor answers).
fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

/// Turns axum's plain-text body rejections into the API's JSON error with a Chinese message.
fn json_body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    match b {
        Ok(Json(v)) => Ok(v),
        Err(e) => Err(ApiError(match &e {
            JsonRejection::MissingJsonContentType(_) => {
                Error::bad("请以 JSON 格式提交（Content-Type: application/json）。")
            }
            JsonRejection::JsonSyntaxError(_) => {
                Error::bad("请求体不是有效的 JSON（或含有无效的 UTF-8 字符）。")
            }
            JsonRejection::JsonDataError(d) => {
                let text = d.body_text();
                let detail = text
                    .split_once("target type: ")
                    .map(|x| x.1)
                    .unwrap_or(&text);
                let detail: String = detail.chars().take(200).collect();
                Error::bad(format!("JSON 字段缺失或类型不正确（{detail}）。"))
            }
            _ if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
            _ => Error::bad("请求体无法读取，请检查后重试。"),
        })),
    }
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(v)| v).map_err(|_| {
        ApiError(Error::bad(
            "查询参数格式不正确（每个参数只能出现一次，且须为文字或数字）。",
        ))
    })
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

// ---------- token ----------

#[derive(Deserialize)]
struct TokenRequest {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: Option<String>,
}

async fn token(
    State(state): State<AppState>,
    b: Result<Json<TokenRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = json_body(b)?;
    let username = b.username.trim().to_lowercase();
    if username.is_empty() || b.password.is_empty() || username.len() > 64 || b.password.len() > 256
    {
        return Err(ApiError(Error::bad("请输入用户名和密码。")));
    }
    let user_id = match state.store.check_password(&username, &b.password).await? {
        LoginOutcome::Ok {
            user_id,
            needs_totp: true,
        } => {
            let code = b.totp.as_deref().map(str::trim).unwrap_or("");
            if !code.is_empty() && !state.allow_totp_attempt(&user_id) {
                return Err(ApiError(Error::TooMany));
            }
            let ok = !code.is_empty()
                && match state.store.totp_secret(&user_id).await? {
                    Some((secret, true)) => crypto::totp::verify(&secret, code, now_secs()),
                    _ => false,
                };
            if !ok {
                if !code.is_empty() {
                    state
                        .store
                        .audit_now(
                            &store::audit::AuditActor::user(&username),
                            "login.totp_fail",
                            &format!("user:{username}"),
                            "api",
                        )
                        .await?;
                }
                return Ok(refusal(
                    StatusCode::UNAUTHORIZED,
                    "totp_required",
                    "该账号已启用动态口令，请在 totp 字段填写当前的6位动态口令。",
                ));
            }
            let token = state.store.create_session(&user_id, "api", true).await?;
            return Ok(token_response(token));
        }
        LoginOutcome::Ok {
            user_id,
            needs_totp: false,
        } => user_id,
        LoginOutcome::Refused | LoginOutcome::Locked => {
            return Ok(refusal(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                LOGIN_REFUSED,
            ));
        }
    };
    if state.config.require_totp {
        return Ok(refusal(
            StatusCode::FORBIDDEN,
            "totp_enrollment_required",
            "该账号尚未绑定动态口令，请先登录网页端在“我的账号”中完成绑定。",
        ));
    }
    let token = state.store.create_session(&user_id, "api", false).await?;
    Ok(token_response(token))
}

fn token_response(token: String) -> Response {
    Json(json!({ "token": token, "token_type": "Bearer", "idle_timeout_seconds": store::org::API_IDLE_MS / 1000 })).into_response()
}

// ---------- clue list and export ----------

/// The page's filters plus paging, all as text so that a bad number gets our message, not serde's.
#[derive(Deserialize, Default)]
struct ListQuery {
    unit: Option<String>,
    category: Option<String>,
    source: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    supervised: Option<String>,
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

pub const MAX_PER_PAGE: u64 = 100;
pub const DEFAULT_PER_PAGE: u64 = 20;
const MAX_PAGE: u64 = 1_000_000;

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `true`/`1` and `false`/`0`; the page's "any value means yes" would read `overdue=false` as yes.
fn flag(v: &Option<String>, field: &'static str) -> Result<Option<String>, Error> {
    match present(v) {
        None | Some("false") | Some("0") => Ok(None),
        Some("true") | Some("1") => Ok(Some("1".into())),
        Some(_) => Err(Error::Invalid(domain::DomainError::field(
            field,
            format!("{field} 只能为 true 或 false"),
        ))),
    }
}

fn number(
    v: &Option<String>,
    field: &'static str,
    label: &str,
    default: u64,
    max: u64,
) -> Result<u64, Error> {
    match present(v) {
        None => Ok(default),
        Some(s) => match s.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(Error::Invalid(domain::DomainError::field(
                field,
                format!("{label}应为1至{max}之间的整数"),
            ))),
        },
    }
}

/// Unknown filter values are refused here (the page ignores them) so a typo never widens a list silently.
fn filter_of(q: &ListQuery) -> Result<FilterQuery, Error> {
    if let Some(c) = present(&q.category) {
        ProblemCategory::parse(c).map_err(|e| e.at("category"))?;
    }
    if let Some(s) = present(&q.source) {
        ClueSource::parse(s).map_err(|e| e.at("source"))?;
    }
    if let Some(s) = present(&q.state) {
        ClueState::parse(s).map_err(|e| e.at("state"))?;
    }
    Ok(FilterQuery {
        unit: q.unit.clone(),
        category: q.category.clone(),
        source: q.source.clone(),
        state: q.state.clone(),
        overdue: flag(&q.overdue, "overdue")?,
        supervised: flag(&q.supervised, "supervised")?,
        q: q.q.clone(),
        page: None,
    })
}

async fn list(
    State(state): State<AppState>,
    s: ApiStaff,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    s.require(Permission::ReadClues)?;
    let q = query(q)?;
    let filter = filter_of(&q)?.filter();
    let page = number(&q.page, "page", "页码", 1, MAX_PAGE)?;
    let per_page = number(
        &q.per_page,
        "per_page",
        "每页条数",
        DEFAULT_PER_PAGE,
        MAX_PER_PAGE,
    )?;
    let (items, total) = state
        .store
        .clues(&s.actor, &filter, (page - 1) * per_page, per_page)
        .await?;
    Ok(
        Json(json!({ "items": items, "total": total, "page": page, "per_page": per_page }))
            .into_response(),
    )
}

async fn export(
    State(state): State<AppState>,
    s: ApiStaff,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    s.require(Permission::ExportClues)?;
    let q = query(q)?;
    let filter = filter_of(&q)?.filter();
    let file = crate::clues::export_clues(&state, &s.actor, &filter).await?;
    let bytes = tokio::fs::read(file.path())
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    let name = format!("clues-{}.xlsx", store::clues::today().format("%Y%m%d"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// ---------- one clue ----------

async fn detail_body(state: &AppState, s: &ApiStaff, id: &str) -> Result<Value, Error> {
    let clue = state.store.clue_in_scope(&s.actor, id).await?;
    let timeline = state.store.clue_events(&s.actor, id).await?;
    let actions = ClueState::parse(&clue.state)
        .map(domain::clues::allowed_actions)
        .unwrap_or(&[]);
    Ok(json!({ "clue": clue, "timeline": timeline, "actions": actions }))
}

async fn detail(
    State(state): State<AppState>,
    s: ApiStaff,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    s.require(Permission::ReadClues)?;
    Ok(Json(detail_body(&state, &s, &id).await?).into_response())
}

#[derive(Deserialize)]
struct RegisterRequest {
    #[serde(default)]
    source: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    accused_name: Option<String>,
    #[serde(default)]
    accused_unit: Option<String>,
    #[serde(default)]
    accused_position: Option<String>,
    #[serde(default)]
    accused_badge: Option<String>,
    #[serde(default)]
    summary: String,
}

async fn register(
    State(state): State<AppState>,
    s: ApiStaff,
    b: Result<Json<RegisterRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    s.require(Permission::RegisterClue)?;
    let b = json_body(b)?;
    let source = ClueSource::parse(&b.source)
        .map_err(|_| domain::DomainError::field("source", "请选择线索来源"))?;
    let category = ProblemCategory::parse(&b.category)
        .map_err(|_| domain::DomainError::field("category", "请选择问题类别"))?;
    let opt = |v: &Option<String>, field, label, max| {
        domain::org::clean_optional(v.as_deref(), field, label, max)
    };
    let n = NewClue {
        source,
        category,
        accused_name: opt(&b.accused_name, "accused_name", "被反映人姓名", 50)?,
        accused_unit: opt(&b.accused_unit, "accused_unit", "被反映人单位", 100)?,
        accused_position: opt(&b.accused_position, "accused_position", "职务", 100)?,
        accused_badge: opt(&b.accused_badge, "accused_badge", "被反映人警号", 50)?,
        summary: b.summary,
    };
    let (id, number) = state.store.register_clue(&s.actor, &n).await?;
    let mut res = (
        StatusCode::CREATED,
        Json(json!({ "id": id, "number": number })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/clues/{id}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct StepRequest {
    #[serde(default)]
    action: String,
    #[serde(default)]
    unit_id: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    feedback: Option<String>,
}

async fn step(
    State(state): State<AppState>,
    s: ApiStaff,
    Path(id): Path<String>,
    b: Result<Json<StepRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    s.require(Permission::ReadClues)?;
    let b = json_body(b)?;
    s.require(step_permission(&b.action))?;
    // Scope before input, as on the page: a clue outside scope is 404 whatever the body says.
    state.store.clue_in_scope(&s.actor, &id).await?;
    let form = StepForm {
        csrf: String::new(),
        action: b.action,
        unit_id: b.unit_id.unwrap_or_default(),
        method: b.method.unwrap_or_default(),
        conclusion: b.conclusion.unwrap_or_default(),
        outcome: b.outcome.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
        feedback: b.feedback.unwrap_or_default(),
    };
    let input = step_input(&form)?;
    state
        .store
        .clue_step(&s.actor, &id, &input, &form.note)
        .await?;
    Ok(Json(detail_body(&state, &s, &id).await?).into_response())
}

#[derive(Deserialize)]
struct SuperviseRequest {
    #[serde(default)]
    on: Option<bool>,
    #[serde(default)]
    note: Option<String>,
}

async fn supervise(
    State(state): State<AppState>,
    s: ApiStaff,
    Path(id): Path<String>,
    b: Result<Json<SuperviseRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    s.require(Permission::SuperviseClue)?;
    let b = json_body(b)?;
    state.store.clue_in_scope(&s.actor, &id).await?;
    let on = b.on.ok_or_else(|| {
        domain::DomainError::field("on", "请用 on 指明列为督办（true）或解除督办（false）")
    })?;
    state
        .store
        .supervise_clue(&s.actor, &id, on, b.note.as_deref().unwrap_or(""))
        .await?;
    Ok(Json(detail_body(&state, &s, &id).await?).into_response())
}

async fn tip(
    State(state): State<AppState>,
    s: ApiStaff,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    s.require(Permission::ReadTipContent)?;
    Ok(Json(state.store.tip_content(&s.actor, &id).await?).into_response())
}

// ---------- the OpenAPI document ----------

#[derive(Deserialize)]
struct ProgressQuery {
    campaign: Option<String>,
    unit: Option<String>,
}

async fn progress(
    State(state): State<AppState>,
    s: ApiStaff,
    q: Result<Query<ProgressQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    s.require(Permission::ViewCampaign)?;
    let q = query(q)?;
    let body =
        crate::progress::progress_json(&state, &s.actor, q.campaign.as_deref(), q.unit.as_deref())
            .await?;
    Ok(Json(body).into_response())
}

async fn openapi() -> Response {
    let mut res = Json(openapi_document()).into_response();
    // Describes no data, so it may be cached, unlike everything else.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

fn ids<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|x| f(*x)).collect()
}

fn nullable(t: &str) -> Value {
    json!({ "type": [t, "null"] })
}

fn nullable_enum(values: Vec<&'static str>) -> Value {
    let mut v: Vec<Value> = values.into_iter().map(Value::from).collect();
    v.push(Value::Null);
    json!({ "type": ["string", "null"], "enum": v })
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn json_content(s: Value) -> Value {
    json!({ "application/json": { "schema": s } })
}

/// A response with a JSON body of the named schema.
fn ok(description: &str, schema_name: &str) -> Value {
    json!({ "description": description, "content": json_content(schema(schema_name)) })
}

/// The error responses an operation can give, by status.
fn errors(statuses: &[u16]) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for s in statuses {
        let d = match s {
            400 => {
                "输入不正确：JSON 格式、字段类型或取值不符合要求（code 为 bad_request 或 invalid，invalid 时 field 指明字段）"
            }
            401 => "未登录、令牌无效或已过期（code: unauthorized）",
            403 => "角色无此权限（code: forbidden）",
            404 => "记录不存在或不在本人数据范围内（code: not_found）",
            409 => "线索状态已被他人更新（code: conflict）",
            413 => "请求体过大（code: payload_too_large）",
            429 => "请求过于频繁（code: too_many_requests）",
            503 => "服务器暂时无法读写数据，操作未生效（code: unavailable）",
            _ => "错误",
        };
        m.insert(s.to_string(), ok(d, "Error"));
    }
    m
}

fn responses(success: &[(u16, Value)], error_statuses: &[u16]) -> Value {
    let mut m = errors(error_statuses);
    for (s, v) in success {
        m.insert(s.to_string(), v.clone());
    }
    Value::Object(m)
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "description": "线索 id（UUID）", "schema": { "type": "string" } })
}

fn filter_params(paged: bool) -> Vec<Value> {
    let mut p = vec![
        json!({ "name": "unit", "in": "query", "description": "承办单位 id", "schema": { "type": "string" } }),
        json!({ "name": "category", "in": "query", "schema": { "type": "string", "enum": ids(ProblemCategory::all(), ProblemCategory::as_str) } }),
        json!({ "name": "source", "in": "query", "schema": { "type": "string", "enum": ids(ClueSource::all(), ClueSource::as_str) } }),
        json!({ "name": "state", "in": "query", "schema": { "type": "string", "enum": ids(ClueState::all(), ClueState::as_str) } }),
        json!({ "name": "overdue", "in": "query", "description": "只看超期线索", "schema": { "type": "boolean" } }),
        json!({ "name": "supervised", "in": "query", "description": "只看督办线索", "schema": { "type": "boolean" } }),
        json!({ "name": "q", "in": "query", "description": "按线索编号、被反映人姓名或单位查找（取前50个字）", "schema": { "type": "string" } }),
    ];
    if paged {
        p.push(json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1 } }));
        p.push(json!({ "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE } }));
    }
    // An empty value means "not given", as from an HTML form.
    for param in &mut p {
        param["allowEmptyValue"] = json!(true);
    }
    p
}

fn error_codes() -> Vec<&'static str> {
    let variants = [
        Error::NotFound,
        Error::Forbidden,
        Error::Unauthorized,
        Error::Invalid(domain::DomainError::new("")),
        Error::BadRequest(String::new()),
        Error::Conflict(String::new()),
        Error::TooMany,
        Error::PayloadTooLarge,
        Error::Unavailable(String::new()),
    ];
    let mut codes: Vec<&'static str> = variants.iter().map(Error::code).collect();
    codes.extend(["totp_required", "totp_enrollment_required"]);
    codes
}

/// Characters `domain::org::clean_text` refuses: control characters other than tab and line breaks,
/// and the bidirectional overrides.
const FORBIDDEN: &str = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069";

/// A text field checked by `clean_text`: trimmed, then `min..=max` characters, no forbidden characters.
fn text(min: usize, max: usize, description: &str) -> Value {
    let pattern = match min {
        0 => format!("^[^{FORBIDDEN}]*$"),
        1 => format!("^\\s*[^\\s{FORBIDDEN}](?:[^{FORBIDDEN}]*[^\\s{FORBIDDEN}])?\\s*$"),
        n => format!(
            "^\\s*[^\\s{FORBIDDEN}][^{FORBIDDEN}]{{{},}}[^\\s{FORBIDDEN}]\\s*$",
            n - 2
        ),
    };
    json!({ "type": "string", "minLength": min, "maxLength": max, "pattern": pattern, "description": description })
}

/// An optional text field: absent, null or blank means "not given".
fn optional_text(max: usize, description: &str) -> Value {
    let mut t = text(0, max, description);
    t["type"] = json!(["string", "null"]);
    t
}

/// A receipt as `ReceiptCode::parse` takes it: 20 digits, with spaces, hyphens or full-width spaces between.
const RECEIPT_PATTERN: &str = r"^\s*[ \-\u3000]*(?:[0-9][ \-\u3000]*){20}\s*$";

fn tip_fields() -> serde_json::Map<String, Value> {
    use domain::tips::{CONTACT_MAX, NAME_MAX, TIP_DESCRIPTION_MAX, TIP_DESCRIPTION_MIN, UNIT_MAX};
    let mut m = serde_json::Map::new();
    m.insert(
        "accused_name".into(),
        optional_text(NAME_MAX, "被反映人姓名，可不填"),
    );
    m.insert(
        "accused_unit".into(),
        optional_text(UNIT_MAX, "被反映人单位，可不填"),
    );
    m.insert(
        "accused_position".into(),
        optional_text(UNIT_MAX, "被反映人职务，可不填"),
    );
    m.insert(
        "category".into(),
        json!({ "type": "string", "enum": ids(ProblemCategory::all(), ProblemCategory::as_str) }),
    );
    m.insert(
        "description".into(),
        text(
            TIP_DESCRIPTION_MIN,
            TIP_DESCRIPTION_MAX,
            "举报内容（去掉首尾空白后按字符计）",
        ),
    );
    m.insert(
        "reporter_name".into(),
        optional_text(NAME_MAX, "举报人姓名（实名举报时填写，加密封存）"),
    );
    m.insert(
        "reporter_contact".into(),
        optional_text(CONTACT_MAX, "举报人联系方式（加密封存）"),
    );
    m
}

/// The whole document, written by hand to match the handlers above and in `portal.rs`.
pub fn openapi_document() -> Value {
    let bearer = json!([{ "bearerAuth": [] }]);
    let public_message = json!({
        "type": "object",
        "required": ["direction", "kind", "body", "at"],
        "properties": {
            "direction": { "type": "string", "enum": ["reporter", "handler"] },
            "kind": { "type": "string", "enum": ["message", "question", "feedback"] },
            "body": { "type": "string" },
            "at": { "type": "integer", "description": "毫秒时间戳（UTC）" }
        }
    });
    let clue = json!({
        "type": "object",
        "required": ["id", "number", "source", "category", "state", "unit_id", "unit_name", "summary", "supervised", "state_since", "created_at", "overdue"],
        "properties": {
            "id": { "type": "string" },
            "number": { "type": "string", "description": "线索编号，如 XS-2026-000123" },
            "source": { "type": "string", "enum": ids(ClueSource::all(), ClueSource::as_str) },
            "category": { "type": "string", "enum": ids(ProblemCategory::all(), ProblemCategory::as_str) },
            "state": { "type": "string", "enum": ids(ClueState::all(), ClueState::as_str) },
            "unit_id": { "type": "string" },
            "unit_name": { "type": "string" },
            "accused_name": nullable("string"),
            "accused_unit": nullable("string"),
            "accused_position": nullable("string"),
            "summary": { "type": "string" },
            "tip_id": nullable("string"),
            "disposal": nullable_enum(ids(DisposalMethod::all(), DisposalMethod::as_str)),
            "conclusion": nullable_enum(ids(Conclusion::all(), Conclusion::as_str)),
            "outcome": nullable_enum(ids(Outcome::all(), Outcome::as_str)),
            "supervised": { "type": "boolean" },
            "supervise_note": nullable("string"),
            "state_since": { "type": "integer", "description": "进入当前状态的毫秒时间戳（UTC）" },
            "due_date": { "type": ["string", "null"], "format": "date", "description": "当前环节时限（北京时间日期）" },
            "created_at": { "type": "integer" },
            "closed_at": nullable("integer"),
            "overdue": { "type": "boolean" }
        }
    });
    let step_names: Vec<&str> =
        ["assign", "dispose", "verify", "conclude", "handle", "close"].to_vec();
    let tip_json = json!({ "type": "object", "required": ["category", "description"], "properties": Value::Object(tip_fields()) });
    let mut multipart_fields = tip_fields();
    multipart_fields.insert(
        "attachments".into(),
        json!({ "type": "array", "maxItems": domain::tips::MAX_ATTACHMENTS, "items": { "type": "string", "format": "binary" }, "description": "附件，每个不超过10MB，按内容识别：JPG、PNG、PDF、docx/xlsx、纯文本" }),
    );
    multipart_fields.insert("idempotency_key".into(), json!({ "type": "string", "pattern": "^\\s*$|^[!-~]{1,128}$", "description": "同 Idempotency-Key 请求头（留空即不用）；两者都有时以请求头为准" }));
    let tip_multipart = json!({ "type": "object", "required": ["category", "description"], "properties": Value::Object(multipart_fields) });
    let idem_header = json!({
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "1至128个可见ASCII字符。以同一键重复提交时返回第一次的查询码和编号（200），不会生成第二条举报。",
        "schema": { "type": "string", "pattern": "^[!-~]{1,128}$" }
    });

    let paths = json!({
        "/api/v1/public/tips": {
            "post": {
                "tags": ["public"], "operationId": "submitTip", "security": [],
                "summary": "提交举报（JSON，或 multipart 附带附件）",
                "parameters": [idem_header],
                "requestBody": { "required": true, "content": {
                    "application/json": { "schema": schema("TipInput") },
                    "multipart/form-data": { "schema": schema("TipMultipart") }
                } },
                "responses": responses(&[
                    (201, ok("已受理：查询码只显示这一次，请妥善保存", "Receipt")),
                    (200, ok("同一 Idempotency-Key 的重复提交：返回第一次的查询码和编号", "Receipt")),
                    (400, json!({ "description": "举报内容不符合要求：code 为 invalid 时 errors 列出每个字段的问题；格式错误时 code 为 bad_request", "content": json_content(json!({ "anyOf": [schema("ValidationErrors"), schema("Error")] })) })),
                ], &[413, 429, 503])
            }
        },
        "/api/v1/public/tips/lookup": {
            "post": {
                "tags": ["public"], "operationId": "lookupTip", "security": [],
                "summary": "凭查询码查看办理状态、办理人员的提问和办理结果",
                "requestBody": { "required": true, "content": json_content(schema("LookupRequest")) },
                "responses": responses(&[(200, ok("举报的办理情况", "PublicView"))], &[400, 404, 429, 503])
            }
        },
        "/api/v1/public/tips/messages": {
            "post": {
                "tags": ["public"], "operationId": "replyToHandler", "security": [],
                "summary": "凭查询码向办理人员留言（已办结的举报不能留言）",
                "requestBody": { "required": true, "content": json_content(schema("MessageRequest")) },
                "responses": responses(&[(201, ok("留言已送达", "Ok"))], &[400, 404, 429, 503])
            }
        },
        "/api/v1/auth/token": {
            "post": {
                "tags": ["auth"], "operationId": "createToken", "security": [],
                "summary": "以用户名、密码（及动态口令）换取令牌",
                "description": "密码错误、账号不存在、已停用或已锁定时答复同一个 401（code: unauthorized），不透露账号是否存在。账号已启用动态口令而 totp 缺失或错误时答复 401（code: totp_required）；系统要求动态口令而账号尚未绑定时答复 403（code: totp_enrollment_required）。令牌闲置8小时失效。",
                "requestBody": { "required": true, "content": json_content(schema("TokenRequest")) },
                "responses": responses(&[(200, ok("令牌", "TokenResponse"))], &[400, 401, 403, 503])
            }
        },
        "/api/v1/clues": {
            "get": {
                "tags": ["clues"], "operationId": "listClues", "security": bearer,
                "summary": "本人数据范围内的线索，按登记时间倒序分页",
                "parameters": filter_params(true),
                "responses": responses(&[(200, ok("一页线索", "ClueList"))], &[400, 401, 403, 503])
            },
            "post": {
                "tags": ["clues"], "operationId": "registerClue", "security": bearer,
                "summary": "登记线索（群众举报以外的来源），承办单位为登记人所在单位",
                "requestBody": { "required": true, "content": json_content(schema("NewClue")) },
                "responses": responses(&[(201, json!({
                    "description": "已登记",
                    "headers": { "Location": { "schema": { "type": "string" }, "description": "/api/v1/clues/{id}" } },
                    "content": json_content(schema("Created"))
                }))], &[400, 401, 403, 503])
            }
        },
        "/api/v1/clues/export": {
            "get": {
                "tags": ["clues"], "operationId": "exportClues", "security": bearer,
                "summary": "按筛选条件导出本人数据范围内的全部线索（.xlsx）",
                "parameters": filter_params(false),
                "responses": responses(&[(200, json!({
                    "description": "Excel 文件（以 = + - @ 开头的单元格已作转义）",
                    "headers": { "Content-Disposition": { "schema": { "type": "string" } } },
                    "content": { XLSX: { "schema": { "type": "string", "format": "binary" } } }
                }))], &[400, 401, 403, 503])
            }
        },
        "/api/v1/clues/{id}": {
            "get": {
                "tags": ["clues"], "operationId": "getClue", "security": bearer,
                "summary": "一条线索及其办理过程",
                "parameters": [id_param()],
                "responses": responses(&[(200, ok("线索", "ClueDetail"))], &[401, 403, 404, 503])
            }
        },
        "/api/v1/clues/{id}/steps": {
            "post": {
                "tags": ["clues"], "operationId": "takeClueStep", "security": bearer,
                "summary": "办理一步：分办、确定处置方式、核查完毕、认定、处理、办结",
                "description": "分办需要整顿办或纪检监察角色，其余各步只限纪检监察人员。不合法的步骤（如登记后直接办结）答复 400，线索不变。核查完毕须在 note 写明核查情况（不少于5个字）；群众举报的线索办结时须在 feedback 填写向举报人反馈的办理结果（不少于5个字）。",
                "parameters": [id_param()],
                "requestBody": { "required": true, "content": json_content(schema("StepRequest")) },
                "responses": responses(&[(200, ok("办理后的线索", "ClueDetail"))], &[400, 401, 403, 404, 409, 503])
            }
        },
        "/api/v1/clues/{id}/supervise": {
            "post": {
                "tags": ["clues"], "operationId": "superviseClue", "security": bearer,
                "summary": "列为督办或解除督办（整顿办）",
                "parameters": [id_param()],
                "requestBody": { "required": true, "content": json_content(schema("SuperviseRequest")) },
                "responses": responses(&[(200, ok("督办后的线索", "ClueDetail"))], &[400, 401, 403, 404, 503])
            }
        },
        "/api/v1/progress": {
            "get": {
                "tags": ["campaign"], "operationId": "getProgress", "security": bearer,
                "summary": "整顿进展：某单位（缺省为本人可见的最上级单位）汇总的各项数字，及其直属下级单位各自的汇总",
                "description": "数据最多约30秒前。counts 为计数，rates 为百分比（保留一位小数）。phase_units 按阶段顺序列出各阶段的单位数，最后一项为已完成全部阶段的单位数；reported_by_category 与 found_by_category 按问题类别顺序列出。",
                "parameters": [
                    { "name": "campaign", "in": "query", "required": false, "schema": { "type": "string" }, "description": "整顿活动 id，缺省为最新的一个" },
                    { "name": "unit", "in": "query", "required": false, "schema": { "type": "string" }, "description": "单位 id，须在本人数据范围内" }
                ],
                "responses": responses(&[(200, ok("整顿进展", "Progress"))], &[400, 401, 403, 404, 503])
            }
        },
        "/api/v1/clues/{id}/tip": {
            "get": {
                "tags": ["clues"], "operationId": "getClueTip", "security": bearer,
                "summary": "线索所来自的群众举报的内容（每次读取均记入审计日志；举报人身份不在其中）",
                "parameters": [id_param()],
                "responses": responses(&[(200, ok("举报内容", "TipContent"))], &[401, 403, 404, 503])
            }
        }
    });
    let mut schemas = serde_json::Map::new();
    schemas.insert("Error".into(), json!({
        "type": "object",
        "required": ["code", "message"],
        "additionalProperties": false,
        "properties": {
            "code": { "type": "string", "enum": error_codes() },
            "message": { "type": "string", "description": "中文说明，可直接展示" },
            "field": { "type": "string", "description": "出错的字段（code 为 invalid 时可能有）" }
        }
    }));
    schemas.insert(
        "ValidationErrors".into(),
        json!({
            "type": "object",
            "required": ["code", "message", "errors"],
            "additionalProperties": false,
            "properties": {
                "code": { "const": "invalid" },
                "message": { "type": "string", "description": "第一个问题" },
                "errors": { "type": "array", "items": {
                    "type": "object", "required": ["field", "message"],
                    "properties": { "field": { "type": "string" }, "message": { "type": "string" } }
                } }
            }
        }),
    );
    schemas.insert("TipInput".into(), tip_json);
    schemas.insert("TipMultipart".into(), tip_multipart);
    schemas.insert("Receipt".into(), json!({
        "type": "object",
        "required": ["receipt", "number"],
        "properties": {
            "receipt": { "type": "string", "pattern": "^[0-9]{4}( [0-9]{4}){4}$", "description": "20位查询码，每4位一组" },
            "number": { "type": "string", "description": "举报编号，如 JB-2026-000123" }
        }
    }));
    schemas.insert("LookupRequest".into(), json!({
        "type": "object", "required": ["receipt"],
        "properties": { "receipt": { "type": "string", "pattern": RECEIPT_PATTERN, "description": "20位查询码，数字之间可有空格或连字符" } }
    }));
    schemas.insert(
        "MessageRequest".into(),
        json!({
            "type": "object", "required": ["receipt", "body"],
            "properties": {
                "receipt": { "type": "string", "pattern": RECEIPT_PATTERN },
                "body": text(1, domain::tips::MESSAGE_MAX, "留言内容")
            }
        }),
    );
    schemas.insert(
        "Ok".into(),
        json!({ "type": "object", "required": ["ok"], "properties": { "ok": { "const": true } } }),
    );
    schemas.insert("PublicMessage".into(), public_message);
    schemas.insert(
        "PublicView".into(),
        json!({
            "type": "object",
            "required": ["number", "status", "category", "submitted_at", "messages", "feedback"],
            "properties": {
                "number": { "type": "string" },
                "status": { "type": "string", "enum": ["已受理", "办理中", "已办结"] },
                "category": { "type": "string", "description": "问题类别的中文名称" },
                "submitted_at": { "type": "integer" },
                "messages": { "type": "array", "items": schema("PublicMessage") },
                "feedback": { "type": ["string", "null"], "description": "办理结果反馈（办结后）" }
            }
        }),
    );
    schemas.insert("TokenRequest".into(), json!({
        "type": "object", "required": ["username", "password"],
        "properties": {
            "username": { "type": "string", "minLength": 1, "maxLength": 64, "pattern": "\\S" },
            "password": { "type": "string", "minLength": 1, "maxLength": 256 },
            "totp": { "type": ["string", "null"], "description": "6位动态口令（账号已启用时必填）" }
        }
    }));
    schemas.insert(
        "TokenResponse".into(),
        json!({
            "type": "object", "required": ["token", "token_type", "idle_timeout_seconds"],
            "properties": {
                "token": { "type": "string" },
                "token_type": { "const": "Bearer" },
                "idle_timeout_seconds": { "type": "integer" }
            }
        }),
    );
    schemas.insert("Clue".into(), clue);
    schemas.insert("ClueEvent".into(), json!({
        "type": "object",
        "required": ["action", "to_state", "note", "actor_name", "created_at"],
        "properties": {
            "action": { "type": "string", "enum": ["register", "assign", "dispose", "verify", "conclude", "handle", "close", "supervise", "unsupervise"] },
            "from_state": nullable_enum(ids(ClueState::all(), ClueState::as_str)),
            "to_state": { "type": "string", "enum": ids(ClueState::all(), ClueState::as_str) },
            "note": { "type": "string" },
            "actor_name": { "type": "string" },
            "created_at": { "type": "integer" }
        }
    }));
    schemas.insert("ClueDetail".into(), json!({
        "type": "object", "required": ["clue", "timeline", "actions"],
        "properties": {
            "clue": schema("Clue"),
            "timeline": { "type": "array", "items": schema("ClueEvent") },
            "actions": { "type": "array", "items": { "type": "string", "enum": step_names }, "description": "当前状态下合法的办理步骤" }
        }
    }));
    schemas.insert(
        "ClueList".into(),
        json!({
            "type": "object", "required": ["items", "total", "page", "per_page"],
            "properties": {
                "items": { "type": "array", "items": schema("Clue") },
                "total": { "type": "integer" },
                "page": { "type": "integer" },
                "per_page": { "type": "integer" }
            }
        }),
    );
    schemas.insert("NewClue".into(), json!({
        "type": "object", "required": ["source", "category", "summary"],
        "properties": {
            "source": { "type": "string", "enum": ClueSource::all().iter().filter(|s| **s != ClueSource::PublicTip).map(|s| s.as_str()).collect::<Vec<_>>() },
            "category": { "type": "string", "enum": ids(ProblemCategory::all(), ProblemCategory::as_str) },
            "accused_name": optional_text(50, "被反映人姓名"),
            "accused_unit": optional_text(100, "被反映人单位"),
            "accused_position": optional_text(100, "被反映人职务"),
            "accused_badge": optional_text(50, "被反映人警号，须在花名册中；该干警本人将看不到这条线索"),
            "summary": text(5, 5000, "线索摘要")
        }
    }));
    schemas.insert(
        "Created".into(),
        json!({
            "type": "object", "required": ["id", "number"],
            "properties": { "id": { "type": "string" }, "number": { "type": "string" } }
        }),
    );
    // Which fields each action needs, as `clues::step_input` and `Store::clue_step` check them.
    let needs = |action: &str, field: &str, s: Value| json!({ "if": { "properties": { "action": { "const": action } } }, "then": { "required": [field], "properties": { field: s } } });
    let methods =
        json!({ "type": "string", "enum": ids(DisposalMethod::all(), DisposalMethod::as_str) });
    let conclusions =
        json!({ "type": "string", "enum": ids(Conclusion::all(), Conclusion::as_str) });
    let outcomes = json!({ "type": "string", "enum": ids(Outcome::all(), Outcome::as_str) });
    schemas.insert("StepRequest".into(), json!({
        "type": "object", "required": ["action"],
        "properties": {
            "action": { "type": "string", "enum": step_names },
            "unit_id": { "type": ["string", "null"], "description": "assign：承办单位 id（须在本人数据范围内）" },
            "method": { "type": ["string", "null"], "description": "dispose：处置方式" },
            "conclusion": { "type": ["string", "null"], "description": "conclude：核查结论" },
            "outcome": { "type": ["string", "null"], "description": "handle：处理结果（结论为不属实时只能为 none）" },
            "note": optional_text(5000, "办理意见；verify 时为核查情况，必填"),
            "feedback": optional_text(5000, "close：向举报人反馈的办理结果（群众举报的线索必填，不少于5个字）")
        },
        "allOf": [
            needs("assign", "unit_id", json!({ "type": "string" })),
            needs("dispose", "method", methods),
            needs("verify", "note", text(5, 5000, "核查情况")),
            needs("conclude", "conclusion", conclusions),
            needs("handle", "outcome", outcomes)
        ]
    }));
    schemas.insert(
        "SuperviseRequest".into(),
        json!({
            "type": "object", "required": ["on"],
            "properties": {
                "on": { "type": "boolean" },
                "note": optional_text(1000, "督办要求（列为督办时必填）")
            },
            "if": { "properties": { "on": { "const": true } } },
            "then": { "required": ["note"], "properties": { "note": text(1, 1000, "督办要求") } }
        }),
    );
    schemas.insert("TipContent".into(), json!({
        "type": "object",
        "required": ["id", "number", "description", "has_identity", "attachments", "messages"],
        "properties": {
            "id": { "type": "string" },
            "number": { "type": "string" },
            "description": { "type": "string" },
            "has_identity": { "type": "boolean", "description": "是否实名（身份信息另经启封审批才能查看）" },
            "duplicate_of": { "type": ["string", "null"], "description": "疑似重复的较早举报编号" },
            "attachments": { "type": "array", "items": {
                "type": "object", "required": ["id", "name", "kind", "size"],
                "properties": {
                    "id": { "type": "string" },
                    "name": { "type": "string" },
                    "kind": { "type": "string", "enum": ids(domain::tips::AttachmentKind::all(), domain::tips::AttachmentKind::ext) },
                    "size": { "type": "integer" }
                }
            } },
            "messages": { "type": "array", "items": schema("PublicMessage") }
        }
    }));
    let int = json!({ "type": "integer" });
    let ints = json!({ "type": "array", "items": { "type": "integer" } });
    schemas.insert("ProgressFigures".into(), json!({
        "type": "object",
        "required": ["counts", "rates"],
        "properties": {
            "counts": {
                "type": "object",
                "properties": {
                    "units": int, "phase_units": ints, "officers": int, "study_done": int,
                    "reports_filed": int, "nil_reports": int, "reported_by_category": ints,
                    "findings": int, "found_by_category": ints, "lenient": int, "partly_lenient": int,
                    "strict": int, "pending": int, "ledger_total": int, "ledger_accepted": int,
                    "ledger_overdue": int, "tasks_total": int, "tasks_accepted": int, "tasks_overdue": int,
                    "week": { "type": "object", "description": "本周（周一至今日）新增", "properties": {
                        "activities": int, "attendances": int, "reports_filed": int, "findings": int,
                        "ledger_accepted": int, "tasks_accepted": int, "phase_moves": int
                    } }
                }
            },
            "rates": {
                "type": "object", "required": ["study", "reports", "ledger", "tasks"],
                "properties": {
                    "study": { "type": "number", "description": "学习完成率（%）" },
                    "reports": { "type": "number", "description": "自查填报率（%）" },
                    "ledger": { "type": "number", "description": "整改销号率（%）" },
                    "tasks": { "type": "number", "description": "任务验收率（%）" }
                }
            }
        }
    }));
    schemas.insert("Progress".into(), json!({
        "type": "object",
        "required": ["campaign", "phases", "unit", "phase", "computed_at", "week_from", "week_to", "figures", "units"],
        "properties": {
            "campaign": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" } } },
            "phases": { "type": "array", "items": { "type": "string" } },
            "unit": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" } } },
            "phase": { "type": "string", "description": "该单位所处阶段" },
            "computed_at": { "type": "integer", "description": "统计时间（毫秒时间戳，UTC）" },
            "week_from": { "type": "string", "format": "date" },
            "week_to": { "type": "string", "format": "date" },
            "figures": schema("ProgressFigures"),
            "units": { "type": "array", "items": {
                "type": "object", "required": ["id", "name", "phase", "figures"],
                "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" }, "phase": { "type": "string" },
                    "figures": schema("ProgressFigures")
                }
            } }
        }
    }));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "明镜 教育整顿工作平台 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "群众举报（无需登录）与工作人员线索办理、整顿进展接口。工作人员接口使用 POST /api/v1/auth/token 换取的令牌（Authorization: Bearer），权限与数据范围同网页端：超出数据范围的记录一律答复 404。所有错误均为 {\"code\",\"message\"} JSON，message 为中文。"
        },
        "servers": [{ "url": "/" }],
        "tags": [
            { "name": "public", "description": "群众举报（无需登录）" },
            { "name": "auth", "description": "工作人员登录" },
            { "name": "clues", "description": "问题线索" },
            { "name": "campaign", "description": "整顿进展" }
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": { "type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/token 返回的令牌" }
            },
            "schemas": Value::Object(schemas)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_refs_resolve() {
        let doc = openapi_document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"#/components/schemas/").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(schemas.contains_key(name), "unresolved $ref {name}");
        }
        assert_eq!(doc["openapi"], "3.1.0");
    }

    #[test]
    fn flags_and_numbers() {
        assert_eq!(
            flag(&Some("true".into()), "overdue").unwrap(),
            Some("1".into())
        );
        assert_eq!(flag(&Some("false".into()), "overdue").unwrap(), None);
        assert!(flag(&Some("yes".into()), "overdue").is_err());
        assert_eq!(number(&None, "per_page", "每页条数", 20, 100).unwrap(), 20);
        assert!(number(&Some("0".into()), "per_page", "每页条数", 20, 100).is_err());
        assert!(number(&Some("101".into()), "per_page", "每页条数", 20, 100).is_err());
        assert!(number(&Some("-1".into()), "page", "页码", 1, 10).is_err());
    }
}
