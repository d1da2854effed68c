//! Early warning (队伍风险预警): the facts counted about each officer over a rolling window, the weight of
//! each kind of fact, the score (Σ weight × count) and its level (正常 / 关注 / 预警) by two thresholds,
//! and the explanation every score carries. The office sets weights, window and thresholds; the
//! defaults are written here. Counting the facts is the store's job (set-based SQL); this module says
//! what they are worth and why.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::error::DomainError;

string_enum! {
    /// What is counted about an officer. Every clue lands in exactly one of the first three kinds.
    pub enum FactKind ("风险事实类别") {
        Clue = ("clue", "问题线索"),
        Complaint = ("complaint", "信访举报"),
        ClueSubstantiated = ("clue_substantiated", "线索经核查属实或部分属实"),
        CaseOverdue = ("case_overdue", "承办案件超期未结"),
        StageLate = ("stage_late", "办案环节逾期办结"),
        Inquiry = ("inquiry", "过问案件"),
        Interference = ("interference", "过问案件被认定为干预"),
        ReviewFlawed = ("review_flawed", "评查为瑕疵的案件"),
        ReviewFailed = ("review_failed", "评查为不合格的案件"),
        ReviewDefect = ("review_defect", "评查发现的问题"),
        SelfReportStrict = ("self_report_strict", "查实问题未自查（从严）"),
        SelfReportPartial = ("self_report_partial", "查实问题部分自查（部分从宽）"),
    }
}

impl FactKind {
    /// The measure word a count of this kind reads with ("2条", "3次").
    pub fn unit(self) -> &'static str {
        use FactKind::*;
        match self {
            Clue | ClueSubstantiated => "条",
            Complaint | CaseOverdue | ReviewFlawed | ReviewFailed => "件",
            StageLate => "个环节",
            Inquiry | Interference => "次",
            ReviewDefect | SelfReportStrict | SelfReportPartial => "项",
        }
    }

    /// What exactly is counted, as the settings page and the officer's page explain it.
    pub fn rule(self) -> &'static str {
        use FactKind::*;
        match self {
            Clue => {
                "统计期间内登记的、反映该干警的问题线索（信访、群众举报以外的来源），尚未认定；经核查不属实的不计"
            }
            Complaint => {
                "统计期间内登记的、来源为信访或群众举报且反映该干警的线索，尚未认定；经核查不属实的不计"
            }
            ClueSubstantiated => {
                "统计期间内登记的、反映该干警且经核查认定属实或部分属实的线索（不论来源）"
            }
            CaseOverdue => "该干警承办、当前环节已过办理期限仍未结案的案件（不受统计期间限制）",
            StageLate => "该干警承办的案件中，统计期间内办结但晚于期限的环节",
            Inquiry => "统计期间内该干警过问案件的登记记录（未认定为干预）",
            Interference => "统计期间内该干警过问案件、被认定为干预司法的登记记录",
            ReviewFlawed => "该干警承办或作出决定的案件，统计期间内评查为瑕疵",
            ReviewFailed => "该干警承办或作出决定的案件，统计期间内评查为不合格",
            ReviewDefect => "上述评查（任何等级）中发现的问题，每项计一次",
            SelfReportStrict => "统计期间内查实的问题，与自查报告比对后决定从严处理（未如实自查）",
            SelfReportPartial => {
                "统计期间内查实的问题，与自查报告比对后决定部分从宽（只自查了一部分）"
            }
        }
    }

    /// The form field of this kind's weight on the settings page.
    pub fn field(self) -> &'static str {
        use FactKind::*;
        match self {
            Clue => "weight_clue",
            Complaint => "weight_complaint",
            ClueSubstantiated => "weight_clue_substantiated",
            CaseOverdue => "weight_case_overdue",
            StageLate => "weight_stage_late",
            Inquiry => "weight_inquiry",
            Interference => "weight_interference",
            ReviewFlawed => "weight_review_flawed",
            ReviewFailed => "weight_review_failed",
            ReviewDefect => "weight_review_defect",
            SelfReportStrict => "weight_self_report_strict",
            SelfReportPartial => "weight_self_report_partial",
        }
    }
}

string_enum! {
    /// Where a score stands against the two thresholds.
    pub enum Level ("预警等级") {
        Normal = ("normal", "正常"),
        Watch = ("watch", "关注"),
        Alert = ("alert", "预警"),
    }
}

/// Points per fact, one field per kind (so stored JSON reads plainly and a missing key takes its default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Weights {
    pub clue: u32,
    pub complaint: u32,
    pub clue_substantiated: u32,
    pub case_overdue: u32,
    pub stage_late: u32,
    pub inquiry: u32,
    pub interference: u32,
    pub review_flawed: u32,
    pub review_failed: u32,
    pub review_defect: u32,
    pub self_report_strict: u32,
    pub self_report_partial: u32,
}

impl Default for Weights {
    /// A substantiated clue or an interference weighs most; a plain inquiry or a late stage least.
    fn default() -> Self {
        Weights {
            clue: 3,
            complaint: 2,
            clue_substantiated: 10,
            case_overdue: 2,
            stage_late: 1,
            inquiry: 1,
            interference: 5,
            review_flawed: 2,
            review_failed: 6,
            review_defect: 1,
            self_report_strict: 6,
            self_report_partial: 3,
        }
    }
}

impl Weights {
    pub fn get(&self, k: FactKind) -> u32 {
        use FactKind::*;
        match k {
            Clue => self.clue,
            Complaint => self.complaint,
            ClueSubstantiated => self.clue_substantiated,
            CaseOverdue => self.case_overdue,
            StageLate => self.stage_late,
            Inquiry => self.inquiry,
            Interference => self.interference,
            ReviewFlawed => self.review_flawed,
            ReviewFailed => self.review_failed,
            ReviewDefect => self.review_defect,
            SelfReportStrict => self.self_report_strict,
            SelfReportPartial => self.self_report_partial,
        }
    }

    pub fn set(&mut self, k: FactKind, v: u32) {
        use FactKind::*;
        let slot = match k {
            Clue => &mut self.clue,
            Complaint => &mut self.complaint,
            ClueSubstantiated => &mut self.clue_substantiated,
            CaseOverdue => &mut self.case_overdue,
            StageLate => &mut self.stage_late,
            Inquiry => &mut self.inquiry,
            Interference => &mut self.interference,
            ReviewFlawed => &mut self.review_flawed,
            ReviewFailed => &mut self.review_failed,
            ReviewDefect => &mut self.review_defect,
            SelfReportStrict => &mut self.self_report_strict,
            SelfReportPartial => &mut self.self_report_partial,
        };
        *slot = v;
    }
}

pub const MIN_WINDOW_DAYS: u32 = 30;
pub const MAX_WINDOW_DAYS: u32 = 1095;
pub const MAX_WEIGHT: u32 = 100;
pub const MAX_THRESHOLD: u32 = 10_000;

/// What the office sets: the window, the two thresholds and the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct WarningSettings {
    /// The rolling window in days, ending today (today included).
    pub window_days: u32,
    /// A score at or above this is 关注.
    pub watch: u32,
    /// A score at or above this is 预警.
    pub alert: u32,
    pub weights: Weights,
}

impl Default for WarningSettings {
    fn default() -> Self {
        WarningSettings {
            window_days: 365,
            watch: 10,
            alert: 20,
            weights: Weights::default(),
        }
    }
}

/// The settings form as typed: every value a string, weights keyed by kind.
#[derive(Clone, Debug, Default)]
pub struct SettingsInput {
    pub window_days: String,
    pub watch: String,
    pub alert: String,
    pub weights: Vec<(FactKind, String)>,
}

fn whole(v: &str, min: u32, max: u32) -> Option<u32> {
    v.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
}

/// Checks the form and returns the settings, or every field's message at once.
pub fn parse_settings(input: &SettingsInput) -> Result<WarningSettings, Vec<DomainError>> {
    let mut errors = Vec::new();
    let window_days = whole(&input.window_days, MIN_WINDOW_DAYS, MAX_WINDOW_DAYS);
    if window_days.is_none() {
        errors.push(DomainError::field(
            "window_days",
            format!("统计期间应为{MIN_WINDOW_DAYS}至{MAX_WINDOW_DAYS}之间的整数（天）"),
        ));
    }
    let watch = whole(&input.watch, 1, MAX_THRESHOLD);
    if watch.is_none() {
        errors.push(DomainError::field(
            "watch",
            format!("「关注」分数线应为1至{MAX_THRESHOLD}之间的整数"),
        ));
    }
    let alert = whole(&input.alert, 1, MAX_THRESHOLD);
    if alert.is_none() {
        errors.push(DomainError::field(
            "alert",
            format!("「预警」分数线应为1至{MAX_THRESHOLD}之间的整数"),
        ));
    }
    let mut weights = Weights::default();
    let mut all_weights = true;
    for k in FactKind::all() {
        let typed = input
            .weights
            .iter()
            .find(|(kind, _)| kind == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        match whole(typed, 0, MAX_WEIGHT) {
            Some(w) => weights.set(*k, w),
            None => {
                all_weights = false;
                errors.push(DomainError::field(
                    k.field(),
                    format!("「{}」的分值应为0至{MAX_WEIGHT}之间的整数", k.label()),
                ));
            }
        }
    }
    let (Some(window_days), Some(watch), Some(alert), true) =
        (window_days, watch, alert, all_weights)
    else {
        return Err(errors);
    };
    let s = WarningSettings {
        window_days,
        watch,
        alert,
        weights,
    };
    s.check().map_err(|mut e| {
        errors.append(&mut e);
        errors
    })?;
    Ok(s)
}

impl WarningSettings {
    /// The rules that tie fields together; `parse_settings` has checked each field on its own.
    pub fn check(&self) -> Result<(), Vec<DomainError>> {
        let mut errors = Vec::new();
        if !(MIN_WINDOW_DAYS..=MAX_WINDOW_DAYS).contains(&self.window_days) {
            errors.push(DomainError::field(
                "window_days",
                format!("统计期间应为{MIN_WINDOW_DAYS}至{MAX_WINDOW_DAYS}之间的整数（天）"),
            ));
        }
        if self.watch == 0 || self.watch > MAX_THRESHOLD {
            errors.push(DomainError::field(
                "watch",
                format!("「关注」分数线应为1至{MAX_THRESHOLD}之间的整数"),
            ));
        }
        if self.alert <= self.watch || self.alert > MAX_THRESHOLD {
            errors.push(DomainError::field(
                "alert",
                format!(
                    "「预警」分数线应高于「关注」分数线（{}），且不超过{MAX_THRESHOLD}",
                    self.watch
                ),
            ));
        }
        let w = &self.weights;
        if let Some(k) = FactKind::all().iter().find(|k| w.get(**k) > MAX_WEIGHT) {
            errors.push(DomainError::field(
                k.field(),
                format!("「{}」的分值应为0至{MAX_WEIGHT}之间的整数", k.label()),
            ));
        }
        if FactKind::all().iter().all(|k| w.get(*k) == 0) {
            errors.push(DomainError::field(
                "form",
                "各类事实的分值不能全部为0，否则无法发现风险",
            ));
        }
        // A finding that was proved must never weigh less than the same kind of thing still unproved.
        let pairs = [
            (FactKind::ClueSubstantiated, FactKind::Clue),
            (FactKind::ClueSubstantiated, FactKind::Complaint),
            (FactKind::Interference, FactKind::Inquiry),
            (FactKind::ReviewFailed, FactKind::ReviewFlawed),
            (FactKind::SelfReportStrict, FactKind::SelfReportPartial),
        ];
        for (heavier, lighter) in pairs {
            if w.get(heavier) < w.get(lighter) {
                errors.push(DomainError::field(
                    heavier.field(),
                    format!(
                        "「{}」的分值（{}）不应低于「{}」的分值（{}）",
                        heavier.label(),
                        w.get(heavier),
                        lighter.label(),
                        w.get(lighter)
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The level of a score: 预警 from `alert` up, 关注 from `watch` up, otherwise 正常.
    pub fn level(&self, score: u64) -> Level {
        if score >= u64::from(self.alert) {
            Level::Alert
        } else if score >= u64::from(self.watch) {
            Level::Watch
        } else {
            Level::Normal
        }
    }

    /// The first day of the window that ends on `today` (both days counted).
    pub fn since(&self, today: NaiveDate) -> NaiveDate {
        today
            .checked_sub_days(Days::new(u64::from(self.window_days.max(1)) - 1))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// How many facts of each kind an officer has; kinds not present count zero.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FactCounts(pub BTreeMap<FactKind, u64>);

impl FactCounts {
    pub fn get(&self, k: FactKind) -> u64 {
        self.0.get(&k).copied().unwrap_or(0)
    }

    /// From stored `{"clue": 2, …}`: unknown keys (a kind since retired) and negative numbers are dropped.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, i64)>) -> FactCounts {
        FactCounts(
            pairs
                .into_iter()
                .filter_map(|(k, n)| {
                    let kind = FactKind::parse(k).ok()?;
                    u64::try_from(n).ok().filter(|n| *n > 0).map(|n| (kind, n))
                })
                .collect(),
        )
    }
}

/// One kind's share of a score: count × weight = points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub kind: FactKind,
    pub count: u64,
    pub weight: u32,
    pub points: u64,
}

impl Line {
    /// "问题线索 2条 × 3分 = 6分"
    pub fn text(&self) -> String {
        format!(
            "{} {}{} × {}分 = {}分",
            self.kind.label(),
            self.count,
            self.kind.unit(),
            self.weight,
            self.points
        )
    }
}

/// A score with the facts behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub score: u64,
    pub level: Level,
    /// Kinds with at least one fact, in the order of `FactKind::all()`.
    pub lines: Vec<Line>,
}

impl Assessment {
    /// All lines on one line, for lists and exports.
    pub fn summary(&self) -> String {
        if self.lines.is_empty() {
            return "统计期间内无计分事实".into();
        }
        self.lines
            .iter()
            .map(Line::text)
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// Score = Σ weight × count over the kinds, and its level.
pub fn assess(counts: &FactCounts, settings: &WarningSettings) -> Assessment {
    let lines: Vec<Line> = FactKind::all()
        .iter()
        .filter_map(|k| {
            let count = counts.get(*k);
            (count > 0).then(|| {
                let weight = settings.weights.get(*k);
                Line {
                    kind: *k,
                    count,
                    weight,
                    points: count.saturating_mul(u64::from(weight)),
                }
            })
        })
        .collect();
    let score = lines.iter().fold(0u64, |s, l| s.saturating_add(l.points));
    Assessment {
        score,
        level: settings.level(score),
        lines,
    }
}

/// A unit's score per 100 officers (its officers' scores summed); `None` for a unit with no officers.
pub fn per_hundred(score_sum: i64, officers: i64) -> Option<f64> {
    (officers > 0).then(|| score_sum.max(0) as f64 * 100.0 / officers as f64)
}

/// Heat of a value among values up to `max`: 0 for nothing at all, then 1 (coolest) to 5 (hottest) by
/// fifths of the largest value shown.
pub fn heat_band(value: f64, max: f64) -> u8 {
    if value <= 0.0 || max <= 0.0 {
        return 0;
    }
    let share = (value / max).min(1.0);
    ((share * 5.0).ceil() as u8).clamp(1, 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input_of(s: &WarningSettings) -> SettingsInput {
        SettingsInput {
            window_days: s.window_days.to_string(),
            watch: s.watch.to_string(),
            alert: s.alert.to_string(),
            weights: FactKind::all()
                .iter()
                .map(|k| (*k, s.weights.get(*k).to_string()))
                .collect(),
        }
    }

    fn fields(errors: &[DomainError]) -> Vec<&'static str> {
        errors.iter().filter_map(|e| e.field).collect()
    }

    #[test]
    fn the_defaults_are_valid_and_round_trip_through_the_form() {
        let d = WarningSettings::default();
        assert_eq!(d.check(), Ok(()));
        assert_eq!(parse_settings(&input_of(&d)), Ok(d));
    }

    #[test]
    fn a_score_explains_itself_from_counts_and_weights() {
        let s = WarningSettings::default();
        let counts = FactCounts::from_pairs([
            ("clue", 2),
            ("interference", 1),
            ("review_defect", 3),
            ("stage_late", 0),
            ("retired_kind", 9),
            ("inquiry", -4),
        ]);
        let a = assess(&counts, &s);
        // 2 × 3 + 1 × 5 + 3 × 1, written out by hand from the defaults.
        assert_eq!(a.score, 14);
        assert_eq!(a.level, Level::Watch);
        assert_eq!(
            a.lines.iter().map(Line::text).collect::<Vec<_>>(),
            vec![
                "问题线索 2条 × 3分 = 6分",
                "过问案件被认定为干预 1次 × 5分 = 5分",
                "评查发现的问题 3项 × 1分 = 3分",
            ]
        );
        assert_eq!(
            a.summary(),
            "问题线索 2条 × 3分 = 6分；过问案件被认定为干预 1次 × 5分 = 5分；评查发现的问题 3项 × 1分 = 3分"
        );
        let none = assess(&FactCounts::default(), &s);
        assert_eq!((none.score, none.level), (0, Level::Normal));
        assert_eq!(none.summary(), "统计期间内无计分事实");
    }

    #[test]
    fn levels_change_exactly_at_the_thresholds() {
        let s = WarningSettings {
            watch: 10,
            alert: 20,
            ..WarningSettings::default()
        };
        assert_eq!(s.level(0), Level::Normal);
        assert_eq!(s.level(9), Level::Normal);
        assert_eq!(s.level(10), Level::Watch);
        assert_eq!(s.level(19), Level::Watch);
        assert_eq!(s.level(20), Level::Alert);
        assert_eq!(s.level(u64::MAX), Level::Alert);
    }

    #[test]
    fn the_window_ends_today_and_counts_both_ends() {
        let s = WarningSettings {
            window_days: 30,
            ..WarningSettings::default()
        };
        let today = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        assert_eq!(s.since(today), NaiveDate::from_ymd_opt(2025, 3, 2).unwrap());
        let year = WarningSettings::default();
        assert_eq!(
            year.since(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()),
            NaiveDate::from_ymd_opt(2024, 1, 3).unwrap(),
            "2024 is a leap year: 365 days ending 2025-01-01 start 2024-01-03"
        );
    }

    #[test]
    fn bad_settings_name_every_field_in_chinese() {
        let mut i = input_of(&WarningSettings::default());
        i.window_days = "29".into();
        i.watch = "abc".into();
        i.alert = "".into();
        i.weights[0].1 = "101".into();
        i.weights[1].1 = "-1".into();
        i.weights[2].1 = "2.5".into();
        let e = parse_settings(&i).unwrap_err();
        assert_eq!(
            fields(&e),
            vec![
                "window_days",
                "watch",
                "alert",
                "weight_clue",
                "weight_complaint",
                "weight_clue_substantiated"
            ]
        );
        assert!(e[0].message.contains("30至1095"), "{}", e[0].message);
        assert!(e[3].message.contains("「问题线索」"), "{}", e[3].message);

        let mut i = input_of(&WarningSettings::default());
        i.window_days = "1096".into();
        assert_eq!(
            fields(&parse_settings(&i).unwrap_err()),
            vec!["window_days"]
        );
        for ok in ["30", " 1095 "] {
            i.window_days = ok.into();
            assert!(parse_settings(&i).is_ok(), "{ok}");
        }
        let mut i = input_of(&WarningSettings::default());
        i.weights.retain(|(k, _)| *k != FactKind::StageLate);
        assert_eq!(
            fields(&parse_settings(&i).unwrap_err()),
            vec!["weight_stage_late"],
            "a missing weight is an error, not a silent default"
        );
    }

    #[test]
    fn thresholds_and_weights_must_hang_together() {
        let mut i = input_of(&WarningSettings::default());
        i.watch = "20".into();
        i.alert = "20".into();
        let e = parse_settings(&i).unwrap_err();
        assert_eq!(fields(&e), vec!["alert"]);
        assert!(e[0].message.contains("应高于「关注」分数线（20）"));
        i.alert = "21".into();
        assert!(parse_settings(&i).is_ok());
        i.watch = "0".into();
        assert_eq!(fields(&parse_settings(&i).unwrap_err()), vec!["watch"]);

        let mut i = input_of(&WarningSettings::default());
        for (k, v) in i.weights.iter_mut() {
            *v = if *k == FactKind::Inquiry { "4" } else { "3" }.into();
        }
        let e = parse_settings(&i).unwrap_err();
        assert_eq!(fields(&e), vec!["weight_interference"]);
        assert_eq!(
            e[0].message,
            "「过问案件被认定为干预」的分值（3）不应低于「过问案件」的分值（4）"
        );

        let mut i = input_of(&WarningSettings::default());
        for (_, v) in i.weights.iter_mut() {
            *v = "0".into();
        }
        assert_eq!(fields(&parse_settings(&i).unwrap_err()), vec!["form"]);
    }

    #[test]
    fn stored_json_may_lack_keys_and_takes_the_defaults() {
        let s: WarningSettings =
            serde_json::from_str(r#"{"watch": 12, "weights": {"clue": 4}}"#).unwrap();
        assert_eq!(s.watch, 12);
        assert_eq!(s.alert, 20);
        assert_eq!(s.weights.clue, 4);
        assert_eq!(s.weights.complaint, 2);
        let back: WarningSettings =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn units_per_hundred_officers_and_heat() {
        assert_eq!(per_hundred(0, 0), None);
        assert_eq!(per_hundred(45, 30), Some(150.0));
        assert_eq!(heat_band(0.0, 10.0), 0);
        assert_eq!(heat_band(1.0, 10.0), 1);
        assert_eq!(heat_band(2.0, 10.0), 1);
        assert_eq!(heat_band(2.1, 10.0), 2);
        assert_eq!(heat_band(8.1, 10.0), 5);
        assert_eq!(heat_band(10.0, 10.0), 5);
        assert_eq!(heat_band(3.0, 0.0), 0);
    }
}
