//! The audit trail for the auditor: the newest rows first, paged backwards by sequence number, and a
//! button that recomputes the whole HMAC chain and names the first row that does not fit.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use serde::Deserialize;
use store::audit::{AuditRow, VerifyReport};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, fmt_time, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list))
        .route("/audit/verify", post(verify))
}

const PER_PAGE: u64 = 100;

/// What the auditor reads for an action code; unknown codes are shown as they are.
pub fn action_label(code: &str) -> &str {
    match code {
        "login.ok" => "登录",
        "login.fail" => "登录失败",
        "login.locked" => "账号被锁定",
        "login.totp_fail" => "动态口令错误",
        "logout" => "退出登录",
        "user.create" => "创建账号",
        "user.disable" => "停用账号",
        "user.enable" => "启用账号",
        "user.password" => "重置密码",
        "user.totp_enable" => "启用动态口令",
        "unit.import" => "导入单位",
        "officer.import" => "导入干警",
        "tip.submit" => "群众举报",
        "tip.read" => "阅看举报内容",
        "tip.attachment_read" => "下载举报附件",
        "tip.handler_message" => "向举报人发送消息",
        "tip.reporter_message" => "举报人留言",
        "identity.request" => "申请启封举报人身份",
        "identity.approve" => "批准启封",
        "identity.refuse" => "拒绝启封",
        "identity.view" => "查看举报人身份",
        "clue.register" => "登记线索",
        "clue.assign" => "分办线索",
        "clue.dispose" => "确定处置方式",
        "clue.verify" => "核查完毕",
        "clue.conclude" => "认定",
        "clue.handle" => "处理",
        "clue.close" => "办结",
        "clue.supervise" => "列为督办",
        "clue.unsupervise" => "解除督办",
        "clue.export" => "导出线索",
        "settings.clue_limits" => "修改办理时限",
        "settings.calendar" => "修改工作日历",
        "job.clue_deadlines" => "时限提醒",
        "audit.verify" => "校验审计链",
        "gen.units" | "gen.clues" => "生成演示数据",
        "restore" => "恢复备份",
        other => other,
    }
}

/// `user:NAME` → 用户 NAME; `public` → 群众; `system` → 系统.
pub fn actor_label(actor: &str) -> String {
    match actor {
        "public" => "群众（匿名）".into(),
        "system" => "系统".into(),
        a => a
            .strip_prefix("user:")
            .map(|u| format!("用户 {u}"))
            .unwrap_or_else(|| a.to_string()),
    }
}

/// The store explains a broken chain in English for logs and the CLI; the page says it in Chinese.
pub fn verify_reason(seq: i64, reason: &str) -> String {
    if reason.contains("is missing") {
        format!("第{seq}条记录缺失（其后的记录仍在），记录被删除或编号被改动")
    } else if reason.contains("does not follow") {
        format!(
            "第{seq}条记录与第{}条不衔接，记录被插入、删除或调换了顺序",
            seq - 1
        )
    } else if reason.contains("was altered") {
        format!("第{seq}条记录的内容被修改（校验码与内容不符）")
    } else if reason.contains("removed from the end") {
        format!(
            "链末尾的记录被删除（链止于第{}条，而链头记载的更多）",
            seq - 1
        )
    } else {
        format!("第{seq}条记录校验不通过：{reason}")
    }
}

struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

impl From<AuditRow> for Row {
    fn from(r: AuditRow) -> Self {
        Row {
            seq: r.seq,
            at: fmt_time(r.at),
            actor: actor_label(&r.actor),
            action: action_label(&r.action).to_string(),
            target: r.target,
            detail: r.detail,
        }
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<Row>,
    earlier: Option<i64>,
    paged: bool,
    /// (chain intact, message)
    verified: Option<(bool, String)>,
}

#[derive(Deserialize)]
struct ListQuery {
    before: Option<String>,
}

async fn render(
    state: &AppState,
    s: &Staff,
    before: Option<i64>,
    verified: Option<(bool, String)>,
) -> Result<Response, Error> {
    let rows = state.store.audit_recent(PER_PAGE, before).await?;
    // A full page may have older rows behind it; the link pages back from the oldest one shown.
    let earlier = if rows.len() as u64 == PER_PAGE {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(page(&ListPage {
        nav: s.nav("/audit"),
        rows: rows.into_iter().map(Row::from).collect(),
        earlier,
        paged: before.is_some(),
        verified,
    }))
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ReadAudit)?;
    // An unreadable `before` is ignored rather than refused: it only ever comes from our own link.
    let before = q
        .before
        .as_deref()
        .and_then(|b| b.trim().parse::<i64>().ok())
        .filter(|b| *b > 0);
    render(&state, &s, before, None).await
}

#[derive(Deserialize)]
struct VerifyForm {
    #[serde(default)]
    csrf: String,
}

async fn verify(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<VerifyForm>,
) -> Result<Response, Error> {
    s.require(Permission::ReadAudit)?;
    s.check_csrf(&f.csrf)?;
    let VerifyReport { rows, first_bad } = state.store.audit_verify().await?;
    let (ok, message, detail) = match first_bad {
        None => (
            true,
            format!("审计链完整，共{rows}条"),
            format!("intact rows={rows}"),
        ),
        Some((seq, why)) => (
            false,
            format!(
                "审计链校验未通过：{}。此前的{rows}条记录完好。",
                verify_reason(seq, &why)
            ),
            format!("broken at={seq}"),
        ),
    };
    // The check itself is recorded, after it ran, so it never counts itself.
    state
        .store
        .audit_now(&s.actor.audit(), "audit.verify", "audit", &detail)
        .await?;
    render(&state, &s, None, Some((ok, message))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_in_chinese_and_pass_unknown_codes_through() {
        assert_eq!(action_label("identity.view"), "查看举报人身份");
        assert_eq!(action_label("something.new"), "something.new");
        assert_eq!(actor_label("user:zhangsan"), "用户 zhangsan");
        assert_eq!(actor_label("public"), "群众（匿名）");
        assert_eq!(actor_label("system"), "系统");
    }

    #[test]
    fn verify_reasons_are_translated() {
        assert!(
            verify_reason(7, "row 7 was altered (its MAC does not match its content)")
                .contains("第7条记录的内容被修改")
        );
        assert!(
            verify_reason(3, "row 3 is missing (next row found is 5)").contains("第3条记录缺失")
        );
        assert!(verify_reason(4, "row 4 does not follow row 3").contains("与第3条不衔接"));
        assert!(verify_reason(10, "the chain ends at row 9 but the head records row 12: rows were removed from the end").contains("止于第9条"));
        assert!(verify_reason(2, "odd").contains("odd"));
    }
}
