//! 违规经商办企业: officers and their spouses, children and children's spouses in business registrations,
//! with what the officer's self-report said.

use chrono::NaiveDate;

use super::records::BusinessRole;
use super::rules::{Evidence, OfficerFacts, RelativeFacts, id_shown, officer_facts, ymd};
#[derive(Debug, Clone)]
pub struct BusinessFacts {
    pub name: String,
    pub masked: String,
    pub hash: String,
    pub company: String,
    pub role: BusinessRole,
    pub registered_on: NaiveDate,
    pub area: String,
}

/// What the officer said about illegal business in the newest campaign's self-report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportState {
    NoCampaign,
    NotFiled {
        campaign: String,
    },
    Nil {
        campaign: String,
        version: i64,
        submitted_on: String,
    },
    Reported {
        campaign: String,
        version: i64,
        submitted_on: String,
        content: String,
    },
}

impl ReportState {
    pub fn reported(&self) -> bool {
        matches!(self, ReportState::Reported { .. })
    }

    fn describe(&self) -> String {
        match self {
            ReportState::NoCampaign => "尚无整顿活动，没有可对照的自查报告".into(),
            ReportState::NotFiled { campaign } => {
                format!("未报告：在「{campaign}」中未提交自查事项报告")
            }
            ReportState::Nil {
                campaign,
                version,
                submitted_on,
            } => format!(
                "未报告：「{campaign}」自查事项报告第{version}版（{submitted_on}提交）「违规经商办企业」一项填报为「无」"
            ),
            ReportState::Reported {
                campaign,
                version,
                submitted_on,
                content,
            } => {
                let shown: String = content.chars().take(200).collect();
                format!(
                    "已报告：「{campaign}」自查事项报告第{version}版（{submitted_on}提交）「违规经商办企业」一项填报：{shown}"
                )
            }
        }
    }
}

/// 违规经商办企业: the officer (`via` = None) or a spouse, child or child's spouse registered as legal
/// representative, shareholder or manager; the evidence says whether the self-report covered it.
pub fn illegal_business(
    o: &OfficerFacts,
    via: Option<&RelativeFacts>,
    b: &BusinessFacts,
    report: &ReportState,
) -> Option<Evidence> {
    if via.is_some_and(|r| !r.relation.counts_for_business()) {
        return None;
    }
    let who = match via {
        None => format!("{}本人", o.name),
        Some(r) => format!("{}的{}{}", o.name, r.relation.label(), r.name),
    };
    let mut e = officer_facts(
        o,
        Evidence::new(format!(
            "{who}于{}登记为{}的{}；{}。",
            ymd(b.registered_on),
            b.company,
            b.role.label(),
            report.describe()
        )),
    );
    if let Some(r) = via {
        e = e.fact("亲属", format!("{}（{}）", r.name, r.relation.label()));
    }
    let e = e
        .fact("登记人员身份证号", id_shown(&b.masked, &b.hash))
        .fact("企业名称", b.company.clone())
        .fact("任职类型", b.role.label())
        .fact("登记日期", ymd(b.registered_on))
        .fact("登记地区", b.area.clone())
        .fact(
            "匹配依据",
            match via {
                None => "工商登记人员与干警本人的身份证号摘要一致（不按姓名比对）",
                Some(_) => "工商登记人员与干警申报的亲属身份证号摘要一致（不按姓名比对）",
            },
        )
        .fact("自查报告", report.describe());
    Some(e)
}
