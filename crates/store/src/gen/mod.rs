//! Synthetic data for the demo, tests and benchmarks: `mingjing gen --scale city|province --seed N`.
//! Deterministic for a seed. Rows go in through bulk inserts built from the same sealing and numbering
//! rules as live intake, so a generated tip opens with its receipt exactly like a real one. Over it runs
//! a campaign in progress (`campaign` and the modules beside it), and then enforcement supervision
//! (`enforcement`: the case register, inquiry records, the records the data checks compare, guiding
//! cases and case review), so every page has something to show.

mod bulk;
mod campaign;
mod enforcement;
mod phases;
mod rectification;
mod selfcheck;
mod selfcheck_text;
mod study;
mod study_text;
mod tasks;
pub mod text;

pub use campaign::CampaignSummary;
pub use enforcement::EnforcementSummary;

use domain::clues::{ClueSource, ClueState, Conclusion, DisposalMethod, Outcome, StepLimits};
use domain::org::{DataScope, Role, UnitKind, Username};
use domain::tips::ProblemCategory;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};

use crate::audit::{AuditActor, append};
use crate::clues::local_date;
use crate::org::{NewOfficer, NewUnit, NewUser, insert_units};
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    City,
    Province,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Scale> {
        match s {
            "city" => Some(Scale::City),
            "province" => Some(Scale::Province),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct GenSummary {
    pub units: usize,
    pub officers: usize,
    pub users: Vec<(String, String, String)>,
    pub tips: usize,
    pub clues: usize,
    /// Receipts of a few generated tips, so a demo visitor can try the lookup page.
    pub sample_receipts: Vec<(String, String)>,
    /// The campaign in progress and what has been done in it.
    pub campaign: CampaignSummary,
    /// The case register, inquiry records and the records the data checks compare.
    pub enforcement: EnforcementSummary,
}

/// The password every demo account gets; printed by `mingjing demo`.
pub const DEMO_PASSWORD: &str = "Mingjing2026";

struct Plan {
    cities: usize,
    officers_per_unit: usize,
    clues: usize,
}

fn plan(scale: Scale) -> Plan {
    match scale {
        Scale::City => Plan {
            cities: 1,
            officers_per_unit: 75,
            clues: 900,
        },
        Scale::Province => Plan {
            cities: 14,
            officers_per_unit: 240,
            clues: 100_000,
        },
    }
}

fn kind_of(k: &str) -> UnitKind {
    UnitKind::parse(k).unwrap_or(UnitKind::Committee)
}

/// A demo account: username, display name, role, unit code, data scope, linked officer's badge.
type Account<'a> = (&'a str, &'a str, Role, &'a str, DataScope, Option<String>);

/// Fills an empty store. Refuses a store that already has units.
pub async fn generate(store: &Store, scale: Scale, seed: u64) -> Result<GenSummary> {
    if store.count_units().await? > 0 {
        return Err(StoreError::Conflict(
            "数据目录中已有数据，生成数据只能在空库中进行".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let p = plan(scale);
    let specs = match scale {
        Scale::City => text::city_units("江州", "JZ"),
        Scale::Province => text::province_units("江南", p.cities),
    };
    let units: Vec<NewUnit> = specs
        .iter()
        .map(|s| NewUnit {
            code: s.code.clone(),
            name: s.name.clone(),
            kind: kind_of(s.kind),
            parent_code: s.parent_code.clone(),
        })
        .collect();
    let mut summary = GenSummary::default();
    {
        let _w = store.write_lock.lock().await;
        let txn = store.db.begin().await?;
        insert_units(&txn, &units).await?;
        append(
            &txn,
            &store.audit_key(),
            &AuditActor::system(),
            "gen.units",
            "units",
            &format!("{}", units.len()),
        )
        .await?;
        txn.commit().await?;
        store.forget_units();
    }
    summary.units = units.len();

    // Roster: officers spread over the units, bigger units (city level) get more.
    let mut officers = Vec::new();
    let mut officer_ids: Vec<String> = Vec::new();
    let mut officer_unit: Vec<usize> = Vec::new();
    let mut seen_ids = std::collections::HashSet::new();
    // (name, officer id) of each unit's roster.
    let mut by_unit: Vec<Vec<(String, String)>> = vec![Vec::new(); specs.len()];
    for (ui, s) in specs.iter().enumerate() {
        let n = if s.parent_code.is_none() {
            p.officers_per_unit / 3
        } else {
            rng.random_range(p.officers_per_unit / 2..=p.officers_per_unit * 3 / 2)
        };
        for k in 0..n {
            let name = text::person_name(&mut rng);
            let badge = format!("{}{:04}", text::officer_badge(s.kind, ui as u32), k);
            let id = new_id();
            by_unit[ui].push((name.clone(), id.clone()));
            officer_ids.push(id);
            officer_unit.push(ui);
            officers.push(NewOfficer {
                name,
                badge,
                unit_code: s.code.clone(),
                position: text::position(s.kind, &mut rng).to_string(),
                // Random ID numbers collide now and then at province scale; a person has one, so redraw.
                id_number: loop {
                    let id = text::id_number(&mut rng);
                    if seen_ids.insert(id.clone()) {
                        break domain::org::IdNumber::parse(&id).ok();
                    }
                },
            });
        }
    }
    for (chunk, ids) in officers.chunks(5000).zip(officer_ids.chunks(5000)) {
        let _w = store.write_lock.lock().await;
        let txn = store.db.begin().await?;
        bulk_officers(store, &txn, chunk, ids).await?;
        txn.commit().await?;
    }
    summary.officers = officers.len();

    // One demo account per role. District-level accounts show how data scope narrows what people see.
    let root = &specs[0];
    let district_police = specs
        .iter()
        .find(|s| s.kind == "police" && s.parent_code.as_deref() != Some(root.code.as_str()))
        .unwrap_or(root);
    let district_court = specs
        .iter()
        .find(|s| s.kind == "court" && s.parent_code.as_deref() != Some(root.code.as_str()))
        .unwrap_or(root);
    let ganjing = officers
        .iter()
        .position(|o| o.unit_code == district_police.code)
        .ok_or_else(|| StoreError::Integrity("the demo officer's unit has no officers".into()))?;
    let officer_badge = Some(officers[ganjing].badge.clone());
    let accounts: Vec<Account> = vec![
        (
            "admin",
            "系统管理员",
            Role::Sysadmin,
            root.code.as_str(),
            DataScope::All,
            None,
        ),
        (
            "office",
            "整顿办 王主任",
            Role::CampaignOffice,
            root.code.as_str(),
            DataScope::All,
            None,
        ),
        (
            "jiwei",
            "纪检监察 李处长",
            Role::DisciplineInspector,
            root.code.as_str(),
            DataScope::All,
            None,
        ),
        (
            "jiwei_qu",
            "区纪检 赵科长",
            Role::DisciplineInspector,
            district_police.code.as_str(),
            DataScope::Subtree,
            None,
        ),
        (
            "duchazu",
            "督导组 陈组长",
            Role::Inspector,
            root.code.as_str(),
            DataScope::All,
            None,
        ),
        (
            "lianluo",
            "联络员 周敏",
            Role::UnitLiaison,
            district_court.code.as_str(),
            DataScope::OwnUnit,
            None,
        ),
        (
            "fuzeren",
            "单位负责人 吴局长",
            Role::UnitLeader,
            district_police.code.as_str(),
            DataScope::Subtree,
            None,
        ),
        (
            "ganjing",
            "干警 孙磊",
            Role::Officer,
            district_police.code.as_str(),
            DataScope::OwnUnit,
            officer_badge,
        ),
        (
            "baoguan",
            "保管员 郑洁",
            Role::Custodian,
            root.code.as_str(),
            DataScope::All,
            None,
        ),
        (
            "shenji",
            "审计员 冯静",
            Role::Auditor,
            root.code.as_str(),
            DataScope::All,
            None,
        ),
    ];
    for (username, display, role, unit, scope, badge) in accounts {
        let u = NewUser {
            username: Username::parse(username)?,
            display_name: display.to_string(),
            role,
            unit_code: unit.to_string(),
            scope,
            password: DEMO_PASSWORD.to_string(),
            officer_badge: badge,
        };
        store.create_user(&AuditActor::system(), &u).await?;
        summary.users.push((
            username.to_string(),
            role.label().to_string(),
            display.to_string(),
        ));
    }

    // Clues over the past year in every state; about half come from the public portal as sealed tips.
    let unit_ids: Vec<(String, String, String)> = {
        let all = store.units().await?;
        specs
            .iter()
            .filter_map(|s| {
                all.iter()
                    .find(|u| u.code == s.code)
                    .map(|u| (u.id.clone(), u.name.clone(), s.kind.to_string()))
            })
            .collect()
    };
    let cal = store.calendar().await?;
    let limits = StepLimits::default();
    let now = now_ms();
    let handler_id: String = {
        let r = Sql::of(&store.db)
            .one(
                &store.db,
                "SELECT id FROM users WHERE username = 'jiwei'",
                vals![],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        crate::db::get(&r, "id")?
    };
    let root_id = unit_ids[0].0.clone();
    // The unit that will be ready to move on in the campaign: the first below the root with a roster.
    let ready = (1..specs.len())
        .find(|u| *u != officer_unit[ganjing] && by_unit[*u].len() >= 10)
        .ok_or_else(|| StoreError::Integrity("no unit to hold its checklist".into()))?;
    let mut made = 0;
    while made < p.clues {
        let batch = (p.clues - made).min(500);
        let _w = store.write_lock.lock().await;
        let txn = store.db.begin().await?;
        for _ in 0..batch {
            let g = one_clue(
                store,
                &txn,
                &mut rng,
                &unit_ids,
                &by_unit,
                &root_id,
                &handler_id,
                &cal,
                &limits,
                now,
                made,
                ready,
            )
            .await?;
            if let Some(r) = g {
                summary.tips += 1;
                if summary.sample_receipts.len() < 5 {
                    summary.sample_receipts.push(r);
                }
            }
            made += 1;
        }
        append(
            &txn,
            &store.audit_key(),
            &AuditActor::system(),
            "gen.clues",
            "clues",
            &format!("{batch}"),
        )
        .await?;
        txn.commit().await?;
    }
    summary.clues = made;

    // A campaign in progress over all of it.
    let all = store.units().await?;
    let index: std::collections::HashMap<&str, usize> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.code.as_str(), i))
        .collect();
    let mut units: Vec<Option<campaign::GenUnit>> = (0..specs.len()).map(|_| None).collect();
    for u in &all {
        if let Some(&i) = index.get(u.code.as_str()) {
            units[i] = Some(campaign::GenUnit {
                id: u.id.clone(),
                code: u.code.clone(),
                name: u.name.clone(),
                kind: specs[i].kind.to_string(),
                parent: specs[i]
                    .parent_code
                    .as_deref()
                    .and_then(|p| index.get(p).copied()),
            });
        }
    }
    let units = units
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| StoreError::Integrity("a generated unit is missing".into()))?;
    let mut roster: Vec<Vec<usize>> = vec![Vec::new(); units.len()];
    for (i, u) in officer_unit.iter().enumerate() {
        roster[*u].push(i);
    }
    let world = campaign::World {
        units,
        officers: officers
            .iter()
            .zip(officer_ids)
            .zip(&officer_unit)
            .map(|((o, id), u)| campaign::GenOfficer {
                id,
                name: o.name.clone(),
                unit: *u,
            })
            .collect(),
        roster,
        ganjing,
        ready,
        region: match scale {
            Scale::City => "江州市".to_string(),
            Scale::Province => "江南省".to_string(),
        },
    };
    summary.campaign = campaign::generate(store, scale, seed, &world).await?;
    let position = |code: &str| specs.iter().position(|s| s.code == code);
    let anchors = enforcement::Anchors {
        ganjing,
        liaison_unit: position(&district_court.code).unwrap_or(0),
        // The first court right under a committee: the city's intermediate court (the province's high court).
        court: specs
            .iter()
            .position(|s| {
                s.kind == "court"
                    && s.parent_code
                        .as_deref()
                        .is_some_and(|p| p.ends_with("-PLC"))
            })
            .ok_or_else(|| StoreError::Integrity("the generated tree has no court".into()))?,
    };
    summary.enforcement = enforcement::generate(
        store,
        scale,
        seed,
        &world,
        &officers,
        anchors,
        &mut seen_ids,
    )
    .await?;
    Ok(summary)
}

async fn bulk_officers<C: ConnectionTrait>(
    store: &Store,
    c: &C,
    officers: &[NewOfficer],
    ids: &[String],
) -> Result<()> {
    let sql = Sql::of(c);
    let mut unit_ids = std::collections::HashMap::new();
    for u in store.units().await? {
        unit_ids.insert(u.code, u.id);
    }
    for (chunk, ids) in officers.chunks(200).zip(ids.chunks(200)) {
        let mut marks = Vec::new();
        let mut v: Vec<Value> = Vec::new();
        for (o, id) in chunk.iter().zip(ids) {
            let unit = unit_ids.get(&o.unit_code).ok_or(StoreError::NotFound)?;
            marks.push("(?, ?, ?, ?, ?, ?, ?, 1, ?)");
            let (h, m) = match &o.id_number {
                Some(id) => (Some(store.id_hash(id)), Some(id.masked())),
                None => (None, None),
            };
            v.extend(vals![
                id.as_str(),
                unit.as_str(),
                o.name.as_str(),
                o.badge.as_str(),
                o.position.as_str(),
                h,
                m,
                now_ms()
            ]);
        }
        sql.exec(c, &format!("INSERT INTO officers (id, unit_id, name, badge, position, id_hash, id_masked, active, created_at) VALUES {}", marks.join(", ")), v).await?;
    }
    Ok(())
}

const PATH: [ClueState; 7] = [
    ClueState::Registered,
    ClueState::Assigned,
    ClueState::Disposing,
    ClueState::Verified,
    ClueState::Concluded,
    ClueState::Handled,
    ClueState::Closed,
];

#[allow(clippy::too_many_arguments)]
async fn one_clue<C: ConnectionTrait>(
    store: &Store,
    c: &C,
    rng: &mut StdRng,
    units: &[(String, String, String)],
    roster: &[Vec<(String, String)>],
    root_id: &str,
    handler_id: &str,
    cal: &domain::calendar::WorkCalendar,
    limits: &StepLimits,
    now: i64,
    index: usize,
    punctual_unit: usize,
) -> Result<Option<(String, String)>> {
    let sql = Sql::of(c);
    let day = 24 * 3600 * 1000i64;
    // About half the clues are closed over the past year; open ones are recent and mostly within their limits.
    let closed = rng.random_bool(0.55);
    let age_days = if closed {
        rng.random_range(20..360i64)
    } else {
        rng.random_range(0..45i64)
    };
    let created = now - age_days * day - rng.random_range(0..day);
    let step = if closed {
        6
    } else {
        rng.random_range(0..=((age_days / 6) as usize).min(5))
    };
    let state = PATH[step];
    let cats = ProblemCategory::all();
    let category = cats[rng.random_range(0..cats.len())];
    let ui = rng.random_range(1..units.len());
    let (accused, accused_id) = roster[ui]
        .get(rng.random_range(0..roster[ui].len().max(1)))
        .cloned()
        .map(|(n, id)| (n, Some(id)))
        .unwrap_or_else(|| (text::person_name(rng), None));
    let (unit_id, unit_name, kind) = &units[ui];
    let position = text::position(kind, rng).to_string();
    let public = index.is_multiple_of(2);
    let source = if public {
        ClueSource::PublicTip
    } else {
        let s = ClueSource::all();
        s[rng.random_range(1..s.len())]
    };
    let number = crate::tips::next_number(c, "XS", created).await?;
    let clue_id = new_id();
    let disposal = (step >= 2)
        .then(|| DisposalMethod::all()[rng.random_range(0..DisposalMethod::all().len())]);
    let conclusion = (step >= 4).then(|| Conclusion::all()[rng.random_range(0..3)]);
    let outcome = match (step >= 5, conclusion) {
        (true, Some(Conclusion::False)) => Some(Outcome::None),
        (true, _) => Some(Outcome::all()[rng.random_range(0..Outcome::all().len())]),
        _ => None,
    };
    // Each step took a few working days; the current one started at `since`.
    let mut t = created;
    let mut events = vec![(
        "register",
        None,
        ClueState::Registered,
        format!("{}登记", source.label()),
        t,
    )];
    for (i, st) in PATH.iter().enumerate().take(step + 1).skip(1) {
        t += rng.random_range(1..=4) * day;
        if t > now {
            t = now - rng.random_range(0..day / 2);
        }
        let (code, note) = match st {
            ClueState::Assigned => ("assign", format!("分办至{unit_name}")),
            ClueState::Disposing => (
                "dispose",
                format!(
                    "处置方式：{}",
                    disposal.map(|d| d.label()).unwrap_or_default()
                ),
            ),
            ClueState::Verified => (
                "verify",
                format!(
                    "核查完毕。{}",
                    text::verification_note(conclusion.map(|c| c.as_str()).unwrap_or("false"), rng)
                ),
            ),
            ClueState::Concluded => (
                "conclude",
                format!(
                    "认定：{}",
                    conclusion.map(|c| c.label()).unwrap_or_default()
                ),
            ),
            ClueState::Handled => (
                "handle",
                format!("处理：{}", outcome.map(|o| o.label()).unwrap_or_default()),
            ),
            _ => ("close", "办结".to_string()),
        };
        events.push((code, Some(PATH[i - 1]), *st, note, t));
    }
    let since = t;
    // Most steps keep their limits; about one in eight open clues is left overdue.
    // The unit whose campaign checklist is to hold keeps every open clue within its limit.
    let punctual = ui == punctual_unit && state != ClueState::Closed;
    let due = limits.limit_for(state).map(|d| {
        let start = if state != ClueState::Closed && !punctual && rng.random_bool(0.12) {
            since - 40 * day
        } else {
            since
        };
        let mut due = cal.add_workdays(local_date(start), d);
        if punctual && due < local_date(now) {
            due = cal.add_workdays(local_date(now), d);
        }
        due.format("%Y-%m-%d").to_string()
    });
    let supervised = state != ClueState::Closed && rng.random_bool(0.06);
    let handling_unit = if step >= 1 { unit_id.as_str() } else { root_id };
    let text = text::tip_text(category.as_str(), &accused, unit_name, rng);
    let summary = if public {
        String::new()
    } else {
        text.chars().take(120).collect()
    };
    let mut tip_id = None;
    let mut receipt = None;
    if public {
        let r = gen_tip(
            store, c, rng, &clue_id, &number, category, &text, created, state, outcome,
        )
        .await?;
        tip_id = Some(r.0.clone());
        receipt = Some((r.1, r.2));
    }
    let summary = if public {
        format!(
            "群众举报 {}",
            receipt.as_ref().map(|r| r.1.as_str()).unwrap_or_default()
        )
    } else {
        summary
    };
    sql.exec(
        c,
        "INSERT INTO clues (id, number, source, category, state, unit_id, accused_name, accused_unit, accused_position, accused_officer_id, summary, tip_id, disposal, conclusion, outcome, supervised, supervise_note, state_since, due_date, created_by, created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        vals![
            clue_id.as_str(), number.as_str(), source.as_str(), category.as_str(), state.as_str(), handling_unit, accused.as_str(), unit_name.as_str(),
            position.as_str(), accused_id.clone(), summary.as_str(), tip_id.clone(), disposal.map(|d| d.as_str()), conclusion.map(|c| c.as_str()), outcome.map(|o| o.as_str()),
            i32::from(supervised), supervised.then_some("请于期限内报送核查进展"), since, due, created, since, (state == ClueState::Closed).then_some(since)
        ],
    )
    .await?;
    for (code, from, to, note, at) in events {
        sql.exec(
            c,
            "INSERT INTO clue_events (id, clue_id, action, from_state, to_state, note, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![new_id(), clue_id.as_str(), code, from.map(|f| f.as_str()), to.as_str(), note.as_str(), (code != "register").then_some(handler_id), if code == "register" { "系统登记" } else { "纪检监察 李处长" }, at],
        )
        .await?;
    }
    Ok(receipt.map(|(r, n)| (n, r)))
}

#[allow(clippy::too_many_arguments)]
async fn gen_tip<C: ConnectionTrait>(
    store: &Store,
    c: &C,
    rng: &mut StdRng,
    clue_id: &str,
    _clue_number: &str,
    category: ProblemCategory,
    description: &str,
    created: i64,
    state: ClueState,
    outcome: Option<Outcome>,
) -> Result<(String, String, String)> {
    let sql = Sql::of(c);
    let id = new_id();
    let digits: String = (0..domain::tips::ReceiptCode::LEN)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    let receipt = domain::tips::ReceiptCode::from_digits(digits)?;
    let (dk, wrapped) = store.keyring.new_data_key();
    let aad = |what: &str| format!("tip:{id}:{what}").into_bytes();
    let content = dk.seal(
        &aad("content"),
        serde_json::json!({ "description": description })
            .to_string()
            .as_bytes(),
    );
    let identity = rng.random_bool(0.3).then(|| {
        let ident =
            serde_json::json!({ "name": text::person_name(rng), "contact": text::phone(rng) });
        dk.seal(&aad("identity"), ident.to_string().as_bytes())
    });
    let number = crate::tips::next_number(c, "JB", created).await?;
    let h = search::simhash(description);
    sql.exec(
        c,
        "INSERT INTO tips (id, number, receipt_hash, idempotency_hash, receipt_replay, wrapped_key, content_sealed, identity_sealed, has_identity, category, simhash, duplicate_of, clue_id, created_at) VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
        vals![id.as_str(), number.as_str(), store.receipt_hash(&receipt), wrapped, content, identity.clone(), i32::from(identity.is_some()), category.as_str(), h as i64, clue_id, created],
    )
    .await?;
    let mut msgs: Vec<(&str, &str, String)> = Vec::new();
    if state != ClueState::Registered && rng.random_bool(0.3) {
        msgs.push(("handler", "question", text::handler_question(rng)));
        if rng.random_bool(0.7) {
            msgs.push(("reporter", "message", text::reporter_reply(rng)));
        }
    }
    if state == ClueState::Closed {
        let concl = match outcome {
            Some(Outcome::None) => "false",
            _ => "true",
        };
        msgs.push((
            "handler",
            "feedback",
            text::feedback_text(concl, outcome.map(|o| o.label()).unwrap_or("无"), rng),
        ));
    }
    for (i, (dir, kind, body)) in msgs.into_iter().enumerate() {
        let mid = new_id();
        let sealed = dk.seal(&aad(&mid), body.as_bytes());
        sql.exec(
            c,
            "INSERT INTO tip_messages (id, tip_id, direction, kind, body_sealed, author_id, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)",
            vals![mid.as_str(), id.as_str(), dir, kind, sealed, created + (i as i64 + 1) * 3_600_000],
        )
        .await?;
    }
    Ok((id, receipt.grouped(), number))
}
