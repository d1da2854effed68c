//! The rules' settings (参数设置) and runs: one form per rule with its numbers, a button to run one rule
//! or all of them now, and the latest runs with what each found.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::enforcement::checks::{CheckFamily, CheckRule, RuleSettings, validate_settings};
use domain::org::DataScope;
use serde::Deserialize;
use store::enforcement::checks::CheckRun;

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::bad_request;
use crate::view::{Nav, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checks/rules", get(rules_page))
        .route("/checks/rules/{rule}", post(save))
        .route("/checks/run", post(run))
}

struct ParamField {
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    min: i64,
    max: i64,
    value: String,
    error: String,
}

struct RuleForm {
    rule: &'static str,
    label: &'static str,
    describe: &'static str,
    enabled: bool,
    fields: Vec<ParamField>,
    saved: bool,
}

struct FamilyGroup {
    label: &'static str,
    rules: Vec<RuleForm>,
}

struct RunRow {
    at: String,
    by: String,
    how: &'static str,
    rules: String,
    matched: i64,
    new_findings: i64,
    no_longer: i64,
    error: String,
    done: bool,
}

fn run_row(r: CheckRun) -> RunRow {
    let labels: Vec<&str> = r
        .rules
        .iter()
        .filter(|c| !c.skipped)
        .filter_map(|c| CheckRule::parse(&c.rule).ok())
        .map(|c| c.label())
        .collect();
    RunRow {
        at: fmt_time(r.started_at),
        by: r.started_by,
        how: if r.started_how == "nightly" {
            "定时"
        } else {
            "手动"
        },
        rules: if labels.len() == CheckRule::all().len() {
            "全部规则".into()
        } else {
            labels.join("、")
        },
        matched: r.matched,
        new_findings: r.new_findings,
        no_longer: r.no_longer,
        error: r
            .error
            .map(|_| "部分规则运行失败".to_string())
            .unwrap_or_default(),
        done: r.finished_at.is_some(),
    }
}

/// A run's result, one line per rule, with links to what it found.
struct RunResult {
    lines: Vec<RunLine>,
    error: bool,
}

struct RunLine {
    rule: &'static str,
    label: &'static str,
    skipped: bool,
    matched: i64,
    new_findings: i64,
    no_longer: i64,
}

#[derive(Template)]
#[template(path = "checks/rules.html")]
struct RulesPage {
    nav: Nav,
    groups: Vec<FamilyGroup>,
    runs: Vec<RunRow>,
    result: Option<RunResult>,
    can_edit: bool,
    /// The rule whose form was refused, for the page's message.
    refused: Option<&'static str>,
}

/// Typed values of a refused form, and its errors (field → message).
struct Refused {
    rule: CheckRule,
    enabled: bool,
    values: BTreeMap<String, String>,
    errors: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
struct RulesQuery {
    run: Option<String>,
    saved: Option<String>,
}

async fn render(
    state: &AppState,
    s: &Staff,
    rq: RulesQuery,
    refused: Option<Refused>,
) -> Result<Response, Error> {
    s.require(Permission::RunDataChecks)?;
    let settings = state.store.check_settings().await?;
    let form_of = |st: &RuleSettings| -> RuleForm {
        let mine = refused.as_ref().filter(|r| r.rule == st.rule);
        RuleForm {
            rule: st.rule.as_str(),
            label: st.rule.label(),
            describe: st.rule.describe(),
            enabled: mine.map(|r| r.enabled).unwrap_or(st.enabled),
            fields: st
                .values()
                .into_iter()
                .map(|(p, v)| ParamField {
                    key: p.key,
                    label: p.label,
                    unit: p.unit,
                    min: p.min,
                    max: p.max,
                    value: mine
                        .and_then(|r| r.values.get(p.key).cloned())
                        .unwrap_or_else(|| v.to_string()),
                    error: mine
                        .map(|r| {
                            r.errors
                                .iter()
                                .filter(|(f, _)| f == p.key)
                                .map(|(_, m)| m.as_str())
                                .collect::<Vec<_>>()
                                .join("；")
                        })
                        .unwrap_or_default(),
                })
                .collect(),
            saved: rq.saved.as_deref() == Some(st.rule.as_str()),
        }
    };
    let groups = CheckFamily::all()
        .iter()
        .map(|fam| FamilyGroup {
            label: fam.label(),
            rules: settings
                .iter()
                .filter(|st| st.rule.family() == *fam)
                .map(form_of)
                .collect(),
        })
        .collect();
    let result = match rq.run.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(id) => {
            let r = state.store.check_run(id).await?;
            Some(RunResult {
                error: r.error.is_some(),
                lines: r
                    .rules
                    .iter()
                    .filter_map(|c| {
                        let rule = CheckRule::parse(&c.rule).ok()?;
                        Some(RunLine {
                            rule: rule.as_str(),
                            label: rule.label(),
                            skipped: c.skipped,
                            matched: c.matched,
                            new_findings: c.new_findings,
                            no_longer: c.no_longer,
                        })
                    })
                    .collect(),
            })
        }
        None => None,
    };
    let failed = refused.is_some();
    let r = page(&RulesPage {
        nav: s.nav("/checks"),
        groups,
        runs: state
            .store
            .check_runs(20)
            .await?
            .into_iter()
            .map(run_row)
            .collect(),
        result,
        can_edit: s.actor.scope == DataScope::All,
        refused: refused.as_ref().map(|r| r.rule.label()),
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn rules_page(
    State(state): State<AppState>,
    s: Staff,
    Query(rq): Query<RulesQuery>,
) -> Result<Response, Error> {
    render(&state, &s, rq, None).await
}

/// Saves one rule's settings. They apply city-wide, so only a person whose scope is everything may.
async fn save(
    State(state): State<AppState>,
    s: Staff,
    Path(rule): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::RunDataChecks)?;
    if s.actor.scope != DataScope::All {
        return Err(Error::Forbidden);
    }
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    s.check_csrf(field("csrf").unwrap_or(""))?;
    let rule = CheckRule::parse(&rule).map_err(|_| Error::NotFound)?;
    let enabled = field("enabled").is_some();
    let values: BTreeMap<String, String> = rule
        .params()
        .iter()
        .map(|p| {
            (
                p.key.to_string(),
                field(&format!("p_{}", p.key))
                    .unwrap_or("")
                    .chars()
                    .take(20)
                    .collect(),
            )
        })
        .collect();
    match validate_settings(rule, enabled, &values) {
        Ok(valid) => {
            state.store.set_check_rule(&s.actor, &valid).await?;
            Ok(Redirect::to(&format!(
                "/checks/rules?saved={}#rule-{}",
                rule.as_str(),
                rule.as_str()
            ))
            .into_response())
        }
        Err(errors) => {
            let refused = Refused {
                rule,
                enabled,
                values,
                errors: errors
                    .into_iter()
                    .map(|e| (e.field.unwrap_or("form").to_string(), e.message))
                    .collect(),
            };
            render(&state, &s, RulesQuery::default(), Some(refused)).await
        }
    }
}

#[derive(Deserialize)]
struct RunForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rule: String,
}

/// Runs one rule (`rule` = its identifier) or every rule (`all`) now.
async fn run(
    State(state): State<AppState>,
    s: Staff,
    Form(form): Form<RunForm>,
) -> Result<Response, Error> {
    s.require(Permission::RunDataChecks)?;
    s.check_csrf(&form.csrf)?;
    let wanted: Vec<CheckRule> = match form.rule.trim() {
        "all" => CheckRule::all().to_vec(),
        one => vec![CheckRule::parse(one).map_err(|_| Error::bad("请选择要运行的比对规则。"))?],
    };
    let summary = state.store.run_checks_as(&s.actor, &wanted).await?;
    Ok(Redirect::to(&format!("/checks/rules?run={}", q(&summary.run_id))).into_response())
}
