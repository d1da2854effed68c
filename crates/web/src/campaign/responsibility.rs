//! The responsibility matrix page: every unit in scope with who holds 主体责任、第一责任人、直接责任 and
//! 监督责任, a form per unit to name them, and the .xlsx export.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Permission;
use domain::campaign::{ResponsibilityLevel, check_holder};
use serde::Deserialize;
use store::StoreError;
use store::campaign::responsibility::Holder;

use super::{XlsxStream, bad_request, field};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, Pager, page, q};

const PER_PAGE: u64 = 50;

struct Cell {
    name: String,
    position: String,
}

struct MatrixLine {
    unit_id: String,
    unit_name: String,
    cells: Vec<Cell>,
}

/// One level of the edit form.
struct LevelRow {
    code: &'static str,
    label: &'static str,
    hint: &'static str,
    name: String,
    position: String,
    error: String,
}

#[derive(Template)]
#[template(path = "campaign/responsibility.html")]
struct MatrixPage {
    nav: Nav,
    levels: Vec<&'static str>,
    rows: Vec<MatrixLine>,
    pager: Pager,
    can_edit: bool,
    /// The unit being edited: (id, name) and its rows.
    editing: Option<(String, String)>,
    form: Vec<LevelRow>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct MatrixQuery {
    unit: Option<String>,
    page: Option<u64>,
    saved: Option<String>,
}

async fn render(
    state: &AppState,
    s: &Staff,
    mq: MatrixQuery,
    form: Option<Vec<LevelRow>>,
) -> Result<Response, Error> {
    let page_no = mq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (units, total) = state
        .store
        .responsibility_matrix(&s.actor, (page_no - 1) * PER_PAGE, PER_PAGE)
        .await?;
    let can_edit = s.actor.role.can(Permission::ManageResponsibility);
    let mut editing = None;
    let mut rows_form = Vec::new();
    if let Some(uid) = mq.unit.as_deref().filter(|u| !u.is_empty() && can_edit) {
        let unit = state.store.unit_in_scope(&s.actor, uid).await?;
        let holders = state.store.holders(&unit.id).await?;
        rows_form = match form {
            Some(f) => f,
            None => ResponsibilityLevel::all()
                .iter()
                .map(|l| {
                    let h = holders.iter().find(|h| h.level == *l);
                    LevelRow {
                        code: l.as_str(),
                        label: l.label(),
                        hint: l.holder_hint(),
                        name: h.map(|h| h.name.clone()).unwrap_or_default(),
                        position: h.map(|h| h.position.clone()).unwrap_or_default(),
                        error: String::new(),
                    }
                })
                .collect(),
        };
        editing = Some((unit.id, unit.name));
    }
    let failed = rows_form.iter().any(|r| !r.error.is_empty());
    let r = page(&MatrixPage {
        nav: s.nav("/org/responsibility"),
        levels: ResponsibilityLevel::all()
            .iter()
            .map(|l| l.label())
            .collect(),
        rows: units
            .into_iter()
            .map(|u| MatrixLine {
                cells: ResponsibilityLevel::all()
                    .iter()
                    .map(|l| match u.holder(*l) {
                        Some(h) => Cell {
                            name: h.name.clone(),
                            position: h.position.clone(),
                        },
                        None => Cell {
                            name: String::new(),
                            position: String::new(),
                        },
                    })
                    .collect(),
                unit_name: format!("{}{}", "　".repeat(u.depth), u.unit_name),
                unit_id: u.unit_id,
            })
            .collect(),
        pager: Pager::new(Some(page_no), PER_PAGE, total, String::new()),
        can_edit,
        editing,
        form: rows_form,
        message: mq.saved.as_deref().map(|_| "已保存。".to_string()),
    });
    Ok(if failed { bad_request(r) } else { r })
}

pub async fn matrix(
    State(state): State<AppState>,
    s: Staff,
    Query(mq): Query<MatrixQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    render(&state, &s, mq, None).await
}

pub async fn save(
    State(state): State<AppState>,
    s: Staff,
    Path(unit): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::ManageResponsibility)?;
    s.check_csrf(field(&form, "csrf"))?;
    let u = state.store.unit_in_scope(&s.actor, &unit).await?;
    let mut rows = Vec::new();
    let mut holders = Vec::new();
    for l in ResponsibilityLevel::all() {
        let name = field(&form, &format!("name_{}", l.as_str())).to_string();
        let position = field(&form, &format!("position_{}", l.as_str())).to_string();
        let mut error = String::new();
        if !name.trim().is_empty() || !position.trim().is_empty() {
            match check_holder(&name, &position) {
                Ok((n, p)) => holders.push(Holder {
                    level: *l,
                    name: n,
                    position: p,
                }),
                Err(e) => error = e.message,
            }
        }
        rows.push(LevelRow {
            code: l.as_str(),
            label: l.label(),
            hint: l.holder_hint(),
            name,
            position,
            error,
        });
    }
    let back = MatrixQuery {
        unit: Some(u.id.clone()),
        page: None,
        saved: None,
    };
    if rows.iter().any(|r| !r.error.is_empty()) {
        return render(&state, &s, back, Some(rows)).await;
    }
    match state
        .store
        .set_responsibility(&s.actor, &u.id, &holders)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/org/responsibility?unit={}&saved=1", q(&u.id))).into_response(),
        ),
        Err(StoreError::Invalid(e)) => {
            if let Some(r) = rows.first_mut() {
                r.error = e.message;
            }
            render(&state, &s, back, Some(rows)).await
        }
        Err(e) => Err(e.into()),
    }
}

const EXPORT_HEADERS: &[&str] = &[
    "单位",
    "主体责任",
    "职务",
    "第一责任人",
    "职务",
    "直接责任",
    "职务",
    "监督责任",
    "职务",
];

pub async fn export(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let out = XlsxStream::new("责任体系", EXPORT_HEADERS)?;
    let mut offset = 0;
    loop {
        let (units, _) = state
            .store
            .responsibility_matrix(&s.actor, offset, 500)
            .await?;
        if units.is_empty() {
            break;
        }
        offset += units.len() as u64;
        for u in units {
            let mut row = vec![reports::Cell::Text(u.unit_name.clone())];
            for l in ResponsibilityLevel::all() {
                let h = u.holder(*l);
                row.push(reports::Cell::Text(
                    h.map(|h| h.name.clone()).unwrap_or_default(),
                ));
                row.push(reports::Cell::Text(
                    h.map(|h| h.position.clone()).unwrap_or_default(),
                ));
            }
            out.send(row).await?;
        }
    }
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "responsibility.export",
            "responsibilities",
            &format!("{offset} units"),
        )
        .await?;
    out.finish("responsibility.xlsx", "责任体系.xlsx").await
}
