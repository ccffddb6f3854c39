//! Backups: what a database holds (rows per table), whether it is empty, and SQLite's online
//! backup. PostgreSQL is backed up with `pg_dump` by the `lis1` command; see docs/operations.md.

use sqlx::Row;

use crate::{Db, Result, Store, StoreError};

/// The migrations table: present in every migrated database, so it does not make one "non-empty".
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// A table name quoted for SQL. Names come from the database's own catalogue, never from a user;
/// quoting still keeps an odd name from being read as SQL.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Store {
    /// Every table of the schema, by name, with its number of rows. The same list on both
    /// backends (the migrations are kept in step), so two databases can be compared.
    pub async fn table_counts(&self) -> Result<Vec<(String, i64)>> {
        let names: Vec<String> = match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .fetch_all(pool)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
                     ORDER BY tablename",
                )
                .fetch_all(pool)
                .await?
            }
        };
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let sql = format!("SELECT COUNT(*) AS n FROM {}", quoted(&name));
            let n: i64 = crate::on_db!(self, pool => {
                sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await?.try_get("n")?
            });
            out.push((name, n));
        }
        Ok(out)
    }

    /// True when no table holds a row (the migrations table aside): a database that is new, or
    /// only migrated. A restore is refused into any other.
    pub async fn holds_no_data(&self) -> Result<bool> {
        Ok(self
            .table_counts()
            .await?
            .iter()
            .all(|(name, n)| name == MIGRATIONS_TABLE || *n == 0))
    }

    /// SQLite only: writes a consistent copy of the whole database to `path` with `VACUUM INTO`,
    /// while the portal keeps running (it reads one snapshot; writers are not blocked in WAL
    /// mode). `path` must not exist. Then checks the copy with `PRAGMA integrity_check`.
    pub async fn backup_sqlite_into(&self, path: &std::path::Path) -> Result<()> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(StoreError::Conflict(
                "VACUUM INTO is for SQLite; back up PostgreSQL with pg_dump".into(),
            ));
        };
        let target = path.to_str().ok_or_else(|| {
            StoreError::Conflict(format!("the path {} is not UTF-8", path.display()))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Opens a SQLite backup file read-only, as it is: no migrations, no change of journal mode,
    /// so checking or restoring a backup never writes to it.
    pub async fn open_sqlite_backup(path: &std::path::Path) -> Result<Store> {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .create_if_missing(false);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        Ok(Store {
            db: Db::Sqlite(pool),
            keys: None,
        })
    }

    /// SQLite only: `PRAGMA integrity_check`; `Ok(())` when it answers `ok`.
    pub async fn sqlite_integrity_check(&self) -> Result<()> {
        let Db::Sqlite(pool) = &self.db else {
            return Ok(());
        };
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(pool)
            .await?;
        if rows.len() == 1 && rows[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(format!(
                "integrity_check: {}",
                rows.join("; ")
            )))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_quoted() {
        assert_eq!(quoted("users"), "\"users\"");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
