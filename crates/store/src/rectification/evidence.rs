//! Evidence files (佐证材料) of ledger rows: checked by content, stored under server-made names in the data
//! folder, read back against their digest, and swept when a crash left one without its row.

use std::path::PathBuf;

use domain::rectification::ItemState;
use domain::tips::AttachmentKind;
use sea_orm::TransactionTrait;
use serde::Serialize;

use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

use super::insert_event;

/// An evidence file (佐证材料) of a row.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub size: i64,
    pub uploaded_by: String,
    pub created_at: i64,
}

/// The most evidence files one row keeps.
pub const MAX_EVIDENCE_PER_ITEM: i64 = 30;

impl Store {
    fn evidence_dir(&self, item_id: &str) -> PathBuf {
        self.data_dir
            .join("evidence")
            .join("rectification")
            .join(item_id)
    }

    // ---------- evidence ----------

    /// Stores an evidence file under a server-made name, checked by content. The file is written and
    /// synced before the row commits; if the commit fails the file is removed.
    pub async fn add_evidence(
        &self,
        actor: &Actor,
        item_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<String> {
        let item = self.rectification_item_in_scope(actor, item_id).await?;
        let state = ItemState::parse(&item.state)?;
        if !matches!(state, ItemState::Open | ItemState::Rework) {
            return Err(StoreError::invalid(
                "file",
                format!("整改事项{}，不能再上传佐证材料", state.label()),
            ));
        }
        let kind: AttachmentKind =
            domain::tips::check_attachment(bytes).map_err(|e| e.at("file"))?;
        let display = domain::tips::sanitize_filename(name);
        let count = Sql::of(&self.db)
            .scalar(
                &self.db,
                "SELECT COUNT(*) FROM rectification_evidence WHERE item_id = ?",
                vals![item_id],
            )
            .await?;
        if count >= MAX_EVIDENCE_PER_ITEM {
            return Err(StoreError::invalid(
                "file",
                format!("每个整改事项最多保存{MAX_EVIDENCE_PER_ITEM}份佐证材料"),
            ));
        }
        let id = new_id();
        let dir = self.evidence_dir(item_id);
        let path = dir.join(&id);
        let digest = hex::encode(crypto::sm3(bytes));
        let data = bytes.to_vec();
        let (d2, p2) = (dir.clone(), path.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            std::fs::create_dir_all(&d2)?;
            let mut f = std::fs::File::create(&p2)?;
            f.write_all(&data)?;
            f.sync_all()?;
            std::fs::File::open(&d2).and_then(|d| d.sync_all())
        })
        .await
        .map_err(|e| StoreError::Busy(e.to_string()))??;
        let now = now_ms();
        let result = async {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            Sql::of(&txn)
                .exec(
                    &txn,
                    "INSERT INTO rectification_evidence (id, item_id, name, kind, size, digest, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    vals![id.as_str(), item_id, display.as_str(), kind.ext(), bytes.len() as i64, digest.as_str(), actor.display_name.as_str(), now],
                )
                .await?;
            insert_event(&txn, "rectification_events", "item_id", item_id, "evidence", Some(state.as_str()), state.as_str(), &format!("上传佐证材料「{display}」"), actor, now).await?;
            append(&txn, &self.audit_key(), &actor.audit(), "rectification.evidence", &format!("rectification:{}", item.number), &format!("{} bytes sm3={digest}", bytes.len())).await?;
            txn.commit().await?;
            Ok::<_, StoreError>(())
        }
        .await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        Ok(id)
    }

    pub async fn evidence_list(&self, actor: &Actor, item_id: &str) -> Result<Vec<Evidence>> {
        self.rectification_item_in_scope(actor, item_id).await?;
        let rows = Sql::of(&self.db)
            .all(&self.db, "SELECT id, name, kind, size, uploaded_by, created_at FROM rectification_evidence WHERE item_id = ? ORDER BY created_at, id", vals![item_id])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Evidence {
                    id: get(r, "id")?,
                    name: get(r, "name")?,
                    kind: get(r, "kind")?,
                    size: get(r, "size")?,
                    uploaded_by: get(r, "uploaded_by")?,
                    created_at: get(r, "created_at")?,
                })
            })
            .collect()
    }

    /// (display name, kind, bytes) of one evidence file, checked against its digest.
    pub async fn evidence_file(
        &self,
        actor: &Actor,
        item_id: &str,
        evidence_id: &str,
    ) -> Result<(String, String, Vec<u8>)> {
        self.rectification_item_in_scope(actor, item_id).await?;
        let r = Sql::of(&self.db)
            .one(&self.db, "SELECT name, kind, digest FROM rectification_evidence WHERE item_id = ? AND id = ?", vals![item_id, evidence_id])
            .await?
            .ok_or(StoreError::NotFound)?;
        let path = self.evidence_dir(item_id).join(evidence_id);
        let bytes = tokio::fs::read(&path).await?;
        if hex::encode(crypto::sm3(&bytes)) != get::<String>(&r, "digest")? {
            return Err(StoreError::Integrity(format!(
                "evidence {evidence_id} does not match its digest"
            )));
        }
        Ok((get(&r, "name")?, get(&r, "kind")?, bytes))
    }

    /// Removes evidence files older than `older_than_ms` that no row names: what a crash between writing a
    /// file and committing its row leaves behind. Returns how many files went.
    pub async fn sweep_orphan_evidence(&self, older_than_ms: i64) -> Result<usize> {
        let root = self.data_dir.join("evidence").join("rectification");
        let Ok(dirs) = std::fs::read_dir(&root) else {
            return Ok(0);
        };
        let now = std::time::SystemTime::now();
        let sql = Sql::of(&self.db);
        let mut removed = 0;
        for d in dirs.flatten() {
            let item = d.file_name().to_string_lossy().into_owned();
            let Ok(files) = std::fs::read_dir(d.path()) else {
                continue;
            };
            for f in files.flatten() {
                let age = f
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0);
                if age < older_than_ms {
                    continue;
                }
                let id = f.file_name().to_string_lossy().into_owned();
                let n = sql
                    .scalar(
                        &self.db,
                        "SELECT COUNT(*) FROM rectification_evidence WHERE id = ? AND item_id = ?",
                        vals![id.as_str(), item.as_str()],
                    )
                    .await?;
                if n == 0 {
                    std::fs::remove_file(f.path())?;
                    removed += 1;
                }
            }
            // An emptied folder goes too (fails harmlessly if anything is left).
            let _ = std::fs::remove_dir(d.path());
        }
        Ok(removed)
    }
}
