//! Guiding cases, commentary sessions and case review in the generated data, made through the store's
//! own functions so that the full-text index and the rectification ledger are kept exactly as live
//! writes keep them: a library of guiding cases from the court, procuratorate and police at the top of
//! the tree, commentary sessions discussing cases of the register and citing the library, and two review
//! plans whose samples the inspector has partly scored (some with defects, a few failed, so the ledger
//! and trace-back have something to show).

use chrono::Datelike;
use domain::enforcement::guiding::{
    GuidingInput, SessionInput, validate_guiding, validate_session,
};
use domain::enforcement::inquiries::Quarter;
use domain::enforcement::review::{
    PlanInput, RectifyInput, ScoreInput, validate_plan, validate_rectify, validate_score,
};
use domain::org::{DataScope, Role};
use domain::tips::ProblemCategory;
use rand::Rng;
use rand::rngs::StdRng;

use super::text as words;
use super::{EnforcementSummary, Register, Scene, days_before, ymd};
use crate::org::Actor;
use crate::synth::Scale;
use crate::{Result, StoreError};

/// A demo account that sits at the root of the tree with the whole tree in scope (office, inspector).
async fn root_actor(s: &Scene<'_>, username: &str) -> Result<Actor> {
    let user = s
        .store
        .users()
        .await?
        .into_iter()
        .find(|u| u.username == username)
        .ok_or(StoreError::NotFound)?;
    let root = &s.world.units[0];
    let path = s
        .store
        .units()
        .await?
        .into_iter()
        .find(|u| u.id == root.id)
        .map(|u| u.path)
        .ok_or(StoreError::NotFound)?;
    Ok(Actor {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: Role::parse(&user.role)?,
        unit_id: root.id.clone(),
        unit_name: root.name.clone(),
        unit_path: path,
        scope: DataScope::parse(&user.scope)?,
        officer_id: None,
    })
}

fn invalid(mut e: Vec<domain::DomainError>) -> StoreError {
    StoreError::Invalid(e.remove(0))
}

/// Defects reviewers write, by the rubric's part (事实证据, 适用法律, 程序时限, 法律文书, 办案效果).
const DEFECTS: [&[&str]; 5] = [
    &[
        "关键证人证言未与其他证据相互印证",
        "涉案财物去向未查清即作出处理",
    ],
    &["量刑情节认定有误，未适用从轻处罚情节", "引用法律条文不准确"],
    &[
        "立案审批超过规定期限",
        "延长办案期限未履行审批手续",
        "未依法告知当事人诉讼权利",
    ],
    &[
        "法律文书说理不充分",
        "文书送达回证缺失",
        "卷宗材料装订顺序混乱",
    ],
    &["未及时回应当事人诉求，引发重复信访"],
];

pub(super) async fn generate(
    s: &Scene<'_>,
    reg: &Register,
    rng: &mut StdRng,
    scale: Scale,
    summary: &mut EnforcementSummary,
) -> Result<()> {
    let office = root_actor(s, "office").await?;
    let inspector = root_actor(s, "duchazu").await?;
    // Each guiding case and session is indexed as it is written (about 40 ms in a debug build), so the
    // demo city keeps the library small enough to start in seconds.
    let (n_guiding, n_sessions, sample) = match scale {
        Scale::City => (50, 12, 30),
        Scale::Province => (300, 60, 60),
    };

    // ---- the guiding-case library: the top court, procuratorate and police of the tree ----
    let top = s.world.units[s.anchors.court].parent;
    let issuers: Vec<usize> = (0..s.world.units.len())
        .filter(|u| s.world.units[*u].parent == top)
        .filter(|u| {
            matches!(
                s.world.units[*u].kind.as_str(),
                "court" | "procuratorate" | "police"
            )
        })
        .collect();
    let mut numbers: Vec<(String, chrono::NaiveDate)> = Vec::new();
    let mut serial = [0u32; 3];
    for _ in 0..n_guiding {
        let u = issuers[rng.random_range(0..issuers.len())];
        let unit = &s.world.units[u];
        let (tag, kind) = match unit.kind.as_str() {
            "court" => (
                0,
                match rng.random_range(0..20) {
                    0..=7 => "criminal",
                    8..=16 => "civil",
                    _ => "admin_litigation",
                },
            ),
            "procuratorate" => (1, "criminal"),
            _ => (
                2,
                if rng.random_bool(0.5) {
                    "criminal"
                } else {
                    "administrative"
                },
            ),
        };
        serial[tag] += 1;
        let issued = days_before(s.today, rng.random_range(30..=1500));
        let number = format!(
            "{}{}指导〔{}〕{}号",
            s.abbr,
            ["法", "检", "公"][tag],
            issued.year(),
            serial[tag]
        );
        let g = words::guiding(rng, kind, &s.city[u], issued.year());
        let valid = validate_guiding(
            &GuidingInput {
                number: number.clone(),
                title: g.title,
                issuer: unit.name.clone(),
                kind: kind.to_string(),
                keywords: g.keywords,
                gist: g.gist,
                significance: g.significance,
                full_text: g.full_text,
                issued_on: ymd(issued),
            },
            s.today,
        )
        .map_err(invalid)?;
        s.store.create_guiding_case(&office, &valid).await?;
        numbers.push((number, issued));
    }
    summary.guiding_cases = numbers.len() as u64;

    // ---- commentary sessions (案件点评) on cases of the register ----
    let judicial: Vec<usize> = (0..s.world.units.len())
        .filter(|u| reg.samples[*u].len() >= 4)
        .collect();
    for _ in 0..n_sessions {
        if judicial.is_empty() {
            break;
        }
        let u = judicial[rng.random_range(0..judicial.len())];
        let held = days_before(s.today, rng.random_range(7..=360));
        let q = Quarter::of(held);
        let (title, notes) = words::commentary(rng, &format!("{}年第{}季度", q.year, q.q));
        let pool = &reg.samples[u];
        let mut cases: Vec<&str> = Vec::new();
        for _ in 0..rng.random_range(2..=4) {
            let c = &pool[rng.random_range(0..pool.len())];
            if !cases.contains(&c.number.as_str()) {
                cases.push(&c.number);
            }
        }
        let cited: Vec<&str> = (0..rng.random_range(0..=2))
            .filter_map(|_| {
                let (n, issued) = &numbers[rng.random_range(0..numbers.len())];
                (*issued <= held).then_some(n.as_str())
            })
            .collect();
        let presenter = s.leaders[u]
            .first()
            .or_else(|| s.handlers[u].first())
            .map(|o| s.world.officers[*o].name.clone())
            .unwrap_or_else(|| "评查组".to_string());
        let valid = validate_session(
            &SessionInput {
                held_on: ymd(held),
                title,
                presenter,
                case_numbers: cases.join("\n"),
                guiding_numbers: cited.join("\n"),
                notes,
            },
            s.today,
        )
        .map_err(invalid)?;
        s.store
            .create_commentary(&office, &s.world.units[u].id, &valid)
            .await?;
        summary.commentary_sessions += 1;
    }

    // ---- case review: a routine plan and a special one, partly scored by the inspector ----
    let reviewers: Vec<String> = s
        .store
        .review_reviewers(&office.unit_id)
        .await?
        .into_iter()
        .filter(|r| r.id == inspector.user_id)
        .map(|r| r.id)
        .collect();
    let window = (ymd(days_before(s.today, 180)), ymd(days_before(s.today, 1)));
    let plans = [
        (
            format!("{}年度刑事案件常规评查", s.today.year()),
            "random",
            "",
            sample,
        ),
        (
            "撤案、不起诉案件专项评查".to_string(),
            "rule",
            "withdrawn",
            sample / 2,
        ),
    ];
    for (k, (name, method, rule, size)) in plans.into_iter().enumerate() {
        let plan = validate_plan(&PlanInput {
            name,
            kind: if k == 0 {
                "criminal".into()
            } else {
                String::new()
            },
            closed_from: window.0.clone(),
            closed_to: window.1.clone(),
            method: method.into(),
            rule: rule.into(),
            seed: rng.random_range(1..1_000_000u64).to_string(),
            size: size.to_string(),
        })
        .map_err(invalid)?;
        let (plan_id, _) = s
            .store
            .create_review_plan(&office, &office.unit_id, &plan, &reviewers, s.today)
            .await?;
        let samples = s.store.review_samples(&office, &plan_id).await?;
        summary.review_samples += samples.len() as u64;
        if k != 0 {
            continue;
        }
        for row in samples.iter().take(samples.len() * 2 / 5) {
            let x: f64 = rng.random();
            // Points per part (max 30, 25, 20, 15, 10) and the parts with a defect.
            let (points, faulty): ([u32; 5], &[usize]) = if x < 0.55 {
                ([27, 23, 18, 13, 9], &[])
            } else if x < 0.85 {
                ([25, 21, 13, 10, 8], &[2, 3])
            } else {
                ([15, 17, 12, 10, 6], &[0, 1, 2])
            };
            let mut defects: [String; 5] = Default::default();
            for d in faulty {
                let list = DEFECTS[*d];
                defects[*d] = list[rng.random_range(0..list.len())].to_string();
            }
            let sheet = validate_score(&ScoreInput {
                points: points.map(|p| p.to_string()),
                defects,
                opinion: if faulty.is_empty() {
                    "案件事实清楚，证据确实充分，程序合法。".into()
                } else {
                    "案件办理存在问题，请承办单位对照评查意见整改。".into()
                },
            })
            .map_err(invalid)?;
            let rectify = if faulty.is_empty() {
                None
            } else {
                Some(
                    validate_rectify(
                        &RectifyInput {
                            category: ProblemCategory::Conduct.as_str().into(),
                            measures: "逐项整改评查发现的问题，完善审批和送达制度，组织承办人学习相关规定。".into(),
                            deadline: ymd(s.today + chrono::Days::new(30)),
                        },
                        s.today,
                    )
                    .map_err(invalid)?,
                )
            };
            s.store
                .score_review_sample(&inspector, &row.id, &sheet, rectify.as_ref())
                .await?;
            summary.review_scored += 1;
        }
    }
    Ok(())
}
