//! Words of the generated enforcement data: case titles and numbers as each kind of unit writes them,
//! the decision recorded at each stage, what people say when they ask about a case and how the officer
//! handled it, law firms, companies and the summaries of quarterly inquiry reports. Pure and deterministic.

use rand::Rng;

use crate::synth::text::person_name;

fn pick<'a, R: Rng + ?Sized>(rng: &mut R, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn weighted<'a, R: Rng + ?Sized>(rng: &mut R, items: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut at = rng.random_range(0..total);
    for (item, w) in items {
        if at < *w {
            return item;
        }
        at -= w;
    }
    items[items.len() - 1].0
}

/// Criminal charges with their rough share of a basic-level caseload.
const CRIMES: &[(&str, u32)] = &[
    ("盗窃", 180),
    ("危险驾驶", 160),
    ("诈骗", 120),
    ("帮助信息网络犯罪活动", 90),
    ("故意伤害", 60),
    ("开设赌场", 40),
    ("寻衅滋事", 40),
    ("掩饰、隐瞒犯罪所得", 35),
    ("交通肇事", 30),
    ("贩卖毒品", 25),
    ("非法吸收公众存款", 20),
    ("合同诈骗", 15),
    ("敲诈勒索", 12),
    ("聚众斗殴", 10),
    ("抢劫", 10),
    ("非法拘禁", 10),
    ("职务侵占", 10),
    ("妨害公务", 10),
    ("非法占用农用地", 6),
    ("拒不支付劳动报酬", 6),
];

/// 扫黑除恶 cases: the organised crime and the crimes it is charged with.
const GANG_CHARGES: &[&str] = &[
    "组织、领导、参加黑社会性质组织、寻衅滋事、强迫交易",
    "组织、领导、参加黑社会性质组织、敲诈勒索、非法拘禁",
    "恶势力犯罪集团寻衅滋事、强迫交易",
    "恶势力犯罪集团开设赌场、非法拘禁",
    "恶势力团伙敲诈勒索、聚众斗殴",
    "组织、领导、参加黑社会性质组织、非法采矿、故意伤害",
];

/// 治安管理处罚 cases.
const VIOLATIONS: &[(&str, u32)] = &[
    ("殴打他人", 160),
    ("赌博", 90),
    ("盗窃", 80),
    ("吸食毒品", 50),
    ("故意损毁财物", 40),
    ("寻衅滋事", 30),
    ("扰乱单位秩序", 20),
    ("阻碍执行职务", 15),
    ("散布谣言扰乱公共秩序", 15),
    ("非法侵入住宅", 10),
    ("违反危险物质管理规定", 8),
    ("招摇撞骗", 8),
];

/// 民事案由.
const CIVIL_CAUSES: &[(&str, u32)] = &[
    ("民间借贷纠纷", 180),
    ("买卖合同纠纷", 120),
    ("离婚纠纷", 110),
    ("机动车交通事故责任纠纷", 90),
    ("金融借款合同纠纷", 80),
    ("劳动争议", 50),
    ("房屋租赁合同纠纷", 40),
    ("物业服务合同纠纷", 40),
    ("追索劳动报酬纠纷", 30),
    ("建设工程施工合同纠纷", 30),
    ("信用卡纠纷", 30),
    ("提供劳务者受害责任纠纷", 15),
    ("继承纠纷", 12),
    ("相邻关系纠纷", 10),
    ("承揽合同纠纷", 10),
];

/// Defendants of administrative litigation and what was sued over.
const AGENCIES: &[(&str, &str)] = &[
    ("自然资源局", "土地行政登记"),
    ("人力资源和社会保障局", "工伤认定"),
    ("市场监督管理局", "行政处罚"),
    ("住房和城乡建设局", "房屋征收补偿"),
    ("公安局", "治安行政处罚"),
    ("人民政府", "政府信息公开"),
    ("生态环境局", "行政处罚"),
    ("综合行政执法局", "行政强制拆除"),
];

const COMPANY_WORDS: &[&str] = &[
    "恒达", "鑫源", "宏远", "安泰", "华通", "永盛", "金诚", "瑞丰", "昌隆", "信达", "丰泽", "嘉禾",
    "中联", "新锐", "博远", "泰和", "汇通", "天成", "顺达", "联创", "正阳", "锦程", "盛世", "远航",
];
const COMPANY_TRADES: &[&str] = &[
    "商贸",
    "建筑工程",
    "房地产开发",
    "物流",
    "小额贷款",
    "建材",
    "农业开发",
    "文化传媒",
    "餐饮管理",
    "汽车销售服务",
    "物业管理",
    "矿业",
    "典当",
    "信息咨询",
    "劳务派遣",
];

const FIRM_WORDS: &[&str] = &[
    "正义", "明德", "金石", "衡平", "信合", "致远", "同心", "天平", "正衡", "博正", "大成", "中正",
    "立信", "恒信", "法正", "睿思", "诚和", "公信",
];

/// The seat of a law firm outside the region, for appearances by lawyers from elsewhere.
pub const OTHER_AREAS: &[&str] = &["北京市", "上海市", "西安市", "成都市", "兰州市", "郑州市"];

/// A name such as 「江州恒达商贸有限公司」.
pub fn company<R: Rng + ?Sized>(rng: &mut R, city: &str) -> String {
    format!(
        "{city}{}{}有限公司",
        pick(rng, COMPANY_WORDS),
        pick(rng, COMPANY_TRADES)
    )
}

/// A law firm of `area` (a city without 「市」).
pub fn law_firm<R: Rng + ?Sized>(rng: &mut R, area: &str) -> String {
    format!(
        "{}{}律师事务所",
        area.trim_end_matches('市'),
        pick(rng, FIRM_WORDS)
    )
}

/// A case title as the register writes it, for the kind of case and unit. `gang` makes a 扫黑除恶 case.
pub fn case_title<R: Rng>(
    rng: &mut R,
    kind: &str,
    unit_kind: &str,
    city: &str,
    gang: bool,
) -> String {
    let name = person_name(rng);
    match kind {
        "criminal" if gang => format!("{name}等人{}案", pick(rng, GANG_CHARGES)),
        "criminal" => {
            let crime = weighted(rng, CRIMES);
            let others = if rng.random_bool(0.12) { "等人" } else { "" };
            if unit_kind == "court" {
                format!("被告人{name}{others}{crime}案")
            } else {
                format!("{name}{others}涉嫌{crime}案")
            }
        }
        "administrative" => format!("{name}{}案", weighted(rng, VIOLATIONS)),
        "admin_litigation" => {
            let (agency, what) = AGENCIES[rng.random_range(0..AGENCIES.len())];
            format!("{name}诉{city}{agency}{what}案")
        }
        _ => {
            let other = if rng.random_bool(0.3) {
                company(rng, city)
            } else {
                person_name(rng)
            };
            format!("{name}与{other}{}案", weighted(rng, CIVIL_CAUSES))
        }
    }
}

/// A case number in the handling unit's style. `abbr` is the province's one-character name, `code` the
/// unit's four-digit code, `seq` the running number of this kind in the unit and year.
pub fn case_number(
    abbr: &str,
    code: &str,
    unit_kind: &str,
    kind: &str,
    year: i32,
    seq: u32,
) -> String {
    match (unit_kind, kind) {
        ("court", "criminal") => format!("（{year}）{abbr}{code}刑初{seq}号"),
        ("court", "admin_litigation") => format!("（{year}）{abbr}{code}行初{seq}号"),
        ("court", _) => format!("（{year}）{abbr}{code}民初{seq}号"),
        ("procuratorate", _) => format!("{abbr}{code}检刑诉受〔{year}〕{seq}号"),
        (_, "administrative") => format!("{abbr}{code}公（治）受字〔{year}〕{seq:05}号"),
        _ => format!("{abbr}{code}公（刑）受字〔{year}〕{seq:05}号"),
    }
}

/// The decision that moved a case into `stage` (closing has its own text).
pub fn decision(stage: &str, unit_kind: &str) -> &'static str {
    match (stage, unit_kind) {
        ("filed", "court") => "符合起诉条件，决定立案受理",
        ("filed", _) => "经审查符合立案条件，决定立案",
        ("investigation", _) => "决定立案侦查（调查）",
        ("review", _) => "受理移送审查起诉",
        ("trial", _) => "决定开庭审理",
        ("judgment", _) => "经审理作出判决（裁定）",
        ("enforcement", "court") => "判决生效，移送执行",
        ("enforcement", _) => "处罚决定作出，交付执行",
        _ => "决定变更办案阶段",
    }
}

/// The note of a closing decision for an outcome identifier, as the unit would write it.
pub fn closing(outcome: &str, unit_kind: &str) -> &'static str {
    match (outcome, unit_kind) {
        ("not_filed", "court") => "结案（不予立案）：不符合起诉条件，裁定不予受理",
        ("not_filed", _) => "结案（不予立案）：经审查没有犯罪事实，决定不予立案",
        ("withdrawn", "court") => "结案（撤案）：原告（公诉机关）申请撤诉，裁定准许",
        ("withdrawn", _) => "结案（撤案）：不应对犯罪嫌疑人追究刑事责任，决定撤销案件",
        ("not_prosecuted", _) => "结案（不起诉）：犯罪情节轻微，决定不起诉",
        ("judged", _) => "结案（判决）：判决已发生法律效力",
        ("mediated", _) => "结案（调解）：双方当事人达成调解协议",
        (_, "procuratorate") => "结案（其他）：提起公诉",
        (_, "police") => "结案（其他）：侦查（调查）终结，依法处理完毕",
        _ => "结案（其他）",
    }
}

/// People outside the roster who ask about cases: (who they are, their unit or relation).
const OUTSIDE_ASKERS: &[(&str, &str)] = &[
    ("当事人亲属", "当事人家属"),
    ("当事人亲属", "当事人家属"),
    ("区人大代表", "区人大常委会"),
    ("村民代表", "村委会"),
    ("律师", "律师事务所"),
    ("企业负责人", "当事企业"),
    ("当事人同学", "个人"),
    ("副局长", "区住房和城乡建设局"),
    ("镇党委副书记", "镇党委"),
];

/// Someone outside the roster: (name, position, unit).
pub fn outside_asker<R: Rng>(rng: &mut R) -> (String, String, String) {
    let (position, unit) = OUTSIDE_ASKERS[rng.random_range(0..OUTSIDE_ASKERS.len())];
    (person_name(rng), position.to_string(), unit.to_string())
}

const ASKED_PROGRESS: &[&str] = &[
    "询问案件目前办到哪个阶段、什么时候能有结果。",
    "打听案件进展，称当事人家属很着急，希望尽快处理。",
    "询问案件是否已经移送，下一步由哪个部门办理。",
    "了解案件基本情况，询问能否安排与承办人见面。",
];
const ASKED_FAVOUR: &[&str] = &[
    "称当事人是其朋友的亲戚，希望在法律允许范围内“关照一下”，从轻处理。",
    "要求尽快对另一方采取措施，并询问能否“先把人放出来”。",
    "暗示案件涉及本地重点企业，希望慎重处理、不要影响企业经营。",
    "询问能否变更强制措施，并表示“有什么困难可以找他”。",
];
const HANDLED: &[&str] = &[
    "告知其案件正在依法办理，不便透露具体情况，已按规定登记并报告。",
    "明确拒绝其请托，告知将依法依规办理，已如实登记。",
    "告知案件所处阶段，未透露案件办理细节，已登记备查。",
    "当场说明“三个规定”要求，拒绝说情，并向分管领导报告。",
];

/// What was said and how it was handled, for an inquiry that asked a favour or only asked.
pub fn inquiry_words<R: Rng + ?Sized>(rng: &mut R, favour: bool) -> (String, String) {
    let said = if favour {
        pick(rng, ASKED_FAVOUR)
    } else {
        pick(rng, ASKED_PROGRESS)
    };
    (said.to_string(), pick(rng, HANDLED).to_string())
}

/// The summary of a quarterly inquiry report with `n` records, `k` of them interference.
pub fn report_summary(n: i64, k: i64) -> String {
    if k > 0 {
        format!(
            "本季度共登记过问案件情况{n}条，其中领导干部干预司法{k}条，已按规定通报整顿办并逐条核实。"
        )
    } else {
        format!("本季度共登记过问案件情况{n}条，均为了解案件进展，未发现干预司法情形。")
    }
}

/// A former position of a departed judge, prosecutor or police officer; the flag marks leading posts.
pub fn former_position<R: Rng + ?Sized>(rng: &mut R, unit_kind: &str) -> (&'static str, bool) {
    let table: &[(&'static str, bool, u32)] = match unit_kind {
        "court" => &[
            ("审判员", false, 60),
            ("执行员", false, 10),
            ("副庭长", true, 15),
            ("庭长", true, 10),
            ("副院长", true, 5),
        ],
        "procuratorate" => &[
            ("检察官", false, 70),
            ("检察部副主任", true, 15),
            ("检察部主任", true, 10),
            ("副检察长", true, 5),
        ],
        _ => &[("民警", false, 80), ("副所长", true, 12), ("所长", true, 8)],
    };
    let total: u32 = table.iter().map(|t| t.2).sum();
    let mut at = rng.random_range(0..total);
    for (p, leader, w) in table {
        if at < *w {
            return (p, *leader);
        }
        at -= w;
    }
    (table[0].0, table[0].1)
}

/// A guiding case (案例指导) as a court, procuratorate or police bureau publishes it.
pub struct Guiding {
    pub title: String,
    pub keywords: String,
    pub gist: String,
    pub significance: String,
    pub full_text: String,
}

/// Points of law a criminal guiding case settles, with the gist ({c} is the charge).
const CRIMINAL_POINTS: &[(&str, &str)] = &[
    (
        "自首",
        "犯罪嫌疑人经公安机关电话通知后主动到案，并如实供述{c}主要犯罪事实的，应当认定为自首，可以依法从轻处罚。",
    ),
    (
        "认罪认罚",
        "被告人自愿如实供述{c}罪行、承认指控的犯罪事实并愿意接受处罚，签署认罪认罚具结书的，人民法院一般应当采纳人民检察院提出的量刑建议。",
    ),
    (
        "主观明知",
        "认定{c}罪的主观明知，应当综合行为人的认知能力、既往经历、交易对象和获利情况等主客观因素判断，不能仅凭行为人的辩解予以否定。",
    ),
    (
        "证据采信",
        "{c}案件中只有被告人供述、没有其他证据印证的，不能认定被告人有罪；以非法方法收集的证据应当依法排除，不得作为定案根据。",
    ),
    (
        "追赃挽损",
        "办理{c}案件应当把追赃挽损贯穿始终；被告人积极退赃退赔、取得被害人谅解的，可以依法从宽处理。",
    ),
    (
        "共同犯罪",
        "在共同{c}犯罪中起次要或者辅助作用的，应当认定为从犯，依法从轻、减轻处罚或者免除处罚。",
    ),
];

/// Points of law of a civil guiding case ({c} is the cause of action).
const CIVIL_POINTS: &[(&str, &str)] = &[
    (
        "举证责任",
        "{c}案件中，主张法律关系存在的一方应当对产生该法律关系的基本事实承担举证责任；仅有转账凭证而无其他证据的，应当结合交易习惯等审查认定。",
    ),
    (
        "虚假诉讼",
        "当事人恶意串通、捏造{c}事实提起诉讼，企图侵害他人合法权益的，人民法院应当驳回其诉讼请求，并依法予以罚款、拘留；构成犯罪的，依法追究刑事责任。",
    ),
    (
        "诉讼时效",
        "{c}案件中，权利人在诉讼时效期间内向义务人主张权利的，诉讼时效中断；义务人同意履行义务的，诉讼时效期间重新计算。",
    ),
    (
        "违约金调整",
        "{c}案件中约定的违约金过分高于造成的损失的，人民法院可以根据当事人的请求，以实际损失为基础，兼顾合同履行情况和过错程度予以适当减少。",
    ),
    (
        "调解优先",
        "审理{c}案件应当坚持调解优先、调判结合，在查明事实、分清是非的基础上促成当事人自愿达成调解协议，实现案结事了。",
    ),
];

/// Points of an administrative or administrative-litigation guiding case.
const ADMIN_POINTS: &[(&str, &str)] = &[
    (
        "程序正当",
        "行政机关作出{c}决定前，应当告知当事人拟作出决定的事实、理由及依据，并听取其陈述和申辩；未履行告知程序的，该决定违反法定程序。",
    ),
    (
        "比例原则",
        "作出{c}决定应当与违法行为的事实、性质、情节以及社会危害程度相当，可以采取较轻措施达到目的的，不得采取过重措施。",
    ),
    (
        "合法性审查",
        "人民法院审理{c}案件，应当对被诉行政行为的合法性进行全面审查，不受原告诉讼请求和理由的限制。",
    ),
];

/// A guiding case of `kind` about an invented but ordinary matter, with its full text.
pub fn guiding<R: Rng>(rng: &mut R, kind: &str, city: &str, year: i32) -> Guiding {
    let name = person_name(rng);
    let (subject, title, points): (String, String, &[(&str, &str)]) = match kind {
        "criminal" => {
            let c = weighted(rng, CRIMES).to_string();
            let t = format!("{name}{c}案");
            (c, t, CRIMINAL_POINTS)
        }
        "civil" => {
            let c = weighted(rng, CIVIL_CAUSES).to_string();
            let t = format!("{name}诉{}{c}案", company(rng, city));
            (c, t, CIVIL_POINTS)
        }
        "administrative" => {
            let c = format!("{}行政处罚", weighted(rng, VIOLATIONS));
            let t = format!("{name}{c}案");
            (c, t, ADMIN_POINTS)
        }
        _ => {
            let (agency, what) = AGENCIES[rng.random_range(0..AGENCIES.len())];
            let t = format!("{name}诉{city}{agency}{what}案");
            (what.to_string(), t, ADMIN_POINTS)
        }
    };
    let (point, gist) = points[rng.random_range(0..points.len())];
    let gist = gist.replace("{c}", &subject);
    let month = rng.random_range(1..=12);
    let amount = rng.random_range(2..=80) * 1000;
    let facts = match kind {
        "criminal" => format!(
            "{year}年{month}月，被告人{name}在{city}某地实施{subject}行为，涉案金额{amount}元。案发后，{name}经电话通知到案，到案后如实供述了主要犯罪事实，并退缴部分违法所得。"
        ),
        "civil" => format!(
            "原告{name}与被告之间因{subject}发生争议。{year}年{month}月，原告起诉请求被告支付{amount}元及利息，被告辩称双方之间的法律关系与原告主张不符。"
        ),
        _ => format!(
            "{year}年{month}月，行政机关对{name}作出{subject}决定，{name}不服，认为该决定认定事实不清、程序违法，遂申请复议并提起诉讼。"
        ),
    };
    let result = match kind {
        "criminal" => format!(
            "法院以{subject}罪判处被告人{name}有期徒刑{}个月，并处罚金{}元；责令退赔被害人经济损失。",
            rng.random_range(6..=60),
            amount / 10
        ),
        "civil" => {
            "法院判决被告于判决生效之日起十日内支付原告相应款项，驳回原告其他诉讼请求。".to_string()
        }
        _ => "法院判决撤销被诉行政行为，责令行政机关在法定期限内重新作出处理。".to_string(),
    };
    let keywords = format!("{}、{subject}、{point}", kind_word(kind));
    Guiding {
        title,
        keywords,
        significance: format!(
            "本案明确了{subject}案件中“{point}”问题的处理规则，对统一{}尺度、防止同案不同判具有指导意义。",
            if kind == "administrative" {
                "执法"
            } else {
                "裁判"
            }
        ),
        full_text: format!("【基本案情】{facts}\n【裁判结果】{result}\n【裁判理由】{gist}"),
        gist,
    }
}

fn kind_word(kind: &str) -> &'static str {
    match kind {
        "criminal" => "刑事",
        "civil" => "民事",
        "administrative" => "行政执法",
        _ => "行政诉讼",
    }
}

const COMMENTARY_TOPICS: &[&str] = &[
    "刑事案件证据审查",
    "民事案件调解与送达",
    "撤案、不起诉案件",
    "超期案件",
    "法律文书质量",
    "涉黑涉恶案件",
];

/// (title, notes) of a case-commentary session (案件点评会) held in `quarter` (「2025年第3季度」).
pub fn commentary<R: Rng + ?Sized>(rng: &mut R, quarter: &str) -> (String, String) {
    let topic = pick(rng, COMMENTARY_TOPICS);
    (
        format!("{quarter}{topic}点评会"),
        format!(
            "会议逐案点评了所选案件的办理情况，指出{}等问题，要求承办人对照指导案例和点评意见逐项整改，并在下季度点评会上报告整改情况。",
            pick(
                rng,
                &[
                    "证据链条不完整、法律文书说理不充分",
                    "阶段期限把握不严、个别环节超期",
                    "撤案理由论证不足、审批手续不全",
                    "送达程序不规范、卷宗材料归档不及时",
                ]
            )
        ),
    )
}
