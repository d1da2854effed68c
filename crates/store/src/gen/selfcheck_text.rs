//! Texts of the generated self-check and rectification records: what officers write in their self-reports
//! (with the one fact each report states, so a finding can be compared with it), the items of findings,
//! ledger rows with their measures and notes, rules, tasks, responsibility holders and the reasons people
//! give for overrides and rework. Pure and deterministic.

use domain::tips::ProblemCategory;
use rand::Rng;

fn pick<'a, R: Rng + ?Sized>(rng: &mut R, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

const CASE_KINDS: &[&str] = &[
    "合同纠纷",
    "交通肇事",
    "故意伤害",
    "民间借贷纠纷",
    "盗窃",
    "劳动争议",
    "离婚纠纷",
    "诈骗",
];
const INDUSTRIES: &[&str] = &[
    "建材经营部",
    "汽车修理厂",
    "餐饮店",
    "物流公司",
    "文化传媒公司",
    "二手车交易行",
    "茶叶店",
];
const RELATIVES: &[&str] = &["配偶", "弟弟", "妻弟", "岳父", "儿子", "姐姐"];
const LENDERS: &[&str] = &[
    "辖区一名个体经营者",
    "一名房地产中介",
    "一名老乡",
    "一名律师的亲属",
];

/// A self-report section: what the officer wrote, and the one fact in it a finding may match.
pub struct Reported {
    pub text: String,
    pub fact: String,
}

/// What an officer writes under `category`, as a real self-report would read. `year` is this year.
pub fn self_report<R: Rng + ?Sized>(category: ProblemCategory, year: i32, rng: &mut R) -> Reported {
    let y = year - rng.random_range(1..=4);
    let m = rng.random_range(1..=12);
    let wan = rng.random_range(2..=30);
    let yuan = rng.random_range(2..=20) * 100;
    let case = pick(rng, CASE_KINDS);
    let rel = pick(rng, RELATIVES);
    let (text, fact) = match category {
        ProblemCategory::Interference => match rng.random_range(0..3) {
            0 => (
                format!(
                    "本人于{y}年{m}月接到同学电话，询问其亲属涉及的一起{case}案件的办理进展，本人向承办人打听后告知了案件所处阶段，当时未按规定登记。"
                ),
                format!("{y}年{m}月为同学亲属打听{case}案件进展未登记"),
            ),
            1 => (
                format!(
                    "{y}年{m}月，本人在办理一起{case}案件期间，与一方当事人的代理律师在非工作场所吃过一次便饭，费用约{yuan}元由对方支付。"
                ),
                format!("{y}年{m}月与{case}案件代理律师在非工作场所吃饭"),
            ),
            _ => (
                format!(
                    "本人曾受原单位一名退休领导之托，于{y}年{m}月向承办人转交过当事人的书面材料，未进行过问登记。"
                ),
                format!("{y}年{m}月向承办人转交当事人材料未登记"),
            ),
        },
        ProblemCategory::IllegalBusiness => {
            let ind = pick(rng, INDUSTRIES);
            match rng.random_range(0..3) {
                0 => (
                    format!(
                        "本人{rel}自{y}年起在本辖区经营一家{ind}，与本人执法办案工作无直接关联，此前未向组织报告。"
                    ),
                    format!("{rel}在辖区经营{ind}未报告"),
                ),
                1 => (
                    format!(
                        "本人于{y}年以{rel}名义入股一家{ind}，出资{wan}万元，已于今年{m}月全部退出。"
                    ),
                    format!("以{rel}名义入股{ind}出资{wan}万元"),
                ),
                _ => (
                    format!(
                        "本人{rel}经营的{ind}曾承接过本单位的零星业务，本人未主动回避，金额约{wan}万元。"
                    ),
                    format!("{rel}经营的{ind}承接本单位业务约{wan}万元"),
                ),
            }
        }
        ProblemCategory::IllegalInvestmentLending => {
            let who = pick(rng, LENDERS);
            match rng.random_range(0..3) {
                0 => (
                    format!(
                        "本人于{y}年向{who}借款{wan}万元用于购房，已于今年{m}月还清，期间按约定支付了利息。"
                    ),
                    format!("{y}年向{who}借款{wan}万元"),
                ),
                1 => (
                    format!(
                        "本人于{y}年{m}月将{wan}万元借给朋友用于其公司资金周转，约定年息一分，目前已收回本金。"
                    ),
                    format!("{y}年出借{wan}万元收取利息"),
                ),
                _ => (
                    format!("本人于{y}年经同学介绍参与民间借贷，出借资金{wan}万元，至今尚未收回。"),
                    format!("{y}年参与民间借贷出借{wan}万元"),
                ),
            }
        }
        ProblemCategory::IllegalCommutation => match rng.random_range(0..2) {
            0 => (
                format!(
                    "本人在{y}年办理一起罪犯减刑案件时，对罪犯的立功材料审核把关不严，未能发现材料中存在的疑点。"
                ),
                format!("{y}年对罪犯立功材料审核把关不严"),
            ),
            _ => (
                format!("本人在{y}年{m}月曾为一名罪犯家属代为转交生活物品，违反了监管规定。"),
                format!("{y}年{m}月违规为罪犯家属转交物品"),
            ),
        },
        ProblemCategory::CaseSuppression => match rng.random_range(0..2) {
            0 => (
                format!(
                    "本人{y}年经办的一起{case}报案，因取证困难超过期限未作出立案决定，也未及时告知报案人。"
                ),
                format!("{y}年{case}报案超期未作出立案决定"),
            ),
            _ => (
                format!(
                    "本人承办的一起{case}案件，因工作量大长期搁置，超过办案期限{m}个月未办结。"
                ),
                format!("{case}案件超期{m}个月未办结"),
            ),
        },
        ProblemCategory::RevolvingDoor => match rng.random_range(0..2) {
            0 => (
                format!(
                    "本人{rel}在本市一家律师事务所执业，{y}年曾在本人所在单位代理过案件，本人未主动报告并申请回避。"
                ),
                format!("{rel}在辖区律所执业代理本单位案件未报告"),
            ),
            _ => (
                format!("本人{rel}自{y}年起在本辖区律师事务所担任律师助理，此前未向组织报告。"),
                format!("{rel}在辖区律所任律师助理未报告"),
            ),
        },
        ProblemCategory::TwoFaced => (
            format!(
                "本人在{y}年的个人有关事项报告中漏报了一处房产，对组织不够忠诚老实，现主动说明。"
            ),
            format!("{y}年个人有关事项报告漏报房产一处"),
        ),
        ProblemCategory::ProtectionUmbrella => (
            format!(
                "本人{y}年曾接受辖区一名娱乐场所经营者的宴请，该经营者后因涉恶被查处，本人与其有过多次接触。"
            ),
            format!("{y}年接受涉恶人员宴请"),
        ),
        ProblemCategory::JudicialCorruption => match rng.random_range(0..2) {
            0 => (
                format!(
                    "本人在{y}年春节期间收受案件当事人所送购物卡一张，面值{yuan}元，已于今年{m}月上交纪检部门。"
                ),
                format!("{y}年收受当事人购物卡{yuan}元"),
            ),
            _ => (
                format!("本人{y}年曾收下一名律师赠送的茶叶两盒，价值约{yuan}元，当时未退还。"),
                format!("{y}年收受律师所送茶叶价值约{yuan}元"),
            ),
        },
        ProblemCategory::Conduct => match rng.random_range(0..4) {
            0 => (
                format!("本人于{y}年{m}月在工作时间外出办理个人私事约两小时，未履行请假手续。"),
                format!("{y}年{m}月工作时间外出办私事"),
            ),
            1 => (
                format!("本人{y}年春节期间与亲友打麻将，有小额输赢，违反了有关纪律规定。"),
                format!("{y}年春节期间参与有输赢的麻将"),
            ),
            2 => (
                format!("本人在{y}年接待来访群众时态度生硬，被群众投诉一次，经批评教育后已改正。"),
                format!("{y}年接待群众态度生硬被投诉"),
            ),
            _ => (
                format!(
                    "本人于{y}年{m}月因私事驾驶公务用车一次，往返约{}公里。",
                    10 * rng.random_range(2..=8)
                ),
                format!("{y}年{m}月公车私用一次"),
            ),
        },
        ProblemCategory::Other => (
            format!("本人于{y}年在个人社交账号转发过一条未经核实的涉警信息，已删除并作出检讨。"),
            format!("{y}年在社交账号转发未经核实的涉警信息"),
        ),
    };
    Reported { text, fact }
}

/// A fact of `category` that the officer's report did not state (a finding's uncovered item).
pub fn other_fact<R: Rng + ?Sized>(category: ProblemCategory, year: i32, rng: &mut R) -> String {
    let y = year - rng.random_range(1..=3);
    let yuan = rng.random_range(3..=30) * 100;
    let n = rng.random_range(2..=5);
    match category {
        ProblemCategory::Interference => format!("{y}年另有{n}次过问案件未登记"),
        ProblemCategory::IllegalBusiness => format!("利用职务影响为亲属企业介绍业务{n}次"),
        ProblemCategory::IllegalInvestmentLending => format!("{y}年另向他人出借资金收取高额利息"),
        ProblemCategory::IllegalCommutation => format!("{y}年减刑材料中考核分数记录失实{n}处"),
        ProblemCategory::CaseSuppression => format!("{y}年另有{n}起报案未录入系统"),
        ProblemCategory::RevolvingDoor => "与离任同事承办的案件存在不当接触".to_string(),
        ProblemCategory::TwoFaced => "对组织函询作不实说明".to_string(),
        ProblemCategory::ProtectionUmbrella => "向涉恶人员透露检查信息".to_string(),
        ProblemCategory::JudicialCorruption => format!("{y}年收受当事人礼金{yuan}元"),
        ProblemCategory::Conduct => format!("{y}年另有{n}次工作日午间饮酒"),
        ProblemCategory::Other => format!("{y}年违规使用办公电脑存储个人资料"),
    }
}

/// Categories an officer reports a problem in, weighted by how often each shows up in practice.
pub const REPORTED_WEIGHTS: &[(ProblemCategory, u32)] = &[
    (ProblemCategory::Conduct, 30),
    (ProblemCategory::IllegalInvestmentLending, 16),
    (ProblemCategory::IllegalBusiness, 14),
    (ProblemCategory::Interference, 14),
    (ProblemCategory::JudicialCorruption, 8),
    (ProblemCategory::CaseSuppression, 6),
    (ProblemCategory::RevolvingDoor, 4),
    (ProblemCategory::IllegalCommutation, 3),
    (ProblemCategory::Other, 3),
    (ProblemCategory::TwoFaced, 1),
    (ProblemCategory::ProtectionUmbrella, 1),
];

pub fn weighted_category<R: Rng + ?Sized>(rng: &mut R) -> ProblemCategory {
    let total: u32 = REPORTED_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut at = rng.random_range(0..total);
    for (c, w) in REPORTED_WEIGHTS {
        if at < *w {
            return *c;
        }
        at -= w;
    }
    ProblemCategory::Other
}

/// The opening of an amended version that adds what the first one left out.
pub const AMEND_PREFIX: &str = "经再次认真自查，补充报告如下：";

// ---------- ledger rows ----------

const INSPECTION_PROBLEMS: &[(ProblemCategory, &str)] = &[
    (
        ProblemCategory::Interference,
        "过问案件登记不及时、不完整，抽查发现{n}起过问未登记",
    ),
    (
        ProblemCategory::Conduct,
        "窗口接待存在“冷横硬推”现象，群众满意度测评反映问题{n}条",
    ),
    (
        ProblemCategory::Conduct,
        "执法记录仪使用不规范，{n}起警情处置未全程记录",
    ),
    (
        ProblemCategory::CaseSuppression,
        "受案登记不规范，{n}起报案未及时录入执法办案系统",
    ),
    (
        ProblemCategory::JudicialCorruption,
        "涉案财物管理台账登记不规范，{n}件涉案财物去向记录不清",
    ),
    (
        ProblemCategory::Other,
        "信访件办理不及时，{n}件超过办理期限",
    ),
    (
        ProblemCategory::Conduct,
        "干警考勤制度执行不严，{n}人次迟到早退未记录",
    ),
    (
        ProblemCategory::IllegalCommutation,
        "减刑假释案件公示不规范，{n}件未按规定公示",
    ),
];

const CASE_REVIEW_DEFECTS: &[&str] = &[
    "证据审查不严",
    "法律文书说理不充分",
    "超期羁押",
    "量刑建议不规范",
    "送达程序不规范",
    "超审限未结",
];

const SPECIAL_PROBLEMS: &[(ProblemCategory, &str)] = &[
    (
        ProblemCategory::Interference,
        "“三个规定”落实不到位，专项排查发现{n}起过问案件未登记报告",
    ),
    (
        ProblemCategory::IllegalBusiness,
        "专项排查发现{n}名干警亲属经商办企业情况未按规定报告",
    ),
    (
        ProblemCategory::IllegalInvestmentLending,
        "清理干警参股借贷问题，发现{n}人存在民间借贷行为",
    ),
    (
        ProblemCategory::IllegalCommutation,
        "倒查近三年减刑假释暂予监外执行案件，发现{n}件存在材料瑕疵",
    ),
    (
        ProblemCategory::CaseSuppression,
        "专项清理有案不立问题，发现{n}起报案超期未作出立案决定",
    ),
    (
        ProblemCategory::RevolvingDoor,
        "排查离任人员从业情况，发现{n}人在辖区律所执业需进一步核查",
    ),
];

const MEASURES: &[&str] = &[
    "一是对相关干警逐一谈话提醒；二是完善登记报告制度，明确专人负责；三是每月检查通报落实情况。",
    "一是组织专题培训，讲清纪律要求；二是建立问题清单和整改清单，逐项销号；三是纳入年度考核。",
    "一是全面复查相关案件和台账；二是对责任人依规依纪处理；三是修订工作规程，堵塞管理漏洞。",
    "一是责令当事干警作出书面检查并退出相关利益；二是开展同类问题排查；三是建立长效监督机制。",
    "一是由分管领导牵头制定整改方案；二是按周报送整改进展；三是整改完成后组织自查验收。",
];

const PROGRESS_NOTES: &[&str] = &[
    "已完成对相关干警的谈话提醒，制度修订稿已起草，正在征求意见。",
    "已组织专题培训一次，相关台账正在逐项核对。",
    "已完成全部案件的复查，正在整理佐证材料。",
    "整改方案已经党组（党委）会议审定，正按计划推进。",
];

const SUBMIT_NOTES: &[&str] = &[
    "整改措施已全部落实，相关制度已印发，佐证材料已上传，申请验收。",
    "问题已整改到位，当事干警已作出书面检查，申请验收销号。",
    "已按整改方案完成全部整改任务，申请验收。",
];

const REJECT_NOTES: &[&str] = &[
    "佐证材料不完整，缺少制度印发文件，请补充后重新报请验收。",
    "整改措施落实不到位，抽查发现同类问题仍然存在，请继续整改。",
    "整改情况说明过于笼统，请逐项说明整改结果后重新报请验收。",
];

const ACCEPT_NOTES: &[&str] = &[
    "经核查，整改措施落实到位，同意销号。",
    "材料齐全，整改到位，予以销号。",
    "",
];

pub fn inspection_problem<R: Rng + ?Sized>(rng: &mut R) -> (ProblemCategory, String) {
    let (c, t) = INSPECTION_PROBLEMS[rng.random_range(0..INSPECTION_PROBLEMS.len())];
    (
        c,
        format!(
            "督导检查发现：{}",
            t.replace("{n}", &rng.random_range(2..=9).to_string())
        ),
    )
}

pub fn case_review_problem<R: Rng + ?Sized>(rng: &mut R) -> String {
    format!(
        "案件评查发现{}件案件存在{}问题，评定为瑕疵案件",
        rng.random_range(2..=6),
        pick(rng, CASE_REVIEW_DEFECTS)
    )
}

/// A special-rectification problem of one of the six stubborn problems.
pub fn special_problem<R: Rng + ?Sized>(rng: &mut R, category: ProblemCategory) -> String {
    let t = SPECIAL_PROBLEMS
        .iter()
        .find(|(c, _)| *c == category)
        .map(|(_, t)| *t)
        .unwrap_or(SPECIAL_PROBLEMS[0].1);
    t.replace("{n}", &rng.random_range(1..=8).to_string())
}

pub fn measures<R: Rng + ?Sized>(rng: &mut R) -> &'static str {
    pick(rng, MEASURES)
}

pub fn progress_note<R: Rng + ?Sized>(rng: &mut R) -> &'static str {
    pick(rng, PROGRESS_NOTES)
}

pub fn submit_note<R: Rng + ?Sized>(rng: &mut R) -> &'static str {
    pick(rng, SUBMIT_NOTES)
}

pub fn reject_note<R: Rng + ?Sized>(rng: &mut R) -> &'static str {
    pick(rng, REJECT_NOTES)
}

pub fn accept_note<R: Rng + ?Sized>(rng: &mut R) -> &'static str {
    pick(rng, ACCEPT_NOTES)
}

/// A plain-text evidence file (佐证材料) for a ledger row: its display name and contents.
pub fn evidence_file(number: &str, unit: &str, problem: &str, note: &str) -> (String, String) {
    (
        "整改情况说明.txt".to_string(),
        format!(
            "整改情况说明\n\n事项编号：{number}\n责任单位：{unit}\n问题：{problem}\n\n整改完成情况：{note}\n\n{unit}\n"
        ),
    )
}

const DEPUTY_TITLES: &[&str] = &[
    "副院长",
    "副检察长",
    "副局长",
    "政治部主任",
    "纪检组长",
    "副所长",
];

/// The responsible leader of a row: a name and a deputy's title.
pub fn leader(name: &str, rng: &mut (impl Rng + ?Sized)) -> String {
    format!("{name}（{}）", pick(rng, DEPUTY_TITLES))
}

// ---------- rules ----------

pub const RULES: &[(ProblemCategory, &str, &str)] = &[
    (
        ProblemCategory::Interference,
        "关于严格落实防止干预司法“三个规定”的实施办法",
        "明确过问案件登记的范围、方式和时限，实行每月零报告、每季度通报，对应登记未登记的依规依纪追究责任。",
    ),
    (
        ProblemCategory::IllegalBusiness,
        "干警及其配偶子女从业行为报告登记管理规定",
        "干警应当如实报告配偶、子女及其配偶经商办企业和从业情况，政治部门每年核查一次，发现违规的限期退出或调整岗位。",
    ),
    (
        ProblemCategory::IllegalInvestmentLending,
        "干警参与民间借贷行为负面清单",
        "列明干警不得向案件当事人、律师及管理服务对象借款或放贷等八类禁止性行为，并规定报告和处理程序。",
    ),
    (
        ProblemCategory::IllegalCommutation,
        "减刑假释暂予监外执行案件办理全程留痕工作规程",
        "对罪犯计分考核、立功认定、病情诊断等关键环节实行全程留痕和双人复核，案件一律公示并接受检察监督。",
    ),
    (
        ProblemCategory::CaseSuppression,
        "受案立案监督及超期未立案预警办法",
        "执法办案系统对受案后超过期限未作出立案决定的自动预警，法制部门每周通报，逾期不整改的启动问责。",
    ),
    (
        ProblemCategory::RevolvingDoor,
        "离任人员从业限制和任职回避管理办法",
        "建立离任人员从业情况登记台账，明确离任后从业限制期限，干警近亲属在辖区从事律师职业的实行任职回避。",
    ),
    (
        ProblemCategory::JudicialCorruption,
        "涉案财物集中管理规定",
        "涉案财物一律进入集中管理场所，实行扫码登记、全程监控和定期盘点，严禁个人保管。",
    ),
    (
        ProblemCategory::Conduct,
        "窗口单位服务群众“首问负责”制度",
        "群众来访、来电由首位接待人员负责接待和跟踪办理，不得推诿，办理情况纳入满意度测评。",
    ),
];

pub const RULE_REVISIONS: &[&str] = &[
    "根据督导组意见，补充了每月零报告的具体格式和报送时限。",
    "根据执行中发现的问题，增加了双人复核和责任追究条款。",
];

pub const RULE_ABOLISH: &str = "内容已并入新印发的综合管理办法，本制度同时废止。";

// ---------- tasks ----------

/// Tasks the office sends to every unit: (phase, title, body).
pub const OFFICE_TASKS: &[(usize, &str, &str)] = &[
    (
        0,
        "制定本单位教育整顿实施方案",
        "各单位结合实际制定教育整顿实施方案，明确时间表、路线图和责任人，经党委（党组）会议审定后报整顿办备案。",
    ),
    (
        0,
        "报送学习教育环节工作总结",
        "总结学习教育环节开展情况，包括集中学习、专题党课、警示教育、英模教育的场次和参学人数，附学习台账。",
    ),
    (
        1,
        "报送问题线索核查处置进展",
        "对本单位承办的问题线索逐件报送核查处置进展，超过办理时限的说明原因和下一步措施。",
    ),
    (
        1,
        "报送顽瘴痼疾专项整治工作台账",
        "对照六大顽瘴痼疾逐项排查，建立问题清单、整改清单和责任清单，报送专项整治进展。",
    ),
    (
        1,
        "组织干警填报自查事项报告并汇总上报",
        "组织本单位全体干警在自查期限内如实填报自查事项报告，汇总填报情况（含零报告人数），经单位负责人签字后上报。",
    ),
];

/// Tasks a unit sends to the units below it: (title, body).
pub const UNIT_TASKS: &[(&str, &str)] = &[
    (
        "报送本单位过问案件登记情况",
        "汇总本单位近三年过问案件登记情况，逐条核对执法办案系统记录，形成专题报告报送。",
    ),
    (
        "开展执法卷宗专项评查",
        "按照评查标准对本单位近两年办结案件随机抽取不少于二十件进行评查，报送评查结果和问题清单。",
    ),
    (
        "组织观看警示教育片并报送学习情况",
        "组织全体干警观看警示教育片，每人撰写观后感，报送参学人数和学习情况小结。",
    ),
    (
        "报送涉案财物清理情况",
        "对本单位保管的涉案财物逐件清点，对账实不符的说明原因，报送清理台账。",
    ),
    (
        "排查干警亲属经商办企业情况",
        "对照市场主体登记信息，排查干警配偶、子女及其配偶经商办企业情况，报送排查结果。",
    ),
    (
        "报送信访积案化解进展",
        "对本单位涉法涉诉信访积案逐件明确包案领导，报送化解进展和下一步措施。",
    ),
    (
        "开展减刑假释案件倒查",
        "对近三年办理的减刑、假释、暂予监外执行案件开展倒查，报送倒查发现的问题和整改措施。",
    ),
    (
        "落实过问案件月报告制度",
        "每月5日前报送上月过问案件登记情况，没有的报送零报告。",
    ),
];

pub const TASK_PROGRESS: &[&str] = &[
    "已召开党委（党组）会议专题研究部署，正在组织实施。",
    "已完成约七成工作量，预计可按期完成。",
    "已完成排查，正在汇总整理材料。",
];

pub const TASK_SUBMIT: &[&str] = &[
    "已按要求完成，相关材料已报送，请审核。",
    "任务已完成，经单位负责人审核签字后报送。",
];

pub const TASK_RETURN: &[&str] = &[
    "报送材料不完整，缺少单位负责人签字，请补充后重新报送。",
    "台账数据与实际情况不符，请核实后重新报送。",
];

pub const TASK_CHASE: &[&str] = &["请抓紧办理，按时报送。", "已超过完成时限，请于三日内报送。"];

pub fn one_of<R: Rng + ?Sized>(rng: &mut R, items: &[&'static str]) -> &'static str {
    pick(rng, items)
}

// ---------- phases ----------

pub const OVERRIDE_REASONS: &[&str] = &[
    "本单位尚未报送自查事项报告的干警均为长期病休人员，已提供病休证明，经整顿办研究同意进入下一阶段。",
    "剩余未完成事项已列入整改清单并明确时限，经整顿办研究同意先行进入下一阶段。",
];

pub const REWORK_REASONS: &[&str] = &[
    "督导组验收发现学习台账不完整，部分干警学习记录存在代签到情况，责令重新开展学习教育。",
    "督导组抽查发现实施方案照搬照抄、学习走过场，责令返工。",
];

// ---------- responsibility ----------

/// The four holders of a unit (主体责任, 第一责任人, 直接责任, 监督责任) as (name, position), from the
/// unit's name and kind; `person` is the secretary's name.
pub fn holders(
    unit: &str,
    parent: Option<&str>,
    kind: &str,
    top_level: bool,
    person: &str,
) -> [(String, String); 4] {
    let grassroots = !top_level
        && (unit.ends_with("派出所")
            || unit.ends_with("人民法庭")
            || unit.ends_with("司法所")
            || unit.ends_with("监区"));
    if grassroots {
        let parent = parent.unwrap_or(unit);
        let head = match kind {
            "police" => "所长",
            "court" => "庭长",
            "justice" => "所长",
            _ => "监区长",
        };
        return [
            (format!("中共{unit}支部委员会"), String::new()),
            (person.to_string(), format!("党支部书记、{head}")),
            (format!("{parent}政治部门"), String::new()),
            (format!("驻{parent}纪检监察组"), String::new()),
        ];
    }
    let (body, secretary, direct) = match kind {
        "court" => ("党组", "党组书记、院长", "政治部"),
        "procuratorate" => ("党组", "党组书记、检察长", "政治部"),
        "police" => ("委员会", "党委书记、局长", "政治处"),
        "justice" => ("党组", "党组书记、局长", "政治处"),
        "prison" => ("委员会", "党委书记、监狱长", "政治处"),
        _ => ("委员会", "党委常委、政法委书记", "队伍建设室"),
    };
    [
        (format!("中共{unit}{body}"), String::new()),
        (person.to_string(), secretary.to_string()),
        (format!("{unit}{direct}"), String::new()),
        (format!("驻{unit}纪检监察组"), String::new()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_category_reads_and_fits_the_forms() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for c in ProblemCategory::all() {
            for _ in 0..20 {
                let r = self_report(*c, 2026, &mut rng);
                let n = r.text.chars().count();
                assert!((5..=2000).contains(&n), "{c:?}: {}", r.text);
                assert!((2..=200).contains(&r.fact.chars().count()), "{}", r.fact);
                let o = other_fact(*c, 2026, &mut rng);
                assert!((2..=200).contains(&o.chars().count()), "{o}");
            }
        }
        for c in ProblemCategory::all().iter().filter(|c| c.is_stubborn()) {
            assert!(!special_problem(&mut rng, *c).contains("{n}"));
        }
    }

    #[test]
    fn holders_fit_the_matrix_form() {
        for (unit, parent, kind, top) in [
            ("江州市中级人民法院", None, "court", true),
            (
                "江州市公安局城关分局城北派出所",
                Some("江州市公安局城关分局"),
                "police",
                false,
            ),
            ("江州市委政法委", None, "committee", true),
        ] {
            for (name, position) in holders(unit, parent, kind, top, "王建国") {
                assert!(
                    domain::campaign::check_holder(&name, &position).is_ok(),
                    "{name}"
                );
            }
        }
    }
}
