//! Accounts and their roles. Local accounts carry an argon2id hash; the external issuer and
//! subject are there for ID-porten / HelseID login later.

use lis1_domain::Lang;
use lis1_domain::access::{Grant, Principal, Role};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};
use sqlx::Connection;

/// A user account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// E-mail, lower-cased; the login name.
    pub email: String,
    /// Name shown in the interface.
    pub display_name: String,
    /// Demo accounts can only sign in when the server runs in demo mode.
    pub is_demo: bool,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
    /// The roles held.
    pub grants: Vec<Grant>,
    /// The interface language the user chose, if they did; mails to them are written in it.
    pub lang: Option<Lang>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// E-mail (lower-cased on save).
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// argon2id PHC string, already hashed (see [`crate::password::hash`]).
    pub password_hash: Option<String>,
    /// Whether this is a demo account.
    pub is_demo: bool,
    /// Roles to grant.
    pub grants: Vec<Grant>,
}

/// What login needs: the account and its password hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// The stored hash, if the account has a local password.
    pub password_hash: Option<String>,
}

crate::store_ops! {
    fn create_user(&self, ctx: &Ctx, new: &NewUser) -> Result<i64>;
    fn user(&self, id: i64) -> Result<User>;
    fn credentials(&self, email: &str) -> Result<Option<Credentials>>;
    fn principal(&self, user: &User) -> Result<Principal>;
    fn principal_for(&self, user_id: i64, grants: &[Grant]) -> Result<Principal>;
    fn grants(&self, user_id: i64) -> Result<Vec<Grant>>;
    fn users(&self, org_id: Option<i64>) -> Result<Vec<User>>;
    fn disable_user(&self, ctx: &Ctx, id: i64) -> Result<()>;
    fn set_user_lang(&self, id: i64, lang: Lang) -> Result<()>;
}

impl Tx {
    /// Creates an account with its roles.
    pub async fn create_user(&mut self, ctx: &Ctx, new: &NewUser) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let email = new.email.trim().to_lowercase();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, is_demo, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&email)
            .bind(&new.display_name)
            .bind(&new.password_hash)
            .bind(new.is_demo)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            for g in &new.grants {
                sqlx::query("INSERT INTO user_roles (user_id, role, org_id) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(g.role.as_str())
                    .bind(g.org)
                    .execute(&mut *tx)
                    .await?;
            }
            let roles: Vec<_> = new.grants.iter().map(|g| json!({"role": g.role.as_str(), "org": g.org})).collect();
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "user.create",
                object_type: "user",
                object_id: id.to_string(),
                summary: json!({"after": {"email": email, "display_name": new.display_name,
                    "is_demo": new.is_demo, "roles": roles}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The account with this id.
    pub async fn user(&mut self, id: i64) -> Result<User> {
        // One query for the account and its roles: every request with a session asks.
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT u.id, u.email, u.display_name, u.is_demo, u.disabled_at, u.lang, r.role, r.org_id \
                 FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.id = $1 \
                 ORDER BY r.role, r.org_id",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            let row = rows.first().ok_or(StoreError::NotFound)?;
            let disabled: Option<crate::conv::DbTime> = row.try_get("disabled_at")?;
            let mut grants = Vec::with_capacity(rows.len());
            for r in &rows {
                let (Some(role), Some(org)) =
                    (r.try_get::<Option<String>, _>("role")?, r.try_get::<Option<i64>, _>("org_id")?)
                else {
                    continue;
                };
                let role = Role::parse(&role)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?;
                grants.push(Grant { role, org });
            }
            Ok(User {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                display_name: row.try_get("display_name")?,
                is_demo: row.try_get("is_demo")?,
                disabled: disabled.is_some(),
                grants,
                lang: row
                    .try_get::<Option<String>, _>("lang")?
                    .as_deref()
                    .and_then(Lang::from_tag),
            })
        })
    }

    /// The account with this e-mail and its password hash, for login.
    pub async fn credentials(&mut self, email: &str) -> Result<Option<Credentials>> {
        let email = email.trim().to_lowercase();
        let found: Option<(i64, Option<String>)> = on_tx!(self, conn => {
            let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(&mut *conn)
                .await?;
            match row {
                Some(r) => Some((r.try_get("id")?, r.try_get("password_hash")?)),
                None => None,
            }
        });
        match found {
            Some((id, password_hash)) => Ok(Some(Credentials {
                user: self.user(id).await?,
                password_hash,
            })),
            None => Ok(None),
        }
    }

    /// The user as an access-control principal: grants, what their organisations cover, and
    /// where each grant's organisation sits in the tree.
    pub async fn principal(&mut self, user: &User) -> Result<Principal> {
        self.principal_for(user.id, &user.grants).await
    }

    /// A principal holding `grants` (a user's, or an API token's one grant), with what the
    /// grants' organisations cover and where each sits in the tree.
    pub async fn principal_for(&mut self, user_id: i64, grants: &[Grant]) -> Result<Principal> {
        // One query for every grant's organisation (every signed-in request asks this): its
        // parent and what it is linked to, by organisation, links in id order.
        let mut orgs: Vec<i64> = grants.iter().map(|g| g.org).collect();
        orgs.sort_unstable();
        orgs.dedup();
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = if orgs.is_empty() {
            Vec::new()
        } else {
            on_tx!(self, conn => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT o.id, o.parent_id, l.to_id FROM organisations o \
                     LEFT JOIN org_links l ON l.from_id = o.id WHERE o.id IN (",
                );
                let mut list = q.separated(", ");
                for id in &orgs {
                    list.push_bind(*id);
                }
                list.push_unseparated(") ORDER BY o.id, l.to_id");
                q.build_query_as().fetch_all(&mut *conn).await?
            })
        };
        let mut covers = Vec::new();
        let mut parents = Vec::new();
        for g in grants {
            let of_org = rows.iter().filter(|(id, _, _)| *id == g.org);
            if let Some(parent) = of_org.clone().find_map(|(_, parent, _)| *parent) {
                parents.push((g.org, parent));
            }
            covers.extend(of_org.filter_map(|(_, _, to)| to.map(|to| (g.org, to))));
        }
        Ok(Principal {
            user_id,
            grants: grants.to_vec(),
            covers,
            scopes: None,
            parents,
        })
    }

    /// The roles a user holds.
    pub async fn grants(&mut self, user_id: i64) -> Result<Vec<Grant>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT role, org_id FROM user_roles WHERE user_id = $1 ORDER BY role, org_id",
            )
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    let role: String = r.try_get("role")?;
                    let role = Role::parse(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?;
                    Ok(Grant { role, org: r.try_get("org_id")? })
                })
                .collect()
        })
    }

    /// All accounts with a role in `org_id`, or all accounts if `None` (demo listing, admin).
    pub async fn users(&mut self, org_id: Option<i64>) -> Result<Vec<User>> {
        let ids: Vec<i64> = on_tx!(self, conn => {
            match org_id {
                Some(org) => sqlx::query_scalar(
                    "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
                     WHERE r.org_id = $1 ORDER BY u.id",
                )
                .bind(org)
                .fetch_all(&mut *conn)
                .await?,
                None => sqlx::query_scalar("SELECT id FROM users ORDER BY id")
                    .fetch_all(&mut *conn)
                    .await?,
            }
        });
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.user(id).await?);
        }
        Ok(out)
    }

    /// Disables an account and ends all its sessions.
    pub async fn disable_user(&mut self, ctx: &Ctx, id: i64) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
                .bind(conv::ts(ctx.now))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "user.disable",
                object_type: "user",
                object_id: id.to_string(),
                summary: json!({"after": {"disabled": true}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores the interface language the user chose with the language switch (a preference,
    /// not an act of the scheme: no audit entry).
    pub async fn set_user_lang(&mut self, id: i64, lang: Lang) -> Result<()> {
        on_tx!(self, conn => {
            let n = sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
                .bind(lang.tag())
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
    }
}
