//! Imported records: units and badges resolved in batches before anything is written, every row that
//! cannot be placed reported at once, then one transaction of multi-row inserts. ID numbers become the
//! keyed hash (the roster's key, so the checks can join on it) and a masked form; a row already imported
//! (same natural key) is skipped, so a file can be uploaded again without doubling anything.

use std::collections::HashMap;

use domain::enforcement::checks::{
    AppearanceRow, BusinessRow, DepartureRow, RecordKind, RecordRow, RelativeRow, SentenceChangeRow,
};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::db::{flag, get};
use crate::org::{Actor, Unit};
use crate::{Result, Sql, Store, new_id, now_ms, vals};

/// A row that cannot be imported, with the column at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRowError {
    pub row: usize,
    pub column: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub kind: RecordKind,
    pub rows: usize,
    pub added: u64,
    /// Rows already on file (same person, same record) that were left as they were.
    pub skipped: u64,
}

#[derive(Debug, Clone)]
pub enum ImportResult {
    Imported(ImportSummary),
    /// Nothing was written.
    Refused(Vec<RecordRowError>),
}

/// How many records of each kind are on file.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RecordCounts {
    pub sentence_changes: i64,
    pub departures: i64,
    pub lawyer_appearances: i64,
    pub business_roles: i64,
    pub relatives: i64,
}

impl RecordCounts {
    pub fn of(&self, kind: RecordKind) -> i64 {
        match kind {
            RecordKind::SentenceChanges => self.sentence_changes,
            RecordKind::Departures => self.departures,
            RecordKind::LawyerAppearances => self.lawyer_appearances,
            RecordKind::BusinessRoles => self.business_roles,
            RecordKind::Relatives => self.relatives,
        }
    }
}

/// Units by code and by full name; a name two units share resolves to neither.
struct UnitIndex {
    by_code: HashMap<String, Unit>,
    by_name: HashMap<String, Option<Unit>>,
}

impl UnitIndex {
    fn new(units: Vec<Unit>) -> Self {
        let mut by_name: HashMap<String, Option<Unit>> = HashMap::new();
        for u in &units {
            by_name
                .entry(u.name.clone())
                .and_modify(|e| *e = None)
                .or_insert_with(|| Some(u.clone()));
        }
        UnitIndex {
            by_code: units.into_iter().map(|u| (u.code.clone(), u)).collect(),
            by_name,
        }
    }

    /// `Ok(Some)` found, `Ok(None)` unknown, `Err` a name shared by several units.
    fn find(&self, text: &str) -> Result<Option<&Unit>, String> {
        if let Some(u) = self.by_code.get(text) {
            return Ok(Some(u));
        }
        match self.by_name.get(text) {
            Some(Some(u)) => Ok(Some(u)),
            Some(None) => Err(format!("有多个单位名为「{text}」，请改填单位编码")),
            None => Ok(None),
        }
    }
}

fn shown(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// The key that makes an imported record unique: SM3 over its parts (the generator writes the same).
pub(crate) fn natural_key(parts: &[&str]) -> String {
    hex::encode(crypto::sm3(parts.join("\u{1f}").as_bytes()))
}

fn ymd(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Roster entries by badge: (officer id, unit path).
async fn officers_by_badge<C: ConnectionTrait>(
    c: &C,
    badges: &[String],
) -> Result<HashMap<String, (String, String)>> {
    let sql = Sql::of(c);
    let mut out = HashMap::new();
    let mut uniq: Vec<&String> = badges.iter().collect();
    uniq.sort();
    uniq.dedup();
    for chunk in uniq.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let v: Vec<Value> = chunk.iter().map(|b| Value::from(b.as_str())).collect();
        for r in sql
            .all(
                c,
                &format!("SELECT o.id, o.badge, u.path FROM officers o JOIN units u ON u.id = o.unit_id WHERE o.badge IN ({marks})"),
                v,
            )
            .await?
        {
            out.insert(
                get::<String>(&r, "badge")?,
                (get::<String>(&r, "id")?, get::<String>(&r, "path")?),
            );
        }
    }
    Ok(out)
}

/// One insert statement's worth of rows: column names and each row's values.
struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
    /// The conflict clause: skip a known record, or replace a relative's declaration.
    on_conflict: &'static str,
}

impl Batch {
    async fn insert<C: ConnectionTrait>(&self, c: &C) -> Result<u64> {
        let sql = Sql::of(c);
        let per_row = self.columns.len();
        // Well under both backends' limits on bound parameters per statement.
        let rows_per_stmt = (8000 / per_row).max(1);
        let one = format!("({})", vec!["?"; per_row].join(", "));
        let mut added = 0;
        for chunk in self.rows.chunks(rows_per_stmt) {
            let text = format!(
                "INSERT INTO {} ({}) VALUES {} {}",
                self.table,
                self.columns.join(", "),
                vec![one.as_str(); chunk.len()].join(", "),
                self.on_conflict
            );
            let values: Vec<Value> = chunk.iter().flatten().cloned().collect();
            added += sql.exec(c, &text, values).await?;
        }
        Ok(added)
    }
}

impl Store {
    /// Imports checked rows of one kind (row numbers as Excel shows them), all or nothing. Units named
    /// by sentence changes and departures, and officers named by family declarations, must lie in the
    /// actor's scope; a court outside the unit tree is kept by name.
    pub async fn import_check_records(
        &self,
        actor: &Actor,
        kind: RecordKind,
        rows: &[(usize, RecordRow)],
    ) -> Result<ImportResult> {
        let units = UnitIndex::new(self.units().await?);
        let badges: Vec<String> = rows
            .iter()
            .filter_map(|(_, r)| match r {
                RecordRow::SentenceChange(s) => s.decider_badge.clone(),
                RecordRow::Relative(r) => Some(r.officer_badge.clone()),
                _ => None,
            })
            .collect();
        let roster = officers_by_badge(&self.db, &badges).await?;
        let mut errors = Vec::new();
        let import_id = new_id();
        let now = now_ms();
        let mut fail = |row: usize, column: &'static str, message: String| {
            errors.push(RecordRowError {
                row,
                column,
                message,
            })
        };
        // A unit that must exist and lie in the actor's scope.
        let mut scoped_unit = |row: usize, column: &'static str, text: &str| -> Option<String> {
            match units.find(text) {
                Ok(Some(u)) if actor.covers_path(&u.path) => Some(u.id.clone()),
                Ok(Some(_)) | Ok(None) => {
                    fail(
                        row,
                        column,
                        format!("单位「{}」不存在，或不在您的权限范围内", shown(text)),
                    );
                    None
                }
                Err(m) => {
                    fail(row, column, m);
                    None
                }
            }
        };
        let mut planned: Vec<Vec<Value>> = Vec::with_capacity(rows.len());
        let mut unit_errors = Vec::new();
        let mut relatives_seen: HashMap<(String, String), usize> = HashMap::new();
        for (row, rec) in rows {
            let row = *row;
            match (kind, rec) {
                (RecordKind::SentenceChanges, RecordRow::SentenceChange(s)) => {
                    let unit = scoped_unit(row, "法院或监狱", &s.unit);
                    let decider = match &s.decider_badge {
                        None => Some(None),
                        Some(b) => match roster.get(b) {
                            Some((id, _)) => Some(Some(id.clone())),
                            None => {
                                unit_errors.push((
                                    row,
                                    "决定人警号",
                                    format!("警号「{}」不在花名册中", shown(b)),
                                ));
                                None
                            }
                        },
                    };
                    if let (Some(unit), Some(decider)) = (unit, decider) {
                        planned.push(self.sentence_values(s, &unit, decider, &import_id, now));
                    }
                }
                (RecordKind::Departures, RecordRow::Departure(d)) => {
                    if let Some(unit) = scoped_unit(row, "原任职单位", &d.former_unit) {
                        planned.push(self.departure_values(d, &unit, &import_id, now));
                    }
                }
                (RecordKind::LawyerAppearances, RecordRow::Appearance(a)) => match units
                    .find(&a.court)
                {
                    Ok(found) => {
                        let (unit_id, name) = match found {
                            Some(u) => (Some(u.id.clone()), u.name.clone()),
                            None => (None, a.court.clone()),
                        };
                        planned.push(self.appearance_values(a, unit_id, &name, &import_id, now));
                    }
                    Err(m) => unit_errors.push((row, "受理法院或检察院", m)),
                },
                (RecordKind::BusinessRoles, RecordRow::Business(b)) => {
                    planned.push(self.business_values(b, &import_id, now));
                }
                (RecordKind::Relatives, RecordRow::Relative(r)) => {
                    match roster.get(&r.officer_badge) {
                        Some((id, path)) if actor.covers_path(path) => {
                            // The last declaration of a relative wins, also within one file.
                            let values = self.relative_values(r, id, &import_id, now);
                            let key = (id.clone(), self.id_hash(&r.person));
                            match relatives_seen.get(&key) {
                                Some(&i) => planned[i] = values,
                                None => {
                                    relatives_seen.insert(key, planned.len());
                                    planned.push(values);
                                }
                            }
                        }
                        _ => unit_errors.push((
                            row,
                            "干警警号",
                            format!(
                                "警号「{}」不在花名册中，或不在您的权限范围内",
                                shown(&r.officer_badge)
                            ),
                        )),
                    }
                }
                _ => unit_errors.push((row, "", "这一行不是本类数据".to_string())),
            }
        }
        for (row, column, message) in unit_errors {
            fail(row, column, message);
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            return Ok(ImportResult::Refused(errors));
        }
        let batch = batch_for(kind, planned);
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let added = batch.insert(&txn).await?;
        let skipped = (rows.len() as u64).saturating_sub(added);
        Sql::of(&txn)
            .exec(
                &txn,
                "INSERT INTO check_imports (id, kind, rows_in_file, added, skipped, imported_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                vals![import_id.as_str(), kind.as_str(), rows.len() as i64, added as i64, skipped as i64, actor.display_name.as_str(), now],
            )
            .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "check.import",
            &format!("check_records:{}", kind.as_str()),
            &format!("{} rows, {added} added, {skipped} skipped", rows.len()),
        )
        .await?;
        txn.commit().await?;
        Ok(ImportResult::Imported(ImportSummary {
            kind,
            rows: rows.len(),
            added,
            skipped,
        }))
    }

    fn sentence_values(
        &self,
        s: &SentenceChangeRow,
        unit_id: &str,
        decider_id: Option<String>,
        import_id: &str,
        now: i64,
    ) -> Vec<Value> {
        let hash = self.id_hash(&s.offender);
        let key = natural_key(&[
            "sentence",
            &hash,
            s.kind.as_str(),
            &ymd(s.decided_on),
            unit_id,
        ]);
        vals![
            new_id(),
            key,
            hash,
            s.offender.masked(),
            s.offender_name.as_str(),
            s.crime.as_str(),
            s.sentence.as_str(),
            s.kind.as_str(),
            ymd(s.decided_on),
            s.previous_on.map(ymd),
            s.extensions.map(|n| n as i32),
            unit_id,
            s.decider_badge.clone(),
            decider_id,
            import_id,
            now
        ]
    }

    fn departure_values(
        &self,
        d: &DepartureRow,
        unit_id: &str,
        import_id: &str,
        now: i64,
    ) -> Vec<Value> {
        let hash = self.id_hash(&d.person);
        let key = natural_key(&["departure", &hash, unit_id, &ymd(d.left_on)]);
        vals![
            new_id(),
            key,
            hash,
            d.person.masked(),
            d.name.as_str(),
            unit_id,
            d.former_position.as_str(),
            flag(d.leader),
            flag(d.judicial),
            ymd(d.left_on),
            flag(d.dismissed),
            import_id,
            now
        ]
    }

    fn appearance_values(
        &self,
        a: &AppearanceRow,
        court_unit_id: Option<String>,
        court_name: &str,
        import_id: &str,
        now: i64,
    ) -> Vec<Value> {
        let hash = self.id_hash(&a.lawyer);
        let key = natural_key(&[
            "appearance",
            &hash,
            &a.case_number,
            court_name,
            a.role.as_str(),
            &ymd(a.appeared_on),
        ]);
        vals![
            new_id(),
            key,
            hash,
            a.lawyer.masked(),
            a.name.as_str(),
            a.law_firm.as_str(),
            a.firm_area.as_str(),
            a.case_number.as_str(),
            court_name,
            court_unit_id,
            a.role.as_str(),
            ymd(a.appeared_on),
            import_id,
            now
        ]
    }

    fn business_values(&self, b: &BusinessRow, import_id: &str, now: i64) -> Vec<Value> {
        let hash = self.id_hash(&b.person);
        let key = natural_key(&[
            "business",
            &hash,
            &b.company,
            b.role.as_str(),
            &ymd(b.registered_on),
        ]);
        vals![
            new_id(),
            key,
            hash,
            b.person.masked(),
            b.name.as_str(),
            b.company.as_str(),
            b.role.as_str(),
            ymd(b.registered_on),
            b.area.as_str(),
            import_id,
            now
        ]
    }

    fn relative_values(
        &self,
        r: &RelativeRow,
        officer_id: &str,
        import_id: &str,
        now: i64,
    ) -> Vec<Value> {
        vals![
            new_id(),
            officer_id,
            r.relation.as_str(),
            r.name.as_str(),
            self.id_hash(&r.person),
            r.person.masked(),
            import_id,
            now
        ]
    }

    pub async fn check_record_counts(&self) -> Result<RecordCounts> {
        let sql = Sql::of(&self.db);
        let n = |t: &'static str| async move {
            sql.scalar(&self.db, &format!("SELECT COUNT(*) FROM {t}"), vals![])
                .await
        };
        Ok(RecordCounts {
            sentence_changes: n("check_sentence_changes").await?,
            departures: n("check_departures").await?,
            lawyer_appearances: n("check_lawyer_appearances").await?,
            business_roles: n("check_business_roles").await?,
            relatives: n("check_relatives").await?,
        })
    }
}

fn batch_for(kind: RecordKind, rows: Vec<Vec<Value>>) -> Batch {
    const SKIP: &str = "ON CONFLICT (natural_key) DO NOTHING";
    match kind {
        RecordKind::SentenceChanges => Batch {
            table: "check_sentence_changes",
            columns: &[
                "id",
                "natural_key",
                "offender_hash",
                "offender_masked",
                "offender_name",
                "crime_type",
                "sentence_type",
                "kind",
                "decided_on",
                "previous_on",
                "extension_no",
                "unit_id",
                "decider_badge",
                "decider_id",
                "import_id",
                "created_at",
            ],
            rows,
            on_conflict: SKIP,
        },
        RecordKind::Departures => Batch {
            table: "check_departures",
            columns: &[
                "id",
                "natural_key",
                "person_hash",
                "person_masked",
                "name",
                "former_unit_id",
                "former_position",
                "leader",
                "judicial",
                "left_on",
                "dismissed",
                "import_id",
                "created_at",
            ],
            rows,
            on_conflict: SKIP,
        },
        RecordKind::LawyerAppearances => Batch {
            table: "check_lawyer_appearances",
            columns: &[
                "id",
                "natural_key",
                "lawyer_hash",
                "lawyer_masked",
                "lawyer_name",
                "law_firm",
                "firm_area",
                "case_number",
                "court_name",
                "court_unit_id",
                "role",
                "appeared_on",
                "import_id",
                "created_at",
            ],
            rows,
            on_conflict: SKIP,
        },
        RecordKind::BusinessRoles => Batch {
            table: "check_business_roles",
            columns: &[
                "id",
                "natural_key",
                "person_hash",
                "person_masked",
                "name",
                "company",
                "role",
                "registered_on",
                "area",
                "import_id",
                "created_at",
            ],
            rows,
            on_conflict: SKIP,
        },
        RecordKind::Relatives => Batch {
            table: "check_relatives",
            columns: &[
                "id",
                "officer_id",
                "relation",
                "name",
                "person_hash",
                "person_masked",
                "import_id",
                "created_at",
            ],
            rows,
            on_conflict: "ON CONFLICT (officer_id, person_hash) DO UPDATE SET relation = excluded.relation, name = excluded.name, person_masked = excluded.person_masked, import_id = excluded.import_id",
        },
    }
}
