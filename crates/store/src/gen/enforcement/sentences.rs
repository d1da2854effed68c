//! Sentence changes as the courts and prisons report them: offenders with their chain of commutations
//! (a few sooner than the minimum interval allows), some paroles, and medical paroles extended again and
//! again; the three kinds of offenders among them.

use chrono::{Days, NaiveDate};
use domain::enforcement::checks::{
    ChangeKind, CheckRule, CrimeType, RuleSettings, SentenceType, minimum_interval_months,
};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::Value;

use super::records::{Records, SENTENCES, add_months};
use super::{Scene, days_before, ymd};
use crate::synth::campaign::Writer;
use crate::{Result, new_id, vals};

/// One change: its kind, the day decided, the previous change, the extension count, the deciding unit.
type Change = (ChangeKind, NaiveDate, Option<NaiveDate>, Option<i32>, usize);

/// Offenders with their chain of commutations (a few sooner than the minimum interval), some paroles,
/// and medical paroles extended again and again. Returns the rows written.
pub(super) async fn generate(
    s: &Scene<'_>,
    r: &mut Records<'_>,
    w: &mut Writer<'_>,
    rng: &mut StdRng,
) -> Result<u64> {
    let units = &s.world.units;
    // Commutations and paroles are ruled by intermediate and higher courts, medical parole by prisons.
    let ruling: Vec<usize> = (0..units.len())
        .filter(|u| units[*u].kind == "court" && units[*u].code.ends_with("-CRT"))
        .filter(|u| {
            units[*u]
                .parent
                .is_some_and(|p| units[p].code.ends_with("-PLC"))
        })
        .collect();
    let prisons: Vec<usize> = (0..units.len())
        .filter(|u| units[*u].kind == "prison" && !s.world.roster[*u].is_empty())
        .collect();
    if ruling.is_empty() || prisons.is_empty() {
        return Ok(0);
    }
    let settings = RuleSettings::defaults(CheckRule::CommutationInterval);
    let today = s.today;
    let start = r.t.written(SENTENCES);
    for i in 0..s.volumes.offenders {
        let p = r.person(rng)?;
        // The first offenders are sure to show each rule once, also in a small city.
        let x: f64 = rng.random();
        let crime = match (i, x) {
            (0, _) => CrimeType::Duty,
            (_, x) if x < 0.03 => CrimeType::Duty,
            (_, x) if x < 0.06 => CrimeType::Financial,
            (_, x) if x < 0.12 => CrimeType::Organised,
            _ => CrimeType::Other,
        };
        let sentence = match rng.random_range(0..20) {
            0..=16 => SentenceType::FixedTerm,
            17..=18 => SentenceType::Life,
            _ => SentenceType::DeathReprieve,
        };
        let mut rows: Vec<Change> = Vec::new();
        if i == 1 || (i > 1 && rng.random_bool(0.05)) {
            let prison = prisons[rng.random_range(0..prisons.len())];
            let extensions: i64 = if i == 1 {
                3
            } else {
                [0, 0, 1, 1, 1, 2, 2, 3, 4][rng.random_range(0..9)]
            };
            // Far enough back that every extension (at most 380 days apart) has happened by today.
            let mut on = days_before(today, rng.random_range(60..=400) + extensions * 380);
            for n in 0..=extensions {
                if on > today {
                    break;
                }
                rows.push((ChangeKind::MedicalParole, on, None, Some(n as i32), prison));
                on = on + Days::new(rng.random_range(150..=380));
            }
        } else {
            let court = ruling[rng.random_range(0..ruling.len())];
            let months = minimum_interval_months(crime, sentence, &settings);
            let (back, times) = if i == 0 {
                (months * 31 + 60, 2)
            } else {
                (rng.random_range(200..=2200), rng.random_range(1..=3))
            };
            let mut on = days_before(today, back);
            let mut previous = None;
            for k in 0..times {
                if on > today {
                    break;
                }
                rows.push((ChangeKind::Commutation, on, previous, None, court));
                previous = Some(on);
                let short = (i == 0 && k == 0) || rng.random_bool(0.015);
                on = if short {
                    add_months(on, months) - Days::new(rng.random_range(1..=60))
                } else {
                    add_months(on, months) + Days::new(rng.random_range(0..=300))
                };
            }
            if let Some(last) = previous
                && rng.random_bool(0.1)
            {
                let parole = last + Days::new(rng.random_range(180..=700));
                if parole <= today {
                    rows.push((ChangeKind::Parole, parole, Some(last), None, court));
                }
            }
        }
        for (kind, on, previous, extension, u) in rows {
            let unit = &units[u];
            let decider = (rng.random_bool(0.85) && !s.world.roster[u].is_empty())
                .then(|| s.world.roster[u][rng.random_range(0..s.world.roster[u].len())]);
            let day = ymd(on);
            let Some(key) = r.natural_key(&["sentence", &p.hash, kind.as_str(), &day, &unit.id])
            else {
                continue;
            };
            let import = r.imports[SENTENCES].clone();
            let values: Vec<Value> = vals![
                new_id(),
                key,
                p.hash.as_str(),
                p.masked.as_str(),
                p.name.as_str(),
                crime.as_str(),
                sentence.as_str(),
                kind.as_str(),
                day,
                previous.map(ymd),
                extension,
                unit.id.as_str(),
                decider.map(|d| s.officers[d].badge.clone()),
                decider.map(|d| s.world.officers[d].id.clone()),
                import,
                r.now
            ];
            r.t.push(SENTENCES, values);
        }
        w.step(&mut r.t).await?;
    }
    Ok(r.t.written(SENTENCES) - start)
}
