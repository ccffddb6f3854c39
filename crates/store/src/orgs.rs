//! Organisations: the tree (RHF → HF → hospital site; county → municipality) and the links
//! beside it (governor → county, coordinator region → municipality, ALIS office → county).

use lis1_domain::access::OrgPath;
use lis1_domain::org::OrgKind;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};
use sqlx::Connection;

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    /// Id.
    pub id: i64,
    /// What kind of organisation.
    pub kind: OrgKind,
    /// Full name, e.g. "Helse Nord-Trøndelag HF".
    pub name: String,
    /// Short name, e.g. "HNT".
    pub short_name: Option<String>,
    /// SSB kommunenummer / fylkesnummer, or organisation number.
    pub code: Option<String>,
    /// The organisation above it in the tree.
    pub parent_id: Option<i64>,
}

/// A new organisation.
#[derive(Debug, Clone)]
pub struct NewOrg {
    /// Kind.
    pub kind: OrgKind,
    /// Name.
    pub name: String,
    /// Short name.
    pub short_name: Option<String>,
    /// Official code.
    pub code: Option<String>,
    /// Parent in the tree.
    pub parent_id: Option<i64>,
}

/// How two organisations are related outside the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A county governor governs a county.
    Governs,
    /// A coordinator region coordinates a municipality (or a hospital site's area).
    Coordinates,
    /// An ALIS office advises the municipalities of a county.
    Advises,
}

impl LinkKind {
    fn as_str(self) -> &'static str {
        match self {
            LinkKind::Governs => "governs",
            LinkKind::Coordinates => "coordinates",
            LinkKind::Advises => "advises",
        }
    }
}

fn org_from_row<R: Row>(r: &R) -> Result<Org>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get("kind")?;
    Ok(Org {
        id: r.try_get("id")?,
        kind: parse_kind(&kind)?,
        name: r.try_get("name")?,
        short_name: r.try_get("short_name")?,
        code: r.try_get("code")?,
        parent_id: r.try_get("parent_id")?,
    })
}

fn parse_kind(s: &str) -> Result<OrgKind> {
    OrgKind::parse(s).map_err(|_| StoreError::Corrupt(format!("unknown organisation kind {s:?}")))
}

const ORG_COLUMNS: &str = "id, kind, name, short_name, code, parent_id";

crate::store_ops! {
    fn create_org(&self, ctx: &Ctx, new: &NewOrg) -> Result<i64>;
    fn link_orgs(&self, ctx: &Ctx, from: i64, to: i64, kind: LinkKind) -> Result<()>;
    fn org(&self, id: i64) -> Result<Org>;
    fn org_by_code(&self, kind: OrgKind, code: &str) -> Result<Org>;
    fn orgs(&self) -> Result<Vec<Org>>;
    fn org_path(&self, id: i64) -> Result<OrgPath>;
    fn orgs_by_id(&self, ids: &[i64]) -> Result<Vec<Org>>;
    fn linked_orgs(&self, from: i64, kind: LinkKind) -> Result<Vec<Org>>;
}

impl Tx {
    /// Creates an organisation.
    pub async fn create_org(&mut self, ctx: &Ctx, new: &NewOrg) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO organisations (kind, name, short_name, code, parent_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(new.kind.as_str())
            .bind(&new.name)
            .bind(&new.short_name)
            .bind(&new.code)
            .bind(new.parent_id)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "organisation.create",
                object_type: "organisation",
                object_id: id.to_string(),
                summary: json!({"after": {"kind": new.kind.as_str(), "name": new.name,
                    "code": new.code, "parent_id": new.parent_id}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Links two organisations outside the tree.
    pub async fn link_orgs(&mut self, ctx: &Ctx, from: i64, to: i64, kind: LinkKind) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("INSERT INTO org_links (from_id, to_id, kind) VALUES ($1, $2, $3)")
                .bind(from)
                .bind(to)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "organisation.link",
                object_type: "organisation",
                object_id: from.to_string(),
                summary: json!({"after": {"to": to, "kind": kind.as_str()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// One organisation.
    pub async fn org(&mut self, id: i64) -> Result<Org> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT id, kind, name, short_name, code, parent_id FROM organisations WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
            org_from_row(&row)
        })
    }

    /// The organisation with this kind and official code (e.g. municipality "5037").
    pub async fn org_by_code(&mut self, kind: OrgKind, code: &str) -> Result<Org> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT id, kind, name, short_name, code, parent_id FROM organisations \
                 WHERE kind = $1 AND code = $2",
            )
            .bind(kind.as_str())
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
            org_from_row(&row)
        })
    }

    /// All organisations, by kind and name.
    pub async fn orgs(&mut self) -> Result<Vec<Org>> {
        let _ = ORG_COLUMNS;
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, kind, name, short_name, code, parent_id FROM organisations \
                 ORDER BY kind, name",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(org_from_row).collect()
        })
    }

    /// The organisation and its ancestors, nearest first, for access decisions.
    pub async fn org_path(&mut self, id: i64) -> Result<OrgPath> {
        // Trees here are at most four levels deep. One recursive query instead of a point read
        // per level (every page about an advertisement asks); the depth bound stops a loop.
        let path: Vec<i64> = on_tx!(self, conn => {
            sqlx::query_scalar(
                "WITH RECURSIVE up (id, parent_id, depth) AS ( \
                   SELECT id, parent_id, 0 FROM organisations WHERE id = $1 \
                   UNION ALL \
                   SELECT o.id, o.parent_id, up.depth + 1 FROM organisations o \
                   JOIN up ON o.id = up.parent_id WHERE up.depth < 17) \
                 SELECT id FROM up ORDER BY depth",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
        });
        if path.is_empty() {
            return Err(StoreError::NotFound);
        }
        for (i, cur) in path.iter().enumerate() {
            if path[..i].contains(cur) || i > 16 {
                return Err(StoreError::Corrupt(format!(
                    "organisation tree loops at {cur}"
                )));
            }
        }
        Ok(OrgPath(path))
    }

    /// The organisations with these ids, in the order asked; `NotFound` if one does not exist.
    pub async fn orgs_by_id(&mut self, ids: &[i64]) -> Result<Vec<Org>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<Org> = on_tx!(self, conn => {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT id, kind, name, short_name, code, parent_id FROM organisations WHERE id IN (",
            );
            let mut list = q.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            list.push_unseparated(")");
            let rows = q.build().fetch_all(&mut *conn).await?;
            rows.iter().map(org_from_row).collect::<Result<_>>()?
        });
        ids.iter()
            .map(|id| {
                found
                    .iter()
                    .find(|o| o.id == *id)
                    .cloned()
                    .ok_or(StoreError::NotFound)
            })
            .collect()
    }

    /// Organisations linked from `from` with `kind` (e.g. the counties a governor governs).
    pub async fn linked_orgs(&mut self, from: i64, kind: LinkKind) -> Result<Vec<Org>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT o.id, o.kind, o.name, o.short_name, o.code, o.parent_id \
                 FROM org_links l JOIN organisations o ON o.id = l.to_id \
                 WHERE l.from_id = $1 AND l.kind = $2 ORDER BY o.name",
            )
            .bind(from)
            .bind(kind.as_str())
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(org_from_row).collect()
        })
    }
}
