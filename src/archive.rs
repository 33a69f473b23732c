//! Writing outputs safely: every file goes to a temporary name beside its
//! final place and is renamed only when the whole run has succeeded; a run
//! holds a lock on its output folder so two runs never interleave.

use crate::error::Result;
use crate::failed;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::TempPath;

const LOCK_FILE: &str = ".kaohe.lock";

/// An exclusive lock on an output folder, released when dropped.
pub struct Lock {
    _file: File,
}

/// Takes the output folder's lock, or says that another run holds it.
pub fn lock(dir: &Path) -> Result<Lock> {
    std::fs::create_dir_all(dir).map_err(|e| {
        failed!(
            "{}: 无法创建输出目录：{e}",
            dir.display(),
            e = crate::os::io_text(&e)
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
                "{}: 无法创建锁文件：{e}",
                path.display(),
                e = crate::os::io_text(&e)
            )
        })?;
    match file.try_lock() {
        Ok(()) => Ok(Lock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(failed!(
            "{}: 另一个 kaohe 正在写入这个输出目录，请等它结束后再运行",
            dir.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(failed!(
            "{}: 无法锁定输出目录：{e}",
            dir.display(),
            e = crate::os::io_text(&e)
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

/// Files written so far by a run, under temporary names until [`Staging::commit`].
pub struct Staging {
    dir: PathBuf,
    /// Closed temporary files (a campaign of 1000 units stages 4000 files:
    /// open handles would run into the limit on open files).
    files: Vec<(PathBuf, TempPath)>,
    /// Path inside the folder, size and SHA-256 of each staged file.
    entries: Vec<FileEntry>,
    /// Folders this run created, removed again if the run fails.
    created: Vec<PathBuf>,
    committed: bool,
}

impl Staging {
    /// Starts a run writing into `dir` (locked by the caller).
    pub fn new(dir: &Path) -> Staging {
        Staging {
            dir: dir.to_path_buf(),
            files: Vec::new(),
            entries: Vec::new(),
            created: Vec::new(),
            committed: false,
        }
    }

    /// Writes `bytes` to a temporary file for `rel` (a path inside the folder).
    pub fn add(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let rel_path = Path::new(rel);
        if !inside(rel) {
            return Err(failed!("内部错误：输出路径 {rel} 不在输出目录内"));
        }
        let path = self.dir.join(rel_path);
        let parent = path.parent().unwrap_or(&self.dir).to_path_buf();
        let mut missing: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect();
        missing.reverse();
        self.created.extend(missing);
        let parent = parent.as_path();
        std::fs::create_dir_all(parent).map_err(|e| {
            failed!(
                "{}: 无法创建目录：{e}",
                parent.display(),
                e = crate::os::io_text(&e)
            )
        })?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".kaohe-").suffix(".tmp");
        // An output is an ordinary file (0666 less the umask), not the 0600
        // tempfile gives a temporary one: the archive is read by others.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let mut tmp = builder.tempfile_in(parent).map_err(|e| {
            failed!(
                "{}: 无法写入临时文件：{e}",
                parent.display(),
                e = crate::os::io_text(&e)
            )
        })?;
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_data())
            .map_err(|e| {
                failed!(
                    "{}: 写入失败：{e}",
                    path.display(),
                    e = crate::os::io_text(&e)
                )
            })?;
        self.files.push((path, tmp.into_temp_path()));
        self.entries.push(FileEntry {
            path: rel.to_string(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        });
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn entries(&self) -> &[FileEntry] {
        &self.entries
    }

    /// Renames every temporary file into place. Dropping a `Staging` without
    /// committing removes its temporary files and leaves old outputs alone.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        self.committed = true;
        let files = std::mem::take(&mut self.files);
        let mut done = Vec::with_capacity(files.len());
        for (path, tmp) in files {
            tmp.persist(&path)
                .map_err(|e| failed!("{}: 无法写入：{}", path.display(), e.error))?;
            done.push(path);
        }
        Ok(done)
    }
}

impl Drop for Staging {
    /// A run that did not commit leaves nothing: its temporary files go with
    /// their handles, and the folders it created go if they are empty.
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        self.files.clear();
        for d in self.created.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

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
            if rel != MANIFEST && rel != LOCK_FILE {
                out.push(rel);
            }
        }
    }
}

/// Recomputes every file of the manifest in `dir`.
pub fn verify(dir: &Path) -> Result<(Manifest, Report)> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        failed!(
            "{}: 无法读取：{e}",
            path.display(),
            e = crate::os::io_text(&e)
        )
    })?;
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
    let mut present = Vec::new();
    list_files(dir, dir, &mut present);
    present.sort();
    report.extra = present
        .into_iter()
        .filter(|p| !m.files.iter().any(|f| &f.path == p))
        .collect();
    Ok((m, report))
}
