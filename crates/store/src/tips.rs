//! Public tips: intake with group commit, receipt lookups, anonymous two-way messages, attachments, and the
//! sealed reporter identity with its request → custodian approval → audited view.
//!
//! Everything a reporter wrote is sealed under a per-tip data key wrapped by the master key. The receipt is
//! kept only as HMAC-SM3 under a server key. A tip is acknowledged only after its transaction commits.

use std::io::Write;
use std::path::PathBuf;

use domain::tips::{AttachmentKind, ReceiptCode, ValidTip};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use crate::audit::{AuditActor, append};
use crate::clues::{ClueSeed, insert_clue};
use crate::db::{flag, get};
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

pub struct NewAttachment {
    pub name: String,
    pub kind: AttachmentKind,
    pub bytes: Vec<u8>,
}

pub struct NewTip {
    pub tip: ValidTip,
    pub attachments: Vec<NewAttachment>,
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TipReceipt {
    pub receipt: ReceiptCode,
    pub number: String,
    pub duplicate_of: Option<String>,
    /// True when an earlier submission with the same idempotency key is being answered again.
    pub replayed: bool,
}

#[derive(Serialize, Deserialize)]
struct SealedContent {
    description: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ReporterIdentity {
    pub name: Option<String>,
    pub contact: Option<String>,
}

/// A tip prepared outside the write lock: encrypted, hashed, its files already on disk.
struct Prepared {
    id: String,
    receipt: ReceiptCode,
    receipt_hash: String,
    idem_hash: Option<String>,
    receipt_replay: Option<Vec<u8>>,
    wrapped_key: Vec<u8>,
    content: Vec<u8>,
    identity: Option<Vec<u8>>,
    category: String,
    accused: (Option<String>, Option<String>, Option<String>),
    simhash: u64,
    attachments: Vec<(String, Vec<u8>, &'static str, i64, String)>,
    dir: PathBuf,
}

struct IntakeJob {
    prepared: Prepared,
    reply: oneshot::Sender<Result<TipReceipt>>,
}

pub(crate) struct IntakeHandle {
    tx: mpsc::Sender<IntakeJob>,
}

/// A whole batch of concurrent submissions shares one commit (and so one fsync); the largest batch.
const MAX_BATCH: usize = 256;

fn content_aad(tip_id: &str, what: &str) -> Vec<u8> {
    format!("tip:{tip_id}:{what}").into_bytes()
}

impl Store {
    fn receipt_key(&self) -> [u8; 32] {
        self.keyring.derive("receipt")
    }

    pub(crate) fn receipt_hash(&self, r: &ReceiptCode) -> String {
        crypto::hmac_sm3_hex(&self.receipt_key(), r.digits().as_bytes())
    }

    fn intake(&self) -> &IntakeHandle {
        self.intake.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4096);
            let store = self.clone();
            tokio::spawn(async move { store.intake_loop(rx).await });
            IntakeHandle { tx }
        })
    }

    /// Seals, stores and registers a public tip; returns only after a durable commit.
    pub async fn submit_tip(&self, new: NewTip) -> Result<TipReceipt> {
        let key = new.idempotency_key.clone();
        if let Some(k) = &key {
            if let Some(r) = self.replay_tip(k).await? {
                return Ok(r);
            }
        }
        let prepared = self.prepare(new)?;
        let dir = prepared.dir.clone();
        let (reply, rx) = oneshot::channel();
        if self
            .intake()
            .tx
            .send(IntakeJob { prepared, reply })
            .await
            .is_err()
        {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(StoreError::Busy("intake closed".into()));
        }
        match rx.await {
            // Two submissions with one key raced: the loser answers with the winner's receipt.
            Ok(Err(StoreError::Db(e))) if key.is_some() && crate::org::is_unique_violation(&e) => {
                self.replay_tip(key.as_deref().unwrap_or_default())
                    .await?
                    .ok_or(StoreError::Db(e))
            }
            Ok(r) => r,
            Err(_) => Err(StoreError::Busy("intake dropped the submission".into())),
        }
    }

    fn prepare(&self, new: NewTip) -> Result<Prepared> {
        let id = new_id();
        let receipt = ReceiptCode::from_digits(crypto::random_digits(ReceiptCode::LEN))?;
        let receipt_hash = self.receipt_hash(&receipt);
        let (idem_hash, receipt_replay) = match &new.idempotency_key {
            Some(k) => {
                let h = crypto::hmac_sm3_hex(&self.keyring.derive("idempotency"), k.as_bytes());
                // The replay copy of the receipt opens only with the client's own key.
                let seal_key =
                    crypto::hmac_sm3(&self.keyring.derive("idempotency-seal"), k.as_bytes());
                let dk = crypto::DataKey::from_bytes(self.keyring.suite(), &seal_key)?;
                (
                    Some(h),
                    Some(dk.seal(b"receipt", receipt.digits().as_bytes())),
                )
            }
            None => (None, None),
        };
        let (dk, wrapped_key) = self.keyring.new_data_key();
        let t = &new.tip;
        let content = serde_json::to_vec(&SealedContent {
            description: t.description.clone(),
        })
        .map_err(|e| StoreError::Integrity(e.to_string()))?;
        let content = dk.seal(&content_aad(&id, "content"), &content);
        let identity = if t.reporter_name.is_some() || t.reporter_contact.is_some() {
            let ident = ReporterIdentity {
                name: t.reporter_name.clone(),
                contact: t.reporter_contact.clone(),
            };
            let plain =
                serde_json::to_vec(&ident).map_err(|e| StoreError::Integrity(e.to_string()))?;
            Some(dk.seal(&content_aad(&id, "identity"), &plain))
        } else {
            None
        };
        let simhash = search::simhash(&t.description);
        let dir = self.data_dir.join("attachments").join(&id);
        let mut attachments = Vec::new();
        if !new.attachments.is_empty() {
            std::fs::create_dir_all(&dir)?;
            for a in &new.attachments {
                let att_id = new_id();
                let sealed = dk.seal(&content_aad(&id, &att_id), &a.bytes);
                let path = dir.join(&att_id);
                let write = || -> std::io::Result<()> {
                    let mut f = std::fs::File::create(&path)?;
                    f.write_all(&sealed)?;
                    f.sync_all()
                };
                if let Err(e) = write() {
                    let _ = std::fs::remove_dir_all(&dir);
                    return Err(e.into());
                }
                let name_sealed = dk.seal(
                    &content_aad(&id, &format!("{att_id}:name")),
                    a.name.as_bytes(),
                );
                let digest = hex::encode(crypto::sm3(&a.bytes));
                attachments.push((
                    att_id,
                    name_sealed,
                    a.kind.ext(),
                    a.bytes.len() as i64,
                    digest,
                ));
            }
            // The directory entry must be durable too before the commit acknowledges the tip.
            std::fs::File::open(&dir).and_then(|d| d.sync_all())?;
        }
        Ok(Prepared {
            id,
            receipt,
            receipt_hash,
            idem_hash,
            receipt_replay,
            wrapped_key,
            content,
            identity,
            category: t.category.as_str().to_string(),
            accused: (
                t.accused_name.clone(),
                t.accused_unit.clone(),
                t.accused_position.clone(),
            ),
            simhash,
            attachments,
            dir,
        })
    }

    async fn intake_loop(self, mut rx: mpsc::Receiver<IntakeJob>) {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            self.commit_batch(batch).await;
        }
    }

    async fn commit_batch(&self, batch: Vec<IntakeJob>) {
        let _w = self.write_lock.lock().await;
        let mut results: Vec<Option<Result<TipReceipt>>> = Vec::with_capacity(batch.len());
        let outcome: Result<()> = async {
            let txn = self.db.begin().await?;
            for job in &batch {
                // A savepoint per tip: one bad tip does not sink the others sharing the commit.
                let sp = txn.begin().await?;
                match self.insert_prepared(&sp, &job.prepared).await {
                    Ok(r) => {
                        sp.commit().await?;
                        results.push(Some(Ok(r)));
                    }
                    Err(e) => {
                        sp.rollback().await?;
                        results.push(Some(Err(e)));
                    }
                }
            }
            txn.commit().await?;
            Ok(())
        }
        .await;
        drop(_w);
        match outcome {
            Ok(()) => {
                for (job, res) in batch.into_iter().zip(results) {
                    let res = res.unwrap_or_else(|| Err(StoreError::Busy("no result".into())));
                    if res.is_err() {
                        let _ = std::fs::remove_dir_all(&job.prepared.dir);
                    }
                    let _ = job.reply.send(res);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                tracing::error!(error = %msg, "tip batch commit failed");
                // The index may hold rows of the rolled-back batch: rebuild it from committed rows.
                *self.near.lock().await = NearIndex::default();
                for job in batch {
                    let _ = std::fs::remove_dir_all(&job.prepared.dir);
                    let _ = job.reply.send(Err(StoreError::Busy(msg.clone())));
                }
            }
        }
    }

    async fn insert_prepared<C: ConnectionTrait>(&self, c: &C, p: &Prepared) -> Result<TipReceipt> {
        let sql = Sql::of(c);
        let now = now_ms();
        let number = next_number(c, "JB", now).await?;
        let duplicate_of = find_near_duplicate(self, c, p.simhash).await?;
        let (name, unit, position) = &p.accused;
        let root: String = get(
            &sql.one(
                c,
                "SELECT id FROM units WHERE parent_id IS NULL ORDER BY created_at LIMIT 1",
                vals![],
            )
            .await?
            .ok_or_else(|| StoreError::Integrity("no root unit".into()))?,
            "id",
        )?;
        let summary = format!("群众举报 {number}");
        let category = domain::tips::ProblemCategory::parse(&p.category)?;
        let seed = ClueSeed {
            source: domain::clues::ClueSource::PublicTip,
            category,
            unit_id: root,
            accused_name: name.clone(),
            accused_unit: unit.clone(),
            accused_position: position.clone(),
            accused_officer_id: None,
            summary,
            tip_id: Some(p.id.clone()),
            created_by: None,
            actor_name: "群众举报".into(),
        };
        let (clue_id, clue_number) = insert_clue(self, c, &seed, now).await?;
        sql.exec(
            c,
            "INSERT INTO tips (id, number, receipt_hash, idempotency_hash, receipt_replay, wrapped_key, content_sealed, identity_sealed, has_identity, category, simhash, duplicate_of, clue_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![
                p.id.as_str(), number.as_str(), p.receipt_hash.as_str(), p.idem_hash.clone(), p.receipt_replay.clone(), p.wrapped_key.clone(),
                p.content.clone(), p.identity.clone(), flag(p.identity.is_some()), p.category.as_str(), p.simhash as i64,
                duplicate_of.as_ref().map(|d| d.0.clone()), clue_id.as_str(), now
            ],
        )
        .await?;
        for (seq, (att_id, name_sealed, kind, size, digest)) in p.attachments.iter().enumerate() {
            sql.exec(
                c,
                "INSERT INTO tip_attachments (id, tip_id, seq, name_sealed, kind, size, digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                vals![att_id.as_str(), p.id.as_str(), seq as i32, name_sealed.clone(), *kind, *size, digest.as_str(), now],
            )
            .await?;
        }
        let detail = match &duplicate_of {
            Some((_, n)) => format!(
                "clue={clue_number} attachments={} near_duplicate_of={n}",
                p.attachments.len()
            ),
            None => format!("clue={clue_number} attachments={}", p.attachments.len()),
        };
        append(
            c,
            &self.audit_key(),
            &AuditActor::public(),
            "tip.submit",
            &format!("tip:{number}"),
            &detail,
        )
        .await?;
        Ok(TipReceipt {
            receipt: p.receipt.clone(),
            number,
            duplicate_of: duplicate_of.map(|d| d.1),
            replayed: false,
        })
    }

    /// For a resubmission with a known idempotency key: the original receipt and number.
    pub async fn replay_tip(&self, idempotency_key: &str) -> Result<Option<TipReceipt>> {
        let sql = Sql::of(&self.db);
        let h = crypto::hmac_sm3_hex(
            &self.keyring.derive("idempotency"),
            idempotency_key.as_bytes(),
        );
        let Some(r) = sql.one(&self.db, "SELECT t.number, t.receipt_replay, d.number AS dup FROM tips t LEFT JOIN tips d ON d.id = t.duplicate_of WHERE t.idempotency_hash = ?", vals![h]).await? else {
            return Ok(None);
        };
        let sealed: Option<Vec<u8>> = get(&r, "receipt_replay")?;
        let seal_key = crypto::hmac_sm3(
            &self.keyring.derive("idempotency-seal"),
            idempotency_key.as_bytes(),
        );
        let dk = crypto::DataKey::from_bytes(self.keyring.suite(), &seal_key)?;
        let digits = dk.open(
            b"receipt",
            &sealed.ok_or_else(|| StoreError::Integrity("replay copy missing".into()))?,
        )?;
        Ok(Some(TipReceipt {
            receipt: ReceiptCode::from_digits(String::from_utf8_lossy(&digits).into_owned())?,
            number: get(&r, "number")?,
            duplicate_of: get(&r, "dup")?,
            replayed: true,
        }))
    }
}

/// The next human number `PREFIX-YEAR-000123`, from one atomic counter update (never read-then-write).
pub(crate) async fn next_number<C: ConnectionTrait>(
    c: &C,
    prefix: &str,
    now: i64,
) -> Result<String> {
    let sql = Sql::of(c);
    let year = crate::clues::local_date(now).format("%Y").to_string();
    let name = format!("{prefix}-{year}");
    let row = sql
        .one(
            c,
            "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value",
            vals![name.as_str()],
        )
        .await?;
    let value = match row {
        Some(r) => get::<i64>(&r, "value")?,
        None => {
            sql.exec(
                c,
                "INSERT INTO counters (name, value) VALUES (?, 1)",
                vals![name.as_str()],
            )
            .await?;
            1
        }
    };
    Ok(format!("{name}-{value:06}"))
}

/// Every tip's SimHash in memory (8 bytes plus two short strings a tip: ~10 MB per 100,000), kept
/// current by reading only rows newer than the last one seen, so other server processes' tips count too.
/// A linear scan of 100,000 hashes takes well under a millisecond; band lookups in SQL cannot reach
/// `search::NEAR_DISTANCE` without scanning most of the table.
#[derive(Default)]
pub(crate) struct NearIndex {
    entries: Vec<(u64, String, String)>,
    last: (i64, String),
}

impl NearIndex {
    async fn refresh<C: ConnectionTrait>(&mut self, c: &C) -> Result<()> {
        let sql = Sql::of(c);
        loop {
            let (at, id) = self.last.clone();
            let rows = sql
                .all(
                    c,
                    "SELECT id, number, simhash, created_at FROM tips WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT 10000",
                    vals![at, id.as_str()],
                )
                .await?;
            let done = rows.len() < 10000;
            for r in rows {
                let id: String = get(&r, "id")?;
                let h: i64 = get(&r, "simhash")?;
                self.last = (get(&r, "created_at")?, id.clone());
                self.entries.push((h as u64, id, get(&r, "number")?));
            }
            if done {
                return Ok(());
            }
        }
    }

    /// The earliest tip within the distance, if any.
    fn nearest(&self, h: u64) -> Option<(String, String)> {
        self.entries
            .iter()
            .filter(|e| search::is_near(e.0, h))
            .min_by_key(|e| (search::hamming(e.0, h), e.2.clone()))
            .map(|e| (e.1.clone(), e.2.clone()))
    }
}

impl Store {
    /// Loads the near-duplicate index now rather than on the first tip after start.
    pub async fn warm_near_index(&self) -> Result<usize> {
        let mut idx = self.near.lock().await;
        idx.refresh(&self.db).await?;
        Ok(idx.entries.len())
    }
}

async fn find_near_duplicate<C: ConnectionTrait>(
    store: &Store,
    c: &C,
    h: u64,
) -> Result<Option<(String, String)>> {
    let mut idx = store.near.lock().await;
    idx.refresh(c).await?;
    Ok(idx.nearest(h))
}

// ---------- what the reporter sees with the receipt ----------

#[derive(Debug, Clone, Serialize)]
pub struct PublicMessage {
    pub direction: String,
    pub kind: String,
    pub body: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicView {
    pub number: String,
    pub status: String,
    pub category: String,
    pub submitted_at: i64,
    pub messages: Vec<PublicMessage>,
    pub feedback: Option<String>,
}

/// One tip's sealed material opened for staff.
#[derive(Debug, Clone, Serialize)]
pub struct TipContent {
    pub id: String,
    pub number: String,
    pub description: String,
    pub has_identity: bool,
    pub duplicate_of: Option<String>,
    pub attachments: Vec<AttachmentInfo>,
    pub messages: Vec<PublicMessage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentInfo {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub size: i64,
}

struct TipKeys {
    id: String,
    number: String,
    key: crypto::DataKey,
}

impl Store {
    async fn tip_by_receipt(&self, receipt: &ReceiptCode) -> Result<Option<sea_orm::QueryResult>> {
        let sql = Sql::of(&self.db);
        sql.one(
            &self.db,
            "SELECT t.id, t.number, t.wrapped_key, t.category, t.created_at, c.state FROM tips t JOIN clues c ON c.id = t.clue_id WHERE t.receipt_hash = ?",
            vals![self.receipt_hash(receipt)],
        )
        .await
    }

    fn keys_of(&self, r: &sea_orm::QueryResult) -> Result<TipKeys> {
        let wrapped: Vec<u8> = get(r, "wrapped_key")?;
        Ok(TipKeys {
            id: get(r, "id")?,
            number: get(r, "number")?,
            key: self.keyring.unwrap_data_key(&wrapped)?,
        })
    }

    async fn messages_of(&self, keys: &TipKeys) -> Result<Vec<PublicMessage>> {
        let sql = Sql::of(&self.db);
        let rows = sql
            .all(&self.db, "SELECT id, direction, kind, body_sealed, created_at FROM tip_messages WHERE tip_id = ? ORDER BY created_at, id", vals![keys.id.as_str()])
            .await?;
        rows.iter()
            .map(|r| {
                let id: String = get(r, "id")?;
                let sealed: Vec<u8> = get(r, "body_sealed")?;
                let body = keys.key.open(&content_aad(&keys.id, &id), &sealed)?;
                Ok(PublicMessage {
                    direction: get(r, "direction")?,
                    kind: get(r, "kind")?,
                    body: String::from_utf8_lossy(&body).into_owned(),
                    at: get(r, "created_at")?,
                })
            })
            .collect()
    }

    /// What the holder of a receipt may see. `None` for an unknown receipt.
    pub async fn lookup_tip(&self, receipt: &ReceiptCode) -> Result<Option<PublicView>> {
        let Some(r) = self.tip_by_receipt(receipt).await? else {
            return Ok(None);
        };
        let keys = self.keys_of(&r)?;
        let state = domain::clues::ClueState::parse(&get::<String>(&r, "state")?)?;
        let category: String = get(&r, "category")?;
        let messages = self.messages_of(&keys).await?;
        let feedback = messages
            .iter()
            .rev()
            .find(|m| m.kind == "feedback")
            .map(|m| m.body.clone());
        Ok(Some(PublicView {
            number: keys.number,
            status: domain::clues::public_status(state).to_string(),
            category: domain::tips::ProblemCategory::parse(&category)
                .map(|c| c.label().to_string())
                .unwrap_or(category),
            submitted_at: get(&r, "created_at")?,
            messages,
            feedback,
        }))
    }

    /// The reporter writes to the handler. Answers `NotFound` for an unknown receipt.
    pub async fn reporter_message(&self, receipt: &ReceiptCode, body: &str) -> Result<()> {
        let body = domain::tips::validate_message(body)?;
        let r = self
            .tip_by_receipt(receipt)
            .await?
            .ok_or(StoreError::NotFound)?;
        let keys = self.keys_of(&r)?;
        let state: String = get(&r, "state")?;
        if state == "closed" {
            return Err(StoreError::invalid("body", "该举报已办结，不能再留言"));
        }
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let id = new_id();
        let sealed = keys.key.seal(&content_aad(&keys.id, &id), body.as_bytes());
        Sql::of(&txn)
            .exec(&txn, "INSERT INTO tip_messages (id, tip_id, direction, kind, body_sealed, author_id, created_at) VALUES (?, ?, 'reporter', 'message', ?, NULL, ?)", vals![id.as_str(), keys.id.as_str(), sealed, now_ms()])
            .await?;
        append(
            &txn,
            &self.audit_key(),
            &AuditActor::public(),
            "tip.reporter_message",
            &format!("tip:{}", keys.number),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn tip_row_for_clue(&self, actor: &Actor, clue_id: &str) -> Result<sea_orm::QueryResult> {
        let clue = self.clue_in_scope(actor, clue_id).await?;
        let tip_id = clue.tip_id.ok_or(StoreError::NotFound)?;
        Sql::of(&self.db)
            .one(&self.db, "SELECT t.id, t.number, t.wrapped_key, t.content_sealed, t.has_identity, d.number AS dup FROM tips t LEFT JOIN tips d ON d.id = t.duplicate_of WHERE t.id = ?", vals![tip_id])
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The tip behind a clue, opened for a staff member in scope; the read is audited in its own commit first.
    pub async fn tip_content(&self, actor: &Actor, clue_id: &str) -> Result<TipContent> {
        let r = self.tip_row_for_clue(actor, clue_id).await?;
        let keys = self.keys_of(&r)?;
        self.audit_now(
            &actor.audit(),
            "tip.read",
            &format!("tip:{}", keys.number),
            "content",
        )
        .await?;
        let sealed: Vec<u8> = get(&r, "content_sealed")?;
        let content: SealedContent =
            serde_json::from_slice(&keys.key.open(&content_aad(&keys.id, "content"), &sealed)?)
                .map_err(|e| StoreError::Integrity(e.to_string()))?;
        let sql = Sql::of(&self.db);
        let rows = sql.all(&self.db, "SELECT id, name_sealed, kind, size FROM tip_attachments WHERE tip_id = ? ORDER BY seq", vals![keys.id.as_str()]).await?;
        let attachments = rows
            .iter()
            .map(|a| {
                let id: String = get(a, "id")?;
                let ns: Vec<u8> = get(a, "name_sealed")?;
                let name = keys
                    .key
                    .open(&content_aad(&keys.id, &format!("{id}:name")), &ns)?;
                Ok(AttachmentInfo {
                    id,
                    name: String::from_utf8_lossy(&name).into_owned(),
                    kind: get(a, "kind")?,
                    size: get(a, "size")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let messages = self.messages_of(&keys).await?;
        Ok(TipContent {
            id: keys.id.clone(),
            number: keys.number.clone(),
            description: content.description,
            has_identity: get::<i32>(&r, "has_identity")? != 0,
            duplicate_of: get(&r, "dup")?,
            attachments,
            messages,
        })
    }

    /// One attachment's bytes, decrypted, for a staff member in scope (audited).
    pub async fn tip_attachment(
        &self,
        actor: &Actor,
        clue_id: &str,
        att_id: &str,
    ) -> Result<(String, String, Vec<u8>)> {
        let r = self.tip_row_for_clue(actor, clue_id).await?;
        let keys = self.keys_of(&r)?;
        let a = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT id, name_sealed, kind FROM tip_attachments WHERE tip_id = ? AND id = ?",
                vals![keys.id.as_str(), att_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let ns: Vec<u8> = get(&a, "name_sealed")?;
        let name = String::from_utf8_lossy(
            &keys
                .key
                .open(&content_aad(&keys.id, &format!("{att_id}:name")), &ns)?,
        )
        .into_owned();
        let kind: String = get(&a, "kind")?;
        self.audit_now(
            &actor.audit(),
            "tip.attachment_read",
            &format!("tip:{}", keys.number),
            att_id,
        )
        .await?;
        let sealed = std::fs::read(
            self.data_dir
                .join("attachments")
                .join(&keys.id)
                .join(att_id),
        )?;
        let bytes = keys.key.open(&content_aad(&keys.id, att_id), &sealed)?;
        Ok((name, kind, bytes))
    }

    /// Checks every attachment of a tip opens (used by the crash test and backup checks).
    pub async fn verify_tip_files(&self, receipt: &ReceiptCode) -> Result<usize> {
        let r = self
            .tip_by_receipt(receipt)
            .await?
            .ok_or(StoreError::NotFound)?;
        let keys = self.keys_of(&r)?;
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT id, digest FROM tip_attachments WHERE tip_id = ?",
                vals![keys.id.as_str()],
            )
            .await?;
        for a in &rows {
            let id: String = get(a, "id")?;
            let digest: String = get(a, "digest")?;
            let sealed = std::fs::read(self.data_dir.join("attachments").join(&keys.id).join(&id))?;
            let bytes = keys.key.open(&content_aad(&keys.id, &id), &sealed)?;
            if hex::encode(crypto::sm3(&bytes)) != digest {
                return Err(StoreError::Integrity(format!(
                    "attachment {id} digest mismatch"
                )));
            }
        }
        Ok(rows.len())
    }

    /// A handler writes to the reporter: a question, a message, or the final feedback.
    pub(crate) async fn handler_message_in<C: ConnectionTrait>(
        &self,
        c: &C,
        tip_id: &str,
        kind: &str,
        body: &str,
        author: &Actor,
    ) -> Result<()> {
        let sql = Sql::of(c);
        let r = sql
            .one(
                c,
                "SELECT id, number, wrapped_key FROM tips WHERE id = ?",
                vals![tip_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let keys = self.keys_of(&r)?;
        let id = new_id();
        let sealed = keys.key.seal(&content_aad(&keys.id, &id), body.as_bytes());
        sql.exec(c, "INSERT INTO tip_messages (id, tip_id, direction, kind, body_sealed, author_id, created_at) VALUES (?, ?, 'handler', ?, ?, ?, ?)", vals![id.as_str(), tip_id, kind, sealed, author.user_id.as_str(), now_ms()]).await?;
        append(
            c,
            &self.audit_key(),
            &author.audit(),
            "tip.handler_message",
            &format!("tip:{}", keys.number),
            kind,
        )
        .await?;
        Ok(())
    }

    pub async fn handler_message(&self, actor: &Actor, clue_id: &str, body: &str) -> Result<()> {
        let body = domain::tips::validate_message(body)?;
        let clue = self.clue_in_scope(actor, clue_id).await?;
        let tip_id = clue
            .tip_id
            .ok_or_else(|| StoreError::invalid("body", "该线索不是群众举报，没有举报人可联系"))?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        self.handler_message_in(&txn, &tip_id, "question", &body, actor)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Removes attachment folders whose tip never committed (a crash between writing files and the commit).
    pub async fn sweep_orphan_attachments(&self, older_than_ms: i64) -> Result<usize> {
        let root = self.data_dir.join("attachments");
        let mut removed = 0;
        let Ok(entries) = std::fs::read_dir(&root) else {
            return Ok(0);
        };
        let now = std::time::SystemTime::now();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let age = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            if age < older_than_ms {
                continue;
            }
            let n = Sql::of(&self.db)
                .scalar(
                    &self.db,
                    "SELECT COUNT(*) FROM tips WHERE id = ?",
                    vals![name.as_str()],
                )
                .await?;
            if n == 0 {
                std::fs::remove_dir_all(e.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

// ---------- sealed identity: request → custodian decision → audited view ----------

#[derive(Debug, Clone, Serialize)]
pub struct UnsealRequest {
    pub id: String,
    pub clue_id: String,
    pub clue_number: String,
    pub requester: String,
    pub reason: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub created_at: i64,
}

fn unseal_from(r: &sea_orm::QueryResult) -> Result<UnsealRequest> {
    Ok(UnsealRequest {
        id: get(r, "id")?,
        clue_id: get(r, "clue_id")?,
        clue_number: get(r, "clue_number")?,
        requester: get(r, "requester")?,
        reason: get(r, "reason")?,
        status: get(r, "status")?,
        decided_by: get(r, "decided_by_name")?,
        decision_note: get(r, "decision_note")?,
        created_at: get(r, "created_at")?,
    })
}

const UNSEAL_SELECT: &str = "SELECT q.id, q.clue_id, c.number AS clue_number, ru.display_name AS requester, q.reason, q.status, du.display_name AS decided_by_name, q.decision_note, q.created_at FROM unseal_requests q JOIN clues c ON c.id = q.clue_id JOIN users ru ON ru.id = q.requester_id LEFT JOIN users du ON du.id = q.decided_by";

impl Store {
    pub async fn request_unseal(
        &self,
        actor: &Actor,
        clue_id: &str,
        reason: &str,
    ) -> Result<String> {
        let reason = domain::org::clean_text(reason, "reason", "申请理由", 10, 1000)?;
        let r = self.tip_row_for_clue(actor, clue_id).await?;
        if get::<i32>(&r, "has_identity")? == 0 {
            return Err(StoreError::invalid(
                "reason",
                "该举报为匿名举报，没有可启封的身份信息",
            ));
        }
        let tip_id: String = get(&r, "id")?;
        let number: String = get(&r, "number")?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let pending = sql.scalar(&txn, "SELECT COUNT(*) FROM unseal_requests WHERE tip_id = ? AND requester_id = ? AND status = 'pending'", vals![tip_id.as_str(), actor.user_id.as_str()]).await?;
        if pending > 0 {
            return Err(StoreError::invalid("reason", "已有待审批的启封申请"));
        }
        let id = new_id();
        sql.exec(&txn, "INSERT INTO unseal_requests (id, tip_id, clue_id, requester_id, reason, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)", vals![id.as_str(), tip_id.as_str(), clue_id, actor.user_id.as_str(), reason.as_str(), now_ms()]).await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "identity.request",
            &format!("tip:{number}"),
            &format!("request={id} reason={reason}"),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn unseal_requests(&self, status: Option<&str>) -> Result<Vec<UnsealRequest>> {
        let sql = Sql::of(&self.db);
        let rows = match status {
            Some(s) => {
                sql.all(
                    &self.db,
                    &format!(
                        "{UNSEAL_SELECT} WHERE q.status = ? ORDER BY q.created_at DESC LIMIT 500"
                    ),
                    vals![s],
                )
                .await?
            }
            None => {
                sql.all(
                    &self.db,
                    &format!("{UNSEAL_SELECT} ORDER BY q.created_at DESC LIMIT 500"),
                    vals![],
                )
                .await?
            }
        };
        rows.iter().map(unseal_from).collect()
    }

    /// The actor's own requests on every clue, newest first: what a discipline inspector sees at /unseal.
    pub async fn unseal_requests_of(&self, actor: &Actor) -> Result<Vec<UnsealRequest>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "{UNSEAL_SELECT} WHERE q.requester_id = ? ORDER BY q.created_at DESC LIMIT 500"
                ),
                vals![actor.user_id.as_str()],
            )
            .await?;
        rows.iter().map(unseal_from).collect()
    }

    pub async fn unseal_requests_for_clue(
        &self,
        actor: &Actor,
        clue_id: &str,
    ) -> Result<Vec<UnsealRequest>> {
        self.clue_in_scope(actor, clue_id).await?;
        let rows = Sql::of(&self.db).all(&self.db, &format!("{UNSEAL_SELECT} WHERE q.clue_id = ? AND q.requester_id = ? ORDER BY q.created_at DESC"), vals![clue_id, actor.user_id.as_str()]).await?;
        rows.iter().map(unseal_from).collect()
    }

    /// The custodian approves or refuses. A custodian cannot decide their own request.
    pub async fn decide_unseal(
        &self,
        actor: &Actor,
        request_id: &str,
        approve: bool,
        note: &str,
    ) -> Result<()> {
        let note = domain::org::clean_optional(Some(note), "note", "审批意见", 1000)?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let r = sql.one(&txn, "SELECT q.requester_id, q.status, t.number FROM unseal_requests q JOIN tips t ON t.id = q.tip_id WHERE q.id = ?", vals![request_id]).await?.ok_or(StoreError::NotFound)?;
        if get::<String>(&r, "requester_id")? == actor.user_id {
            return Err(StoreError::Forbidden);
        }
        if get::<String>(&r, "status")? != "pending" {
            return Err(StoreError::invalid("note", "该申请已处理"));
        }
        let number: String = get(&r, "number")?;
        let status = if approve { "approved" } else { "refused" };
        sql.exec(&txn, "UPDATE unseal_requests SET status = ?, decided_by = ?, decision_note = ?, decided_at = ? WHERE id = ? AND status = 'pending'", vals![status, actor.user_id.as_str(), note, now_ms(), request_id]).await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            if approve {
                "identity.approve"
            } else {
                "identity.refuse"
            },
            &format!("tip:{number}"),
            &format!("request={request_id}"),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The reporter's identity, for the requester of an approved request only; every view is audited first.
    pub async fn view_identity(&self, actor: &Actor, request_id: &str) -> Result<ReporterIdentity> {
        let sql = Sql::of(&self.db);
        let q = sql
            .one(
                &self.db,
                "SELECT clue_id, requester_id, status FROM unseal_requests WHERE id = ?",
                vals![request_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        if get::<String>(&q, "requester_id")? != actor.user_id
            || get::<String>(&q, "status")? != "approved"
        {
            return Err(StoreError::NotFound);
        }
        let clue_id: String = get(&q, "clue_id")?;
        let r = self.tip_row_for_clue(actor, &clue_id).await?;
        let keys = self.keys_of(&r)?;
        let row = sql
            .one(
                &self.db,
                "SELECT identity_sealed FROM tips WHERE id = ?",
                vals![keys.id.as_str()],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let sealed: Option<Vec<u8>> = get(&row, "identity_sealed")?;
        let sealed = sealed.ok_or(StoreError::NotFound)?;
        {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            append(
                &txn,
                &self.audit_key(),
                &actor.audit(),
                "identity.view",
                &format!("tip:{}", keys.number),
                &format!("request={request_id}"),
            )
            .await?;
            txn.commit().await?;
        }
        let plain = keys.key.open(&content_aad(&keys.id, "identity"), &sealed)?;
        serde_json::from_slice(&plain).map_err(|e| StoreError::Integrity(e.to_string()))
    }

    pub async fn count_tips(&self) -> Result<i64> {
        Sql::of(&self.db)
            .scalar(&self.db, "SELECT COUNT(*) FROM tips", vals![])
            .await
    }
}
