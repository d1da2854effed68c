//! Organisation: the unit tree, the roster of officers, staff accounts, sessions, and the [`Actor`] that
//! every scoped query takes.

use std::sync::LazyLock;

use domain::org::{DataScope, Role, UnitKind};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::audit::{AuditActor, append};
use crate::db::{flag, get};
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// Argon2id is memory-hard; at most two run at once so a login storm cannot exhaust memory or starve requests.
static KDF_PERMITS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(2));

pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
pub const WEB_IDLE_MS: i64 = 30 * 60 * 1000;
pub const API_IDLE_MS: i64 = 8 * 60 * 60 * 1000;

/// The signed-in person a request acts for: role grants actions, scope limits rows.
#[derive(Clone, Debug, Serialize)]
pub struct Actor {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: String,
    pub unit_name: String,
    pub unit_path: String,
    pub scope: DataScope,
    pub officer_id: Option<String>,
}

impl Actor {
    /// A SQL condition on a unit-id column that keeps only rows in this actor's data scope.
    pub fn scope_condition(&self, unit_col: &str) -> (String, Vec<Value>) {
        match self.scope {
            DataScope::All => ("1 = 1".to_string(), vec![]),
            DataScope::OwnUnit => (format!("{unit_col} = ?"), vals![self.unit_id.as_str()]),
            DataScope::Subtree => (
                format!("{unit_col} IN (SELECT id FROM units WHERE path LIKE ?)"),
                vals![format!("{}%", self.unit_path)],
            ),
        }
    }

    /// Whether a unit (given its path) lies in this actor's scope.
    pub fn covers_path(&self, path: &str) -> bool {
        match self.scope {
            DataScope::All => true,
            DataScope::OwnUnit => path == self.unit_path,
            DataScope::Subtree => path.starts_with(&self.unit_path),
        }
    }

    pub fn audit(&self) -> AuditActor {
        AuditActor::user(&self.username)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Unit {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub path: String,
    pub depth: usize,
}

fn unit_from(r: &QueryResult) -> Result<Unit> {
    let path: String = get(r, "path")?;
    Ok(Unit {
        id: get(r, "id")?,
        code: get(r, "code")?,
        name: get(r, "name")?,
        kind: get(r, "kind")?,
        parent_id: get(r, "parent_id")?,
        depth: path.matches('/').count().saturating_sub(2),
        path,
    })
}

#[derive(Clone, Debug)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_code: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewOfficer {
    pub name: String,
    pub badge: String,
    pub unit_code: String,
    pub position: String,
    pub id_number: Option<domain::org::IdNumber>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Officer {
    pub id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub name: String,
    pub badge: String,
    pub position: String,
    pub id_masked: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: domain::org::Username,
    pub display_name: String,
    pub role: Role,
    pub unit_code: String,
    pub scope: DataScope,
    pub password: String,
    pub officer_badge: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_name: String,
    pub scope: String,
    pub disabled: bool,
    pub totp_enabled: bool,
}

/// What a password check came to. `Refused` never says whether the account exists.
#[derive(Debug)]
pub enum LoginOutcome {
    Ok { user_id: String, needs_totp: bool },
    Refused,
    Locked,
}

pub struct SessionInfo {
    pub actor: Actor,
    pub csrf: String,
    pub totp_ok: bool,
    pub needs_totp: bool,
}

fn token_hash(token: &str) -> String {
    hex::encode(crypto::sm3(token.as_bytes()))
}

impl Store {
    pub(crate) fn id_hash(&self, id: &domain::org::IdNumber) -> String {
        crypto::hmac_sm3_hex(&self.keyring.derive("idnumber"), id.as_str().as_bytes())
    }

    // ---- units ----

    pub async fn create_units(&self, actor: &AuditActor, units: &[NewUnit]) -> Result<usize> {
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let n = insert_units(&txn, units).await?;
        append(
            &txn,
            &self.audit_key(),
            actor,
            "unit.import",
            "units",
            &format!("{n} units"),
        )
        .await?;
        txn.commit().await?;
        self.forget_units();
        Ok(n)
    }

    /// The whole unit tree, cached for a minute: every list page's unit filter needs it, and units
    /// change rarely (imports clear the cache at once).
    pub async fn units(&self) -> Result<Vec<Unit>> {
        if let Ok(c) = self.units_cache.read() {
            if let Some((at, list)) = c.as_ref() {
                if now_ms() - at < 60_000 {
                    return Ok(list.as_ref().clone());
                }
            }
        }
        let sql = Sql::of(&self.db);
        let rows = sql
            .all(
                &self.db,
                "SELECT id, code, name, kind, parent_id, path FROM units ORDER BY path",
                vals![],
            )
            .await?;
        let list = rows.iter().map(unit_from).collect::<Result<Vec<_>>>()?;
        if let Ok(mut c) = self.units_cache.write() {
            *c = Some((now_ms(), std::sync::Arc::new(list.clone())));
        }
        Ok(list)
    }

    pub(crate) fn forget_units(&self) {
        if let Ok(mut c) = self.units_cache.write() {
            *c = None;
        }
    }

    pub async fn units_in_scope(&self, actor: &Actor) -> Result<Vec<Unit>> {
        Ok(self
            .units()
            .await?
            .into_iter()
            .filter(|u| actor.covers_path(&u.path))
            .collect())
    }

    pub async fn unit_by_code(&self, code: &str) -> Result<Unit> {
        let sql = Sql::of(&self.db);
        let r = sql
            .one(
                &self.db,
                "SELECT id, code, name, kind, parent_id, path FROM units WHERE code = ?",
                vals![code],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        unit_from(&r)
    }

    pub async fn unit_by_id(&self, id: &str) -> Result<Unit> {
        let sql = Sql::of(&self.db);
        let r = sql
            .one(
                &self.db,
                "SELECT id, code, name, kind, parent_id, path FROM units WHERE id = ?",
                vals![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        unit_from(&r)
    }

    /// The unit if it lies within the actor's scope, else `NotFound`.
    pub async fn unit_in_scope(&self, actor: &Actor, id: &str) -> Result<Unit> {
        let u = self.unit_by_id(id).await?;
        if actor.covers_path(&u.path) {
            Ok(u)
        } else {
            Err(StoreError::NotFound)
        }
    }

    pub async fn root_unit(&self) -> Result<Unit> {
        let sql = Sql::of(&self.db);
        let r = sql
            .one(&self.db, "SELECT id, code, name, kind, parent_id, path FROM units WHERE parent_id IS NULL ORDER BY created_at LIMIT 1", vals![])
            .await?
            .ok_or(StoreError::NotFound)?;
        unit_from(&r)
    }

    pub async fn count_units(&self) -> Result<i64> {
        Sql::of(&self.db)
            .scalar(&self.db, "SELECT COUNT(*) FROM units", vals![])
            .await
    }

    // ---- officers ----

    pub async fn add_officers(&self, actor: &AuditActor, officers: &[NewOfficer]) -> Result<usize> {
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let n = self.insert_officers(&txn, officers).await?;
        append(
            &txn,
            &self.audit_key(),
            actor,
            "officer.import",
            "officers",
            &format!("{n} officers"),
        )
        .await?;
        txn.commit().await?;
        Ok(n)
    }

    pub(crate) async fn insert_officers<C: ConnectionTrait>(
        &self,
        c: &C,
        officers: &[NewOfficer],
    ) -> Result<usize> {
        let sql = Sql::of(c);
        let mut unit_ids = std::collections::HashMap::new();
        for o in officers {
            let unit_id = match unit_ids.get(&o.unit_code) {
                Some(id) => Clone::clone(id),
                None => {
                    let r = sql
                        .one(
                            c,
                            "SELECT id FROM units WHERE code = ?",
                            vals![o.unit_code.as_str()],
                        )
                        .await?
                        .ok_or_else(|| {
                            StoreError::invalid(
                                "unit_code",
                                format!("单位编码「{}」不存在", o.unit_code),
                            )
                        })?;
                    let id: String = get(&r, "id")?;
                    unit_ids.insert(o.unit_code.clone(), id.clone());
                    id
                }
            };
            let (hash, masked) = match &o.id_number {
                Some(idn) => (Some(self.id_hash(idn)), Some(idn.masked())),
                None => (None, None),
            };
            sql.exec(
                c,
                "INSERT INTO officers (id, unit_id, name, badge, position, id_hash, id_masked, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
                vals![new_id(), unit_id, o.name.as_str(), o.badge.as_str(), o.position.as_str(), hash, masked, now_ms()],
            )
            .await
            .map_err(|e| match e {
                StoreError::Db(ref d) if is_unique_violation(d) => {
                    StoreError::Conflict(format!("警号「{}」或身份证号已存在", o.badge))
                }
                other => other,
            })?;
        }
        Ok(officers.len())
    }

    /// Which of these badges / ID numbers are already on the roster (for row-level import errors).
    pub async fn existing_badges(&self, badges: &[String]) -> Result<Vec<String>> {
        let sql = Sql::of(&self.db);
        let mut found = Vec::new();
        for chunk in badges.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let v: Vec<Value> = chunk.iter().map(|b| Value::from(b.as_str())).collect();
            for r in sql
                .all(
                    &self.db,
                    &format!("SELECT badge FROM officers WHERE badge IN ({marks})"),
                    v,
                )
                .await?
            {
                found.push(get::<String>(&r, "badge")?);
            }
        }
        Ok(found)
    }

    /// Which of these ID numbers are already on the roster, compared by their keyed hash (the number itself
    /// is never stored), so an import can name the rows instead of failing on the unique index.
    pub async fn existing_id_numbers(
        &self,
        ids: &[domain::org::IdNumber],
    ) -> Result<Vec<domain::org::IdNumber>> {
        let sql = Sql::of(&self.db);
        let mut found = Vec::new();
        for chunk in ids.chunks(500) {
            let by_hash: std::collections::HashMap<String, &domain::org::IdNumber> =
                chunk.iter().map(|i| (self.id_hash(i), i)).collect();
            let marks = vec!["?"; by_hash.len()].join(",");
            let v: Vec<Value> = by_hash.keys().map(|h| Value::from(h.as_str())).collect();
            for r in sql
                .all(
                    &self.db,
                    &format!("SELECT id_hash FROM officers WHERE id_hash IN ({marks})"),
                    v,
                )
                .await?
            {
                if let Some(id) = by_hash.get(&get::<String>(&r, "id_hash")?) {
                    found.push((*id).clone());
                }
            }
        }
        Ok(found)
    }

    pub async fn officers_in_scope(
        &self,
        actor: &Actor,
        query: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Officer>, i64)> {
        let (cond, mut v) = actor.scope_condition("o.unit_id");
        let mut where_ = format!("WHERE {cond}");
        if !query.trim().is_empty() {
            where_.push_str(" AND (o.name LIKE ? OR o.badge LIKE ?)");
            let like = format!("%{}%", query.trim());
            v.push(Value::from(like.clone()));
            v.push(Value::from(like));
        }
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM officers o {where_}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!(
                    "SELECT o.id, o.unit_id, u.name AS unit_name, o.name, o.badge, o.position, o.id_masked FROM officers o JOIN units u ON u.id = o.unit_id {where_} ORDER BY u.path, o.badge LIMIT ? OFFSET ?"
                ),
                v,
            )
            .await?;
        let list = rows
            .iter()
            .map(|r| {
                Ok(Officer {
                    id: get(r, "id")?,
                    unit_id: get(r, "unit_id")?,
                    unit_name: get(r, "unit_name")?,
                    name: get(r, "name")?,
                    badge: get(r, "badge")?,
                    position: get(r, "position")?,
                    id_masked: get(r, "id_masked")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((list, total))
    }

    pub async fn count_officers(&self) -> Result<i64> {
        Sql::of(&self.db)
            .scalar(&self.db, "SELECT COUNT(*) FROM officers", vals![])
            .await
    }

    // ---- users ----

    pub async fn create_user(&self, actor: &AuditActor, u: &NewUser) -> Result<String> {
        domain::org::check_password_strength(&u.password)?;
        let hash = hash_password(u.password.clone()).await?;
        let unit = self.unit_by_code(&u.unit_code).await.map_err(|e| match e {
            StoreError::NotFound => {
                StoreError::invalid("unit", format!("单位编码「{}」不存在", u.unit_code))
            }
            other => other,
        })?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let officer_id: Option<String> = match &u.officer_badge {
            Some(b) => Some(get(
                &sql.one(
                    &txn,
                    "SELECT id FROM officers WHERE badge = ?",
                    vals![b.as_str()],
                )
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("officer", format!("警号「{b}」不在花名册中"))
                })?,
                "id",
            )?),
            None => None,
        };
        let id = new_id();
        let now = now_ms();
        sql.exec(
            &txn,
            "INSERT INTO users (id, username, display_name, role, unit_id, scope, officer_id, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![id.as_str(), u.username.as_str(), u.display_name.as_str(), u.role.as_str(), unit.id.as_str(), u.scope.as_str(), officer_id, hash, now, now],
        )
        .await
        .map_err(|e| match e {
            StoreError::Db(ref d) if is_unique_violation(d) => StoreError::invalid("username", "用户名已被使用"),
            other => other,
        })?;
        append(
            &txn,
            &self.audit_key(),
            actor,
            "user.create",
            &format!("user:{}", u.username.as_str()),
            &format!("role={} unit={}", u.role.as_str(), unit.code),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn users(&self) -> Result<Vec<UserSummary>> {
        let sql = Sql::of(&self.db);
        let rows = sql
            .all(&self.db, "SELECT s.id, s.username, s.display_name, s.role, u.name AS unit_name, s.scope, s.disabled, s.totp_enabled FROM users s JOIN units u ON u.id = s.unit_id ORDER BY s.username", vals![])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UserSummary {
                    id: get(r, "id")?,
                    username: get(r, "username")?,
                    display_name: get(r, "display_name")?,
                    role: get(r, "role")?,
                    unit_name: get(r, "unit_name")?,
                    scope: get(r, "scope")?,
                    disabled: get::<i32>(r, "disabled")? != 0,
                    totp_enabled: get::<i32>(r, "totp_enabled")? != 0,
                })
            })
            .collect()
    }

    /// Disables the account and ends every session it has.
    pub async fn set_user_disabled(
        &self,
        actor: &AuditActor,
        username: &str,
        disabled: bool,
    ) -> Result<()> {
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let id: String = get(
            &sql.one(
                &txn,
                "SELECT id FROM users WHERE username = ?",
                vals![username],
            )
            .await?
            .ok_or(StoreError::NotFound)?,
            "id",
        )?;
        sql.exec(
            &txn,
            "UPDATE users SET disabled = ? WHERE id = ?",
            vals![flag(disabled), id.as_str()],
        )
        .await?;
        if disabled {
            sql.exec(
                &txn,
                "DELETE FROM sessions WHERE user_id = ?",
                vals![id.as_str()],
            )
            .await?;
        }
        append(
            &txn,
            &self.audit_key(),
            actor,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            &format!("user:{username}"),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Sets a new password (admin reset or the user's own change); ends all other sessions of the user.
    pub async fn set_password(
        &self,
        actor: &AuditActor,
        username: &str,
        password: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        domain::org::check_password_strength(password)?;
        let hash = hash_password(password.to_string()).await?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let id: String = get(
            &sql.one(
                &txn,
                "SELECT id FROM users WHERE username = ?",
                vals![username],
            )
            .await?
            .ok_or(StoreError::NotFound)?,
            "id",
        )?;
        sql.exec(&txn, "UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = 0 WHERE id = ?", vals![hash, now_ms(), id.as_str()]).await?;
        let keep = keep_session.map(token_hash).unwrap_or_default();
        sql.exec(
            &txn,
            "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?",
            vals![id.as_str(), keep],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            actor,
            "user.password",
            &format!("user:{username}"),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Checks a password with lockout. Unknown accounts cost the same work and get the same answer.
    pub async fn check_password(&self, username: &str, password: &str) -> Result<LoginOutcome> {
        let sql = Sql::of(&self.db);
        let now = now_ms();
        let row = sql
            .one(&self.db, "SELECT id, password_hash, disabled, failed_logins, locked_until, totp_enabled FROM users WHERE username = ?", vals![username])
            .await?;
        let Some(r) = row else {
            let _ = verify_password(password.to_string(), DUMMY_HASH.clone()).await;
            self.audit_now(
                &AuditActor::public(),
                "login.fail",
                "user:?",
                "unknown account",
            )
            .await?;
            return Ok(LoginOutcome::Refused);
        };
        let id: String = get(&r, "id")?;
        let hash: String = get(&r, "password_hash")?;
        let disabled = get::<i32>(&r, "disabled")? != 0;
        let locked_until: i64 = get(&r, "locked_until")?;
        let needs_totp = get::<i32>(&r, "totp_enabled")? != 0;
        if locked_until > now {
            let _ = verify_password(password.to_string(), DUMMY_HASH.clone()).await;
            return Ok(LoginOutcome::Locked);
        }
        let ok = verify_password(password.to_string(), hash).await;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        if ok && !disabled {
            sql.exec(
                &txn,
                "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?",
                vals![id.as_str()],
            )
            .await?;
            txn.commit().await?;
            return Ok(LoginOutcome::Ok {
                user_id: id,
                needs_totp,
            });
        }
        let failed: i32 = get(&r, "failed_logins")?;
        let failed = failed + 1;
        let lock = if failed >= MAX_FAILED_LOGINS {
            now + LOCKOUT_MS
        } else {
            0
        };
        sql.exec(
            &txn,
            "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
            vals![if lock > 0 { 0 } else { failed }, lock, id.as_str()],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &AuditActor::user(username),
            if lock > 0 {
                "login.locked"
            } else {
                "login.fail"
            },
            &format!("user:{username}"),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(if lock > 0 {
            LoginOutcome::Locked
        } else {
            LoginOutcome::Refused
        })
    }

    /// A fresh session (a new token at every login, so a planted cookie is worthless). Returns the token.
    pub async fn create_session(&self, user_id: &str, kind: &str, totp_ok: bool) -> Result<String> {
        let token = crypto::random_token();
        let csrf = crypto::random_token();
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let username: String = get(
            &sql.one(
                &txn,
                "SELECT username FROM users WHERE id = ?",
                vals![user_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?,
            "username",
        )?;
        sql.exec(
            &txn,
            "INSERT INTO sessions (token_hash, user_id, kind, csrf, totp_ok, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vals![token_hash(&token), user_id, kind, csrf, flag(totp_ok), now, now],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &AuditActor::user(&username),
            "login.ok",
            &format!("user:{username}"),
            kind,
        )
        .await?;
        txn.commit().await?;
        Ok(token)
    }

    /// Resolves a session token; expired or disabled sessions are removed and answer `None`.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>> {
        let sql = Sql::of(&self.db);
        let th = token_hash(token);
        let Some(r) = sql
            .one(
                &self.db,
                "SELECT s.kind, s.csrf, s.totp_ok, s.last_seen, s.user_id, us.username, us.display_name, us.role, us.scope, us.unit_id, us.officer_id, us.disabled, us.totp_enabled, u.name AS unit_name, u.path AS unit_path FROM sessions s JOIN users us ON us.id = s.user_id JOIN units u ON u.id = us.unit_id WHERE s.token_hash = ?",
                vals![th.as_str()],
            )
            .await?
        else {
            return Ok(None);
        };
        let kind: String = get(&r, "kind")?;
        let last_seen: i64 = get(&r, "last_seen")?;
        let now = now_ms();
        let idle = if kind == "api" {
            API_IDLE_MS
        } else {
            WEB_IDLE_MS
        };
        if get::<i32>(&r, "disabled")? != 0 || now - last_seen > idle {
            let _w = self.write_lock.lock().await;
            sql.exec(
                &self.db,
                "DELETE FROM sessions WHERE token_hash = ?",
                vals![th.as_str()],
            )
            .await?;
            return Ok(None);
        }
        // Touch at most once a minute: a write per request would serialise every page view.
        if now - last_seen > 60_000 {
            let _w = self.write_lock.lock().await;
            sql.exec(
                &self.db,
                "UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
                vals![now, th.as_str()],
            )
            .await?;
        }
        let role = Role::parse(&get::<String>(&r, "role")?)?;
        let scope = DataScope::parse(&get::<String>(&r, "scope")?)?;
        Ok(Some(SessionInfo {
            actor: Actor {
                user_id: get(&r, "user_id")?,
                username: get(&r, "username")?,
                display_name: get(&r, "display_name")?,
                role,
                unit_id: get(&r, "unit_id")?,
                unit_name: get(&r, "unit_name")?,
                unit_path: get(&r, "unit_path")?,
                scope,
                officer_id: get(&r, "officer_id")?,
            },
            csrf: get(&r, "csrf")?,
            totp_ok: get::<i32>(&r, "totp_ok")? != 0,
            needs_totp: get::<i32>(&r, "totp_enabled")? != 0,
        }))
    }

    pub async fn mark_session_totp(&self, token: &str) -> Result<()> {
        let _w = self.write_lock.lock().await;
        Sql::of(&self.db)
            .exec(
                &self.db,
                "UPDATE sessions SET totp_ok = 1 WHERE token_hash = ?",
                vals![token_hash(token)],
            )
            .await?;
        Ok(())
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        if let Some(r) = sql.one(&txn, "SELECT us.username FROM sessions s JOIN users us ON us.id = s.user_id WHERE s.token_hash = ?", vals![token_hash(token)]).await? {
            let username: String = get(&r, "username")?;
            sql.exec(&txn, "DELETE FROM sessions WHERE token_hash = ?", vals![token_hash(token)]).await?;
            append(&txn, &self.audit_key(), &AuditActor::user(&username), "logout", &format!("user:{username}"), "").await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The user's TOTP secret, decrypted (it is stored sealed under a key derived from the master key).
    pub async fn totp_secret(&self, user_id: &str) -> Result<Option<(String, bool)>> {
        let sql = Sql::of(&self.db);
        let r = sql
            .one(
                &self.db,
                "SELECT totp_secret, totp_enabled FROM users WHERE id = ?",
                vals![user_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let sealed: Option<Vec<u8>> = get(&r, "totp_secret")?;
        let enabled = get::<i32>(&r, "totp_enabled")? != 0;
        match sealed {
            Some(s) => {
                let key = self.totp_key()?;
                let plain = key.open(user_id.as_bytes(), &s)?;
                Ok(Some((
                    String::from_utf8_lossy(&plain).into_owned(),
                    enabled,
                )))
            }
            None => Ok(None),
        }
    }

    fn totp_key(&self) -> Result<crypto::DataKey> {
        let wrapped = self.keyring.derive("totp-wrap");
        crypto::DataKey::from_bytes(self.keyring.suite(), &wrapped).map_err(StoreError::from)
    }

    /// Stores a new (not yet enabled) TOTP secret for the user.
    pub async fn set_totp_secret(&self, actor: &Actor, secret: &str) -> Result<()> {
        let sealed = self
            .totp_key()?
            .seal(actor.user_id.as_bytes(), secret.as_bytes());
        let _w = self.write_lock.lock().await;
        Sql::of(&self.db)
            .exec(
                &self.db,
                "UPDATE users SET totp_secret = ?, totp_enabled = 0 WHERE id = ?",
                vals![sealed, actor.user_id.as_str()],
            )
            .await?;
        Ok(())
    }

    pub async fn enable_totp(&self, actor: &Actor) -> Result<()> {
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        Sql::of(&txn)
            .exec(
                &txn,
                "UPDATE users SET totp_enabled = 1 WHERE id = ? AND totp_secret IS NOT NULL",
                vals![actor.user_id.as_str()],
            )
            .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "user.totp_enable",
            &format!("user:{}", actor.username),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

pub(crate) async fn insert_units<C: ConnectionTrait>(c: &C, units: &[NewUnit]) -> Result<usize> {
    let sql = Sql::of(c);
    let mut known: std::collections::HashMap<String, (String, String)> =
        std::collections::HashMap::new();
    for u in units {
        let (parent_id, parent_path) = match &u.parent_code {
            None => (None, "/".to_string()),
            Some(pc) => match known.get(pc) {
                Some((id, path)) => (Some(id.clone()), path.clone()),
                None => {
                    let r = sql
                        .one(
                            c,
                            "SELECT id, path FROM units WHERE code = ?",
                            vals![pc.as_str()],
                        )
                        .await?
                        .ok_or_else(|| {
                            StoreError::invalid(
                                "parent_code",
                                format!("上级单位编码「{pc}」不存在"),
                            )
                        })?;
                    (Some(get::<String>(&r, "id")?), get::<String>(&r, "path")?)
                }
            },
        };
        let id = new_id();
        let path = format!("{parent_path}{id}/");
        sql.exec(
            c,
            "INSERT INTO units (id, code, name, kind, parent_id, path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vals![id.as_str(), u.code.as_str(), u.name.as_str(), u.kind.as_str(), parent_id, path.as_str(), now_ms()],
        )
        .await
        .map_err(|e| match e {
            StoreError::Db(ref d) if is_unique_violation(d) => StoreError::Conflict(format!("单位编码「{}」已存在", u.code)),
            other => other,
        })?;
        known.insert(u.code.clone(), (id, path));
    }
    Ok(units.len())
}

pub(crate) fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    let s = e.to_string().to_ascii_lowercase();
    s.contains("unique") || s.contains("duplicate key")
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| crypto::hash_password("not-a-real-password-0").unwrap_or_default());

async fn hash_password(pw: String) -> Result<String> {
    let _p = KDF_PERMITS
        .acquire()
        .await
        .map_err(|_| StoreError::Busy("kdf".into()))?;
    tokio::task::spawn_blocking(move || crypto::hash_password(&pw))
        .await
        .map_err(|e| StoreError::Busy(e.to_string()))?
        .map_err(StoreError::from)
}

async fn verify_password(pw: String, hash: String) -> bool {
    let Ok(_p) = KDF_PERMITS.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || crypto::verify_password(&pw, &hash))
        .await
        .unwrap_or(false)
}
