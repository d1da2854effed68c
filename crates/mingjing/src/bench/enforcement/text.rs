//! Guiding cases for the search benchmark, written like the published ones: an anonymised title, keywords,
//! 裁判要点, 指导意义 and a full text in the usual sections. The facts of each case are the generator's
//! complaint and verification texts (`store::synth::text`), so the words people search for occur in the
//! proportions the rest of the data set has. Every case passes `validate_guiding`, as the form would.

use chrono::{Days, NaiveDate};
use domain::enforcement::guiding::{GuidingInput, ValidGuiding, validate_guiding};
use rand::Rng;
use store::synth::text;

/// (charge or matter, case kind identifier, the complaint category whose facts tell the story).
const MATTERS: &[(&str, &str, &str)] = &[
    ("受贿", "criminal", "judicial_corruption"),
    ("行贿", "criminal", "judicial_corruption"),
    ("滥用职权", "criminal", "interference"),
    ("玩忽职守", "criminal", "case_suppression"),
    ("徇私枉法", "criminal", "case_suppression"),
    ("民事、行政枉法裁判", "criminal", "judicial_corruption"),
    ("非法吸收公众存款", "criminal", "illegal_investment_lending"),
    ("集资诈骗", "criminal", "illegal_investment_lending"),
    (
        "组织、领导、参加黑社会性质组织",
        "criminal",
        "protection_umbrella",
    ),
    (
        "包庇、纵容黑社会性质组织",
        "criminal",
        "protection_umbrella",
    ),
    ("寻衅滋事", "criminal", "protection_umbrella"),
    ("开设赌场", "criminal", "protection_umbrella"),
    ("敲诈勒索", "criminal", "other"),
    ("危险驾驶", "criminal", "conduct"),
    ("盗窃", "criminal", "other"),
    ("诈骗", "criminal", "other"),
    ("帮助信息网络犯罪活动", "criminal", "other"),
    ("故意伤害", "criminal", "other"),
    ("非法拘禁", "criminal", "interference"),
    (
        "徇私舞弊减刑、假释、暂予监外执行",
        "criminal",
        "illegal_commutation",
    ),
    ("治安管理处罚", "administrative", "conduct"),
    ("行政强制措施", "administrative", "interference"),
    ("民间借贷纠纷", "civil", "illegal_investment_lending"),
    ("虚假诉讼", "civil", "judicial_corruption"),
    ("执行异议之诉", "civil", "case_suppression"),
    ("政府信息公开", "admin_litigation", "other"),
    ("行政不作为", "admin_litigation", "case_suppression"),
];

/// (keyword, a point of the judgment; `{C}` is the charge or matter).
const POINTS: &[(&str, &str)] = &[
    (
        "自首",
        "犯罪嫌疑人在纪检监察机关谈话前主动投案，如实供述{C}的主要事实，应当认定为自首，可以从轻或者减轻处罚。",
    ),
    (
        "非法证据排除",
        "采用刑讯逼供等非法方法收集的供述应当予以排除，不得作为认定{C}事实的根据。",
    ),
    (
        "立案监督",
        "公安机关对符合立案条件的{C}线索应当立案而不立案的，检察机关应当要求其说明不立案理由，理由不成立的，应当通知立案。",
    ),
    (
        "量刑建议",
        "对认罪认罚的{C}案件提出量刑建议，应当综合考虑犯罪事实、情节和退赃退赔情况，做到罚当其罪。",
    ),
    (
        "证据不足",
        "{C}案件中关键证据存在矛盾且无法排除合理怀疑的，应当依法作出证据不足不起诉决定。",
    ),
    (
        "减刑假释",
        "对罪犯提请减刑、假释，应当严格审查其确有悔改表现的证据，不得仅以考核分数作为依据。",
    ),
    (
        "暂予监外执行",
        "罪犯以患有严重疾病为由申请暂予监外执行的，应当由省级人民政府指定的医院诊断，并核实病情证明的真实性。",
    ),
    (
        "司法责任",
        "办案人员在办理{C}案件中故意违反法律规定，造成案件错误并产生严重后果的，应当依法追究司法责任。",
    ),
    (
        "保护伞",
        "国家机关工作人员为{C}违法犯罪活动通风报信、帮助逃避查处的，应当依法从严惩处。",
    ),
    (
        "律师代理",
        "离任法官、检察官在离任后规定期限内担任诉讼代理人、辩护人的，人民法院、人民检察院应当不予准许。",
    ),
    (
        "以罚代刑",
        "行政执法机关对涉嫌{C}的案件应当依法移送司法机关，不得以行政处罚代替刑事处罚。",
    ),
    (
        "超期羁押",
        "办理{C}案件应当严格遵守羁押期限，期限届满不能作出决定的，应当依法变更强制措施。",
    ),
    (
        "程序违法",
        "审理{C}案件违反法定程序、可能影响公正审判的，第二审人民法院应当撤销原判，发回重审。",
    ),
    (
        "插手经济纠纷",
        "以刑事立案为名插手{C}等经济纠纷、违规查封扣押财物的，应当依法纠正并追究相关人员责任。",
    ),
    (
        "退赃退赔",
        "{C}案件中被告人积极退赃退赔、取得被害人谅解的，可以酌情从轻处罚。",
    ),
];

const ISSUERS: &[&str] = &[
    "最高人民法院",
    "最高人民检察院",
    "公安部",
    "司法部",
    "江南省高级人民法院",
    "江南省人民检察院",
    "江南省公安厅",
    "江南省政法委员会",
];

const SIGNIFICANCE: &[&str] = &[
    "本案明确了办理{C}案件中证据审查和事实认定的标准，对同类案件的办理具有指导作用。",
    "本案体现了“谁办案谁负责、谁决定谁负责”的要求，对落实司法责任制、开展跟进倒查具有示范意义。",
    "本案对政法干警依法履职、防止干预司法和插手案件具有警示教育意义。",
    "本案统一了{C}案件的法律适用尺度，有助于解决同案不同判的问题。",
];

const RESULTS: &[&str] = &[
    "一审法院以{C}罪判处被告人有期徒刑{N}年，并处罚金；被告人未上诉，判决已发生法律效力。",
    "二审法院经审理认为原判认定事实清楚，适用法律正确，裁定驳回上诉，维持原判。",
    "检察机关经审查认为，本案事实不清、证据不足，依法作出不起诉决定。",
    "法院经审理认为原判程序违法，裁定撤销原判，发回重审。重审后以{C}罪判处有期徒刑{N}年。",
    "法院判决撤销被诉行政行为，责令被告在法定期限内重新作出处理。",
    "法院驳回原告的诉讼请求，并对虚假陈述的当事人依法予以罚款。",
];

const REASONS: &[&str] = &[
    "办案人员应当全面、客观地收集和审查证据，既要收集证明有罪、罪重的证据，也要收集证明无罪、罪轻的证据。",
    "对于领导干部过问、插手案件的情况，办案人员应当全面、如实记录，做到有据可查。",
    "案件在立案、侦查、审查起诉和审理各环节均应当严格遵守法定时限，不得压案不查、久拖不决。",
    "认定上述事实的证据有书证、证人证言、被告人供述和辩解、电子数据等，证据之间能够相互印证。",
    "对于案件当事人及其近亲属的请托，办案人员应当拒绝并按规定报告。",
];

fn pick<'a>(rng: &mut impl Rng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

/// 王某某: published cases never name the person.
fn anonymised(rng: &mut impl Rng) -> String {
    let name = text::person_name(rng);
    let surname: String = name.chars().take(1).collect();
    if rng.random_bool(0.7) {
        format!("{surname}某某")
    } else {
        format!("{surname}某")
    }
}

/// The `n`-th guiding case of the bench, about a person of one of `units`, issued before `today`.
pub fn guiding_case(
    n: usize,
    units: &[String],
    today: NaiveDate,
    rng: &mut impl Rng,
) -> Result<ValidGuiding, String> {
    let (matter, kind, category) = MATTERS[rng.random_range(0..MATTERS.len())];
    let who = anonymised(rng);
    let unit = units
        .get(rng.random_range(0..units.len().max(1)))
        .cloned()
        .unwrap_or_else(|| "某区公安分局".into());
    let title = match kind {
        "criminal" => format!("{who}{matter}案"),
        "administrative" => format!("{who}不服{unit}{matter}案"),
        "civil" => format!("{who}与{}{matter}案", anonymised(rng)),
        _ => format!("{who}诉{unit}{matter}案"),
    };
    let wanted = rng.random_range(2..=3);
    let mut points: Vec<(&str, &str)> = Vec::new();
    while points.len() < wanted {
        let p = POINTS[rng.random_range(0..POINTS.len())];
        if !points.contains(&p) {
            points.push(p);
        }
    }
    let fill = |t: &str, rng: &mut dyn rand::RngCore| {
        t.replace("{C}", matter)
            .replace("{N}", &rng.random_range(1..=12).to_string())
    };
    let gist: String = points.iter().map(|p| fill(p.1, rng)).collect();
    let keywords = std::iter::once(matter)
        .chain(points.iter().map(|p| p.0))
        .collect::<Vec<_>>()
        .join("、");
    let significance = fill(pick(rng, SIGNIFICANCE), rng);

    let mut full = String::with_capacity(4096);
    full.push_str("【基本案情】\n本案线索来源于群众举报。举报人反映：");
    full.push_str(&text::tip_text(category, &who, &unit, rng));
    full.push('\n');
    if rng.random_bool(0.5) {
        full.push_str("另有知情人反映：");
        full.push_str(&text::tip_text(category, &who, &unit, rng));
        full.push('\n');
    }
    full.push_str("【办理经过】\n");
    let conclusion = pick(rng, &["true", "true", "partly_true", "false"]);
    full.push_str(&text::verification_note(conclusion, rng));
    full.push_str("\n【裁判结果】\n");
    full.push_str(&fill(pick(rng, RESULTS), rng));
    full.push_str("\n【裁判理由】\n");
    full.push_str(&gist);
    for _ in 0..rng.random_range(1..=2) {
        full.push_str(pick(rng, REASONS));
    }
    full.push_str(&format!(
        "\n【相关法律规定】\n《中华人民共和国刑法》《中华人民共和国刑事诉讼法》及{}的有关规定。",
        pick(rng, ISSUERS)
    ));

    let issued = today - Days::new(rng.random_range(0..8 * 365));
    let input = GuidingInput {
        number: format!("指导案例基准{n:06}"),
        title,
        issuer: pick(rng, ISSUERS).to_string(),
        kind: kind.to_string(),
        keywords,
        gist,
        significance,
        full_text: full,
        issued_on: issued.format("%Y-%m-%d").to_string(),
    };
    validate_guiding(&input, today).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// What the search phase asks, in turn: charges, points of law and phrases people type, some of
/// several words.
pub const QUERIES: &[&str] = &[
    "受贿",
    "枉法裁判",
    "非法吸收公众存款",
    "危险驾驶",
    "减刑 假释",
    "暂予监外执行",
    "立案监督",
    "非法证据排除",
    "黑社会性质组织 保护伞",
    "虚假诉讼",
    "以罚代刑",
    "离任 律师",
    "自首 从轻处罚",
    "插手经济纠纷",
    "证据不足 不起诉",
    "超期羁押",
    "退赃退赔 谅解",
    "谁办案谁负责",
    "刑讯逼供",
    "帮助信息网络犯罪活动",
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Every case passes the form's checks, numbers differ, and the searched words occur in the texts.
    #[test]
    fn cases_are_valid_and_hold_what_is_searched() {
        let mut rng = StdRng::seed_from_u64(7);
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let units = vec!["江州市公安局".to_string(), "江州市中级人民法院".to_string()];
        let mut all = String::new();
        let mut numbers = std::collections::HashSet::new();
        let mut chars = 0usize;
        for n in 0..600 {
            let g = guiding_case(n, &units, today, &mut rng).unwrap();
            assert!(numbers.insert(g.number.clone()));
            assert!(g.issued_on.unwrap() <= today);
            assert!(!g.keywords.is_empty() && g.keywords.len() <= 10);
            assert!(!g.title.contains("{") && !g.full_text.contains("{C}"));
            chars += g.full_text.chars().count();
            // What the index reads of a guiding case.
            all.push_str(&g.title);
            all.push_str(&g.keywords.join("、"));
            all.push_str(&g.gist);
            all.push_str(g.significance.as_deref().unwrap_or(""));
            all.push_str(&g.full_text);
        }
        // Long enough to be like a published case's summary, short enough to index 100,000 in minutes.
        let mean = chars / 600;
        assert!((400..=2500).contains(&mean), "{mean}");
        let missing: Vec<&str> = QUERIES
            .iter()
            .flat_map(|q| q.split(' '))
            .filter(|w| !all.contains(w))
            .collect();
        assert!(missing.is_empty(), "never written: {missing:?}");
    }
}
