//! The responsibility matrix (责任体系): for each unit, who holds 主体责任、第一责任人、直接责任 and
//! 监督责任. Other modules' ledgers read it through [`Store::responsibility`].

use domain::campaign::ResponsibilityLevel;
use sea_orm::{TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, new_id, now_ms, vals};

/// One holder: the level, a name (of a body or a person) and a position (may be empty).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Holder {
    pub level: ResponsibilityLevel,
    pub name: String,
    pub position: String,
}

/// A unit with whatever holders it has named, in the order of the levels.
#[derive(Debug, Clone, Serialize)]
pub struct UnitResponsibility {
    pub unit_id: String,
    pub unit_name: String,
    pub depth: usize,
    pub holders: Vec<Holder>,
}

impl UnitResponsibility {
    pub fn holder(&self, level: ResponsibilityLevel) -> Option<&Holder> {
        self.holders.iter().find(|h| h.level == level)
    }
}

fn order(level: ResponsibilityLevel) -> usize {
    ResponsibilityLevel::all()
        .iter()
        .position(|l| *l == level)
        .unwrap_or(usize::MAX)
}

impl Store {
    /// Who is responsible for a unit at each level that has been named, as (level in Chinese, e.g.
    /// "第一责任人"; name; position), in the order 主体责任、第一责任人、直接责任、监督责任. For ledgers
    /// that show every row's responsible people; the caller has already checked the unit is in scope.
    pub async fn responsibility(&self, unit_id: &str) -> Result<Vec<(String, String, String)>> {
        Ok(self
            .holders(unit_id)
            .await?
            .into_iter()
            .map(|h| (h.level.label().to_string(), h.name, h.position))
            .collect())
    }

    /// The unit's holders, typed.
    pub async fn holders(&self, unit_id: &str) -> Result<Vec<Holder>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT level, name, position FROM responsibilities WHERE unit_id = ?",
                vals![unit_id],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            // A level this binary does not know is skipped rather than failing the ledger page.
            if let Ok(level) = ResponsibilityLevel::parse(&get::<String>(r, "level")?) {
                out.push(Holder {
                    level,
                    name: get(r, "name")?,
                    position: get(r, "position")?,
                });
            }
        }
        out.sort_by_key(|h| order(h.level));
        Ok(out)
    }

    /// Units in the actor's scope with their holders, a page at a time, in tree order.
    pub async fn responsibility_matrix(
        &self,
        actor: &Actor,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UnitResponsibility>, i64)> {
        let (scope, mut v) = actor.scope_condition("u.id");
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM units u WHERE {scope}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let units = sql.all(&self.db, &format!("SELECT u.id, u.name, u.path FROM units u WHERE {scope} ORDER BY u.path LIMIT ? OFFSET ?"), v).await?;
        let mut out = Vec::with_capacity(units.len());
        let base = actor.unit_path.matches('/').count();
        for u in &units {
            let id: String = get(u, "id")?;
            let path: String = get(u, "path")?;
            out.push(UnitResponsibility {
                holders: self.holders(&id).await?,
                unit_id: id,
                unit_name: get(u, "name")?,
                depth: path.matches('/').count().saturating_sub(base),
            });
        }
        Ok((out, total))
    }

    /// Replaces a unit's four holders at once; a level given an empty name is cleared. The unit must be in
    /// the actor's scope (`NotFound` otherwise). Names are checked with `domain::campaign::check_holder`.
    pub async fn set_responsibility(
        &self,
        actor: &Actor,
        unit_id: &str,
        holders: &[Holder],
    ) -> Result<()> {
        let unit = self.unit_in_scope(actor, unit_id).await?;
        let mut clean = Vec::new();
        for h in holders {
            if h.name.trim().is_empty() {
                continue;
            }
            let (name, position) = domain::campaign::check_holder(&h.name, &h.position)?;
            clean.push(Holder {
                level: h.level,
                name,
                position,
            });
        }
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "DELETE FROM responsibilities WHERE unit_id = ?",
            vals![unit_id],
        )
        .await?;
        for h in &clean {
            sql.exec(
                &txn,
                "INSERT INTO responsibilities (id, unit_id, level, name, position, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                vals![new_id(), unit_id, h.level.as_str(), h.name.as_str(), h.position.as_str(), actor.user_id.as_str(), now],
            )
            .await?;
        }
        let detail = clean
            .iter()
            .map(|h| format!("{}={}", h.level.as_str(), h.name))
            .collect::<Vec<_>>()
            .join("; ");
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "responsibility.set",
            &format!("unit:{}", unit.code),
            &detail,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
