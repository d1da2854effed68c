//! Rectification ledger pages (整改台账): the ledgers by source and the six special rectifications, the
//! scoped list with its .xlsx export, a new row (from a self-report, a finding, an inspection or a special
//! rectification), and the row page with progress, evidence files, acceptance (销号) and rework (返工).
//! A row's own pages are in `items`, the Excel import in `import`, the rules register (建章立制) in `rules`.

mod import;
mod items;
mod rules;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use domain::access::Permission;
use domain::rectification::{ItemSource, ItemState};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use store::rectification::{Item, ItemFilter, LedgerCount, LedgerEvent};

use crate::AppState;
use crate::auth::Staff;
use crate::charts;
use crate::error::Error;
use crate::selfcheck::{
    CampaignPick, Opt, bad_request, category_label, export_xlsx, item_source_label,
    item_state_label, opts, pick_campaign, short_label, xlsx_download,
};
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rectification", get(index))
        .route("/rectification/template.xlsx", get(import::template))
        .route(
            "/rectification/import",
            post(import::import).layer(DefaultBodyLimit::max(import::MAX_UPLOAD)),
        )
        .route("/rectification/items", get(list))
        .route("/rectification/items/export", get(export))
        .merge(items::routes())
        .merge(rules::routes())
}

// ---------- the ledgers ----------

struct LedgerCard {
    title: String,
    link: String,
    c: LedgerCount,
}

impl LedgerCard {
    fn rate(&self) -> i64 {
        if self.c.total == 0 {
            0
        } else {
            self.c.accepted * 100 / self.c.total
        }
    }
}

#[derive(Template)]
#[template(path = "rectification/index.html")]
struct IndexPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    sources: Vec<LedgerCard>,
    specials: Vec<LedgerCard>,
    total: i64,
    accepted: i64,
    overdue: i64,
    chart: String,
    can_manage: bool,
    /// Row errors of a refused import (nothing was imported).
    errors: Vec<reports::RowError>,
    more_errors: usize,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
struct IndexQuery {
    campaign: Option<String>,
    imported: Option<usize>,
}

async fn index(
    State(state): State<AppState>,
    s: Staff,
    Query(iq): Query<IndexQuery>,
) -> Result<Response, Error> {
    let message = iq
        .imported
        .map(|n| format!("导入成功，共导入{n}项整改事项。"));
    render_index(&state, &s, iq.campaign.as_deref(), vec![], message).await
}

/// The ledgers page; with import errors it answers 400.
async fn render_index(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    errors: Vec<reports::RowError>,
    message: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewLedger)?;
    let pick = pick_campaign(state, &s.actor, campaign).await?;
    let counts = match &pick {
        Some(p) => state.store.ledger_counts(&s.actor, p.id()).await?,
        None => vec![],
    };
    let cid = pick
        .as_ref()
        .map(|p| p.id().to_string())
        .unwrap_or_default();
    let (mut sources, mut specials) = (Vec::new(), Vec::new());
    for c in counts {
        match c
            .category
            .as_deref()
            .and_then(|k| ProblemCategory::parse(k).ok())
        {
            Some(cat) => specials.push(LedgerCard {
                title: format!("{}专项整治", cat.label()),
                link: format!(
                    "/rectification/items?campaign={}&source=special&category={}",
                    q(&cid),
                    cat.as_str()
                ),
                c,
            }),
            None => sources.push(LedgerCard {
                title: format!("{}整改台账", item_source_label(&c.source)),
                link: format!(
                    "/rectification/items?campaign={}&source={}",
                    q(&cid),
                    c.source
                ),
                c,
            }),
        }
    }
    let all = sources.iter().chain(specials.iter());
    let (total, accepted, overdue) = all.fold((0, 0, 0), |(t, a, o), l| {
        (t + l.c.total, a + l.c.accepted, o + l.c.overdue)
    });
    let chart = charts::bars(
        "六大顽瘴痼疾专项整治：已销号/总数",
        &specials
            .iter()
            .filter_map(|l| {
                l.c.category
                    .as_deref()
                    .and_then(|k| ProblemCategory::parse(k).ok())
                    .map(|cat| {
                        (
                            format!("{}（{}/{}）", short_label(cat), l.c.accepted, l.c.total),
                            l.c.accepted,
                        )
                    })
            })
            .collect::<Vec<_>>(),
    );
    let (errors, more_errors) = import::shown(errors);
    let failed = !errors.is_empty();
    let r = page(&IndexPage {
        nav: s.nav("/rectification"),
        sources,
        specials,
        total,
        accepted,
        overdue,
        chart,
        can_manage: s.actor.role.can(Permission::ManageLedger),
        errors,
        more_errors,
        message,
        pick,
    });
    Ok(if failed { bad_request(r) } else { r })
}

#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    campaign: Option<String>,
    unit: Option<String>,
    source: Option<String>,
    category: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    q: Option<String>,
    page: Option<u64>,
}

fn nz(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListQuery {
    fn filter(&self) -> ItemFilter {
        ItemFilter {
            unit_id: nz(&self.unit).map(str::to_string),
            source: nz(&self.source).and_then(|v| ItemSource::parse(v).ok()),
            category: nz(&self.category).and_then(|v| ProblemCategory::parse(v).ok()),
            state: nz(&self.state).and_then(|v| ItemState::parse(v).ok()),
            overdue: nz(&self.overdue).is_some(),
            q: nz(&self.q).map(|v| v.chars().take(50).collect()),
        }
    }

    fn base(&self, campaign: &str) -> String {
        let mut s = format!("campaign={}&", q(campaign));
        for (k, v) in [
            ("unit", &self.unit),
            ("source", &self.source),
            ("category", &self.category),
            ("state", &self.state),
            ("overdue", &self.overdue),
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
#[template(path = "rectification/items.html")]
struct ListPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    title: String,
    items: Vec<Item>,
    pager: Pager,
    f: ListQuery,
    units: Vec<Opt>,
    sources: Vec<Opt>,
    categories: Vec<Opt>,
    states: Vec<Opt>,
    export_link: String,
    new_link: String,
    can_manage: bool,
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewLedger)?;
    let pick = pick_campaign(&state, &s.actor, lq.campaign.as_deref()).await?;
    let filter = lq.filter();
    let per_page = 30;
    let page_no = lq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (items, total) = match &pick {
        Some(p) => {
            state
                .store
                .rectification_items(
                    &s.actor,
                    p.id(),
                    &filter,
                    (page_no - 1) * per_page,
                    per_page,
                )
                .await?
        }
        None => (vec![], 0),
    };
    let title = match (filter.source, filter.category) {
        (Some(ItemSource::Special), Some(c)) => format!("{}专项整治台账", c.label()),
        (Some(src), _) => format!("{}整改台账", src.label()),
        _ => "整改台账".to_string(),
    };
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let cid = pick
        .as_ref()
        .map(|p| p.id().to_string())
        .unwrap_or_default();
    let base = lq.base(&cid);
    let new_link = format!(
        "/rectification/new?campaign={}&source={}&category={}",
        q(&cid),
        q(nz(&lq.source).unwrap_or("")),
        q(nz(&lq.category).unwrap_or(""))
    );
    Ok(page(&ListPage {
        nav: s.nav("/rectification"),
        title,
        items,
        pager: Pager::new(Some(page_no), per_page, total, base.clone()),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            nz(&lq.unit).unwrap_or(""),
        ),
        sources: opts(
            ItemSource::all().iter().map(|c| (c.as_str(), c.label())),
            nz(&lq.source).unwrap_or(""),
        ),
        categories: opts(
            ProblemCategory::all()
                .iter()
                .map(|c| (c.as_str(), c.label())),
            nz(&lq.category).unwrap_or(""),
        ),
        states: opts(
            ItemState::all().iter().map(|c| (c.as_str(), c.label())),
            nz(&lq.state).unwrap_or(""),
        ),
        export_link: format!("/rectification/items/export?{base}"),
        new_link,
        can_manage: s.actor.role.can(Permission::ManageLedger),
        f: lq,
        pick,
    }))
}

const EXPORT_HEADERS: &[&str] = &[
    "编号",
    "责任单位",
    "来源",
    "问题类别",
    "问题",
    "整改措施",
    "责任领导",
    "责任人",
    "整改时限",
    "最新进展",
    "状态",
    "返工次数",
    "是否超期",
    "列入时间",
    "销号时间",
    "主体责任",
    "第一责任人",
    "直接责任",
    "监督责任",
];

/// "name（position）" per responsibility level of a unit, in the order of the levels.
async fn levels_of(
    store: &store::Store,
    cache: &std::sync::Mutex<std::collections::HashMap<String, Vec<String>>>,
    unit_id: &str,
) -> Result<Vec<String>, Error> {
    if let Some(v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(unit_id) {
        return Ok(v.clone());
    }
    let holders = store.holders(unit_id).await?;
    let v: Vec<String> = domain::campaign::ResponsibilityLevel::all()
        .iter()
        .map(|l| {
            holders
                .iter()
                .find(|h| h.level == *l)
                .map(|h| {
                    if h.position.is_empty() {
                        h.name.clone()
                    } else {
                        format!("{}（{}）", h.name, h.position)
                    }
                })
                .unwrap_or_default()
        })
        .collect();
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(unit_id.to_string(), v.clone());
    Ok(v)
}

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewLedger)?;
    let Some(pick) = pick_campaign(&state, &s.actor, lq.campaign.as_deref()).await? else {
        return Err(Error::NotFound);
    };
    let (st, actor, cid, filter) = (
        state.clone(),
        s.actor.clone(),
        pick.id().to_string(),
        lq.filter(),
    );
    let levels = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "rectification",
        "整改台账",
        EXPORT_HEADERS,
        move |after| {
            let (st, actor, cid, filter) = (st.clone(), actor.clone(), cid.clone(), filter.clone());
            let levels = levels.clone();
            async move {
                use reports::Cell::{Int, Text};
                let page = st
                    .store
                    .rectification_items_after(&actor, &cid, &filter, &after, 2000)
                    .await?;
                let last = page.last().map(|i| i.id.clone()).unwrap_or_default();
                let mut rows = Vec::with_capacity(page.len());
                for i in page {
                    let held = levels_of(&st.store, &levels, &i.unit_id).await?;
                    let mut row = vec![
                        Text(i.number),
                        Text(i.unit_name),
                        Text(item_source_label(&i.source).into()),
                        Text(category_label(&i.category).into()),
                        Text(i.problem),
                        Text(i.measures),
                        Text(i.leader),
                        Text(i.person),
                        Text(i.deadline),
                        Text(i.progress),
                        Text(item_state_label(&i.state).into()),
                        Int(i.reworks.into()),
                        Text(if i.overdue { "超期" } else { "" }.into()),
                        Text(fmt_time(i.created_at)),
                        Text(i.accepted_at.map(fmt_time).unwrap_or_default()),
                    ];
                    row.extend(held.into_iter().map(Text));
                    rows.push(row);
                }
                Ok((rows, last))
            }
        },
    )
    .await?;
    Ok(xlsx_download(
        bytes,
        "rectification.xlsx",
        &format!("整改台账-{}.xlsx", store::clues::today().format("%Y%m%d")),
    ))
}

pub(crate) struct EventRow {
    pub at: String,
    pub who: String,
    pub what: &'static str,
    pub note: String,
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "create" => "列入台账",
        "progress" => "报送进展",
        "evidence" => "上传佐证材料",
        "submit" => "报请验收",
        "accept" => "验收销号",
        "reject" => "退回返工",
        _ => "办理",
    }
}

pub(crate) fn event_rows(events: Vec<LedgerEvent>) -> Vec<EventRow> {
    events
        .into_iter()
        .map(|e| EventRow {
            at: fmt_time(e.created_at),
            who: e.actor_name,
            what: event_label(&e.kind),
            note: e.note,
        })
        .collect()
}
