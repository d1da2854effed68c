//! Case review (案件评查): how a plan draws its sample (random with a seed, or by rule), the rubric and
//! the grade that follows from it, and who answers for a case graded 不合格 (跟进倒查, 一案双查: the
//! person who decided each stage and the responsible leader).

use chrono::NaiveDate;

use crate::enforcement::cases::{CaseKind, CaseStage};
use crate::error::DomainError;
use crate::org::{clean_optional, clean_text};
use crate::tips::ProblemCategory;

string_enum! {
    /// The five parts of the rubric, in the order of the score sheet.
    pub enum Dimension ("评查项目") {
        Facts = ("facts", "事实证据"),
        Law = ("law", "适用法律"),
        Procedure = ("procedure", "程序时限"),
        Documents = ("documents", "法律文书"),
        Effect = ("effect", "办案效果"),
    }
}

impl Dimension {
    /// Full marks of the part; the five add up to 100.
    pub fn max_points(self) -> u32 {
        match self {
            Dimension::Facts => 30,
            Dimension::Law => 25,
            Dimension::Procedure => 20,
            Dimension::Documents => 15,
            Dimension::Effect => 10,
        }
    }

    /// Below this a case fails whatever its total: only facts and law have one (事实不清、适用法律错误).
    pub fn fail_below(self) -> Option<u32> {
        match self {
            Dimension::Facts | Dimension::Law => Some(self.max_points() * 6 / 10),
            _ => None,
        }
    }

    /// An excellent case reaches this in every part (80% of full marks).
    pub fn excellent_from(self) -> u32 {
        self.max_points() * 8 / 10
    }
}

string_enum! {
    /// The grade (评查等次).
    pub enum Grade ("评查等次") {
        Excellent = ("excellent", "优秀"),
        Qualified = ("qualified", "合格"),
        Flawed = ("flawed", "瑕疵"),
        Failed = ("failed", "不合格"),
    }
}

/// Total from which a case can be excellent, qualified, flawed; below the last it fails.
pub const EXCELLENT_TOTAL: u32 = 90;
pub const QUALIFIED_TOTAL: u32 = 75;
pub const FLAWED_TOTAL: u32 = 60;

/// Points of one sampled case, one per [`Dimension`] in the order of `Dimension::all()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scores(pub [u32; 5]);

impl Scores {
    pub fn get(&self, d: Dimension) -> u32 {
        let i = Dimension::all().iter().position(|x| *x == d).unwrap_or(0);
        self.0[i]
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }
}

/// A grade with the reasons that decided it, for the page to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeDecision {
    pub grade: Grade,
    pub total: u32,
    pub because: Vec<String>,
}

/// The grade of a scored case. 不合格: total below 60, or facts or law below 60% of their marks (one of
/// them wrong fails the case however well the rest was done). 瑕疵: total below 75. 优秀: total 90 or
/// more, every part at 80% of its marks or more, and no defect found. Otherwise 合格.
pub fn grade(scores: &Scores, defects: usize) -> GradeDecision {
    let total = scores.total();
    let mut fails = Vec::new();
    if total < FLAWED_TOTAL {
        fails.push(format!("总分{total}分，低于{FLAWED_TOTAL}分"));
    }
    for d in Dimension::all() {
        if let Some(floor) = d.fail_below()
            && scores.get(*d) < floor
        {
            fails.push(format!(
                "{}得{}分，低于该项满分的60%（{}分），一票否决",
                d.label(),
                scores.get(*d),
                floor
            ));
        }
    }
    if !fails.is_empty() {
        return GradeDecision {
            grade: Grade::Failed,
            total,
            because: fails,
        };
    }
    if total < QUALIFIED_TOTAL {
        return GradeDecision {
            grade: Grade::Flawed,
            total,
            because: vec![format!(
                "总分{total}分，在{FLAWED_TOTAL}分至{}分之间",
                QUALIFIED_TOTAL - 1
            )],
        };
    }
    let mut short = Vec::new();
    if total < EXCELLENT_TOTAL {
        short.push(format!(
            "总分{total}分，未达到优秀所需的{EXCELLENT_TOTAL}分"
        ));
    }
    for d in Dimension::all() {
        if scores.get(*d) < d.excellent_from() {
            short.push(format!(
                "{}得{}分，未达到优秀所需的{}分",
                d.label(),
                scores.get(*d),
                d.excellent_from()
            ));
        }
    }
    if defects > 0 {
        short.push(format!("发现{defects}处问题，优秀案件不得有问题"));
    }
    if short.is_empty() {
        GradeDecision {
            grade: Grade::Excellent,
            total,
            because: vec![format!("总分{total}分，各项均达到满分的80%，未发现问题")],
        }
    } else {
        let mut because = vec![format!("总分{total}分，不低于{QUALIFIED_TOTAL}分")];
        because.extend(short);
        GradeDecision {
            grade: Grade::Qualified,
            total,
            because,
        }
    }
}

/// Defects listed per part, one a line.
pub const MAX_DEFECTS_PER_DIMENSION: usize = 20;

/// The score sheet as typed: points and defect lines per part in the order of `Dimension::all()`.
#[derive(Debug, Clone, Default)]
pub struct ScoreInput {
    pub points: [String; 5],
    pub defects: [String; 5],
    pub opinion: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidScore {
    pub scores: Scores,
    pub defects: Vec<(Dimension, String)>,
    pub opinion: Option<String>,
}

/// Field names of the score form: `points_facts`, `defects_facts`, ….
pub fn points_field(d: Dimension) -> &'static str {
    match d {
        Dimension::Facts => "points_facts",
        Dimension::Law => "points_law",
        Dimension::Procedure => "points_procedure",
        Dimension::Documents => "points_documents",
        Dimension::Effect => "points_effect",
    }
}

pub fn defects_field(d: Dimension) -> &'static str {
    match d {
        Dimension::Facts => "defects_facts",
        Dimension::Law => "defects_law",
        Dimension::Procedure => "defects_procedure",
        Dimension::Documents => "defects_documents",
        Dimension::Effect => "defects_effect",
    }
}

/// Checks a score sheet; every field's problem comes back at once.
pub fn validate_score(input: &ScoreInput) -> Result<ValidScore, Vec<DomainError>> {
    let mut errors = Vec::new();
    let mut points = [0u32; 5];
    let mut defects = Vec::new();
    for (i, d) in Dimension::all().iter().enumerate() {
        let raw = input.points[i].trim();
        match raw.parse::<u32>() {
            Ok(p) if p <= d.max_points() => points[i] = p,
            _ if raw.is_empty() => errors.push(DomainError::field(
                points_field(*d),
                format!("请填写{}得分", d.label()),
            )),
            _ => errors.push(DomainError::field(
                points_field(*d),
                format!("{}得分应为0至{}的整数", d.label(), d.max_points()),
            )),
        }
        let lines: Vec<&str> = input.defects[i]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > MAX_DEFECTS_PER_DIMENSION {
            errors.push(DomainError::field(
                defects_field(*d),
                format!(
                    "{}的问题每行一条，最多{MAX_DEFECTS_PER_DIMENSION}条",
                    d.label()
                ),
            ));
            continue;
        }
        for line in lines {
            match clean_text(line, defects_field(*d), "问题描述", 4, 500) {
                Ok(t) => defects.push((*d, t)),
                Err(e) => errors.push(DomainError::field(
                    defects_field(*d),
                    format!("{}：{}", d.label(), e.message),
                )),
            }
        }
    }
    let opinion = clean_optional(Some(&input.opinion), "opinion", "评查意见", 2000)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if errors.is_empty() {
        Ok(ValidScore {
            scores: Scores(points),
            defects,
            opinion,
        })
    } else {
        Err(errors)
    }
}

/// What the ledger rows made from a sheet's defects say: the problem category, the measures asked for
/// and the deadline (整改时限). Only needed when defects were found.
#[derive(Debug, Clone, Default)]
pub struct RectifyInput {
    pub category: String,
    pub measures: String,
    pub deadline: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRectify {
    pub category: ProblemCategory,
    pub measures: String,
    pub deadline: NaiveDate,
}

/// Checks the rectification part of a score sheet; the deadline may not lie before `today`.
pub fn validate_rectify(
    input: &RectifyInput,
    today: NaiveDate,
) -> Result<ValidRectify, Vec<DomainError>> {
    let mut errors = Vec::new();
    let category = ProblemCategory::parse(&input.category)
        .map_err(|_| errors.push(DomainError::field("rect_category", "请选择整改问题类别")))
        .ok();
    let measures = clean_text(&input.measures, "rect_measures", "整改要求", 5, 2000)
        .map_err(|e| errors.push(e))
        .ok();
    let deadline = match NaiveDate::parse_from_str(input.deadline.trim(), "%Y-%m-%d") {
        Ok(d) if d < today => {
            errors.push(DomainError::field(
                "rect_deadline",
                format!("整改时限不能早于今天（{today}）"),
            ));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(DomainError::field(
                "rect_deadline",
                "请按 YYYY-MM-DD 格式填写整改时限",
            ));
            None
        }
    };
    match (category, measures, deadline) {
        (Some(category), Some(measures), Some(deadline)) => Ok(ValidRectify {
            category,
            measures,
            deadline,
        }),
        _ => Err(errors),
    }
}

// ---------- drawing the sample ----------

string_enum! {
    /// How a plan picks its cases.
    pub enum SampleMethod ("抽取方式") {
        Random = ("random", "随机抽取"),
        Rule = ("rule", "按规则抽取"),
    }
}

string_enum! {
    /// The rules a plan may draw by: the cases most likely to hide a wrong decision.
    pub enum SampleRule ("抽取规则") {
        Withdrawn = ("withdrawn", "撤案、不起诉案件"),
        Gang = ("gang", "涉黑涉恶案件"),
        Overdue = ("overdue", "任一环节超期的案件"),
    }
}

/// The largest sample one plan may draw.
pub const MAX_SAMPLE: u32 = 500;
/// Seeds stay below 2^53 so that they survive a spreadsheet or a JSON number unchanged.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// SplitMix64 (Steele, Lea and Flood 2014): one 64-bit state, stepped by a constant and mixed; the same
/// seed always gives the same sequence on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..=bound`, by multiply-shift (bias below 2^-32 for any bound we use).
    fn up_to(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * (u128::from(bound) + 1)) >> 64) as u64
    }
}

/// Picks `size` distinct positions of `0..n` (all of them when `size >= n`), in ascending order.
/// Floyd's algorithm: `size` steps whatever `n` is, so a province's register is never shuffled whole.
/// The candidates must come in a fixed order (the register's case numbers) for the same seed to give
/// the same sample.
pub fn draw_sample(n: usize, size: usize, seed: u64) -> Vec<usize> {
    if size >= n {
        return (0..n).collect();
    }
    let mut rng = SplitMix64::new(seed);
    let mut chosen = std::collections::BTreeSet::new();
    for j in (n - size)..n {
        let t = rng.up_to(j as u64) as usize;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().collect()
}

/// A review plan as typed into the form.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    pub name: String,
    pub kind: String,
    pub closed_from: String,
    pub closed_to: String,
    pub method: String,
    pub rule: String,
    pub seed: String,
    pub size: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPlan {
    pub name: String,
    pub kind: Option<CaseKind>,
    pub closed_from: Option<NaiveDate>,
    pub closed_to: Option<NaiveDate>,
    pub method: SampleMethod,
    pub rule: Option<SampleRule>,
    pub seed: u64,
    pub size: u32,
}

fn optional_date(
    raw: &str,
    field: &'static str,
    label: &str,
    errors: &mut Vec<DomainError>,
) -> Option<NaiveDate> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| {
            errors.push(DomainError::field(
                field,
                format!("请按 YYYY-MM-DD 格式填写{label}"),
            ))
        })
        .ok()
}

/// Checks a plan; every field's problem comes back at once. A rule plan needs its rule; a random plan
/// takes none.
pub fn validate_plan(input: &PlanInput) -> Result<ValidPlan, Vec<DomainError>> {
    let mut errors = Vec::new();
    let name = clean_text(&input.name, "name", "计划名称", 2, 100)
        .map_err(|e| errors.push(e))
        .ok();
    let kind = match input.kind.trim() {
        "" => None,
        k => CaseKind::parse(k)
            .map_err(|_| errors.push(DomainError::field("kind", "请选择案件类型")))
            .ok(),
    };
    let closed_from = optional_date(&input.closed_from, "closed_from", "结案日期起", &mut errors);
    let closed_to = optional_date(&input.closed_to, "closed_to", "结案日期止", &mut errors);
    if let (Some(a), Some(b)) = (closed_from, closed_to)
        && a > b
    {
        errors.push(DomainError::field(
            "closed_to",
            format!("结案日期止（{b}）不能早于结案日期起（{a}）"),
        ));
    }
    let method = SampleMethod::parse(&input.method)
        .map_err(|_| errors.push(DomainError::field("method", "请选择抽取方式")))
        .ok();
    let rule = match (method, input.rule.trim()) {
        (Some(SampleMethod::Rule), "") => {
            errors.push(DomainError::field("rule", "按规则抽取时请选择抽取规则"));
            None
        }
        (Some(SampleMethod::Rule), r) => SampleRule::parse(r)
            .map_err(|_| errors.push(DomainError::field("rule", "请选择抽取规则")))
            .ok(),
        _ => None,
    };
    let seed = match input.seed.trim().parse::<u64>() {
        Ok(s) if s <= MAX_SEED => Some(s),
        _ => {
            errors.push(DomainError::field(
                "seed",
                format!("随机种子应为0至{MAX_SEED}的整数"),
            ));
            None
        }
    };
    let size = match input.size.trim().parse::<u32>() {
        Ok(s) if (1..=MAX_SAMPLE).contains(&s) => Some(s),
        _ => {
            errors.push(DomainError::field(
                "size",
                format!("抽取数量应为1至{MAX_SAMPLE}的整数"),
            ));
            None
        }
    };
    match (name, method, seed, size) {
        (Some(name), Some(method), Some(seed), Some(size)) if errors.is_empty() => Ok(ValidPlan {
            name,
            kind,
            closed_from,
            closed_to,
            method,
            rule,
            seed,
            size,
        }),
        _ => Err(errors),
    }
}

// ---------- trace-back ----------

/// One stage of a case as the register records who decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDecision {
    pub seq: i32,
    pub stage: String,
    pub decider_id: Option<String>,
    pub decider_name: Option<String>,
}

/// A person who answers for a failed case, with every duty that makes them answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Accountable {
    /// `o:<officer id>` for someone on the roster, `n:<name>` for a name the register holds without one.
    pub key: String,
    pub officer_id: Option<String>,
    pub name: String,
    /// "立案决定人", "案件负责领导", … in the order of the stages, the leader last.
    pub duties: Vec<String>,
}

fn stage_label(stage: &str) -> String {
    CaseStage::parse(stage)
        .map(|s| s.label().to_string())
        .unwrap_or_else(|_| stage.to_string())
}

/// 一案双查: the person who decided each stage and the responsible leader, each person once. Stages
/// that name nobody add nobody; the same person deciding several stages (or also leading) is one entry.
pub fn accountable(
    stages: &[StageDecision],
    leader_id: Option<&str>,
    leader_name: &str,
) -> Vec<Accountable> {
    let mut out: Vec<Accountable> = Vec::new();
    let mut add = |id: Option<&str>, name: &str, duty: String| {
        let id = id.map(str::trim).filter(|s| !s.is_empty());
        let name = name.trim();
        let key = match (id, name) {
            (Some(i), _) => format!("o:{i}"),
            (None, n) if !n.is_empty() => format!("n:{n}"),
            _ => return,
        };
        match out.iter_mut().find(|a| a.key == key) {
            Some(a) => {
                if !a.duties.contains(&duty) {
                    a.duties.push(duty);
                }
            }
            None => out.push(Accountable {
                key,
                officer_id: id.map(str::to_string),
                name: name.to_string(),
                duties: vec![duty],
            }),
        }
    };
    let mut ordered: Vec<&StageDecision> = stages.iter().collect();
    ordered.sort_by_key(|s| s.seq);
    for s in ordered {
        add(
            s.decider_id.as_deref(),
            s.decider_name.as_deref().unwrap_or(""),
            format!("{}决定人", stage_label(&s.stage)),
        );
    }
    add(leader_id, leader_name, "案件负责领导".to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(facts: u32, law: u32, procedure: u32, documents: u32, effect: u32) -> Scores {
        Scores([facts, law, procedure, documents, effect])
    }

    #[test]
    fn full_marks_add_up_to_100() {
        let sum: u32 = Dimension::all().iter().map(|d| d.max_points()).sum();
        assert_eq!(sum, 100);
        assert_eq!(Dimension::Facts.fail_below(), Some(18));
        assert_eq!(Dimension::Law.fail_below(), Some(15));
        assert_eq!(Dimension::Procedure.fail_below(), None);
    }

    #[test]
    fn grade_boundaries() {
        // 90 with every part at 80%: excellent; one point less in total: qualified.
        let g = grade(&with(27, 23, 18, 13, 9), 0);
        assert_eq!((g.grade, g.total), (Grade::Excellent, 90));
        let g = grade(&with(26, 23, 18, 13, 9), 0);
        assert_eq!((g.grade, g.total), (Grade::Qualified, 89));
        // 75 is qualified, 74 flawed.
        assert_eq!(grade(&with(22, 20, 16, 10, 7), 0).grade, Grade::Qualified);
        assert_eq!(grade(&with(22, 20, 16, 10, 7), 0).total, 75);
        let g = grade(&with(21, 20, 16, 10, 7), 0);
        assert_eq!((g.grade, g.total), (Grade::Flawed, 74));
        // 60 is flawed, 59 fails.
        let g = grade(&with(20, 16, 12, 7, 5), 0);
        assert_eq!((g.grade, g.total), (Grade::Flawed, 60));
        let g = grade(&with(19, 16, 12, 7, 5), 0);
        assert_eq!((g.grade, g.total), (Grade::Failed, 59));
        assert!(g.because[0].contains("59"), "{:?}", g.because);
    }

    #[test]
    fn facts_or_law_below_the_floor_fail_any_total() {
        // 17 of 30 on facts with 87 in total.
        let g = grade(&with(17, 25, 20, 15, 10), 0);
        assert_eq!((g.grade, g.total), (Grade::Failed, 87));
        assert!(
            g.because.iter().any(|b| b.contains("事实证据")),
            "{:?}",
            g.because
        );
        assert_eq!(grade(&with(18, 25, 20, 15, 10), 0).grade, Grade::Qualified);
        let g = grade(&with(30, 14, 20, 15, 10), 0);
        assert_eq!(g.grade, Grade::Failed);
        assert!(g.because.iter().any(|b| b.contains("适用法律")));
        assert_eq!(grade(&with(30, 15, 20, 15, 10), 0).grade, Grade::Qualified);
        // Procedure has no floor: 0 of 20 with 80 in total is qualified.
        assert_eq!(grade(&with(30, 25, 0, 15, 10), 0).grade, Grade::Qualified);
    }

    #[test]
    fn excellent_needs_every_part_and_no_defect() {
        assert_eq!(grade(&with(30, 25, 20, 15, 10), 0).grade, Grade::Excellent);
        let g = grade(&with(30, 25, 20, 15, 10), 1);
        assert_eq!(g.grade, Grade::Qualified);
        assert!(g.because.iter().any(|b| b.contains("1处问题")));
        // 95 in total but documents at 11 of 15 (below 12).
        let g = grade(&with(30, 25, 20, 11, 10), 0);
        assert_eq!((g.grade, g.total), (Grade::Qualified, 96));
        assert!(g.because.iter().any(|b| b.contains("法律文书")));
        assert_eq!(grade(&with(30, 25, 20, 12, 3), 0).grade, Grade::Qualified);
        assert_eq!(grade(&with(30, 25, 19, 12, 8), 0).grade, Grade::Excellent);
        assert_eq!(grade(&with(24, 20, 16, 12, 8), 0).grade, Grade::Qualified);
    }

    #[test]
    fn score_sheet_checks_every_field() {
        let mut input = ScoreInput {
            points: ["30".into(), "26".into(), "".into(), "x".into(), "-1".into()],
            defects: Default::default(),
            opinion: String::new(),
        };
        input.defects[0] = "证据\n\n   ".into();
        let errs = validate_score(&input).unwrap_err();
        let fields: Vec<_> = errs.iter().filter_map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "defects_facts",
                "points_law",
                "points_procedure",
                "points_documents",
                "points_effect"
            ]
        );
        input.points = [
            "28".into(),
            "25".into(),
            "0".into(),
            "15".into(),
            "10".into(),
        ];
        input.defects[0] = "关键物证未随案移送\n  \n鉴定意见未告知当事人  ".into();
        input.defects[2] = "侦查羁押期限届满未及时变更强制措施".into();
        let v = validate_score(&input).unwrap();
        assert_eq!(v.scores.total(), 78);
        assert_eq!(
            v.defects,
            vec![
                (Dimension::Facts, "关键物证未随案移送".to_string()),
                (Dimension::Facts, "鉴定意见未告知当事人".to_string()),
                (
                    Dimension::Procedure,
                    "侦查羁押期限届满未及时变更强制措施".to_string()
                ),
            ]
        );
        input.defects[1] = "问题描述足够长\n".repeat(21);
        assert!(validate_score(&input).is_err());
    }

    #[test]
    fn the_same_seed_draws_the_same_sample() {
        let a = draw_sample(1000, 20, 42);
        assert_eq!(a, draw_sample(1000, 20, 42));
        assert_ne!(a, draw_sample(1000, 20, 43));
        assert_eq!(a.len(), 20);
        assert!(a.windows(2).all(|w| w[0] < w[1]), "distinct and ordered");
        assert!(a.iter().all(|i| *i < 1000));
        assert_eq!(draw_sample(5, 10, 1), vec![0, 1, 2, 3, 4]);
        assert_eq!(draw_sample(0, 3, 1), Vec::<usize>::new());
        // SplitMix64's published first output for seed 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn draws_cover_every_position_evenly() {
        // 2,000 draws of 10 of 50: each position is chosen about 400 times.
        let mut hits = [0u32; 50];
        for seed in 0..2000 {
            for i in draw_sample(50, 10, seed) {
                hits[i] += 1;
            }
        }
        assert!(hits.iter().all(|h| (300..=500).contains(h)), "{hits:?}");
    }

    #[test]
    fn rectify_checks() {
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let ok = RectifyInput {
            category: "other".into(),
            measures: "对照评查意见逐项整改".into(),
            deadline: "2026-05-01".into(),
        };
        assert_eq!(validate_rectify(&ok, today).unwrap().deadline, today);
        let bad = RectifyInput {
            category: "".into(),
            measures: "改".into(),
            deadline: "2026-04-30".into(),
        };
        let fields: Vec<_> = validate_rectify(&bad, today)
            .unwrap_err()
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(fields, ["rect_category", "rect_measures", "rect_deadline"]);
    }

    #[test]
    fn plan_checks() {
        let ok = PlanInput {
            name: "2026年第一季度刑事案件评查".into(),
            kind: "criminal".into(),
            closed_from: "2026-01-01".into(),
            closed_to: "2026-03-31".into(),
            method: "random".into(),
            rule: "gang".into(),
            seed: "20260401".into(),
            size: "30".into(),
        };
        let v = validate_plan(&ok).unwrap();
        assert_eq!(v.rule, None, "a random plan ignores the rule");
        assert_eq!((v.seed, v.size), (20260401, 30));
        let bad = PlanInput {
            name: "评".into(),
            kind: "spy".into(),
            closed_from: "2026-04-01".into(),
            closed_to: "2026-03-31".into(),
            method: "rule".into(),
            rule: "".into(),
            seed: "9007199254740992".into(),
            size: "501".into(),
        };
        let fields: Vec<_> = validate_plan(&bad)
            .unwrap_err()
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["name", "kind", "closed_to", "rule", "seed", "size"]
        );
    }

    #[test]
    fn accountable_lists_each_person_once_with_every_duty() {
        let st = |seq, stage: &str, id: Option<&str>, name: Option<&str>| StageDecision {
            seq,
            stage: stage.into(),
            decider_id: id.map(str::to_string),
            decider_name: name.map(str::to_string),
        };
        let stages = vec![
            st(3, "review", Some("o2"), Some("李检察官")),
            st(1, "received", None, None),
            st(2, "filed", Some("o1"), Some("王所长")),
            st(4, "closed", None, Some("赵某")),
            st(5, "judgment", Some("o1"), Some("王所长")),
        ];
        let a = accountable(&stages, Some("o1"), "王所长");
        let view: Vec<(&str, Vec<&str>)> = a
            .iter()
            .map(|p| {
                (
                    p.key.as_str(),
                    p.duties.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            view,
            vec![
                ("o:o1", vec!["立案决定人", "裁判决定人", "案件负责领导"]),
                ("o:o2", vec!["审查起诉决定人"]),
                ("n:赵某", vec!["结案决定人"]),
            ]
        );
        let a = accountable(&[], None, "  ");
        assert!(a.is_empty());
        let a = accountable(&[], None, "钱副局长");
        assert_eq!(a[0].key, "n:钱副局长");
        assert_eq!(a[0].officer_id, None);
    }
}
