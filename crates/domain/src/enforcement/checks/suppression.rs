//! 有案不立、压案不查、有罪不究: cases past the filing limit, cases idle in one stage, and withdrawal
//! rates far above their peers'.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::rules::{Evidence, IDLE_STAGES, RuleSettings, minus_days, stage_label, ymd};

/// One case as the case rules see it.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub number: String,
    pub title: String,
    pub unit_name: String,
    pub handler_name: String,
    pub stage: String,
    pub received_on: NaiveDate,
    pub stage_since: NaiveDate,
}

/// Cases received before this day are past the filing limit on `today`.
pub fn filing_cutoff(today: NaiveDate, s: &RuleSettings) -> NaiveDate {
    minus_days(today, s.get("days"))
}

/// 有案不立: still at `received`, no filing decision, and the limit has run out (the limit's last day
/// itself is not yet late).
pub fn pending_filing(
    c: &CaseFacts,
    has_filing: bool,
    today: NaiveDate,
    s: &RuleSettings,
) -> Option<Evidence> {
    let days = s.get("days");
    if c.stage != "received" || has_filing || c.received_on >= filing_cutoff(today, s) {
        return None;
    }
    let due = c.received_on + Days::new(days as u64);
    Some(
        Evidence::new(format!(
            "案件于{}受案，至{}仍未作出立案决定，超过设定的{}天期限（最迟应于{}作出决定）。",
            ymd(c.received_on),
            ymd(today),
            days,
            ymd(due)
        ))
        .fact("案号", c.number.clone())
        .fact("案件名称", c.title.clone())
        .fact("办案单位", c.unit_name.clone())
        .fact("承办人", c.handler_name.clone())
        .fact("受案日期", ymd(c.received_on))
        .fact("当前阶段", "受案（无立案决定）")
        .fact("设定期限", format!("{days}天")),
    )
}

/// Cases whose current stage began before this day have idled too long on `today`.
pub fn idle_cutoff(today: NaiveDate, s: &RuleSettings) -> NaiveDate {
    minus_days(today, s.get("days"))
}

/// 压案不查: not closed, and in the same stage longer than the limit.
pub fn idle_case(c: &CaseFacts, today: NaiveDate, s: &RuleSettings) -> Option<Evidence> {
    let days = s.get("days");
    if !IDLE_STAGES.contains(&c.stage.as_str()) || c.stage_since >= idle_cutoff(today, s) {
        return None;
    }
    let due = c.stage_since + Days::new(days as u64);
    Some(
        Evidence::new(format!(
            "案件自{}起停留在{}阶段，至{}未向下推进，超过设定的{}天期限（应于{}前推进）。",
            ymd(c.stage_since),
            stage_label(&c.stage),
            ymd(today),
            days,
            ymd(due)
        ))
        .fact("案号", c.number.clone())
        .fact("案件名称", c.title.clone())
        .fact("办案单位", c.unit_name.clone())
        .fact("承办人", c.handler_name.clone())
        .fact("受案日期", ymd(c.received_on))
        .fact("当前阶段", stage_label(&c.stage).to_string())
        .fact("进入本阶段日期", ymd(c.stage_since))
        .fact("设定期限", format!("{days}天")),
    )
}

/// The statistics period ending `today`: cases received from the first day through `today`.
pub fn withdrawal_window(today: NaiveDate, s: &RuleSettings) -> (NaiveDate, NaiveDate) {
    (minus_days(today, s.get("window_days") - 1), today)
}

/// One unit's or one handler's counts in the statistics period.
#[derive(Debug, Clone)]
pub struct RateRow {
    pub name: String,
    /// What makes peers: the kind of unit (法院, 检察院, 公安…), by its label.
    pub group: String,
    pub total: i64,
    pub withdrawn: i64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// 有罪不究: rows whose withdrawal rate is above `factor` × the median of their group (rows with at least
/// `min_cases` cases, groups of at least `min_peers`) and at least `min_rate`. Returns (row index, why).
pub fn unusual_withdrawal_rates(
    rows: &[RateRow],
    by_handler: bool,
    window: (NaiveDate, NaiveDate),
    s: &RuleSettings,
) -> Vec<(usize, Evidence)> {
    let min_cases = s.get("min_cases");
    let factor = s.get("factor_pct") as f64 / 100.0;
    let min_rate = s.get("min_rate_pct") as f64 / 100.0;
    let min_peers = s.get("min_peers") as usize;
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.total >= min_cases && r.total > 0 {
            groups.entry(r.group.as_str()).or_default().push(i);
        }
    }
    let rate = |r: &RateRow| r.withdrawn as f64 / r.total as f64;
    let mut out = Vec::new();
    for (group, members) in groups {
        if members.len() < min_peers {
            continue;
        }
        let med = median(members.iter().map(|&i| rate(&rows[i])).collect());
        for &i in &members {
            let r = &rows[i];
            let x = rate(r);
            if x < min_rate || x <= med * factor {
                continue;
            }
            let who = if by_handler {
                "承办人"
            } else {
                "办案单位"
            };
            let times = if med > 0.0 {
                format!("是同类中位数的{:.1}倍", x / med)
            } else {
                "而同类中位数为0".to_string()
            };
            out.push((
                i,
                Evidence::new(format!(
                    "{}至{}受案{}件中撤案、不予立案{}件，比例{}，{}，超过设定的{:.1}倍且不低于{}。",
                    ymd(window.0),
                    ymd(window.1),
                    r.total,
                    r.withdrawn,
                    pct(x),
                    times,
                    factor,
                    pct(min_rate)
                ))
                .fact(who, r.name.clone())
                .fact("统计期", format!("{} 至 {}", ymd(window.0), ymd(window.1)))
                .fact("受案数", r.total.to_string())
                .fact("撤案、不予立案数", r.withdrawn.to_string())
                .fact("比例", pct(x))
                .fact(
                    "同类",
                    format!(
                        "{group}类{}，共{}个（受案不少于{}件）",
                        if by_handler {
                            "单位的承办人"
                        } else {
                            "单位"
                        },
                        members.len(),
                        min_cases
                    ),
                )
                .fact("同类中位数", pct(med)),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enforcement::checks::CheckRule;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn rates_far_above_the_median_are_flagged() {
        let s = RuleSettings::defaults(CheckRule::WithdrawalRate);
        let row = |name: &str, total, withdrawn| RateRow {
            name: name.into(),
            group: "公安".into(),
            total,
            withdrawn,
        };
        let rows = vec![
            row("甲", 100, 10),
            row("乙", 100, 12),
            row("丙", 100, 8),
            row("丁", 100, 40),
            row("戊", 5, 5),
        ];
        let w = (d("2024-01-01"), d("2024-12-31"));
        let hits = unusual_withdrawal_rates(&rows, false, w, &s);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![3]);
        assert!(hits[0].1.because.contains("40.0%"), "{}", hits[0].1.because);
    }
}
