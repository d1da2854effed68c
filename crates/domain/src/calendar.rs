//! Working days (工作日). Legal time limits are counted in working days: weekends and the public
//! holidays are off, except the weekend days the State Council turns into working days (调休上班).
//! The built-in table holds the published notices; an administrator's table is laid over it.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, Weekday};

/// Public holidays from the State Council General Office's notices on holiday arrangements
/// (国务院办公厅关于部分节假日安排的通知): (year, month, first day, number of days).
/// Weekend days inside a run are listed too; they are off either way.
const HOLIDAYS: &[(i32, u32, u32, u32)] = &[
    // 2024 (国办发明电〔2023〕7号)
    (2024, 1, 1, 1),  // 元旦
    (2024, 2, 10, 8), // 春节 2.10–2.17
    (2024, 4, 4, 3),  // 清明节
    (2024, 5, 1, 5),  // 劳动节
    (2024, 6, 10, 1), // 端午节
    (2024, 9, 15, 3), // 中秋节
    (2024, 10, 1, 7), // 国庆节
    // 2025 (国办发明电〔2024〕12号)
    (2025, 1, 1, 1),  // 元旦
    (2025, 1, 28, 8), // 春节 1.28–2.4
    (2025, 4, 4, 3),  // 清明节
    (2025, 5, 1, 5),  // 劳动节
    (2025, 5, 31, 3), // 端午节 5.31–6.2
    (2025, 10, 1, 8), // 国庆节、中秋节
    // 2026 (国务院办公厅 2025年11月4日通知)
    (2026, 1, 1, 3),  // 元旦
    (2026, 2, 15, 9), // 春节 2.15–2.23
    (2026, 4, 4, 3),  // 清明节
    (2026, 5, 1, 5),  // 劳动节
    (2026, 6, 19, 3), // 端午节
    (2026, 9, 25, 3), // 中秋节
    (2026, 10, 1, 7), // 国庆节
];

/// Weekend days that are working days (调休上班), from the same notices.
const MAKEUP_WORKDAYS: &[(i32, u32, u32)] = &[
    // 2024
    (2024, 2, 4),
    (2024, 2, 18),
    (2024, 4, 7),
    (2024, 4, 28),
    (2024, 5, 11),
    (2024, 9, 14),
    (2024, 9, 29),
    (2024, 10, 12),
    // 2025
    (2025, 1, 26),
    (2025, 2, 8),
    (2025, 4, 27),
    (2025, 9, 28),
    (2025, 10, 11),
    // 2026
    (2026, 1, 4),
    (2026, 2, 14),
    (2026, 2, 28),
    (2026, 5, 9),
    (2026, 9, 20),
    (2026, 10, 10),
];

/// Which days are working days. Cheap to clone; build once at start and share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
}

impl WorkCalendar {
    /// Monday to Friday, nothing else known. Mostly for tests.
    pub fn weekends_only() -> Self {
        WorkCalendar::default()
    }

    /// Weekends plus the official holidays and make-up working days of 2024, 2025 and 2026.
    /// Later years count weekends only until their notice is added here or by the administrator.
    pub fn china() -> Self {
        let mut cal = WorkCalendar::default();
        for &(y, m, d, days) in HOLIDAYS {
            let first = NaiveDate::from_ymd_opt(y, m, d).expect("valid date in holiday table");
            cal.holidays.extend(first.iter_days().take(days as usize));
        }
        for &(y, m, d) in MAKEUP_WORKDAYS {
            cal.workdays
                .insert(NaiveDate::from_ymd_opt(y, m, d).expect("valid date in workday table"));
        }
        cal
    }

    /// Lays the administrator's table over this one: a listed holiday is off even if it was a
    /// working day, a listed working day is on even if it was a holiday. A date in both lists is a
    /// working day (the later list wins).
    pub fn with_overrides(
        mut self,
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        for d in holidays {
            self.workdays.remove(&d);
            self.holidays.insert(d);
        }
        for d in workdays {
            self.holidays.remove(&d);
            self.workdays.insert(d);
        }
        self
    }

    pub fn is_workday(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// Whether any holiday of `year` is known, so the app can warn that a year's notice is missing.
    pub fn knows_year(&self, year: i32) -> bool {
        self.holidays.iter().any(|d| d.year() == year)
    }

    /// The n-th working day after `start` (`start` itself is not counted); `start` when n = 0.
    /// A limit of n working days that begins on `start` ends at the close of this day.
    pub fn add_workdays(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_workday(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in (from, to]; negative, counting (to, from], when `to` is before `from`.
    /// So `workdays_between(start, add_workdays(start, n)) == n`.
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.workdays_between(to, from);
        }
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_workday(*d))
            .count() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tables_are_sane() {
        // every make-up working day is a weekend day, every listed holiday run avoids them
        for &(y, m, day) in MAKEUP_WORKDAYS {
            let w = d(y, m, day).weekday();
            assert!(matches!(w, Weekday::Sat | Weekday::Sun), "{y}-{m}-{day}");
        }
        let cal = WorkCalendar::china();
        for w in &cal.workdays {
            assert!(!cal.holidays.contains(w), "{w}");
        }
        assert!(cal.knows_year(2024) && cal.knows_year(2025) && cal.knows_year(2026));
        assert!(!cal.knows_year(2027));
    }

    #[test]
    fn national_day_2025() {
        let cal = WorkCalendar::china();
        for day in 1..=8 {
            assert!(!cal.is_workday(d(2025, 10, day)), "2025-10-{day}");
        }
        assert!(cal.is_workday(d(2025, 9, 28)), "make-up Sunday");
        assert!(cal.is_workday(d(2025, 10, 11)), "make-up Saturday");
        assert!(cal.is_workday(d(2025, 10, 9)));
        assert!(!cal.is_workday(d(2025, 10, 12)), "ordinary Sunday");
        // Fri 09-26 + 1 → Sun 09-28; + 3 → Tue 09-30; + 4 → Thu 10-09 over the holiday
        assert_eq!(cal.add_workdays(d(2025, 9, 26), 1), d(2025, 9, 28));
        assert_eq!(cal.add_workdays(d(2025, 9, 26), 3), d(2025, 9, 30));
        assert_eq!(cal.add_workdays(d(2025, 9, 26), 4), d(2025, 10, 9));
        assert_eq!(cal.add_workdays(d(2025, 9, 30), 3), d(2025, 10, 11));
        assert_eq!(cal.workdays_between(d(2025, 9, 30), d(2025, 10, 10)), 2);
    }

    #[test]
    fn spring_festival_2026() {
        let cal = WorkCalendar::china();
        for day in 15..=23 {
            assert!(!cal.is_workday(d(2026, 2, day)), "2026-02-{day}");
        }
        assert!(cal.is_workday(d(2026, 2, 14)), "make-up Saturday before");
        assert!(cal.is_workday(d(2026, 2, 28)), "make-up Saturday after");
        assert!(cal.is_workday(d(2026, 2, 24)));
        // Fri 02-13 → Sat 02-14 (1) → Tue 02-24 (2)
        assert_eq!(cal.add_workdays(d(2026, 2, 13), 2), d(2026, 2, 24));
        assert_eq!(cal.workdays_between(d(2026, 2, 13), d(2026, 2, 24)), 2);
    }

    #[test]
    fn spring_festival_2024_makeup_sundays() {
        let cal = WorkCalendar::china();
        // Fri 2024-02-02: Sat off, Sun 02-04 is a working day
        assert_eq!(cal.add_workdays(d(2024, 2, 2), 1), d(2024, 2, 4));
        assert_eq!(cal.add_workdays(d(2024, 2, 2), 2), d(2024, 2, 5));
        // Thu 02-08: Fri 02-09 (除夕, not an official holiday in 2024), then 02-10..17 off,
        // Sun 02-18 worked
        assert_eq!(cal.add_workdays(d(2024, 2, 8), 1), d(2024, 2, 9));
        assert_eq!(cal.add_workdays(d(2024, 2, 8), 2), d(2024, 2, 18));
        assert_eq!(cal.add_workdays(d(2024, 2, 8), 3), d(2024, 2, 19));
        // (02-01, 02-29]: 20 weekdays - 5 holiday weekdays + 2 make-up Sundays
        assert_eq!(cal.workdays_between(d(2024, 2, 1), d(2024, 2, 29)), 17);
    }

    #[test]
    fn other_2024_2026_days() {
        let cal = WorkCalendar::china();
        assert!(!cal.is_workday(d(2024, 1, 1)));
        assert!(!cal.is_workday(d(2024, 6, 10)));
        assert!(cal.is_workday(d(2024, 9, 14)));
        assert!(cal.is_workday(d(2024, 10, 12)));
        assert!(!cal.is_workday(d(2025, 1, 1)));
        assert!(cal.is_workday(d(2025, 1, 26)));
        assert!(!cal.is_workday(d(2025, 2, 4)));
        assert!(!cal.is_workday(d(2025, 6, 2)));
        assert!(!cal.is_workday(d(2026, 1, 2)));
        assert!(cal.is_workday(d(2026, 1, 4)));
        assert!(!cal.is_workday(d(2026, 5, 5)));
        assert!(cal.is_workday(d(2026, 5, 9)));
        assert!(!cal.is_workday(d(2026, 9, 25)));
        assert!(cal.is_workday(d(2026, 9, 20)));
        assert!(!cal.is_workday(d(2026, 10, 7)));
        assert!(cal.is_workday(d(2026, 10, 10)));
    }

    #[test]
    fn working_days_per_year() {
        // counted by hand from the notices: weekdays - holidays on weekdays + make-up days
        // 2024: 262 - 19 + 8; 2025: 261 - 18 + 5; 2026: 261 - 19 + 6
        let cal = WorkCalendar::china();
        assert_eq!(cal.workdays_between(d(2023, 12, 31), d(2024, 12, 31)), 251);
        assert_eq!(cal.workdays_between(d(2024, 12, 31), d(2025, 12, 31)), 248);
        assert_eq!(cal.workdays_between(d(2025, 12, 31), d(2026, 12, 31)), 248);
    }

    #[test]
    fn zero_and_negative() {
        let cal = WorkCalendar::china();
        assert_eq!(cal.add_workdays(d(2025, 10, 4), 0), d(2025, 10, 4));
        assert_eq!(cal.workdays_between(d(2025, 10, 4), d(2025, 10, 4)), 0);
        assert_eq!(cal.workdays_between(d(2025, 10, 10), d(2025, 9, 26)), -5);
        assert_eq!(cal.workdays_between(d(2025, 9, 26), d(2025, 10, 10)), 5);
    }

    #[test]
    fn overrides_win() {
        let cal = WorkCalendar::china().with_overrides(
            [d(2025, 3, 3), d(2025, 9, 28)],
            [d(2025, 10, 8), d(2025, 3, 8)],
        );
        assert!(!cal.is_workday(d(2025, 3, 3)), "admin holiday on a Monday");
        assert!(
            !cal.is_workday(d(2025, 9, 28)),
            "admin cancels a make-up day"
        );
        assert!(
            cal.is_workday(d(2025, 10, 8)),
            "admin workday inside the holiday"
        );
        assert!(cal.is_workday(d(2025, 3, 8)), "admin workday on a Saturday");
        let both = WorkCalendar::weekends_only().with_overrides([d(2027, 1, 1)], [d(2027, 1, 1)]);
        assert!(both.is_workday(d(2027, 1, 1)));
        assert!(!both.knows_year(2027));
    }

    proptest! {
        #[test]
        fn add_then_count_round_trips(offset in 0i64..1200, n in 0u32..80) {
            let cal = WorkCalendar::china();
            let start = d(2023, 11, 1) + chrono::Days::new(offset as u64);
            let end = cal.add_workdays(start, n);
            prop_assert_eq!(cal.workdays_between(start, end), i64::from(n));
            prop_assert_eq!(cal.workdays_between(end, start), -i64::from(n));
            if n > 0 {
                prop_assert!(cal.is_workday(end));
            }
        }
    }
}
