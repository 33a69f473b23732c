//! Writing outputs safely: a run stages the whole new output folder beside
//! the old one and swaps it in only when everything succeeded (see
//! [`crate::swap`]); a run holds a lock on its output folder so two runs
//! never interleave.

use crate::error::Result;
use crate::failed;
use std::fs::File;
use std::path::Path;

pub const LOCK_FILE: &str = ".kaohe.lock";

/// An exclusive lock on an output folder, released when dropped.
pub struct Lock {
    _file: File,
}

/// Takes the output folder's lock, or says that another run holds it.
pub fn lock(dir: &Path) -> Result<Lock> {
    std::fs::create_dir_all(dir).map_err(|e| {
        failed!(
            "{}: 无法创建输出目录：{}",
            dir.display(),
            crate::error::os_write(&e)
        )
    })?;
    let path = dir.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            failed!(
                "{}: 无法创建锁文件：{}",
                path.display(),
                crate::error::os_write(&e)
            )
        })?;
    match file.try_lock() {
        Ok(()) => Ok(Lock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(failed!(
            "{}: 另一个 kaohe 正在写入这个输出目录，请等它结束后再运行",
            dir.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(failed!(
            "{}: 无法锁定输出目录：{}",
            dir.display(),
            crate::error::os_write(&e)
        )),
    }
}

/// Whether `rel` is a relative path that stays inside its folder (no `..`,
/// no root, no drive).
pub fn inside(rel: &str) -> bool {
    let p = Path::new(rel);
    !rel.is_empty()
        && !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A run's files, staged in a sibling folder and swapped in as a whole
/// (see [`crate::swap`]).
pub use crate::swap::Staging;

/// Removes temporary files that a killed run left behind in `dir`.
pub fn clean_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() && !name.starts_with('.') {
            clean_leftovers(&p);
        } else if name.starts_with(".kaohe-") && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(&p);
        }
    }
}

pub const MANIFEST: &str = "manifest.json";

/// Where the archive keeps its byte-for-byte copy of a returned file:
/// `inputs/<单位>/<first 12 hex digits of its SHA-256>-<original name>`.
pub fn input_copy_path(unit: &str, file: &str, sha256: &str) -> String {
    let name = Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| file.to_string());
    let safe = crate::workbook::safe_file_name;
    format!(
        "inputs/{}/{}-{}",
        safe(unit),
        &sha256[..sha256.len().min(12)],
        safe(&name)
    )
}

/// Every scored file, read again from `base` joined with its path (the
/// current folder for the command line, the campaign folder for the
/// workbench) and checked against its hash, with its place in `inputs/`.
pub fn input_copies_in(
    base: &Path,
    forms: &[crate::workbook::ingest::Filled],
) -> Result<Vec<(String, Vec<u8>)>> {
    forms
        .iter()
        .map(|f| {
            let bytes = std::fs::read(base.join(&f.file))
                .map_err(|e| failed!("{}: 无法读取：{}", f.file, crate::error::os(&e)))?;
            if sha256_hex(&bytes) != f.sha256 {
                return Err(failed!(
                    "{}: 文件在评分过程中被改动了；请确认文件后重新运行",
                    f.file
                ));
            }
            Ok((input_copy_path(&f.unit, &f.file, &f.sha256), bytes))
        })
        .collect()
}

/// One archived file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// `manifest.json`: what kaohe wrote into a folder, so that an archive can be
/// checked years later. No clock time: the same inputs give the same bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub kaohe: String,
    pub campaign: String,
    pub rubrics: Vec<RubricEntry>,
    /// The filled workbooks the results were computed from.
    pub inputs: Vec<InputEntry>,
    pub files: Vec<FileEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RubricEntry {
    pub id: String,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputEntry {
    pub file: String,
    pub sha256: String,
    /// Where the byte-for-byte copy of the file is in the folder
    /// (`inputs/<单位>/<sha256-prefix>-<name>`, or `returned/…` for the demo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<String>,
}

impl Manifest {
    /// The manifest already in `dir`, if there is a readable one.
    pub fn read(dir: &Path) -> Option<Manifest> {
        let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Adds or replaces the entries of the files a run wrote.
    pub fn update(&mut self, written: &[FileEntry]) {
        for e in written {
            match self.files.iter_mut().find(|f| f.path == e.path) {
                Some(f) => *f = e.clone(),
                None => self.files.push(e.clone()),
            }
        }
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = serde_json::to_string_pretty(self).expect("manifest serialises");
        s.push('\n');
        s.into_bytes()
    }
}

/// What `kaohe verify` found wrong in an archive folder.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub missing: Vec<String>,
    pub changed: Vec<String>,
    pub extra: Vec<String>,
    /// Manifest entries whose path leaves the folder (`../x`, `/etc/x`).
    pub outside: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.changed.is_empty()
            && self.extra.is_empty()
            && self.outside.is_empty()
    }
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            list_files(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if rel != MANIFEST && rel != LOCK_FILE && !rel.starts_with(".kaohe/") {
                out.push(rel);
            }
        }
    }
}

/// Recomputes every file of the manifest in `dir`.
pub fn verify(dir: &Path) -> Result<(Manifest, Report)> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| failed!("{}: 无法读取：{}", path.display(), crate::error::os(&e)))?;
    let m: Manifest = serde_json::from_str(&text)
        .map_err(|e| failed!("{}: 不是有效的 kaohe 清单：{e}", path.display()))?;
    let mut report = Report::default();
    for f in &m.files {
        if !inside(&f.path) {
            report.outside.push(f.path.clone());
            continue;
        }
        let p = dir.join(&f.path);
        match std::fs::read(&p) {
            Err(_) => report.missing.push(f.path.clone()),
            Ok(bytes) => {
                if bytes.len() as u64 != f.size || sha256_hex(&bytes) != f.sha256 {
                    report.changed.push(f.path.clone());
                }
            }
        }
    }
    // The archive alone proves what was scored: each input's copy is there
    // with the input's hash.
    for i in &m.inputs {
        let Some(a) = &i.archived else { continue };
        if !inside(a) {
            report.outside.push(a.clone());
            continue;
        }
        match std::fs::read(dir.join(a)) {
            Err(_) if !report.missing.contains(a) => report.missing.push(a.clone()),
            Ok(bytes) if sha256_hex(&bytes) != i.sha256 && !report.changed.contains(a) => {
                report.changed.push(a.clone())
            }
            _ => {}
        }
    }
    let mut present = Vec::new();
    list_files(dir, dir, &mut present);
    present.sort();
    report.extra = present
        .into_iter()
        .filter(|p| !m.files.iter().any(|f| &f.path == p))
        .collect();
    Ok((m, report))
}

/// A zip (XLSX, DOCX, OFD) as written on Linux, whatever the platform: the
/// zip writer records the host system in each central-directory entry's
/// "version made by" (3 for Unix, 0 for DOS on Windows), the only byte by
/// which the same workbook differed between kaohe on Linux and kaohe.exe.
/// Setting it to Unix keeps the outputs byte-identical across platforms
/// (the entries' attributes are already in Unix form). A zip this cannot
/// follow is returned as it is.
pub fn zip_as_on_unix(mut bytes: Vec<u8>) -> Vec<u8> {
    let u16_at = |b: &[u8], p: usize| b.get(p..p + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |b: &[u8], p: usize| {
        b.get(p..p + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    // the end of central directory record: its signature, searched from the
    // end over the longest possible comment
    let lowest = bytes.len().saturating_sub(22 + 0xFFFF);
    let Some(end) = (lowest..bytes.len().saturating_sub(21))
        .rev()
        .find(|&p| u32_at(&bytes, p) == Some(0x0605_4b50))
    else {
        return bytes;
    };
    let (Some(count), Some(start)) = (u16_at(&bytes, end + 10), u32_at(&bytes, end + 16)) else {
        return bytes;
    };
    let mut p = start as usize;
    let mut places = Vec::with_capacity(count as usize);
    for _ in 0..count {
        if u32_at(&bytes, p) != Some(0x0201_4b50) {
            return bytes;
        }
        let (Some(n), Some(e), Some(c)) = (
            u16_at(&bytes, p + 28),
            u16_at(&bytes, p + 30),
            u16_at(&bytes, p + 32),
        ) else {
            return bytes;
        };
        places.push(p + 5);
        p += 46 + n as usize + e as usize + c as usize;
    }
    for at in places {
        bytes[at] = 3;
    }
    bytes
}

#[cfg(test)]
mod zip_tests {
    use super::zip_as_on_unix;
    use std::io::Write;

    #[test]
    fn every_entry_says_unix_and_nothing_else_changes() {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        for name in ["a.xml", "b/c.xml"] {
            w.start_file(name, o).unwrap();
            w.write_all(b"<x/>").unwrap();
        }
        let mut bytes = w.finish().unwrap().into_inner();
        // as written on Windows
        let heads: Vec<usize> = (0..bytes.len() - 3)
            .filter(|&p| bytes[p..p + 4] == [0x50, 0x4b, 0x01, 0x02])
            .collect();
        assert_eq!(heads.len(), 2);
        for &h in &heads {
            bytes[h + 5] = 0;
        }
        let fixed = zip_as_on_unix(bytes.clone());
        for &h in &heads {
            assert_eq!(fixed[h + 5], 3);
        }
        let changed = bytes.iter().zip(&fixed).filter(|(a, b)| a != b).count();
        assert_eq!(changed, 2);
        // not a zip: left alone
        assert_eq!(zip_as_on_unix(b"PK\x05\x06".to_vec()), b"PK\x05\x06");
    }
}
