//! Inquiry record pages (过问案件登记, "逢问必录"): the list (everything in scope for those who read the
//! records, one's own records for everyone else), a record's page and the .xlsx export, here; the form
//! to record an inquiry in `record`; quarterly reports (零报告) and the patterns the office looks for in
//! `reports`.

mod record;
mod reports;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::access::Permission;
use domain::enforcement::cases::parse_date;
use domain::enforcement::inquiries::Channel;
use serde::Deserialize;
use store::enforcement::inquiries::{Inquiry, InquiryFilter};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, export_xlsx, opts, xlsx_download};
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inquiries", get(list))
        .route("/inquiries/export", get(export))
        .merge(record::routes())
        .merge(reports::routes())
        .route("/inquiries/{id}", get(detail))
}

pub fn channel_label(code: &str) -> &'static str {
    Channel::parse(code).map(|c| c.label()).unwrap_or("其他")
}

fn nz(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Reading any record list needs one of the two: recorders see their own, readers everything in scope.
fn require_list(s: &Staff) -> Result<(), Error> {
    if s.actor.role.can(Permission::RecordInquiry) || s.actor.role.can(Permission::ViewInquiries) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct ListQuery {
    unit: Option<String>,
    case: Option<String>,
    channel: Option<String>,
    interference: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    page: Option<u64>,
}

impl ListQuery {
    pub(super) fn filter(&self) -> InquiryFilter {
        InquiryFilter {
            unit_id: nz(&self.unit).map(str::to_string),
            case_id: nz(&self.case).map(str::to_string),
            channel: nz(&self.channel).and_then(|c| Channel::parse(c).ok()),
            interference: nz(&self.interference).is_some(),
            from: nz(&self.from).and_then(parse_date),
            to: nz(&self.to).and_then(parse_date),
            q: nz(&self.q).map(|v| v.chars().take(50).collect()),
        }
    }

    fn base(&self) -> String {
        let mut s = String::new();
        for (k, v) in [
            ("unit", &self.unit),
            ("case", &self.case),
            ("channel", &self.channel),
            ("interference", &self.interference),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ] {
            if let Some(v) = nz(v) {
                s.push_str(&format!("{k}={}&", q(v)));
            }
        }
        s
    }
}

#[derive(Template)]
#[template(path = "inquiries/list.html")]
struct ListPage {
    nav: Nav,
    items: Vec<Inquiry>,
    pager: Pager,
    f: ListQuery,
    units: Vec<Opt>,
    channels: Vec<Opt>,
    /// Reads everything in scope (else: one's own records only).
    viewer: bool,
    can_record: bool,
    /// May open the quarterly reports page.
    can_reports: bool,
    export_link: String,
}

impl ListPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    require_list(&s)?;
    let per_page = 30;
    let page_no = lq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (items, total) = state
        .store
        .inquiries(&s.actor, &lq.filter(), (page_no - 1) * per_page, per_page)
        .await?;
    let viewer = s.actor.role.can(Permission::ViewInquiries);
    let units = if viewer {
        state.store.units_in_scope(&s.actor).await?
    } else {
        vec![]
    };
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let base = lq.base();
    Ok(page(&ListPage {
        nav: s.nav("/inquiries"),
        items,
        pager: Pager::new(Some(page_no), per_page, total, base.clone()),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            nz(&lq.unit).unwrap_or(""),
        ),
        channels: opts(
            Channel::all().iter().map(|c| (c.as_str(), c.label())),
            nz(&lq.channel).unwrap_or(""),
        ),
        viewer,
        can_record: s.actor.role.can(Permission::RecordInquiry),
        can_reports: viewer || s.actor.role.can(Permission::FileInquiryReport),
        export_link: format!("/inquiries/export?{base}"),
        f: lq,
    }))
}

#[derive(Template)]
#[template(path = "inquiries/detail.html")]
struct DetailPage {
    nav: Nav,
    i: Inquiry,
    can_see_case: bool,
}

impl DetailPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    require_list(&s)?;
    let i = state.store.inquiry_in_scope(&s.actor, &id).await?;
    let can_see_case = s.actor.role.can(Permission::ViewCases)
        && state
            .store
            .case_in_scope(&s.actor, &i.case_id)
            .await
            .is_ok();
    Ok(page(&DetailPage {
        nav: s.nav("/inquiries"),
        i,
        can_see_case,
    }))
}

const EXPORT_HEADERS: &[&str] = &[
    "登记编号",
    "案件编号",
    "案件名称",
    "承办单位",
    "过问人",
    "过问人职务",
    "过问人单位",
    "过问人警号",
    "过问时间",
    "过问方式",
    "过问内容",
    "处理情况",
    "领导干部",
    "干预司法",
    "判定依据",
    "登记人",
    "登记时间",
];

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewInquiries)?;
    let (st, actor, filter) = (state.clone(), s.actor.clone(), lq.filter());
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "inquiry",
        "过问案件登记",
        EXPORT_HEADERS,
        move |after| {
            let (st, actor, filter) = (st.clone(), actor.clone(), filter.clone());
            async move {
                use ::reports::Cell::Text;
                let page = st
                    .store
                    .inquiries_after(&actor, &filter, &after, 2000)
                    .await?;
                let last = page.last().map(|i| i.id.clone()).unwrap_or_default();
                let yes = |b: bool| Text(if b { "是" } else { "否" }.into());
                let rows = page
                    .into_iter()
                    .map(|i| {
                        vec![
                            Text(i.number),
                            Text(i.case_number),
                            Text(i.case_title),
                            Text(i.unit_name),
                            Text(i.asker_name),
                            Text(i.asker_position),
                            Text(i.asker_unit),
                            Text(i.asker_badge.unwrap_or_default()),
                            Text(fmt_time(i.asked_at)),
                            Text(channel_label(&i.channel).into()),
                            Text(i.content),
                            Text(i.handling),
                            yes(i.leader),
                            yes(i.interference),
                            Text(i.reason),
                            Text(i.recorder_name),
                            Text(fmt_time(i.created_at)),
                        ]
                    })
                    .collect();
                Ok((rows, last))
            }
        },
    )
    .await?;
    Ok(xlsx_download(
        bytes,
        "inquiries.xlsx",
        &format!(
            "过问案件登记-{}.xlsx",
            store::clues::today().format("%Y%m%d")
        ),
    ))
}
