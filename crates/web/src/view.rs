//! What every page shares: the navigation for the signed-in role, times in Beijing time, pagination, and
//! the error page.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use domain::access::Permission;
use store::Actor;

use crate::error::Error;

/// The header and menu of a staff page, built for the signed-in person's role.
pub struct Nav {
    pub user: String,
    pub role_label: &'static str,
    pub unit: String,
    pub csrf: String,
    pub links: Vec<(&'static str, &'static str)>,
    pub active: &'static str,
}

impl Nav {
    pub fn new(actor: &Actor, csrf: &str, active: &'static str) -> Nav {
        let r = actor.role;
        let mut links = Vec::new();
        if r.can(Permission::ViewDashboard) {
            links.push(("/dashboard", "工作台"));
        }
        if r.can(Permission::ViewCampaign) {
            links.push(("/progress", "整顿进展"));
            links.push(("/campaigns", "整顿活动"));
            links.push(("/tasks", "工作任务"));
        }
        if r.can(Permission::ReadClues) {
            links.push(("/clues", "问题线索"));
        }
        if r.can(Permission::RegisterClue) {
            links.push(("/clues/new", "登记线索"));
        }
        if r.can(Permission::DecideUnseal) || r.can(Permission::RequestUnseal) {
            links.push(("/unseal", "身份启封"));
        }
        if r.can(Permission::FileSelfReport) {
            links.push(("/selfcheck", "自查报告"));
        }
        if r.can(Permission::ViewSelfReports) {
            links.push(("/selfcheck/stats", "自查统计"));
        }
        if r.can(Permission::ViewFindings) {
            links.push(("/selfcheck/findings", "查实问题"));
        }
        if r.can(Permission::ViewLedger) {
            links.push(("/rectification", "整改台账"));
            links.push(("/rectification/rules", "建章立制"));
        }
        if r.can(Permission::ViewRoster) {
            links.push(("/org/officers", "干警花名册"));
        }
        if r.can(Permission::ViewCampaign) {
            links.push(("/org/responsibility", "责任体系"));
        }
        if r.can(Permission::ManageUnits) {
            links.push(("/org/units", "单位管理"));
            links.push(("/org/users", "账号管理"));
        }
        if r.can(Permission::ConfigureLimits) {
            links.push(("/settings", "时限设置"));
        }
        if r.can(Permission::ReadAudit) {
            links.push(("/audit", "审计日志"));
        }
        if r.can(Permission::TakeStudy) {
            links.push(("/study/me", "我的学习"));
            links.push(("/study/signin", "学习签到"));
        }
        if r.can(Permission::ManageStudy) {
            links.push(("/study/activities", "学习活动"));
            links.push(("/study/questions", "题库"));
        }
        if r.can(Permission::ManageStudy) || r.can(Permission::TakeStudy) {
            links.push(("/study/tests", "在线测试"));
        }
        if r.can(Permission::ReviewEssays) || r.can(Permission::TakeStudy) {
            links.push(("/study/essays", "体会文章"));
        }
        if r.can(Permission::ViewStudyProgress) {
            links.push(("/study/completion", "学习完成情况"));
        }
        if r.can(Permission::ViewCases) {
            links.push(("/cases", "案件登记"));
        }
        if r.can(Permission::RecordInquiry) || r.can(Permission::ViewInquiries) {
            links.push(("/inquiries", "过问登记"));
        }
        if r.can(Permission::ViewReviews) || r.can(Permission::ScoreReviews) {
            links.push(("/reviews", "案件评查"));
        }
        if r.can(Permission::ReadGuidingCases) {
            links.push(("/guiding", "案例指导"));
        }
        if r.can(Permission::ViewCheckFindings) {
            links.push(("/checks", "数据比对"));
        }
        if r.can(Permission::ViewWarnings) {
            links.push(("/warnings", "风险预警"));
        }
        links.push(("/account", "我的账号"));
        Nav {
            user: actor.display_name.clone(),
            role_label: r.label(),
            unit: actor.unit_name.clone(),
            csrf: csrf.to_string(),
            links,
            active,
        }
    }
}

/// Renders a template, turning a template failure into a logged 503 rather than a panic or a 500.
pub fn page<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Error::Unavailable("template".into()).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

pub fn render_error(status: u16, message: &str) -> String {
    ErrorPage { status, message }
        .render()
        .unwrap_or_else(|_| format!("<!doctype html><meta charset=utf-8><p>{status}</p>"))
}

/// `2026-11-27 08:05` in Beijing time.
pub fn fmt_time(ms: i64) -> String {
    use chrono::TimeZone;
    store::clues::local_offset()
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn fmt_opt_time(ms: Option<i64>) -> String {
    ms.map(fmt_time).unwrap_or_default()
}

/// Page numbers for a list: 1-based `page`, a fixed page size.
pub struct Pager {
    pub page: u64,
    pub per_page: u64,
    pub total: i64,
    /// The query string without `page`, to build the links.
    pub base: String,
}

impl Pager {
    pub fn new(page: Option<u64>, per_page: u64, total: i64, base: String) -> Pager {
        Pager {
            page: page.unwrap_or(1).max(1),
            per_page,
            total,
            base,
        }
    }
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
    pub fn pages(&self) -> u64 {
        ((self.total.max(0) as u64) + self.per_page - 1) / self.per_page
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }
    pub fn prev_link(&self) -> String {
        format!("?{}page={}", self.base, self.page - 1)
    }
    pub fn next_link(&self) -> String {
        format!("?{}page={}", self.base, self.page + 1)
    }
}

/// Percent-encodes a query value (for filter links).
pub fn q(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char)
        } else {
            out.push_str(&format!("%{b:02X}"))
        }
    }
    out
}
