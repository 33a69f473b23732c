//! The render cache: a document (PDF) or workbook (XLSX) whose inputs have
//! not changed since an earlier run is taken from here instead of being
//! made again. An entry's key is the SHA-256 of everything its bytes depend
//! on: for a PDF the template sources, the template's data, the fonts (name,
//! size and modification time of each font file), the PDF options and
//! kaohe's build; for a workbook the campaign, the rubric and the entries.
//! Each entry carries the SHA-256 of its bytes and is checked on every read;
//! a damaged entry is removed and made again, never used. The cache is
//! bounded ([`MAX_BYTES`]) and pruned least recently used first.

use crate::archive::sha256_hex;
use crate::error::Result;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The cache's size bound: after a run, the entries used longest ago are
/// removed until the rest fit.
pub const MAX_BYTES: u64 = 1 << 30;

/// Where the cache of a run lives: `.kaohe/cache/` beside the campaign file
/// when `--campaign` is given, else inside the output folder (carried across
/// the folder swap). The one place that decides it.
pub fn dir_for(campaign: Option<&Path>, out: &Path) -> PathBuf {
    match campaign.and_then(Path::parent) {
        Some(parent) if campaign.is_some() => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            parent.join(".kaohe").join("cache")
        }
        _ => out.join(crate::swap::PRIVATE_DIR).join("cache"),
    }
}

/// A key built from the parts an output depends on.
pub struct Key(Sha256);

impl Key {
    /// A key for outputs of `kind` ("pdf", "xlsx-form", …) made by this build.
    pub fn new(kind: &str) -> Key {
        let mut k = Key(Sha256::new());
        k.add(kind.as_bytes()).add(build_id().as_bytes());
        k
    }

    /// Adds one part (length-prefixed, so parts never run together).
    pub fn add(&mut self, part: &[u8]) -> &mut Key {
        self.0.update((part.len() as u64).to_le_bytes());
        self.0.update(part);
        self
    }

    pub fn hex(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// kaohe's version and this very build (the executable's size and time), so
/// that a changed program never reuses what an older one made.
pub fn build_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let exe = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|m| {
                let t = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                format!("{}:{t}", m.len())
            })
            .unwrap_or_default();
        format!("kaohe {} {exe}", env!("CARGO_PKG_VERSION"))
    })
}

/// The SHA-256 of a campaign with its rubrics, as every workbook key's part.
pub fn campaign_hash(l: &crate::campaign::Loaded) -> String {
    sha256_hex(format!("{:?}{:?}", l.campaign, l.rubrics).as_bytes())
}

pub struct Cache {
    dir: PathBuf,
    max_bytes: u64,
    pub hits: AtomicUsize,
    pub misses: AtomicUsize,
}

impl Cache {
    /// Opens (creates) the cache in `dir`; `None` when it cannot be made,
    /// and then every output is simply made anew.
    pub fn open(dir: &Path) -> Option<Cache> {
        std::fs::create_dir_all(dir).ok()?;
        Some(Cache {
            dir: dir.to_path_buf(),
            max_bytes: MAX_BYTES,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        })
    }

    pub fn with_max_bytes(mut self, max: u64) -> Cache {
        self.max_bytes = max;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.bin"))
    }

    /// The bytes stored for `key`, if present and intact. An entry is the
    /// hex SHA-256 of its bytes, a newline, and the bytes.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.path(key);
        let found = std::fs::read(&path).ok().and_then(|mut raw| {
            if raw.len() < 65 || raw[64] != b'\n' {
                return None;
            }
            let body = raw.split_off(65);
            (raw[..64] == *sha256_hex(&body).as_bytes()).then_some(body)
        });
        match found {
            Some(body) => {
                // Used now: pruned last.
                if let Ok(f) = std::fs::File::options().write(true).open(&path) {
                    let _ = f.set_modified(std::time::SystemTime::now());
                }
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(body)
            }
            None => {
                // Missing or damaged: removed, and made again by the caller.
                let _ = std::fs::remove_file(&path);
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Stores `bytes` for `key` (written aside, then renamed, so a reader
    /// never sees half an entry). Best effort: a full disk only costs speed.
    pub fn put(&self, key: &str, bytes: &[u8]) {
        let path = self.path(key);
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let Ok(mut tmp) = tempfile::Builder::new()
            .prefix(".entry-")
            .tempfile_in(parent)
        else {
            return;
        };
        let ok = tmp.write_all(sha256_hex(bytes).as_bytes()).is_ok()
            && tmp.write_all(b"\n").is_ok()
            && tmp.write_all(bytes).is_ok();
        if ok {
            let _ = tmp.persist(&path);
        }
    }

    /// The cached bytes for `key`, or `make()`'s, stored for next time.
    pub fn get_or_make(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        if let Some(b) = self.get(key) {
            return Ok(b);
        }
        let b = make()?;
        self.put(key, &b);
        Ok(b)
    }

    /// Removes the entries used longest ago until the cache fits its bound.
    pub fn prune(&self) {
        let mut entries: Vec<(std::time::SystemTime, u64, PathBuf)> = Vec::new();
        let Ok(shards) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for shard in shards.flatten() {
            let Ok(files) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            for f in files.flatten() {
                if let Ok(m) = f.metadata() {
                    let t = m.modified().unwrap_or(std::time::UNIX_EPOCH);
                    entries.push((t, m.len(), f.path()));
                }
            }
        }
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        if total <= self.max_bytes {
            return;
        }
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

/// `make()`'s bytes through `cache` when there is one.
pub fn memo(
    cache: Option<&Cache>,
    key: impl FnOnce() -> String,
    make: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    match cache {
        Some(c) => c.get_or_make(&key(), make),
        None => make(),
    }
}

/// A unit's form (blank, or with its entries) through the cache.
/// `campaign` is [`campaign_hash`] of `l`, computed once per run.
pub fn form(
    cache: Option<&Cache>,
    campaign: &str,
    l: &crate::campaign::Loaded,
    unit: &crate::campaign::Unit,
    fill: Option<&crate::workbook::ingest::Filled>,
    record: Option<&crate::score::UnitScore>,
) -> Result<Vec<u8>> {
    // What the form is made of: not the file it was read from, so that the
    // same entries give the same cached form wherever they came from.
    let key = || {
        let entries = fill.map(|f| {
            (
                (&f.unit, &f.rubric, &f.entries),
                (f.kind, &f.assessor, &f.self_assessment),
            )
        });
        let mut k = Key::new("xlsx-form");
        k.add(campaign.as_bytes())
            .add(format!("{unit:?}").as_bytes())
            .add(format!("{entries:?}").as_bytes())
            .add(format!("{record:?}").as_bytes());
        k.hex()
    };
    memo(cache, key, || match (fill, record) {
        (Some(f), Some(u)) => crate::workbook::blank::archive_workbook(l, unit, f, u),
        _ => crate::workbook::blank::filled_workbook(l, unit, fill),
    })
}

/// `results.xlsx` through the cache.
pub fn results(
    cache: Option<&Cache>,
    campaign: &str,
    l: &crate::campaign::Loaded,
    units: &[crate::score::UnitScore],
    missing: &[&str],
) -> Result<Vec<u8>> {
    let key = || {
        let mut k = Key::new("xlsx-results");
        k.add(campaign.as_bytes())
            .add(format!("{units:?}").as_bytes())
            .add(format!("{missing:?}").as_bytes());
        k.hex()
    };
    memo(cache, key, || {
        crate::workbook::results::workbook_partial(l, units, missing)
    })
}

/// A unit's 问题整改清单 (`rectify/<单位>.xlsx`) through the cache.
pub fn rectify(
    cache: Option<&Cache>,
    campaign: &str,
    l: &crate::campaign::Loaded,
    unit: &crate::campaign::Unit,
    found: &[crate::findings::Finding],
) -> Result<Vec<u8>> {
    let key = || {
        let mut k = Key::new("xlsx-rectify");
        k.add(campaign.as_bytes())
            .add(format!("{unit:?}").as_bytes())
            .add(format!("{found:?}").as_bytes());
        k.hex()
    };
    memo(cache, key, || {
        crate::workbook::rectify::workbook(l, unit, found)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_entries_are_not_used() {
        let d = tempfile::tempdir().unwrap();
        let c = Cache::open(d.path()).unwrap();
        let key = Key::new("t").hex();
        c.put(&key, b"hello");
        assert_eq!(c.get(&key).as_deref(), Some(&b"hello"[..]));
        let p = c.path(&key);
        let mut raw = std::fs::read(&p).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        std::fs::write(&p, raw).unwrap();
        assert_eq!(c.get(&key), None);
        assert!(!p.exists(), "a damaged entry is removed");
        let made = c.get_or_make(&key, || Ok(b"hello".to_vec())).unwrap();
        assert_eq!(made, b"hello");
        assert_eq!(c.get(&key).as_deref(), Some(&b"hello"[..]));
    }

    #[test]
    fn pruned_oldest_first() {
        let d = tempfile::tempdir().unwrap();
        let c = Cache::open(d.path())
            .unwrap()
            .with_max_bytes(3 * (65 + 100));
        let keys: Vec<String> = (0..5u8)
            .map(|i| {
                let mut k = Key::new("t");
                k.add(&[i]);
                k.hex()
            })
            .collect();
        let t0 = std::time::SystemTime::now() - std::time::Duration::from_secs(100);
        for (i, k) in keys.iter().enumerate() {
            c.put(k, &[i as u8; 100]);
            let f = std::fs::File::options()
                .write(true)
                .open(c.path(k))
                .unwrap();
            f.set_modified(t0 + std::time::Duration::from_secs(i as u64))
                .unwrap();
        }
        c.prune();
        let left: Vec<bool> = keys.iter().map(|k| c.path(k).exists()).collect();
        assert_eq!(left, [false, false, true, true, true]);
    }

    #[test]
    fn keys_differ_by_every_part() {
        let mut a = Key::new("pdf");
        a.add(b"ab").add(b"c");
        let mut b = Key::new("pdf");
        b.add(b"a").add(b"bc");
        assert_ne!(a.hex(), b.hex());
        assert_ne!(Key::new("pdf").hex(), Key::new("xlsx").hex());
    }
}
