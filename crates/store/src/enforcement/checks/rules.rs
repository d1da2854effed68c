//! Each rule's candidates: set-based SQL (range scans on `cases` in index order, joins on the ID-hash
//! indexes) whose rows the domain's rules judge and explain, handed to the run's sink as matches.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::enforcement::checks::{
    self as rules, AppearanceFacts, BusinessFacts, BusinessRole, CaseFacts, ChangeKind, CheckRule,
    CrimeType, DepartureFacts, Evidence, LawyerRole, OfficerFacts, RateRow, Relation,
    RelativeFacts, ReportState, RuleSettings, SentenceFacts, SentenceType,
};
use domain::org::UnitKind;
use sea_orm::{QueryResult, Value};

use super::run::{CaseJudge, Match, PAGE, Sink, date_col, fingerprint, opt_date_col, ymd};
use crate::db::get;
use crate::{Result, Sql, Store, vals};

const CASE_SELECT: &str = "SELECT c.id, c.number, c.title, c.unit_id, c.handler_id, c.handler_name, c.stage, c.received_on, c.stage_since, u.name AS unit_name, o.position AS handler_position FROM cases c JOIN units u ON u.id = c.unit_id LEFT JOIN officers o ON o.id = c.handler_id";

const SENTENCE_SELECT: &str = "SELECT s.id, s.offender_hash, s.offender_masked, s.offender_name, s.crime_type, s.sentence_type, s.kind, s.decided_on, s.previous_on, s.extension_no, s.unit_id, u.name AS unit_name, s.decider_badge, s.decider_id, o.name AS decider_name, o.position AS decider_position, ou.name AS decider_unit FROM check_sentence_changes s JOIN units u ON u.id = s.unit_id LEFT JOIN officers o ON o.id = s.decider_id LEFT JOIN units ou ON ou.id = o.unit_id";

const APPEARANCE_COLUMNS: &str = "a.id AS a_id, a.lawyer_name, a.lawyer_masked, a.lawyer_hash, a.law_firm, a.firm_area, a.case_number, a.court_name, au.path AS a_unit_path, a.role, a.appeared_on";

const OFFICER_COLUMNS: &str = "o.id AS officer_id, o.name AS o_name, o.badge, o.position, o.unit_id AS o_unit_id, ou.name AS o_unit_name, ou.path AS o_unit_path, ou.kind AS o_unit_kind";

const BUSINESS_COLUMNS: &str = "b.id AS b_id, b.name AS b_name, b.person_masked AS b_masked, b.person_hash AS b_hash, b.company, b.role AS b_role, b.registered_on, b.area";

fn appearance_from(r: &QueryResult) -> Result<AppearanceFacts> {
    Ok(AppearanceFacts {
        lawyer_name: get(r, "lawyer_name")?,
        masked: get(r, "lawyer_masked")?,
        hash: get(r, "lawyer_hash")?,
        law_firm: get(r, "law_firm")?,
        firm_area: get(r, "firm_area")?,
        case_number: get(r, "case_number")?,
        court_name: get(r, "court_name")?,
        court_path: get(r, "a_unit_path")?,
        role: LawyerRole::parse(&get::<String>(r, "role")?)?,
        appeared_on: date_col(r, "appeared_on")?,
    })
}

fn officer_from(r: &QueryResult) -> Result<OfficerFacts> {
    Ok(OfficerFacts {
        name: get(r, "o_name")?,
        badge: get(r, "badge")?,
        position: get(r, "position")?,
        unit_name: get(r, "o_unit_name")?,
        unit_path: get(r, "o_unit_path")?,
        unit_kind: get(r, "o_unit_kind")?,
    })
}

fn business_from(r: &QueryResult) -> Result<BusinessFacts> {
    Ok(BusinessFacts {
        name: get(r, "b_name")?,
        masked: get(r, "b_masked")?,
        hash: get(r, "b_hash")?,
        company: get(r, "company")?,
        role: BusinessRole::parse(&get::<String>(r, "b_role")?)?,
        registered_on: date_col(r, "registered_on")?,
        area: get(r, "area")?,
    })
}

fn relation_list(keep: fn(Relation) -> bool) -> (String, Vec<Value>) {
    let list: Vec<&str> = Relation::all()
        .iter()
        .filter(|r| keep(**r))
        .map(|r| r.as_str())
        .collect();
    (
        vec!["?"; list.len()].join(", "),
        list.into_iter().map(Value::from).collect(),
    )
}

/// A business candidate: the officer, the relative it came through (if any) and the registration.
struct BusinessCandidate {
    officer_id: String,
    unit_id: String,
    officer: OfficerFacts,
    relative: Option<(String, RelativeFacts)>,
    business_id: String,
    business: BusinessFacts,
}

impl Store {
    pub(super) async fn evaluate(
        &self,
        s: &RuleSettings,
        today: NaiveDate,
        sink: &mut Sink<'_>,
    ) -> Result<()> {
        match s.rule {
            CheckRule::PendingFiling => {
                let cond = "c.closed_on IS NULL AND c.received_on < ? AND NOT EXISTS (SELECT 1 FROM case_stages s WHERE s.case_id = c.id AND s.stage = 'filed')";
                let cutoff = ymd(rules::filing_cutoff(today, s));
                self.case_rule(
                    sink,
                    &["received"],
                    "received_on",
                    cond,
                    vals![cutoff],
                    &|c: &CaseFacts| {
                        rules::pending_filing(c, false, today, s).map(|e| {
                            (
                                e,
                                vec![],
                                format!(
                                    "案件{}「{}」于{}受案，逾期未作立案决定",
                                    c.number,
                                    c.title,
                                    ymd(c.received_on)
                                ),
                            )
                        })
                    },
                )
                .await
            }
            CheckRule::IdleCase => {
                let cutoff = ymd(rules::idle_cutoff(today, s));
                self.case_rule(
                    sink,
                    rules::IDLE_STAGES,
                    "stage_since",
                    "c.closed_on IS NULL AND c.stage_since < ?",
                    vals![cutoff],
                    &|c: &CaseFacts| {
                        rules::idle_case(c, today, s).map(|e| {
                            (
                                e,
                                vec![c.stage.clone(), ymd(c.stage_since)],
                                format!(
                                    "案件{}「{}」自{}起停留在{}阶段未推进",
                                    c.number,
                                    c.title,
                                    ymd(c.stage_since),
                                    rules::stage_label(&c.stage)
                                ),
                            )
                        })
                    },
                )
                .await
            }
            CheckRule::WithdrawalRate => self.withdrawal_rule(sink, today, s).await,
            CheckRule::ThreeKinds => {
                self.sentence_rule(
                    sink,
                    "s.crime_type IN ('duty', 'financial', 'organised')",
                    vals![],
                    &rules::three_kinds,
                )
                .await
            }
            CheckRule::CommutationInterval => {
                self.sentence_rule(
                    sink,
                    "s.kind = 'commutation' AND s.previous_on IS NOT NULL",
                    vals![],
                    &|f: &SentenceFacts| rules::commutation_interval(f, s),
                )
                .await
            }
            CheckRule::MedicalRenewals => {
                self.sentence_rule(
                    sink,
                    "s.kind = 'medical_parole' AND s.extension_no >= ?",
                    vals![s.get("max_times") as i32],
                    &|f: &SentenceFacts| rules::medical_renewals(f, s),
                )
                .await
            }
            CheckRule::RevolvingWindow | CheckRule::RevolvingFormerUnit => {
                self.revolving_rule(sink, s).await
            }
            CheckRule::RelativeLawyer => self.relative_lawyer_rule(sink).await,
            CheckRule::IllegalBusiness => self.business_rule(sink).await,
        }
    }

    /// Pages through the cases of each of `stages` that `cond` selects, in the order of the
    /// `(stage, col)` index with the id to break ties: every page is a range scan that starts where the
    /// last one stopped, so a million cases are read once, never sorted again per page. `judge` returns
    /// the evidence, extra fingerprint parts (besides the case id) and the summary.
    async fn case_rule(
        &self,
        sink: &mut Sink<'_>,
        stages: &[&str],
        col: &str,
        cond: &str,
        params: Vec<Value>,
        judge: &CaseJudge<'_>,
    ) -> Result<()> {
        let sql = Sql::of(&self.db);
        let text = format!(
            "{CASE_SELECT} WHERE c.stage = ? AND {cond} AND c.{col} >= ? AND (c.{col} > ? OR c.id > ?) ORDER BY c.{col}, c.id LIMIT ?"
        );
        for stage in stages {
            let (mut after_day, mut after_id) = (String::new(), String::new());
            loop {
                let mut v = vals![*stage];
                v.extend(params.iter().cloned());
                v.extend(vals![
                    after_day.as_str(),
                    after_day.as_str(),
                    after_id.as_str(),
                    PAGE
                ]);
                let rows = sql.all(&self.db, &text, v).await?;
                let Some(last) = rows.last() else {
                    break;
                };
                after_day = get(last, col)?;
                after_id = get(last, "id")?;
                for r in &rows {
                    self.case_match(sink, r, judge).await?;
                }
            }
        }
        Ok(())
    }

    async fn case_match(
        &self,
        sink: &mut Sink<'_>,
        r: &QueryResult,
        judge: &CaseJudge<'_>,
    ) -> Result<()> {
        let facts = CaseFacts {
            number: get(r, "number")?,
            title: get(r, "title")?,
            unit_name: get(r, "unit_name")?,
            handler_name: get(r, "handler_name")?,
            stage: get(r, "stage")?,
            received_on: date_col(r, "received_on")?,
            stage_since: date_col(r, "stage_since")?,
        };
        let Some((evidence, extra, summary)) = judge(&facts) else {
            return Ok(());
        };
        let id: String = get(r, "id")?;
        let mut parts = vec![id.as_str()];
        parts.extend(extra.iter().map(String::as_str));
        sink.push(Match {
            fingerprint: fingerprint(sink.rule, &parts),
            unit_id: get(r, "unit_id")?,
            officer_id: get(r, "handler_id")?,
            subject_name: facts.handler_name.clone(),
            subject_unit: facts.unit_name.clone(),
            subject_position: get::<Option<String>>(r, "handler_position")?.unwrap_or_default(),
            summary,
            evidence,
        })
        .await
    }

    /// Withdrawal rates by unit and by handler over the statistics period, against their peers.
    async fn withdrawal_rule(
        &self,
        sink: &mut Sink<'_>,
        today: NaiveDate,
        s: &RuleSettings,
    ) -> Result<()> {
        let (from, to) = rules::withdrawal_window(today, s);
        let window = vals![ymd(from), ymd(to), s.get("min_cases")];
        let sql = Sql::of(&self.db);
        let withdrawn = "SUM(CASE WHEN c.outcome IN ('withdrawn', 'not_filed') THEN 1 ELSE 0 END)";
        let by_unit = sql
            .all(
                &self.db,
                &format!("SELECT c.unit_id AS unit_id, u.name AS name, u.kind AS kind, COUNT(*) AS total, {withdrawn} AS withdrawn FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.received_on >= ? AND c.received_on <= ? GROUP BY c.unit_id, u.name, u.kind HAVING COUNT(*) >= ?"),
                window.clone(),
            )
            .await?;
        let by_handler = sql
            .all(
                &self.db,
                &format!("SELECT c.handler_id AS officer_id, o.name AS name, o.position AS position, o.unit_id AS unit_id, u.name AS unit_name, u.kind AS kind, COUNT(*) AS total, {withdrawn} AS withdrawn FROM cases c JOIN officers o ON o.id = c.handler_id JOIN units u ON u.id = o.unit_id WHERE c.received_on >= ? AND c.received_on <= ? AND c.handler_id IS NOT NULL GROUP BY c.handler_id, o.name, o.position, o.unit_id, u.name, u.kind HAVING COUNT(*) >= ?"),
                window,
            )
            .await?;
        let rate_row = |r: &QueryResult| -> Result<RateRow> {
            let kind: String = get(r, "kind")?;
            Ok(RateRow {
                name: get(r, "name")?,
                group: UnitKind::parse(&kind)
                    .map(|k| k.label().to_string())
                    .unwrap_or(kind),
                total: get::<i64>(r, "total")?,
                withdrawn: get::<Option<i64>>(r, "withdrawn")?.unwrap_or(0),
            })
        };
        let unit_rows = by_unit.iter().map(rate_row).collect::<Result<Vec<_>>>()?;
        for (i, evidence) in rules::unusual_withdrawal_rates(&unit_rows, false, (from, to), s) {
            let r = &by_unit[i];
            let unit_id: String = get(r, "unit_id")?;
            let name = unit_rows[i].name.clone();
            sink.push(Match {
                fingerprint: fingerprint(sink.rule, &["unit", &unit_id]),
                unit_id,
                officer_id: None,
                subject_name: name.clone(),
                subject_unit: name.clone(),
                subject_position: String::new(),
                summary: format!(
                    "{name}撤案、不予立案比例（{}/{}）明显高于同类单位",
                    unit_rows[i].withdrawn, unit_rows[i].total
                ),
                evidence,
            })
            .await?;
        }
        let handler_rows = by_handler
            .iter()
            .map(rate_row)
            .collect::<Result<Vec<_>>>()?;
        for (i, evidence) in rules::unusual_withdrawal_rates(&handler_rows, true, (from, to), s) {
            let r = &by_handler[i];
            let officer_id: String = get(r, "officer_id")?;
            let name = handler_rows[i].name.clone();
            sink.push(Match {
                fingerprint: fingerprint(sink.rule, &["handler", &officer_id]),
                unit_id: get(r, "unit_id")?,
                officer_id: Some(officer_id),
                subject_name: name.clone(),
                subject_unit: get(r, "unit_name")?,
                subject_position: get(r, "position")?,
                summary: format!(
                    "承办人{name}撤案、不予立案比例（{}/{}）明显高于同类人员",
                    handler_rows[i].withdrawn, handler_rows[i].total
                ),
                evidence,
            })
            .await?;
        }
        Ok(())
    }

    /// Pages through the sentence-change records that `cond` selects.
    async fn sentence_rule(
        &self,
        sink: &mut Sink<'_>,
        cond: &str,
        params: Vec<Value>,
        judge: &(dyn Fn(&SentenceFacts) -> Option<Evidence> + Sync),
    ) -> Result<()> {
        let sql = Sql::of(&self.db);
        let mut after = String::new();
        loop {
            let mut v = params.clone();
            v.push(Value::from(after.as_str()));
            v.push(Value::from(PAGE));
            let rows = sql
                .all(
                    &self.db,
                    &format!("{SENTENCE_SELECT} WHERE {cond} AND s.id > ? ORDER BY s.id LIMIT ?"),
                    v,
                )
                .await?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = get(last, "id")?;
            for r in &rows {
                let decider_name: Option<String> = get(r, "decider_name")?;
                let badge: Option<String> = get(r, "decider_badge")?;
                let unit_name: String = get(r, "unit_name")?;
                let f = SentenceFacts {
                    offender_name: get(r, "offender_name")?,
                    offender_masked: get(r, "offender_masked")?,
                    offender_hash: get(r, "offender_hash")?,
                    crime: CrimeType::parse(&get::<String>(r, "crime_type")?)?,
                    sentence: SentenceType::parse(&get::<String>(r, "sentence_type")?)?,
                    kind: ChangeKind::parse(&get::<String>(r, "kind")?)?,
                    decided_on: date_col(r, "decided_on")?,
                    previous_on: opt_date_col(r, "previous_on")?,
                    extensions: get::<Option<i32>>(r, "extension_no")?.map(i64::from),
                    unit_name: unit_name.clone(),
                    decider: match (&decider_name, &badge) {
                        (Some(n), Some(b)) => format!("{n}（警号 {b}）"),
                        (None, Some(b)) => format!("警号 {b}"),
                        _ => String::new(),
                    },
                };
                let Some(evidence) = judge(&f) else {
                    continue;
                };
                let id: String = get(r, "id")?;
                sink.push(Match {
                    fingerprint: fingerprint(sink.rule, &[&id]),
                    unit_id: get(r, "unit_id")?,
                    officer_id: get(r, "decider_id")?,
                    subject_name: decider_name.unwrap_or_else(|| "（决定人未登记）".into()),
                    subject_unit: get::<Option<String>>(r, "decider_unit")?
                        .unwrap_or_else(|| unit_name.clone()),
                    subject_position: get::<Option<String>>(r, "decider_position")?
                        .unwrap_or_default(),
                    summary: format!(
                        "罪犯{}（{}，{}）{}，裁定（决定）日期{}",
                        f.offender_name,
                        f.crime.label(),
                        f.sentence.label(),
                        f.kind.label(),
                        ymd(f.decided_on)
                    ),
                    evidence,
                })
                .await?;
            }
        }
    }

    /// Departed judges and prosecutors joined to lawyers' appearances on the ID hash.
    async fn revolving_rule(&self, sink: &mut Sink<'_>, s: &RuleSettings) -> Result<()> {
        let former_only = if s.rule == CheckRule::RevolvingFormerUnit {
            " AND a.court_unit_id IS NOT NULL"
        } else {
            ""
        };
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT d.id AS d_id, d.name AS d_name, d.person_hash, d.person_masked, d.former_unit_id, du.name AS d_unit_name, du.path AS d_unit_path, d.former_position, d.leader, d.judicial, d.dismissed, d.left_on, {APPEARANCE_COLUMNS}, o.id AS officer_id FROM check_departures d JOIN check_lawyer_appearances a ON a.lawyer_hash = d.person_hash JOIN units du ON du.id = d.former_unit_id LEFT JOIN units au ON au.id = a.court_unit_id LEFT JOIN officers o ON o.id_hash = d.person_hash WHERE d.judicial = 1 AND a.appeared_on > d.left_on{former_only} ORDER BY d.id, a.id"),
                vals![],
            )
            .await?;
        for r in &rows {
            let d = DepartureFacts {
                name: get(r, "d_name")?,
                masked: get(r, "person_masked")?,
                hash: get(r, "person_hash")?,
                former_unit_name: get(r, "d_unit_name")?,
                former_unit_path: get(r, "d_unit_path")?,
                former_position: get(r, "former_position")?,
                leader: get::<i32>(r, "leader")? != 0,
                judicial: get::<i32>(r, "judicial")? != 0,
                dismissed: get::<i32>(r, "dismissed")? != 0,
                left_on: date_col(r, "left_on")?,
            };
            let a = appearance_from(r)?;
            let evidence = match s.rule {
                CheckRule::RevolvingWindow => rules::revolving_window(&d, &a, s),
                _ => rules::revolving_former_unit(&d, &a),
            };
            let Some(evidence) = evidence else {
                continue;
            };
            let d_id: String = get(r, "d_id")?;
            let a_id: String = get(r, "a_id")?;
            sink.push(Match {
                fingerprint: fingerprint(sink.rule, &[&d_id, &a_id]),
                unit_id: get(r, "former_unit_id")?,
                officer_id: get(r, "officer_id")?,
                subject_name: d.name.clone(),
                subject_unit: d.former_unit_name.clone(),
                subject_position: format!("原{}", d.former_position),
                summary: format!(
                    "{}（原{}{}，{}离任）于{}在{}担任{}（案号{}）",
                    d.name,
                    d.former_unit_name,
                    d.former_position,
                    ymd(d.left_on),
                    ymd(a.appeared_on),
                    a.court_name,
                    a.role.label(),
                    a.case_number
                ),
                evidence,
            })
            .await?;
        }
        Ok(())
    }

    /// Serving judges' and prosecutors' declared relatives joined to lawyers' appearances on the ID hash.
    async fn relative_lawyer_rule(&self, sink: &mut Sink<'_>) -> Result<()> {
        let (marks, v) = relation_list(Relation::counts_for_lawyer);
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT r.id AS r_id, r.relation, r.name AS r_name, r.person_masked AS r_masked, r.person_hash AS r_hash, {OFFICER_COLUMNS}, {APPEARANCE_COLUMNS} FROM check_relatives r JOIN check_lawyer_appearances a ON a.lawyer_hash = r.person_hash JOIN officers o ON o.id = r.officer_id JOIN units ou ON ou.id = o.unit_id JOIN units au ON au.id = a.court_unit_id WHERE o.active = 1 AND ou.kind IN ('court', 'procuratorate') AND r.relation IN ({marks}) ORDER BY r.id, a.id"),
                v,
            )
            .await?;
        for r in &rows {
            let o = officer_from(r)?;
            let rel = RelativeFacts {
                relation: Relation::parse(&get::<String>(r, "relation")?)?,
                name: get(r, "r_name")?,
                masked: get(r, "r_masked")?,
                hash: get(r, "r_hash")?,
            };
            let a = appearance_from(r)?;
            let Some(evidence) = rules::relative_lawyer(&o, &rel, &a) else {
                continue;
            };
            let officer_id: String = get(r, "officer_id")?;
            let r_id: String = get(r, "r_id")?;
            let a_id: String = get(r, "a_id")?;
            sink.push(Match {
                fingerprint: fingerprint(sink.rule, &[&officer_id, &r_id, &a_id]),
                unit_id: get(r, "o_unit_id")?,
                officer_id: Some(officer_id),
                subject_name: o.name.clone(),
                subject_unit: o.unit_name.clone(),
                subject_position: o.position.clone(),
                summary: format!(
                    "{}的{}{}于{}在{}担任{}（案号{}）",
                    o.name,
                    rel.relation.label(),
                    rel.name,
                    ymd(a.appeared_on),
                    a.court_name,
                    a.role.label(),
                    a.case_number
                ),
                evidence,
            })
            .await?;
        }
        Ok(())
    }

    /// Serving officers and their spouses, children and children's spouses in business registrations,
    /// each compared with the officer's self-report in the newest campaign.
    async fn business_rule(&self, sink: &mut Sink<'_>) -> Result<()> {
        let sql = Sql::of(&self.db);
        let mut candidates = Vec::new();
        let own = sql
            .all(
                &self.db,
                &format!("SELECT {BUSINESS_COLUMNS}, {OFFICER_COLUMNS} FROM check_business_roles b JOIN officers o ON o.id_hash = b.person_hash JOIN units ou ON ou.id = o.unit_id WHERE o.active = 1 ORDER BY b.id"),
                vals![],
            )
            .await?;
        for r in &own {
            candidates.push(BusinessCandidate {
                officer_id: get(r, "officer_id")?,
                unit_id: get(r, "o_unit_id")?,
                officer: officer_from(r)?,
                relative: None,
                business_id: get(r, "b_id")?,
                business: business_from(r)?,
            });
        }
        let (marks, v) = relation_list(Relation::counts_for_business);
        let through = sql
            .all(
                &self.db,
                &format!("SELECT {BUSINESS_COLUMNS}, {OFFICER_COLUMNS}, r.id AS r_id, r.relation, r.name AS r_name, r.person_masked AS r_masked, r.person_hash AS r_hash FROM check_business_roles b JOIN check_relatives r ON r.person_hash = b.person_hash JOIN officers o ON o.id = r.officer_id JOIN units ou ON ou.id = o.unit_id WHERE o.active = 1 AND r.relation IN ({marks}) ORDER BY b.id, r.id"),
                v,
            )
            .await?;
        for r in &through {
            candidates.push(BusinessCandidate {
                officer_id: get(r, "officer_id")?,
                unit_id: get(r, "o_unit_id")?,
                officer: officer_from(r)?,
                relative: Some((
                    get(r, "r_id")?,
                    RelativeFacts {
                        relation: Relation::parse(&get::<String>(r, "relation")?)?,
                        name: get(r, "r_name")?,
                        masked: get(r, "r_masked")?,
                        hash: get(r, "r_hash")?,
                    },
                )),
                business_id: get(r, "b_id")?,
                business: business_from(r)?,
            });
        }
        let ids: Vec<String> = candidates.iter().map(|c| c.officer_id.clone()).collect();
        let reports = self.business_report_states(&ids).await?;
        for c in candidates {
            let report = reports(&c.officer_id);
            let via = c.relative.as_ref().map(|(_, r)| r);
            let Some(evidence) = rules::illegal_business(&c.officer, via, &c.business, &report)
            else {
                continue;
            };
            let who = match via {
                None => format!("{}本人", c.officer.name),
                Some(r) => format!("{}的{}{}", c.officer.name, r.relation.label(), r.name),
            };
            let through = c
                .relative
                .as_ref()
                .map(|(id, _)| id.as_str())
                .unwrap_or("self");
            sink.push(Match {
                fingerprint: fingerprint(sink.rule, &[&c.officer_id, &c.business_id, through]),
                unit_id: c.unit_id,
                officer_id: Some(c.officer_id.clone()),
                subject_name: c.officer.name.clone(),
                subject_unit: c.officer.unit_name.clone(),
                subject_position: c.officer.position.clone(),
                summary: format!(
                    "{who}登记为{}{}（{}），自查报告{}",
                    c.business.company,
                    c.business.role.label(),
                    ymd(c.business.registered_on),
                    if report.reported() {
                        "已报告"
                    } else {
                        "未报告"
                    }
                ),
                evidence,
            })
            .await?;
        }
        Ok(())
    }

    /// For each officer, what the latest version of their self-report in the newest campaign says about
    /// illegal business (one query per 500 officers).
    async fn business_report_states(
        &self,
        officer_ids: &[String],
    ) -> Result<Box<dyn Fn(&str) -> ReportState + Send + Sync>> {
        let sql = Sql::of(&self.db);
        let campaign = sql
            .one(
                &self.db,
                "SELECT id, name FROM campaigns ORDER BY created_at DESC, id DESC LIMIT 1",
                vals![],
            )
            .await?;
        let Some(campaign) = campaign else {
            return Ok(Box::new(|_: &str| ReportState::NoCampaign));
        };
        let (cid, cname): (String, String) = (get(&campaign, "id")?, get(&campaign, "name")?);
        let mut uniq: Vec<&String> = officer_ids.iter().collect();
        uniq.sort();
        uniq.dedup();
        let mut states: HashMap<String, ReportState> = HashMap::new();
        for chunk in uniq.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut v = vals![cid.as_str()];
            v.extend(chunk.iter().map(|id| Value::from(id.as_str())));
            for r in sql
                .all(
                    &self.db,
                    &format!("SELECT r.officer_id, v.version, v.submitted_at, s.nil, s.content FROM self_reports r JOIN self_report_versions v ON v.report_id = r.id AND v.version = r.latest_version LEFT JOIN self_report_sections s ON s.version_id = v.id AND s.category = 'illegal_business' WHERE r.campaign_id = ? AND r.officer_id IN ({marks})"),
                    v,
                )
                .await?
            {
                let version = i64::from(get::<i32>(&r, "version")?);
                let submitted_on = crate::clues::local_date(get::<i64>(&r, "submitted_at")?)
                    .format("%Y-%m-%d")
                    .to_string();
                let nil = get::<Option<i32>>(&r, "nil")?.unwrap_or(1) != 0;
                let content: Option<String> = get(&r, "content")?;
                let state = match content.filter(|c| !nil && !c.trim().is_empty()) {
                    Some(content) => ReportState::Reported {
                        campaign: cname.clone(),
                        version,
                        submitted_on,
                        content,
                    },
                    None => ReportState::Nil {
                        campaign: cname.clone(),
                        version,
                        submitted_on,
                    },
                };
                states.insert(get(&r, "officer_id")?, state);
            }
        }
        Ok(Box::new(move |id: &str| {
            states
                .get(id)
                .cloned()
                .unwrap_or_else(|| ReportState::NotFiled {
                    campaign: cname.clone(),
                })
        }))
    }
}
