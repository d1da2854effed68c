//! The records the checks compare: what kinds there are, the columns of their .xlsx templates, and the
//! checked rows that `parse` makes from a template's cells.

use chrono::NaiveDate;

use crate::org::IdNumber;

string_enum! {
    /// A change in how a sentence is served.
    pub enum ChangeKind ("变更类型") {
        Commutation = ("commutation", "减刑"),
        Parole = ("parole", "假释"),
        MedicalParole = ("medical_parole", "暂予监外执行"),
    }
}

string_enum! {
    /// The crime an offender was sentenced for; the first three are the "three kinds" (三类罪犯) whose
    /// sentence changes are reviewed one by one.
    pub enum CrimeType ("罪名类别") {
        Duty = ("duty", "职务犯罪"),
        Financial = ("financial", "金融犯罪"),
        Organised = ("organised", "涉黑涉恶"),
        Other = ("other", "其他"),
    }
}

impl CrimeType {
    pub fn is_three_kinds(self) -> bool {
        !matches!(self, CrimeType::Other)
    }
}

string_enum! {
    pub enum SentenceType ("刑罚种类") {
        FixedTerm = ("fixed_term", "有期徒刑"),
        Life = ("life", "无期徒刑"),
        DeathReprieve = ("death_reprieve", "死刑缓期执行"),
    }
}

string_enum! {
    /// What a lawyer did in a case.
    pub enum LawyerRole ("代理类型") {
        Agent = ("agent", "诉讼代理人"),
        Defender = ("defender", "辩护人"),
    }
}

string_enum! {
    /// A person's place in a registered business.
    pub enum BusinessRole ("任职类型") {
        LegalRep = ("legal_rep", "法定代表人"),
        Shareholder = ("shareholder", "股东"),
        Manager = ("manager", "高级管理人员"),
    }
}

string_enum! {
    /// A family member an officer declared (家庭成员申报), from the officer's side.
    pub enum Relation ("亲属关系") {
        Spouse = ("spouse", "配偶"),
        Child = ("child", "子女"),
        ChildSpouse = ("child_spouse", "子女的配偶"),
        Parent = ("parent", "父母"),
        Sibling = ("sibling", "兄弟姐妹"),
        SpouseParent = ("spouse_parent", "配偶的父母"),
        SpouseSibling = ("spouse_sibling", "配偶的兄弟姐妹"),
        Other = ("other", "其他"),
    }
}

impl Relation {
    /// 法官法、检察官法 on 任职回避 and the 2021 opinion: spouse, parents, children — and, as the
    /// campaign reads it, children's spouses — acting as lawyers before the officer's own institution.
    pub fn counts_for_lawyer(self) -> bool {
        matches!(
            self,
            Relation::Spouse | Relation::Parent | Relation::Child | Relation::ChildSpouse
        )
    }

    /// 领导干部配偶、子女及其配偶经商办企业: spouse, children and children's spouses.
    pub fn counts_for_business(self) -> bool {
        matches!(
            self,
            Relation::Spouse | Relation::Child | Relation::ChildSpouse
        )
    }
}

string_enum! {
    /// The five kinds of imported record.
    pub enum RecordKind ("比对数据") {
        SentenceChanges = ("sentence_changes", "减刑、假释、暂予监外执行记录"),
        Departures = ("departures", "法官检察官离任记录"),
        LawyerAppearances = ("lawyer_appearances", "律师代理、辩护记录"),
        BusinessRoles = ("business_roles", "工商登记信息"),
        Relatives = ("relatives", "干警家庭成员申报"),
    }
}

impl RecordKind {
    /// The template's columns, in order.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            RecordKind::SentenceChanges => &[
                "罪犯身份证号",
                "罪犯姓名",
                "罪名类别",
                "刑罚种类",
                "变更类型",
                "裁定（决定）日期",
                "上次减刑（变更）日期",
                "暂予监外执行延长次数",
                "法院或监狱",
                "决定人警号",
            ],
            RecordKind::Departures => &[
                "身份证号",
                "姓名",
                "原任职单位",
                "原任职务",
                "是否领导职务",
                "是否法官检察官",
                "离任日期",
                "是否被开除",
            ],
            RecordKind::LawyerAppearances => &[
                "律师身份证号",
                "律师姓名",
                "律师事务所",
                "律所所在地",
                "案号",
                "受理法院或检察院",
                "代理类型",
                "代理日期",
            ],
            RecordKind::BusinessRoles => &[
                "身份证号",
                "姓名",
                "企业名称",
                "任职类型",
                "登记日期",
                "登记地区",
            ],
            RecordKind::Relatives => &["干警警号", "关系", "姓名", "身份证号"],
        }
    }

    /// The example row of the template (a made-up person with a checksum-valid number).
    pub fn example(self) -> &'static [&'static str] {
        match self {
            RecordKind::SentenceChanges => &[
                "110101198001010010",
                "张某",
                "职务犯罪",
                "有期徒刑",
                "减刑",
                "2025-03-01",
                "2024-02-20",
                "",
                "SZFW-JY",
                "JY0001",
            ],
            RecordKind::Departures => &[
                "110101198001010010",
                "李某",
                "YB-FY",
                "审判员",
                "否",
                "是",
                "2023-05-10",
                "否",
            ],
            RecordKind::LawyerAppearances => &[
                "110101198001010010",
                "李某",
                "某某律师事务所",
                "江州市乙区",
                "（2025）江0102民初123号",
                "YB-FY",
                "诉讼代理人",
                "2025-04-01",
            ],
            RecordKind::BusinessRoles => &[
                "110101198001010010",
                "王某",
                "江州某某贸易有限公司",
                "股东",
                "2021-06-18",
                "江州市甲区",
            ],
            RecordKind::Relatives => &["JA1001", "配偶", "王某", "110101198001010010"],
        }
    }

    /// What the template's 「填写说明」 says about this kind's columns.
    pub fn notes(self) -> Vec<String> {
        let id =
            "身份证号：必填，18位，校验位须正确；系统只保存其加密摘要和脱敏号码，不保存号码本身。";
        let unit = "单位可填写单位编码，或与系统中完全一致的单位全称。";
        let date = "日期：如 2025-03-01，也可写作 2025/3/1 或 2025年3月1日。";
        match self {
            RecordKind::SentenceChanges => vec![
                id.replace("身份证号", "罪犯身份证号"),
                format!(
                    "罪名类别：{}之一。",
                    labels(CrimeType::all().iter().map(|c| c.label()))
                ),
                format!(
                    "刑罚种类：{}之一（死缓可简写）。",
                    labels(SentenceType::all().iter().map(|c| c.label()))
                ),
                format!(
                    "变更类型：{}之一。",
                    labels(ChangeKind::all().iter().map(|c| c.label()))
                ),
                format!(
                    "裁定（决定）日期：必填。上次减刑（变更）日期：有则填写，须早于本次日期。{date}"
                ),
                "暂予监外执行延长次数：整数，没有可不填。".into(),
                format!("法院或监狱：必填，须在您的权限范围内。{unit}"),
                "决定人警号：作出或承办该裁定（决定）的干警警号，须在花名册中；不清楚可不填。"
                    .into(),
            ],
            RecordKind::Departures => vec![
                id.into(),
                format!("原任职单位：必填，须在您的权限范围内。{unit}"),
                "是否领导职务、是否法官检察官、是否被开除：填写「是」或「否」。".into(),
                format!("离任日期：必填。{date}"),
            ],
            RecordKind::LawyerAppearances => vec![
                id.replace("身份证号", "律师身份证号"),
                format!("受理法院或检察院：必填。{unit}外地法院可直接填写名称。"),
                "代理类型：「诉讼代理人」（或「代理」）、「辩护人」（或「辩护」）。".into(),
                format!("代理日期：必填。{date}"),
            ],
            RecordKind::BusinessRoles => vec![
                id.into(),
                format!(
                    "任职类型：{}之一（高管可简写）。",
                    labels(BusinessRole::all().iter().map(|c| c.label()))
                ),
                format!("登记日期：必填。{date}"),
            ],
            RecordKind::Relatives => vec![
                "干警警号：必填，须在花名册中且在您的权限范围内。".into(),
                format!(
                    "关系：{}之一，也可写「妻子」「儿子」「儿媳」「女婿」「岳父」「配偶的兄弟」等。",
                    labels(Relation::all().iter().map(|c| c.label()))
                ),
                id.into(),
                "同一干警同一亲属重复申报时，以最后一次导入为准。".into(),
            ],
        }
    }
}

fn labels<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.map(|l| format!("「{l}」")).collect::<Vec<_>>().join("")
}

/// A problem with one cell of an import row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceChangeRow {
    pub offender: IdNumber,
    pub offender_name: String,
    pub crime: CrimeType,
    pub sentence: SentenceType,
    pub kind: ChangeKind,
    pub decided_on: NaiveDate,
    pub previous_on: Option<NaiveDate>,
    pub extensions: Option<i64>,
    /// A unit code or a unit's full name, resolved by the caller.
    pub unit: String,
    pub decider_badge: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartureRow {
    pub person: IdNumber,
    pub name: String,
    pub former_unit: String,
    pub former_position: String,
    pub leader: bool,
    pub judicial: bool,
    pub left_on: NaiveDate,
    pub dismissed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppearanceRow {
    pub lawyer: IdNumber,
    pub name: String,
    pub law_firm: String,
    pub firm_area: String,
    pub case_number: String,
    /// A unit code, a unit's full name, or the name of a court outside the unit tree.
    pub court: String,
    pub role: LawyerRole,
    pub appeared_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessRow {
    pub person: IdNumber,
    pub name: String,
    pub company: String,
    pub role: BusinessRole,
    pub registered_on: NaiveDate,
    pub area: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelativeRow {
    pub officer_badge: String,
    pub relation: Relation,
    pub name: String,
    pub person: IdNumber,
}

/// One checked row of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRow {
    SentenceChange(SentenceChangeRow),
    Departure(DepartureRow),
    Appearance(AppearanceRow),
    Business(BusinessRow),
    Relative(RelativeRow),
}
