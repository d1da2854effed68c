//! 违规减刑、假释、暂予监外执行: the three kinds of offenders, commutations sooner than the minimum
//! interval, and medical parole extended again and again.

use chrono::NaiveDate;

use super::records::{ChangeKind, CrimeType, SentenceType};
use super::rules::{Evidence, RuleSettings, id_shown, plus_months, ymd};

/// One sentence-change record as the commutation rules see it.
#[derive(Debug, Clone)]
pub struct SentenceFacts {
    pub offender_name: String,
    pub offender_masked: String,
    pub offender_hash: String,
    pub crime: CrimeType,
    pub sentence: SentenceType,
    pub kind: ChangeKind,
    pub decided_on: NaiveDate,
    pub previous_on: Option<NaiveDate>,
    pub extensions: Option<i64>,
    pub unit_name: String,
    /// "name（警号 X）", the badge alone when not on the roster, or empty.
    pub decider: String,
}

impl SentenceFacts {
    fn base(&self, because: String) -> Evidence {
        let mut e = Evidence::new(because)
            .fact("罪犯", self.offender_name.clone())
            .fact(
                "罪犯身份证号",
                id_shown(&self.offender_masked, &self.offender_hash),
            )
            .fact("罪名类别", self.crime.label())
            .fact("刑罚种类", self.sentence.label())
            .fact("变更类型", self.kind.label())
            .fact("裁定（决定）日期", ymd(self.decided_on));
        if let Some(p) = self.previous_on {
            e = e.fact("上次减刑（变更）日期", ymd(p));
        }
        if let Some(n) = self.extensions {
            e = e.fact("暂予监外执行延长次数", n.to_string());
        }
        e = e.fact("法院或监狱", self.unit_name.clone());
        if !self.decider.is_empty() {
            e = e.fact("决定人", self.decider.clone());
        }
        e
    }
}

/// 三类罪犯: every change for duty, financial and organised-crime offenders is reviewed.
pub fn three_kinds(f: &SentenceFacts) -> Option<Evidence> {
    f.crime.is_three_kinds().then(|| {
        f.base(format!(
            "{}罪犯的{}属于须逐案复查的“三类罪犯”减刑、假释、暂予监外执行。",
            f.crime.label(),
            f.kind.label()
        ))
    })
}

/// The shortest interval between two commutations for this offender, in months.
pub fn minimum_interval_months(crime: CrimeType, sentence: SentenceType, s: &RuleSettings) -> i64 {
    let by_sentence = match sentence {
        SentenceType::FixedTerm => s.get("fixed_term_months"),
        SentenceType::Life => s.get("life_months"),
        SentenceType::DeathReprieve => s.get("death_reprieve_months"),
    };
    if crime.is_three_kinds() {
        by_sentence.max(s.get("three_kinds_months"))
    } else {
        by_sentence
    }
}

/// A commutation decided before the previous one plus the minimum interval (a calendar interval: the
/// same day N months later is the first day allowed).
pub fn commutation_interval(f: &SentenceFacts, s: &RuleSettings) -> Option<Evidence> {
    let previous = f.previous_on?;
    if f.kind != ChangeKind::Commutation {
        return None;
    }
    let months = minimum_interval_months(f.crime, f.sentence, s);
    let earliest = plus_months(previous, months);
    if f.decided_on >= earliest {
        return None;
    }
    let short = (earliest - f.decided_on).num_days();
    Some(
        f.base(format!(
            "上次减刑为{}，本次减刑裁定为{}，间隔短于规定的{}个月（最早可于{}），相差{}天。",
            ymd(previous),
            ymd(f.decided_on),
            months,
            ymd(earliest),
            short
        ))
        .fact("规定最短间隔", format!("{months}个月"))
        .fact("最早可减刑日期", ymd(earliest)),
    )
}

/// Medical parole (暂予监外执行) extended the set number of times or more.
pub fn medical_renewals(f: &SentenceFacts, s: &RuleSettings) -> Option<Evidence> {
    let n = f.extensions?;
    let max = s.get("max_times");
    if f.kind != ChangeKind::MedicalParole || n < max {
        return None;
    }
    Some(
        f.base(format!(
            "暂予监外执行已延长{n}次，达到设定的{max}次，须复查病情鉴定和延长理由。"
        ))
        .fact("设定次数", format!("{max}次")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enforcement::checks::CheckRule;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn interval_is_calendar_months() {
        let s = RuleSettings::defaults(CheckRule::CommutationInterval);
        let f = |decided: &str, crime| SentenceFacts {
            offender_name: "张某".into(),
            offender_masked: "x".into(),
            offender_hash: "y".into(),
            crime,
            sentence: SentenceType::FixedTerm,
            kind: ChangeKind::Commutation,
            decided_on: d(decided),
            previous_on: Some(d("2023-03-01")),
            extensions: None,
            unit_name: "监狱".into(),
            decider: String::new(),
        };
        assert!(commutation_interval(&f("2024-02-29", CrimeType::Other), &s).is_some());
        assert!(commutation_interval(&f("2024-03-01", CrimeType::Other), &s).is_none());
        assert!(commutation_interval(&f("2025-02-28", CrimeType::Duty), &s).is_some());
        assert!(commutation_interval(&f("2025-03-01", CrimeType::Duty), &s).is_none());
    }
}
