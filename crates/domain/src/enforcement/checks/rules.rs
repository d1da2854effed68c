//! The rules, their parameters, and the pure functions that decide a match and explain it. The store
//! narrows candidates with SQL (joins on ID hashes, date cut-offs computed here); the final word and the
//! evidence come from these functions, so a page, an export and a test all read the same reasons.

use std::collections::BTreeMap;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::records::Relation;
use crate::error::DomainError;
use crate::tips::ProblemCategory;

string_enum! {
    /// The four stubborn problems (顽瘴痼疾) the checks look for.
    pub enum CheckFamily ("比对类别") {
        CaseSuppression = ("case_suppression", "有案不立、压案不查、有罪不究"),
        Commutation = ("commutation", "违规减刑、假释、暂予监外执行"),
        RevolvingDoor = ("revolving_door", "离任违规从业、司法掮客"),
        IllegalBusiness = ("illegal_business", "违规经商办企业"),
    }
}

string_enum! {
    pub enum CheckRule ("比对规则") {
        PendingFiling = ("pending_filing", "受案后逾期未作立案决定"),
        IdleCase = ("idle_case", "案件久拖不办"),
        WithdrawalRate = ("withdrawal_rate", "撤案、不予立案比例异常"),
        ThreeKinds = ("three_kinds", "三类罪犯减刑、假释、暂予监外执行"),
        CommutationInterval = ("commutation_interval", "减刑间隔不足"),
        MedicalRenewals = ("medical_renewals", "暂予监外执行多次延长"),
        RevolvingWindow = ("revolving_window", "离任后限制期内担任代理人、辩护人"),
        RevolvingFormerUnit = ("revolving_former_unit", "离任后代理原任职单位案件"),
        RelativeLawyer = ("relative_lawyer", "近亲属在本人任职的法院、检察院代理案件"),
        IllegalBusiness = ("illegal_business", "干警及近亲属经商办企业"),
    }
}

/// One settable number of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
}

const fn spec(
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> ParamSpec {
    ParamSpec {
        key,
        label,
        unit,
        default,
        min,
        max,
    }
}

const PENDING_PARAMS: &[ParamSpec] = &[spec(
    "days",
    "受案后应作出立案决定的期限",
    "天",
    30,
    1,
    3650,
)];
const IDLE_PARAMS: &[ParamSpec] = &[spec("days", "在同一办案阶段停留的期限", "天", 180, 1, 3650)];
const RATE_PARAMS: &[ParamSpec] = &[
    spec(
        "window_days",
        "统计期（受案日期在最近多少天内）",
        "天",
        365,
        30,
        3650,
    ),
    spec("min_cases", "参与比较的最少受案数", "件", 20, 1, 1_000_000),
    spec(
        "factor_pct",
        "高于同类中位数的倍数（百分比）",
        "%",
        200,
        101,
        10_000,
    ),
    spec("min_rate_pct", "撤案、不予立案比例下限", "%", 10, 0, 100),
    spec("min_peers", "同类单位或人员的最少数量", "个", 3, 2, 100_000),
];
const INTERVAL_PARAMS: &[ParamSpec] = &[
    spec(
        "fixed_term_months",
        "有期徒刑两次减刑最短间隔",
        "个月",
        12,
        1,
        120,
    ),
    spec(
        "life_months",
        "无期徒刑两次减刑最短间隔",
        "个月",
        24,
        1,
        120,
    ),
    spec(
        "death_reprieve_months",
        "死刑缓期执行两次减刑最短间隔",
        "个月",
        24,
        1,
        120,
    ),
    spec(
        "three_kinds_months",
        "三类罪犯两次减刑最短间隔（从严）",
        "个月",
        24,
        1,
        120,
    ),
];
const RENEWAL_PARAMS: &[ParamSpec] = &[spec(
    "max_times",
    "暂予监外执行延长次数达到",
    "次",
    3,
    1,
    99,
)];
const WINDOW_PARAMS: &[ParamSpec] = &[
    spec(
        "years",
        "离任后不得担任代理人、辩护人的期限",
        "年",
        2,
        1,
        20,
    ),
    spec("leader_years", "领导职务人员的期限", "年", 3, 1, 20),
];

impl CheckRule {
    pub fn family(self) -> CheckFamily {
        use CheckRule::*;
        match self {
            PendingFiling | IdleCase | WithdrawalRate => CheckFamily::CaseSuppression,
            ThreeKinds | CommutationInterval | MedicalRenewals => CheckFamily::Commutation,
            RevolvingWindow | RevolvingFormerUnit | RelativeLawyer => CheckFamily::RevolvingDoor,
            IllegalBusiness => CheckFamily::IllegalBusiness,
        }
    }

    /// The problem category of the clue a finding becomes.
    pub fn category(self) -> ProblemCategory {
        match self.family() {
            CheckFamily::CaseSuppression => ProblemCategory::CaseSuppression,
            CheckFamily::Commutation => ProblemCategory::IllegalCommutation,
            CheckFamily::RevolvingDoor => ProblemCategory::RevolvingDoor,
            CheckFamily::IllegalBusiness => ProblemCategory::IllegalBusiness,
        }
    }

    pub fn params(self) -> &'static [ParamSpec] {
        use CheckRule::*;
        match self {
            PendingFiling => PENDING_PARAMS,
            IdleCase => IDLE_PARAMS,
            WithdrawalRate => RATE_PARAMS,
            CommutationInterval => INTERVAL_PARAMS,
            MedicalRenewals => RENEWAL_PARAMS,
            RevolvingWindow => WINDOW_PARAMS,
            ThreeKinds | RevolvingFormerUnit | RelativeLawyer | IllegalBusiness => &[],
        }
    }

    /// What the rule compares, for the settings page.
    pub fn describe(self) -> &'static str {
        use CheckRule::*;
        match self {
            PendingFiling => {
                "案件登记中仍处于受案阶段、没有立案决定，且受案已超过设定期限的案件（有案不立）。"
            }
            IdleCase => {
                "尚未结案、在同一办案阶段（受案阶段除外）停留超过设定期限的案件（压案不查）。"
            }
            WithdrawalRate => {
                "统计期内撤案、不予立案的比例，按单位和承办人分别与同类（同一类型单位）的中位数比较，明显偏高的列出（有罪不究）。"
            }
            ThreeKinds => {
                "职务犯罪、金融犯罪、涉黑涉恶罪犯的每一条减刑、假释、暂予监外执行记录，逐案列出供复查。"
            }
            CommutationInterval => {
                "减刑记录中本次裁定日期与上次减刑日期的间隔短于规定的最短间隔（按刑罚种类，三类罪犯从严）。"
            }
            MedicalRenewals => "暂予监外执行延长次数达到设定次数的记录。",
            RevolvingWindow => {
                "离任法官、检察官在离任后限制期内（领导职务人员期限更长）以律师身份担任诉讼代理人或辩护人；被开除的人员任何时候均不得担任。按身份证号摘要比对，不按姓名。"
            }
            RevolvingFormerUnit => {
                "离任法官、检察官离任后任何时候以律师身份代理、辩护原任职法院或检察院的案件（近亲属、被监护人案件除外，须核实）。"
            }
            RelativeLawyer => {
                "在职法官、检察官的配偶、父母、子女及子女的配偶在其任职的法院或检察院担任诉讼代理人、辩护人（任职回避）；列出的是干警本人。"
            }
            IllegalBusiness => {
                "在职干警本人及其配偶、子女、子女的配偶在工商登记中担任法定代表人、股东或高级管理人员，并与最新一次整顿活动中本人自查报告「违规经商办企业」一项对照。"
            }
        }
    }
}

/// A rule's settings: on or off, and its numbers (every key of [`CheckRule::params`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSettings {
    pub rule: CheckRule,
    pub enabled: bool,
    values: BTreeMap<&'static str, i64>,
}

impl RuleSettings {
    pub fn defaults(rule: CheckRule) -> Self {
        RuleSettings {
            rule,
            enabled: true,
            values: rule.params().iter().map(|p| (p.key, p.default)).collect(),
        }
    }

    /// Settings as stored; a value that is missing or out of range (an older version's) takes the default.
    pub fn from_stored(rule: CheckRule, enabled: bool, stored: &BTreeMap<String, i64>) -> Self {
        let mut s = Self::defaults(rule);
        s.enabled = enabled;
        for p in rule.params() {
            if let Some(v) = stored.get(p.key).filter(|v| (p.min..=p.max).contains(*v)) {
                s.values.insert(p.key, *v);
            }
        }
        s
    }

    pub fn get(&self, key: &str) -> i64 {
        self.values.get(key).copied().unwrap_or_else(|| {
            self.rule
                .params()
                .iter()
                .find(|p| p.key == key)
                .map(|p| p.default)
                .unwrap_or(0)
        })
    }

    /// Each parameter with its value, in the rule's order.
    pub fn values(&self) -> Vec<(ParamSpec, i64)> {
        self.rule
            .params()
            .iter()
            .map(|p| (*p, self.get(p.key)))
            .collect()
    }

    pub fn to_stored(&self) -> BTreeMap<String, i64> {
        self.values
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect()
    }
}

/// Checks the numbers typed on the settings page (keyed by parameter key); every problem at once.
pub fn validate_settings(
    rule: CheckRule,
    enabled: bool,
    raw: &BTreeMap<String, String>,
) -> Result<RuleSettings, Vec<DomainError>> {
    let mut s = RuleSettings::defaults(rule);
    s.enabled = enabled;
    let mut errors = Vec::new();
    for p in rule.params() {
        let text = raw.get(p.key).map(|v| v.trim()).unwrap_or("");
        match text.parse::<i64>() {
            Ok(v) if (p.min..=p.max).contains(&v) => {
                s.values.insert(p.key, v);
            }
            Ok(_) => errors.push(DomainError::field(
                p.key,
                format!("「{}」应在{}至{}{}之间", p.label, p.min, p.max, p.unit),
            )),
            Err(_) => errors.push(DomainError::field(
                p.key,
                format!("「{}」应填写整数（单位：{}）", p.label, p.unit),
            )),
        }
    }
    if errors.is_empty()
        && rule == CheckRule::RevolvingWindow
        && s.get("leader_years") < s.get("years")
    {
        errors.push(DomainError::field(
            "leader_years",
            "领导职务人员的期限不应短于一般人员的期限",
        ));
    }
    if errors.is_empty() {
        Ok(s)
    } else {
        Err(errors)
    }
}

/// Why a check fired: one sentence, then the facts it rests on, in the order a reader needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub because: String,
    pub facts: Vec<Fact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

impl Evidence {
    pub(super) fn new(because: impl Into<String>) -> Self {
        Evidence {
            because: because.into(),
            facts: Vec::new(),
        }
    }

    pub(super) fn fact(mut self, label: &str, value: impl Into<String>) -> Self {
        self.facts.push(Fact {
            label: label.to_string(),
            value: value.into(),
        });
        self
    }
}

pub(super) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// How an ID number is shown in evidence: masked, and the start of its keyed hash (the matching key).
pub fn id_shown(masked: &str, hash: &str) -> String {
    let head: String = hash.chars().take(16).collect();
    format!("{masked}（摘要 {head}…）")
}

pub(super) fn plus_months(d: NaiveDate, months: i64) -> NaiveDate {
    d.checked_add_months(Months::new(months.clamp(0, 1200) as u32))
        .unwrap_or(NaiveDate::MAX)
}

pub(super) fn minus_days(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_sub_days(Days::new(days.max(0) as u64))
        .unwrap_or(NaiveDate::MIN)
}

/// The Chinese name of a case stage identifier (`domain::enforcement::cases`' list).
pub fn stage_label(stage: &str) -> &str {
    match stage {
        "received" => "受案",
        "filed" => "立案",
        "investigation" => "侦查调查",
        "review" => "审查起诉",
        "trial" => "审理",
        "judgment" => "裁判",
        "enforcement" => "执行",
        "closed" => "结案",
        other => other,
    }
}

/// The stages a case can idle in; a case still at `received` is the filing rule's business.
pub const IDLE_STAGES: &[&str] = &[
    "filed",
    "investigation",
    "review",
    "trial",
    "judgment",
    "enforcement",
];

// ---------- serving officers and their relatives, shared by the revolving-door and business rules ----------

/// A serving officer on the roster.
#[derive(Debug, Clone)]
pub struct OfficerFacts {
    pub name: String,
    pub badge: String,
    pub position: String,
    pub unit_name: String,
    pub unit_path: String,
    /// `domain::org::UnitKind` identifier of the officer's unit.
    pub unit_kind: String,
}

/// A declared family member.
#[derive(Debug, Clone)]
pub struct RelativeFacts {
    pub relation: Relation,
    pub name: String,
    pub masked: String,
    pub hash: String,
}

pub(super) fn officer_facts(o: &OfficerFacts, e: Evidence) -> Evidence {
    e.fact("干警", format!("{}（警号 {}）", o.name, o.badge))
        .fact("任职单位及职务", format!("{} {}", o.unit_name, o.position))
}

/// 任职回避: a serving judge's or prosecutor's spouse, parent, child or child's spouse acting as a lawyer
/// before the officer's own institution. The finding is about the officer.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_field_by_field() {
        let raw: BTreeMap<String, String> = [("years", "3"), ("leader_years", "2")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let e = validate_settings(CheckRule::RevolvingWindow, true, &raw).unwrap_err();
        assert_eq!(e[0].field, Some("leader_years"));
        let raw: BTreeMap<String, String> = [("days", "abc")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let e = validate_settings(CheckRule::PendingFiling, true, &raw).unwrap_err();
        assert!(e[0].message.contains("整数"));
        let stored = BTreeMap::from([("days".to_string(), 99999)]);
        assert_eq!(
            RuleSettings::from_stored(CheckRule::PendingFiling, true, &stored).get("days"),
            30
        );
    }
}
