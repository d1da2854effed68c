//! The audit chain: one append-only table, each row MACed (HMAC-SM3) over its content and the previous row's
//! MAC. Rows are written in the same transaction as the action they record; the application never updates
//! or deletes them. `verify` recomputes the chain and names the first row that does not fit.

use sea_orm::{ConnectionTrait, DbBackend};
use serde::Serialize;

use crate::{Result, Sql, Store, StoreError, db::get, now_ms, vals};

/// Who did it, as written in the trail: `user:NAME`, `public` or `system`.
#[derive(Clone, Debug)]
pub struct AuditActor(pub String);

impl AuditActor {
    pub fn user(username: &str) -> Self {
        AuditActor(format!("user:{username}"))
    }
    pub fn public() -> Self {
        AuditActor("public".into())
    }
    pub fn system() -> Self {
        AuditActor("system".into())
    }
}

fn mac_of(
    key: &[u8; 32],
    prev: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    // Length-prefixed fields so that no two different rows encode to the same bytes.
    let mut buf = Vec::with_capacity(128 + detail.len());
    for part in [
        prev.as_bytes(),
        &seq.to_be_bytes(),
        &at.to_be_bytes(),
        actor.as_bytes(),
        action.as_bytes(),
        target.as_bytes(),
        detail.as_bytes(),
    ] {
        buf.extend_from_slice(&(part.len() as u64).to_be_bytes());
        buf.extend_from_slice(part);
    }
    crypto::hmac_sm3_hex(key, &buf)
}

/// Appends one row inside the caller's transaction. The caller holds the store's write lock.
pub async fn append<C: ConnectionTrait>(
    c: &C,
    key: &[u8; 32],
    actor: &AuditActor,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<i64> {
    let sql = Sql::of(c);
    let lock = if c.get_database_backend() == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let head = sql
        .one(
            c,
            &format!("SELECT seq, mac FROM audit_head WHERE id = 1{lock}"),
            vals![],
        )
        .await?
        .ok_or_else(|| StoreError::Integrity("audit head missing".into()))?;
    let prev_seq: i64 = get(&head, "seq")?;
    let prev_mac: String = get(&head, "mac")?;
    let seq = prev_seq + 1;
    let at = now_ms();
    let mac = mac_of(key, &prev_mac, seq, at, &actor.0, action, target, detail);
    sql.exec(
        c,
        "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_mac, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vals![seq, at, actor.0.as_str(), action, target, detail, prev_mac.as_str(), mac.as_str()],
    )
    .await?;
    let n = sql
        .exec(
            c,
            "UPDATE audit_head SET seq = ?, mac = ? WHERE id = 1 AND seq = ?",
            vals![seq, mac.as_str(), prev_seq],
        )
        .await?;
    if n != 1 {
        return Err(StoreError::Busy(
            "audit chain moved underneath a writer".into(),
        ));
    }
    Ok(seq)
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows: i64,
    /// The first row that does not fit, with why; `None` when the whole chain verifies.
    pub first_bad: Option<(i64, String)>,
}

impl Store {
    pub(crate) fn audit_key(&self) -> [u8; 32] {
        self.keyring.derive("audit")
    }

    /// Appends one row in its own transaction (for events with no other write, such as a failed login).
    pub async fn audit_now(
        &self,
        actor: &AuditActor,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        use sea_orm::TransactionTrait;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        append(&txn, &self.audit_key(), actor, action, target, detail).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn audit_recent(&self, limit: u64, before_seq: Option<i64>) -> Result<Vec<AuditRow>> {
        let sql = Sql::of(&self.db);
        let rows = sql
            .all(
                &self.db,
                "SELECT seq, at, actor, action, target, detail FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                vals![before_seq.unwrap_or(i64::MAX), limit as i64],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRow {
                    seq: get(r, "seq")?,
                    at: get(r, "at")?,
                    actor: get(r, "actor")?,
                    action: get(r, "action")?,
                    target: get(r, "target")?,
                    detail: get(r, "detail")?,
                })
            })
            .collect()
    }

    /// Recomputes the whole chain in pages. Detects changed, deleted, inserted, reordered and truncated rows.
    pub async fn audit_verify(&self) -> Result<VerifyReport> {
        let key = self.audit_key();
        let sql = Sql::of(&self.db);
        let mut expected_seq = 1i64;
        let mut prev_mac = String::new();
        let mut after = 0i64;
        loop {
            let rows = sql
                .all(
                    &self.db,
                    "SELECT seq, at, actor, action, target, detail, prev_mac, mac FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 5000",
                    vals![after],
                )
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let seq: i64 = get(r, "seq")?;
                let at: i64 = get(r, "at")?;
                let actor: String = get(r, "actor")?;
                let action: String = get(r, "action")?;
                let target: String = get(r, "target")?;
                let detail: String = get(r, "detail")?;
                let stored_prev: String = get(r, "prev_mac")?;
                let mac: String = get(r, "mac")?;
                if seq != expected_seq {
                    return Ok(VerifyReport {
                        rows: expected_seq - 1,
                        first_bad: Some((
                            expected_seq,
                            format!("row {expected_seq} is missing (next row found is {seq})"),
                        )),
                    });
                }
                if stored_prev != prev_mac {
                    return Ok(VerifyReport {
                        rows: seq - 1,
                        first_bad: Some((
                            seq,
                            format!("row {seq} does not follow row {}", seq - 1),
                        )),
                    });
                }
                let want = mac_of(&key, &prev_mac, seq, at, &actor, &action, &target, &detail);
                if !crypto::ct_eq(want.as_bytes(), mac.as_bytes()) {
                    return Ok(VerifyReport {
                        rows: seq - 1,
                        first_bad: Some((
                            seq,
                            format!("row {seq} was altered (its MAC does not match its content)"),
                        )),
                    });
                }
                prev_mac = mac;
                expected_seq = seq + 1;
                after = seq;
            }
        }
        let head = sql
            .one(
                &self.db,
                "SELECT seq, mac FROM audit_head WHERE id = 1",
                vals![],
            )
            .await?;
        let (head_seq, head_mac): (i64, String) = match head {
            Some(h) => (get(&h, "seq")?, get(&h, "mac")?),
            None => (-1, String::new()),
        };
        let last = expected_seq - 1;
        if head_seq != last || head_mac != prev_mac {
            return Ok(VerifyReport {
                rows: last,
                first_bad: Some((
                    last + 1,
                    format!(
                        "the chain ends at row {last} but the head records row {head_seq}: rows were removed from the end"
                    ),
                )),
            });
        }
        Ok(VerifyReport {
            rows: last,
            first_bad: None,
        })
    }
}
