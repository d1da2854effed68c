//! Self-check (自查自纠) and "自查从宽、被查从严": the self-check window, the self-report an officer files
//! (one answer per problem category, "无" allowed and counted as a nil report), the problems the
//! organisation found (findings), and the leniency rule that reconciles the two and explains itself.

use std::fmt;

use chrono::{Days, NaiveDate, NaiveDateTime};

use crate::error::DomainError;
use crate::org::clean_text;
use crate::tips::ProblemCategory;

/// The self-check window of a campaign: officers file and amend from `opens` to `closes`, both days
/// included (Beijing time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

impl Window {
    pub fn new(opens: NaiveDate, closes: NaiveDate) -> Result<Window, DomainError> {
        if closes < opens {
            return Err(DomainError::field("closes", "截止日期不能早于开始日期"));
        }
        Ok(Window { opens, closes })
    }

    /// Both dates as typed in a form (`YYYY-MM-DD`).
    pub fn parse(opens: &str, closes: &str) -> Result<Window, DomainError> {
        let day = |s: &str, field: &'static str, label: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| DomainError::field(field, format!("请按 YYYY-MM-DD 格式填写{label}")))
        };
        Window::new(
            day(opens, "opens", "开始日期")?,
            day(closes, "closes", "截止日期")?,
        )
    }

    pub fn is_open_on(&self, day: NaiveDate) -> bool {
        self.opens <= day && day <= self.closes
    }

    /// The first moment after the window: midnight at the end of `closes`.
    pub fn end(&self) -> NaiveDateTime {
        let next = self
            .closes
            .checked_add_days(Days::new(1))
            .unwrap_or(self.closes);
        next.and_hms_opt(0, 0, 0).unwrap_or_default()
    }
}

/// One category's answer in a self-report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// "无": nothing to report in this category (counted as a nil report, 零报告).
    Nil,
    /// What the officer reports.
    Text(String),
}

/// One submitted version of an officer's self-report. Amendments make new versions; none is overwritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfReportVersion {
    /// 1 for the first submission, then 2, 3, … for each amendment.
    pub version: u32,
    /// Beijing time.
    pub submitted_at: NaiveDateTime,
    pub sections: Vec<(ProblemCategory, Section)>,
}

impl SelfReportVersion {
    pub fn section(&self, c: ProblemCategory) -> Option<&Section> {
        self.sections.iter().find(|(k, _)| *k == c).map(|(_, s)| s)
    }

    /// Categories in which something was reported.
    pub fn reported_categories(&self) -> Vec<ProblemCategory> {
        self.sections
            .iter()
            .filter(|(_, s)| matches!(s, Section::Text(_)))
            .map(|(c, _)| *c)
            .collect()
    }

    /// Every category answered "无": a nil report (零报告).
    pub fn is_nil_report(&self) -> bool {
        self.reported_categories().is_empty()
    }
}

pub const SECTION_MIN_CHARS: usize = 5;
pub const SECTION_MAX_CHARS: usize = 2000;

/// A whole report: one answer per category, in the order of [`ProblemCategory::all`].
pub type Report = Vec<(ProblemCategory, Section)>;

/// One category as it arrives from the form: `has_problem` is `None` when neither "无" nor "有" was chosen.
#[derive(Debug, Clone)]
pub struct SectionInput {
    pub category: ProblemCategory,
    pub has_problem: Option<bool>,
    pub text: String,
}

/// Checks a whole report: every category answered, a text where "有" was chosen. Every problem is
/// returned at once, each tied to its category so the page can show it beside the right field.
pub fn validate_report(inputs: &[SectionInput]) -> Result<Report, Vec<(ProblemCategory, String)>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for c in ProblemCategory::all() {
        let Some(input) = inputs.iter().find(|i| i.category == *c) else {
            errors.push((*c, "请选择“无”或“有”".to_string()));
            continue;
        };
        match input.has_problem {
            None => errors.push((*c, "请选择“无”或“有”".to_string())),
            Some(false) => out.push((*c, Section::Nil)),
            Some(true) => match clean_text(
                &input.text,
                "text",
                "报告内容",
                SECTION_MIN_CHARS,
                SECTION_MAX_CHARS,
            ) {
                Ok(t) => out.push((*c, Section::Text(t))),
                Err(e) => errors.push((*c, e.message)),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

string_enum! {
    /// Where a finding came from.
    pub enum FindingSource ("问题来源") {
        Clue = ("clue", "问题线索查实"),
        Inspection = ("inspection", "督导检查发现"),
    }
}

/// One fact the organisation established (an amount, an act, a company), kept short so that whoever
/// compares it with the self-report can say whether the report covered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingItem {
    pub text: String,
    /// Marked by the person who compared the finding with the report: `None` until compared.
    pub covered: Option<bool>,
}

/// A problem found by the organisation (组织查处) about one officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub category: ProblemCategory,
    /// From this moment the organisation knew of the problem (a clue's registration, the day of an
    /// inspection); a self-report made later is no longer 自查 but a reaction to being looked at.
    pub known_at: NaiveDateTime,
    /// How it became known, as the explanation names it: "线索XS-2025-000012登记".
    pub known_how: String,
    pub items: Vec<FindingItem>,
}

pub const MAX_FINDING_ITEMS: usize = 20;

/// The problem items of a finding, one a line; blank lines are skipped.
pub fn parse_items(text: &str) -> Result<Vec<String>, DomainError> {
    let mut items = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let n = items.len() + 1;
        let item = clean_text(line, "items", &format!("第{n}项问题"), 2, 200)?;
        items.push(item);
    }
    if items.is_empty() {
        return Err(DomainError::field(
            "items",
            "请逐行列出查实的具体问题（每行一项，如金额、事实）",
        ));
    }
    if items.len() > MAX_FINDING_ITEMS {
        return Err(DomainError::field(
            "items",
            format!("具体问题不能超过{MAX_FINDING_ITEMS}项"),
        ));
    }
    Ok(items)
}

string_enum! {
    /// The leniency decision for a finding.
    pub enum Leniency ("处理政策") {
        Lenient = ("lenient", "从宽"),
        PartlyLenient = ("partly_lenient", "部分从宽"),
        Strict = ("strict", "从严"),
        /// The report has something in the category but nobody has yet compared it with the finding.
        Pending = ("pending", "待比对"),
    }
}

/// One fact behind a decision. `text()` is what the page shows; tests match on the variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The officer never filed a self-report.
    NoReport,
    /// This version came after the organisation knew of the problem and does not count.
    AfterKnown {
        version: u32,
        submitted_at: NaiveDateTime,
        known_at: NaiveDateTime,
        known_how: String,
    },
    /// This version came after the self-check window closed and does not count.
    AfterWindow {
        version: u32,
        submitted_at: NaiveDateTime,
        closes: NaiveDate,
    },
    /// Versions exist, but none before both the finding and the end of the window.
    NoCountingVersion {
        known_at: NaiveDateTime,
        closes: NaiveDate,
    },
    /// The version the decision rests on: the last one that counts.
    Basis {
        version: u32,
        submitted_at: NaiveDateTime,
    },
    /// The basis answered "无" in the finding's category (`said_nil`), or left it out.
    NothingInCategory {
        version: u32,
        category: ProblemCategory,
        said_nil: bool,
    },
    /// Something was reported, but only under other categories.
    OtherCategoriesOnly {
        version: u32,
        category: ProblemCategory,
        others: Vec<ProblemCategory>,
    },
    /// What the basis says in the finding's category (shortened).
    Wrote {
        version: u32,
        category: ProblemCategory,
        excerpt: String,
    },
    /// Items of the finding the report covered: lenient for these.
    Covered { items: Vec<String> },
    /// Items of the finding the report did not cover: strict for these.
    NotCovered { items: Vec<String> },
    /// Items not yet compared with the report.
    NotCompared { items: Vec<String> },
}

fn at(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("“{i}”"))
        .collect::<Vec<_>>()
        .join("、")
}

impl Reason {
    pub fn text(&self) -> String {
        match self {
            Reason::NoReport => "该干警没有提交过自查事项报告。".to_string(),
            Reason::AfterKnown {
                version,
                submitted_at,
                known_at,
                known_how,
            } => format!(
                "第{version}版提交于{}，晚于组织掌握该问题的时间（{}，{known_how}），不予计入。",
                at(submitted_at),
                at(known_at)
            ),
            Reason::AfterWindow {
                version,
                submitted_at,
                closes,
            } => format!(
                "第{version}版提交于{}，已过自查截止日期（{closes}），不予计入。",
                at(submitted_at)
            ),
            Reason::NoCountingVersion { known_at, closes } => format!(
                "在组织掌握该问题（{}）之前且在自查截止日期（{closes}）之前，没有有效的自查报告。",
                at(known_at)
            ),
            Reason::Basis {
                version,
                submitted_at,
            } => format!(
                "以第{version}版为准：提交于{}，早于组织掌握该问题的时间，且在自查期限内。",
                at(submitted_at)
            ),
            Reason::NothingInCategory {
                version,
                category,
                said_nil: true,
            } => format!(
                "第{version}版在「{}」一栏填报“无”（零报告），未报告该问题。",
                category.label()
            ),
            Reason::NothingInCategory {
                version,
                category,
                said_nil: false,
            } => format!(
                "第{version}版没有填写「{}」一栏，未报告该问题。",
                category.label()
            ),
            Reason::OtherCategoriesOnly {
                version,
                category,
                others,
            } => format!(
                "第{version}版只在{}中报告了问题，没有在「{}」一栏报告该问题。",
                others
                    .iter()
                    .map(|c| format!("「{}」", c.label()))
                    .collect::<Vec<_>>()
                    .join(""),
                category.label()
            ),
            Reason::Wrote {
                version,
                category,
                excerpt,
            } => format!(
                "第{version}版在「{}」一栏报告：“{excerpt}”。",
                category.label()
            ),
            Reason::Covered { items } => {
                format!("自查报告已如实报告：{}，对此从宽。", list(items))
            }
            Reason::NotCovered { items } => {
                format!("自查报告未报告：{}，对此从严。", list(items))
            }
            Reason::NotCompared { items } => format!(
                "尚未将{}与自查报告比对，请比对后标记是否已报告。",
                list(items)
            ),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// The decision for one finding and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Leniency,
    pub because: Vec<Reason>,
}

const EXCERPT_CHARS: usize = 80;

fn excerpt(s: &str) -> String {
    let mut e: String = s.chars().take(EXCERPT_CHARS).collect();
    if s.chars().count() > EXCERPT_CHARS {
        e.push('…');
    }
    e
}

/// "自查从宽、被查从严". Only versions submitted before the organisation knew of the problem AND before the
/// window closed count, and of those the last one (an amendment replaces what it amends). Reported in
/// the finding's category and covering every item → 从宽; nothing there (no report, "无", or only other
/// categories) or none of the items covered → 从严; some items covered → 部分从宽, lenient for those items
/// only. Until someone has compared the items with the report's text the decision is 待比对.
pub fn leniency(versions: &[SelfReportVersion], finding: &Finding, window: &Window) -> Decision {
    let strict = |because| Decision {
        outcome: Leniency::Strict,
        because,
    };
    if versions.is_empty() {
        return strict(vec![Reason::NoReport]);
    }
    let mut sorted: Vec<&SelfReportVersion> = versions.iter().collect();
    sorted.sort_by_key(|v| v.version);
    let end = window.end();
    let mut because = Vec::new();
    let mut basis = None;
    for v in sorted {
        let late_for_window = v.submitted_at >= end;
        let late_for_finding = v.submitted_at >= finding.known_at;
        if late_for_window {
            because.push(Reason::AfterWindow {
                version: v.version,
                submitted_at: v.submitted_at,
                closes: window.closes,
            });
        }
        if late_for_finding {
            because.push(Reason::AfterKnown {
                version: v.version,
                submitted_at: v.submitted_at,
                known_at: finding.known_at,
                known_how: finding.known_how.clone(),
            });
        }
        if !late_for_window && !late_for_finding {
            basis = Some(v);
        }
    }
    let Some(basis) = basis else {
        because.push(Reason::NoCountingVersion {
            known_at: finding.known_at,
            closes: window.closes,
        });
        return strict(because);
    };
    because.push(Reason::Basis {
        version: basis.version,
        submitted_at: basis.submitted_at,
    });
    let text = match basis.section(finding.category) {
        Some(Section::Text(t)) => t,
        other => {
            because.push(Reason::NothingInCategory {
                version: basis.version,
                category: finding.category,
                said_nil: other.is_some(),
            });
            let others = basis.reported_categories();
            if !others.is_empty() {
                because.push(Reason::OtherCategoriesOnly {
                    version: basis.version,
                    category: finding.category,
                    others,
                });
            }
            return strict(because);
        }
    };
    because.push(Reason::Wrote {
        version: basis.version,
        category: finding.category,
        excerpt: excerpt(text),
    });
    let pick = |want: Option<bool>| -> Vec<String> {
        finding
            .items
            .iter()
            .filter(|i| i.covered == want)
            .map(|i| i.text.clone())
            .collect()
    };
    let (covered, missed, open) = (pick(Some(true)), pick(Some(false)), pick(None));
    if !covered.is_empty() {
        because.push(Reason::Covered {
            items: covered.clone(),
        });
    }
    if !missed.is_empty() {
        because.push(Reason::NotCovered {
            items: missed.clone(),
        });
    }
    let outcome = if !open.is_empty() {
        because.push(Reason::NotCompared { items: open });
        Leniency::Pending
    } else if missed.is_empty() && !covered.is_empty() {
        Leniency::Lenient
    } else if covered.is_empty() {
        Leniency::Strict
    } else {
        Leniency::PartlyLenient
    };
    Decision { outcome, because }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProblemCategory::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn window() -> Window {
        Window::new(day("2025-04-01"), day("2025-04-30")).unwrap()
    }

    /// A version with text in the given categories and "无" everywhere else.
    fn version(n: u32, at: &str, texts: &[(ProblemCategory, &str)]) -> SelfReportVersion {
        SelfReportVersion {
            version: n,
            submitted_at: t(at),
            sections: ProblemCategory::all()
                .iter()
                .map(|c| {
                    let s = texts
                        .iter()
                        .find(|(k, _)| k == c)
                        .map(|(_, x)| Section::Text(x.to_string()))
                        .unwrap_or(Section::Nil);
                    (*c, s)
                })
                .collect(),
        }
    }

    fn finding(items: &[(&str, Option<bool>)]) -> Finding {
        Finding {
            category: IllegalBusiness,
            known_at: t("2025-05-10 09:00"),
            known_how: "线索XS-2025-000012登记".into(),
            items: items
                .iter()
                .map(|(x, c)| FindingItem {
                    text: x.to_string(),
                    covered: *c,
                })
                .collect(),
        }
    }

    const BUSINESS: &str = "本人配偶在本市开办一家建材公司并担任股东，持股30%。";

    #[test]
    fn reported_in_time_and_fully_is_lenient() {
        let v = [version(
            1,
            "2025-04-03 10:00",
            &[(IllegalBusiness, BUSINESS)],
        )];
        let f = finding(&[("配偶持股建材公司30%", Some(true))]);
        let d = leniency(&v, &f, &window());
        assert_eq!(d.outcome, Leniency::Lenient);
        assert_eq!(
            d.because,
            vec![
                Reason::Basis {
                    version: 1,
                    submitted_at: t("2025-04-03 10:00")
                },
                Reason::Wrote {
                    version: 1,
                    category: IllegalBusiness,
                    excerpt: BUSINESS.into()
                },
                Reason::Covered {
                    items: vec!["配偶持股建材公司30%".into()]
                },
            ]
        );
        let text: Vec<String> = d.because.iter().map(Reason::text).collect();
        assert!(text[0].contains("第1版") && text[0].contains("2025-04-03 10:00"));
        assert!(text[1].contains("「违规经商办企业」"));
        assert!(text[2].contains("“配偶持股建材公司30%”") && text[2].contains("从宽"));
    }

    #[test]
    fn nil_in_the_category_is_strict() {
        let v = [version(1, "2025-04-03 10:00", &[])];
        let f = finding(&[("配偶持股建材公司30%", None)]);
        let d = leniency(&v, &f, &window());
        assert_eq!(d.outcome, Leniency::Strict);
        assert_eq!(
            d.because[1],
            Reason::NothingInCategory {
                version: 1,
                category: IllegalBusiness,
                said_nil: true
            }
        );
        assert_eq!(d.because.len(), 2, "{:?}", d.because);
        assert!(d.because[1].text().contains("填报“无”（零报告）"));
        assert!(v[0].is_nil_report());
    }

    #[test]
    fn reported_in_another_category_only_is_strict() {
        let v = [version(
            1,
            "2025-04-03 10:00",
            &[(Conduct, "工作时间打游戏两次。")],
        )];
        // Even items marked as covered do not help: the report said nothing under this category.
        let f = finding(&[("配偶持股建材公司30%", Some(true))]);
        let d = leniency(&v, &f, &window());
        assert_eq!(d.outcome, Leniency::Strict);
        assert_eq!(
            d.because[2],
            Reason::OtherCategoriesOnly {
                version: 1,
                category: IllegalBusiness,
                others: vec![Conduct]
            }
        );
        let s = d.because[2].text();
        assert!(
            s.contains("「作风纪律」") && s.contains("没有在「违规经商办企业」一栏报告"),
            "{s}"
        );
    }

    #[test]
    fn partly_reported_is_lenient_for_that_part_only() {
        let v = [version(
            1,
            "2025-04-03 10:00",
            &[(IllegalBusiness, BUSINESS)],
        )];
        let f = finding(&[
            ("配偶持股建材公司30%", Some(true)),
            ("本人在公司兼职领取报酬12万元", Some(false)),
        ]);
        let d = leniency(&v, &f, &window());
        assert_eq!(d.outcome, Leniency::PartlyLenient);
        assert!(d.because.contains(&Reason::Covered {
            items: vec!["配偶持股建材公司30%".into()]
        }));
        assert!(d.because.contains(&Reason::NotCovered {
            items: vec!["本人在公司兼职领取报酬12万元".into()]
        }));
        let all: String = d.because.iter().map(Reason::text).collect();
        assert!(all.contains("未报告：“本人在公司兼职领取报酬12万元”，对此从严"));
    }

    #[test]
    fn nothing_of_the_finding_covered_is_strict() {
        let v = [version(
            1,
            "2025-04-03 10:00",
            &[(IllegalBusiness, "本人曾帮亲戚介绍过一次生意。")],
        )];
        let f = finding(&[("配偶持股建材公司30%", Some(false))]);
        let d = leniency(&v, &f, &window());
        assert_eq!(d.outcome, Leniency::Strict);
        assert!(matches!(d.because.last(), Some(Reason::NotCovered { .. })));
    }

    #[test]
    fn amendment_after_the_finding_does_not_count() {
        let v = [
            version(1, "2025-04-03 10:00", &[]),
            // Amended inside the window but after the clue was registered: a reaction, not 自查.
            version(2, "2025-05-12 16:30", &[(IllegalBusiness, BUSINESS)]),
        ];
        let mut f = finding(&[("配偶持股建材公司30%", Some(true))]);
        let w = Window::new(day("2025-04-01"), day("2025-05-31")).unwrap();
        let d = leniency(&v, &f, &w);
        assert_eq!(d.outcome, Leniency::Strict);
        assert_eq!(
            d.because,
            vec![
                Reason::AfterKnown {
                    version: 2,
                    submitted_at: t("2025-05-12 16:30"),
                    known_at: t("2025-05-10 09:00"),
                    known_how: "线索XS-2025-000012登记".into()
                },
                Reason::Basis {
                    version: 1,
                    submitted_at: t("2025-04-03 10:00")
                },
                Reason::NothingInCategory {
                    version: 1,
                    category: IllegalBusiness,
                    said_nil: true
                },
            ]
        );
        let s = d.because[0].text();
        assert!(
            s.contains("第2版提交于2025-05-12 16:30")
                && s.contains("2025-05-10 09:00")
                && s.contains("线索XS-2025-000012登记")
                && s.contains("不予计入"),
            "{s}"
        );
        // The same amendment a day before the clue would have counted.
        f.known_at = t("2025-05-13 09:00");
        assert_eq!(leniency(&v, &f, &w).outcome, Leniency::Lenient);
    }

    #[test]
    fn report_after_the_window_does_not_count() {
        let v = [version(
            1,
            "2025-05-02 08:00",
            &[(IllegalBusiness, BUSINESS)],
        )];
        let f = finding(&[("配偶持股建材公司30%", Some(true))]);
        let d = leniency(&v, &f, &window());
        assert_eq!(d.outcome, Leniency::Strict);
        assert_eq!(
            d.because,
            vec![
                Reason::AfterWindow {
                    version: 1,
                    submitted_at: t("2025-05-02 08:00"),
                    closes: day("2025-04-30")
                },
                Reason::NoCountingVersion {
                    known_at: t("2025-05-10 09:00"),
                    closes: day("2025-04-30")
                },
            ]
        );
        assert!(
            d.because[0]
                .text()
                .contains("已过自查截止日期（2025-04-30）")
        );
        // The last minute of the closing day still counts.
        let v = [version(
            1,
            "2025-04-30 23:59",
            &[(IllegalBusiness, BUSINESS)],
        )];
        assert_eq!(leniency(&v, &f, &window()).outcome, Leniency::Lenient);
    }

    #[test]
    fn officer_with_no_report_is_strict() {
        let f = finding(&[("配偶持股建材公司30%", None)]);
        let d = leniency(&[], &f, &window());
        assert_eq!(d.outcome, Leniency::Strict);
        assert_eq!(d.because, vec![Reason::NoReport]);
        assert_eq!(d.because[0].text(), "该干警没有提交过自查事项报告。");
    }

    #[test]
    fn uncompared_items_wait_for_comparison() {
        let v = [version(
            1,
            "2025-04-03 10:00",
            &[(IllegalBusiness, BUSINESS)],
        )];
        let f = finding(&[("配偶持股建材公司30%", Some(true)), ("兼职取酬", None)]);
        let d = leniency(&v, &f, &window());
        assert_eq!(d.outcome, Leniency::Pending);
        assert_eq!(
            d.because.last(),
            Some(&Reason::NotCompared {
                items: vec!["兼职取酬".into()]
            })
        );
    }

    #[test]
    fn the_last_counting_version_is_the_basis() {
        // Reported in v1, withdrawn in v2 (both in time): v2 is what the officer stood by.
        let v = [
            version(2, "2025-04-05 10:00", &[]),
            version(1, "2025-04-03 10:00", &[(IllegalBusiness, BUSINESS)]),
        ];
        let f = finding(&[("配偶持股建材公司30%", Some(true))]);
        let d = leniency(&v, &f, &window());
        assert_eq!(d.outcome, Leniency::Strict);
        assert_eq!(
            d.because[0],
            Reason::Basis {
                version: 2,
                submitted_at: t("2025-04-05 10:00")
            }
        );
    }

    #[test]
    fn window_rules() {
        assert!(Window::new(day("2025-04-02"), day("2025-04-01")).is_err());
        let w = Window::parse(" 2025-04-01", "2025-04-30 ").unwrap();
        assert!(w.is_open_on(day("2025-04-01")) && w.is_open_on(day("2025-04-30")));
        assert!(!w.is_open_on(day("2025-05-01")) && !w.is_open_on(day("2025-03-31")));
        assert_eq!(w.end(), t("2025-05-01 00:00"));
        let e = Window::parse("2025/04/01", "2025-04-30").unwrap_err();
        assert_eq!(e.field, Some("opens"));
    }

    #[test]
    fn report_validation() {
        let mut inputs: Vec<SectionInput> = ProblemCategory::all()
            .iter()
            .map(|c| SectionInput {
                category: *c,
                has_problem: Some(false),
                text: String::new(),
            })
            .collect();
        let ok = validate_report(&inputs).unwrap();
        assert_eq!(ok.len(), ProblemCategory::all().len());
        assert!(ok.iter().all(|(_, s)| *s == Section::Nil));
        inputs[1].has_problem = Some(true);
        inputs[1].text = "短".into();
        inputs[3].has_problem = None;
        let errs = validate_report(&inputs).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].0, IllegalBusiness);
        assert!(errs[0].1.contains("不能少于5个字"));
        assert_eq!(
            errs[1],
            (IllegalCommutation, "请选择“无”或“有”".to_string())
        );
        inputs[1].text = format!("  {BUSINESS}\r\n第二行  ");
        inputs[3].has_problem = Some(false);
        let ok = validate_report(&inputs).unwrap();
        assert_eq!(ok[1].1, Section::Text(format!("{BUSINESS}\n第二行")));
        // "无" with stray text keeps no text.
        inputs[2].text = "随便写的".into();
        assert_eq!(validate_report(&inputs).unwrap()[2].1, Section::Nil);
    }

    #[test]
    fn finding_items() {
        assert_eq!(
            parse_items("配偶持股30%\n\n  兼职取酬12万元 \r\n").unwrap(),
            vec!["配偶持股30%".to_string(), "兼职取酬12万元".to_string()]
        );
        assert_eq!(parse_items(" \n ").unwrap_err().field, Some("items"));
        assert!(parse_items(&"事项\n".repeat(21)).is_err());
        assert!(
            parse_items("好\n")
                .unwrap_err()
                .message
                .contains("第1项问题")
        );
    }

    #[test]
    fn enum_names() {
        assert_eq!(Leniency::PartlyLenient.label(), "部分从宽");
        assert_eq!(Leniency::parse("strict"), Ok(Leniency::Strict));
        assert_eq!(FindingSource::Clue.as_str(), "clue");
    }
}
