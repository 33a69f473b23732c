//! The workbench's database (`kaohe.sqlite` in the campaign folder) and the
//! store of uploaded files (`.kaohe/uploads/<sha256>`). Nothing is deleted:
//! every version a unit sent stays, with who sent it, from where and what
//! the check found. The schema is versioned by `PRAGMA user_version`.

use crate::error::Result;
use crate::failed;
use rusqlite::{Connection, OptionalExtension, params};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Each migration brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: uploads, staff choices, unit tokens, sessions, settings.
    "CREATE TABLE uploads (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        name TEXT NOT NULL,
        received TEXT NOT NULL,
        source TEXT NOT NULL,
        via TEXT NOT NULL,
        unit TEXT,
        ok INTEGER NOT NULL,
        problems TEXT NOT NULL
    );
    CREATE INDEX uploads_unit ON uploads(unit);
    CREATE INDEX uploads_sha ON uploads(sha256);
    CREATE TABLE choices (
        id INTEGER PRIMARY KEY,
        unit TEXT NOT NULL,
        upload INTEGER,
        at TEXT NOT NULL
    );
    CREATE TABLE tokens (unit TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE);
    CREATE TABLE sessions (id TEXT PRIMARY KEY, created TEXT NOT NULL);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: what the workbench itself wrote into `交回/` (file name and
    // content): only such files may it replace or remove there.
    "CREATE TABLE mirrors (
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (name, sha256)
    );",
];

pub const DB_FILE: &str = "kaohe.sqlite";
pub const UPLOADS: &str = ".kaohe/uploads";

/// One problem as stored and shown: `sheet!cell: message`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StoredProblem {
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub message: String,
    pub error: bool,
}

impl StoredProblem {
    /// `sheet!cell: message`, or as much of it as is known.
    pub fn place(&self) -> String {
        match (&self.sheet, &self.cell) {
            (Some(s), Some(c)) => format!("{s}!{c}"),
            (Some(s), None) => s.clone(),
            _ => "整个文件".into(),
        }
    }
}

/// One received file.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Upload {
    pub id: i64,
    pub sha256: String,
    pub size: i64,
    pub name: String,
    pub received: String,
    pub source: String,
    pub via: String,
    pub unit: Option<String>,
    pub ok: bool,
    pub problems: Vec<StoredProblem>,
}

/// What is recorded for a new upload.
pub struct NewUpload<'a> {
    pub sha256: &'a str,
    pub size: u64,
    pub name: &'a str,
    pub source: &'a str,
    pub via: &'a str,
    pub unit: Option<&'a str>,
    pub ok: bool,
    pub problems: &'a [StoredProblem],
}

pub struct Store {
    conn: Connection,
    blobs: PathBuf,
}

fn db_err(path: &Path, e: impl std::fmt::Display) -> crate::Error {
    failed!("{}: 数据库错误：{e}", path.display())
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Opens (or creates) the database of the campaign folder `dir` and
    /// brings its schema up to date.
    pub fn open(dir: &Path) -> Result<Store> {
        let path = dir.join(DB_FILE);
        let blobs = dir.join(UPLOADS);
        std::fs::create_dir_all(&blobs)
            .map_err(|e| failed!("{}: 无法创建目录：{e}", blobs.display()))?;
        let mut conn = Connection::open(&path).map_err(|e| db_err(&path, e))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
        )
        .map_err(|e| db_err(&path, e))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| db_err(&path, e))?;
        if version as usize > MIGRATIONS.len() {
            return Err(failed!(
                "{}: 数据库由更新版本的 kaohe 创建（版本 {version}），请使用更新的 kaohe",
                path.display()
            ));
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction().map_err(|e| db_err(&path, e))?;
            tx.execute_batch(m).map_err(|e| db_err(&path, e))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(|e| db_err(&path, e))?;
            tx.commit().map_err(|e| db_err(&path, e))?;
        }
        Ok(Store { conn, blobs })
    }

    fn err(&self, e: impl std::fmt::Display) -> crate::Error {
        failed!("{DB_FILE}: 数据库错误：{e}")
    }

    /// Where the bytes of a stored version live.
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.blobs.join(sha256)
    }

    /// Keeps `bytes` under their SHA-256, written and fsynced before this
    /// returns; the same bytes are stored once.
    pub fn keep(&self, bytes: &[u8]) -> Result<(String, PathBuf)> {
        let sha = crate::archive::sha256_hex(bytes);
        let path = self.blob_path(&sha);
        if !path.exists() {
            let mut tmp = tempfile::NamedTempFile::new_in(&self.blobs)
                .map_err(|e| failed!("{}: 无法写入：{e}", self.blobs.display()))?;
            tmp.write_all(bytes)
                .and_then(|_| tmp.as_file().sync_all())
                .map_err(|e| failed!("{}: 无法写入：{e}", self.blobs.display()))?;
            tmp.persist(&path)
                .map_err(|e| failed!("{}: 无法写入：{}", path.display(), e.error))?;
            sync_dir(&self.blobs);
        }
        Ok((sha, path))
    }

    pub fn read_blob(&self, sha256: &str) -> Result<Vec<u8>> {
        let p = self.blob_path(sha256);
        std::fs::read(&p).map_err(|e| failed!("{}: 无法读取：{e}", p.display()))
    }

    /// Records an upload; committed when this returns.
    pub fn add(&self, u: &NewUpload) -> Result<i64> {
        let problems = serde_json::to_string(u.problems).expect("problems serialise");
        self.conn
            .execute(
                "INSERT INTO uploads (sha256, size, name, received, source, via, unit, ok, problems)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    u.sha256,
                    u.size as i64,
                    u.name,
                    now(),
                    u.source,
                    u.via,
                    u.unit,
                    u.ok,
                    problems
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    fn row(r: &rusqlite::Row) -> rusqlite::Result<Upload> {
        let problems: String = r.get(9)?;
        Ok(Upload {
            id: r.get(0)?,
            sha256: r.get(1)?,
            size: r.get(2)?,
            name: r.get(3)?,
            received: r.get(4)?,
            source: r.get(5)?,
            via: r.get(6)?,
            unit: r.get(7)?,
            ok: r.get(8)?,
            problems: serde_json::from_str(&problems).unwrap_or_default(),
        })
    }

    const COLS: &str = "id, sha256, size, name, received, source, via, unit, ok, problems";

    fn query(&self, filter: &str, p: impl rusqlite::Params) -> Result<Vec<Upload>> {
        let sql = format!("SELECT {} FROM uploads {filter} ORDER BY id", Self::COLS);
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = st
            .query_map(p, Self::row)
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Every upload, oldest first.
    pub fn all(&self) -> Result<Vec<Upload>> {
        self.query("", [])
    }

    /// Every version a unit sent, oldest first.
    pub fn versions(&self, unit: &str) -> Result<Vec<Upload>> {
        self.query("WHERE unit = ?1", [unit])
    }

    pub fn get(&self, id: i64) -> Result<Option<Upload>> {
        Ok(self.query("WHERE id = ?1", [id])?.into_iter().next())
    }

    pub fn has_sha(&self, sha256: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT 1 FROM uploads WHERE sha256 = ?1 LIMIT 1",
                [sha256],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }

    /// Whether this file of `交回/` (`source`, as recorded) was picked up
    /// with these bytes.
    pub fn has_source(&self, sha256: &str, source: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT 1 FROM uploads WHERE sha256 = ?1 AND source = ?2 LIMIT 1",
                [sha256, source],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }

    /// The latest version picked up from each file put into `交回/` by hand.
    pub fn folder_files(&self) -> Result<Vec<Upload>> {
        self.query(
            "WHERE id IN (SELECT MAX(id) FROM uploads WHERE via = 'folder' GROUP BY source)",
            [],
        )
    }

    /// Records that the workbench writes `name` in `交回/` with these bytes
    /// (before it writes them).
    pub fn add_mirror(&self, name: &str, sha256: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO mirrors (name, sha256) VALUES (?1, ?2)",
                [name, sha256],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Whether `name` in `交回/` with these bytes was written by the workbench.
    pub fn is_mirror(&self, name: &str, sha256: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT 1 FROM mirrors WHERE name = ?1 AND sha256 = ?2",
                [name, sha256],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }

    /// The staff's latest choice for a unit: `Some(None)` is "back to the
    /// newest without errors"; `None` when nobody chose.
    pub fn choice(&self, unit: &str) -> Result<Option<i64>> {
        let c: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT upload FROM choices WHERE unit = ?1 ORDER BY id DESC LIMIT 1",
                [unit],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(c.flatten())
    }

    /// Every unit's chosen version (latest choice per unit).
    pub fn choices(&self) -> Result<std::collections::HashMap<String, i64>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT unit, upload FROM choices c WHERE id = (SELECT MAX(id) FROM choices WHERE unit = c.unit) AND upload IS NOT NULL",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Records the staff's choice (appended: earlier choices stay).
    pub fn choose(&self, unit: &str, upload: Option<i64>) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO choices (unit, upload, at) VALUES (?1, ?2, ?3)",
                params![unit, upload, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The unit's upload token, made the first time it is asked for.
    pub fn token(&self, unit: &str) -> Result<String> {
        if let Some(t) = self
            .conn
            .query_row("SELECT token FROM tokens WHERE unit = ?1", [unit], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
        {
            return Ok(t);
        }
        let t = random_hex(16)?;
        self.conn
            .execute(
                "INSERT INTO tokens (unit, token) VALUES (?1, ?2)",
                params![unit, t],
            )
            .map_err(|e| self.err(e))?;
        Ok(t)
    }

    /// The unit a token belongs to.
    pub fn token_unit(&self, token: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT unit FROM tokens WHERE token = ?1", [token], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn new_session(&self) -> Result<String> {
        let id = random_hex(32)?;
        self.conn
            .execute(
                "INSERT INTO sessions (id, created) VALUES (?1, ?2)",
                params![id, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(id)
    }

    pub fn session_ok(&self, id: &str) -> Result<bool> {
        self.conn
            .query_row("SELECT 1 FROM sessions WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }
}

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| failed!("无法取得随机数：{e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
