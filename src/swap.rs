//! One atomic commit per run. A run writes its files into a sibling staging
//! folder (`.<name>.kaohe-new` beside the output folder), carries over every
//! file of the old folder it does not rewrite (hard links, or copies), adds
//! the manifest, fsyncs, and then exchanges the two folders in one step
//! (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames, undone by
//! the next run if a crash falls between them). A crash at any moment leaves
//! the complete old folder or the complete new one; the next run removes the
//! leftover staging folder.
//!
//! Files a user put into the output folder by hand are carried into the new
//! folder unchanged. A file kaohe rewrites that is not what kaohe last wrote
//! there (changed or put there by hand) is kept beside it as
//! `<name>.手工修改.<ext>` and named on stderr.

use crate::archive::{FileEntry, LOCK_FILE, MANIFEST, Manifest, sha256_hex};
use crate::error::Result;
use crate::failed;
use crate::failpoint;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder inside the output folder that kaohe keeps for itself (the
/// render cache when there is no campaign folder); not part of the archive.
pub const PRIVATE_DIR: &str = ".kaohe";

fn sibling(out: &Path, tag: &str) -> Result<PathBuf> {
    let name = out
        .file_name()
        .ok_or_else(|| failed!("{}: 不能用作输出目录，请指定一个子目录", out.display()))?;
    let parent = out.parent().unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{}.kaohe-{tag}", name.to_string_lossy())))
}

/// The output folder as an absolute path without symbolic links, so that the
/// swap replaces the real folder (a link to it stays a link).
fn real(out: &Path) -> Result<PathBuf> {
    out.canonicalize().map_err(|e| {
        failed!(
            "{}: 无法打开输出目录：{}",
            out.display(),
            crate::error::os_write(&e)
        )
    })
}

/// Run before taking the lock: puts back an output folder that a crash left
/// renamed away (only where the two-rename fallback is used).
pub fn recover(out: &Path) {
    if out.exists() {
        return;
    }
    let Some(name) = out.file_name() else { return };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let old = parent.join(format!(".{}.kaohe-old", name.to_string_lossy()));
    if old.is_dir() {
        let _ = std::fs::rename(&old, out);
    }
}

#[cfg(unix)]
fn fsync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows opens no folder as a file (without backup semantics `File::open`
/// is refused), and NTFS journals a folder's entries itself: the files in it
/// are flushed one by one, the folder needs nothing more.
#[cfg(not(unix))]
fn fsync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Files written so far by a run, in the staging folder until [`Staging::commit`].
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    entries: Vec<FileEntry>,
    written: HashSet<String>,
    /// Files of this run that are byte for byte the old folder's (checked):
    /// hard-linked from there instead of written and fsynced again.
    linked: HashSet<String>,
    /// The old folder's manifest, and its entries by path.
    old: Option<Manifest>,
    old_files: HashMap<String, FileEntry>,
    /// Folders (`inputs/`) that this run replaces as a whole: nothing of the
    /// old folder under them is carried over.
    replaces: Vec<String>,
    done: bool,
}

impl Staging {
    /// Starts a run writing for `out` (locked by the caller): removes what a
    /// killed run left, and makes an empty staging folder.
    pub fn new(out: &Path) -> Result<Staging> {
        crate::swap::ignore_file_size_signal();
        let out = real(out)?;
        let dir = sibling(&out, "new")?;
        // A killed run's staging folder: rescue the cache it was carrying.
        let stale_private = dir.join(PRIVATE_DIR);
        if stale_private.is_dir() && !out.join(PRIVATE_DIR).exists() {
            let _ = std::fs::rename(&stale_private, out.join(PRIVATE_DIR));
        }
        for leftover in [dir.clone(), sibling(&out, "old")?] {
            if leftover.exists() {
                std::fs::remove_dir_all(&leftover).map_err(|e| {
                    failed!(
                        "{}: 无法清除上次中断的运行留下的目录：{}",
                        leftover.display(),
                        crate::error::os_write(&e)
                    )
                })?;
            }
        }
        std::fs::create_dir(&dir).map_err(|e| {
            failed!(
                "{}: 无法创建暂存目录：{}",
                dir.display(),
                crate::error::os_write(&e)
            )
        })?;
        if let Ok(meta) = std::fs::metadata(&out) {
            let _ = std::fs::set_permissions(&dir, meta.permissions());
        }
        let old = Manifest::read(&out);
        let old_files = old
            .iter()
            .flat_map(|m| &m.files)
            .map(|f| (f.path.clone(), f.clone()))
            .collect();
        Ok(Staging {
            out,
            dir,
            entries: Vec::new(),
            written: HashSet::new(),
            linked: HashSet::new(),
            old,
            old_files,
            replaces: Vec::new(),
            done: false,
        })
    }

    /// The staging folder (for tests and messages).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Everything of the old folder under `prefix` (`"inputs/"`) is dropped:
    /// this run writes that folder as a whole.
    pub fn replace_folder(&mut self, prefix: &str) {
        self.replaces.push(prefix.to_string());
    }

    /// Writes `bytes` for `rel` (a path inside the folder) and fsyncs it.
    pub fn add(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        if !crate::archive::inside(rel) || rel.split('/').next() == Some(PRIVATE_DIR) {
            return Err(failed!("内部错误：输出路径 {rel} 不在输出目录内"));
        }
        failpoint::step("write");
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                failed!(
                    "{}: 无法创建目录：{}",
                    self.out.join(rel).display(),
                    crate::error::os_write(&e)
                )
            })?;
        }
        let sha256 = sha256_hex(bytes);
        let from = self.out.join(rel);
        // Unchanged since the last run (its bytes checked): a hard link to
        // the old file, already on disk, instead of a new copy to fsync.
        let same = self
            .old_files
            .get(rel)
            .is_some_and(|f| f.sha256 == sha256 && f.size == bytes.len() as u64)
            && std::fs::read(&from).is_ok_and(|b| b == bytes);
        if same && std::fs::hard_link(&from, &path).is_ok() {
            self.linked.insert(rel.to_string());
        } else {
            // flushed to disk all together before the swap (`sync_files`),
            // not one fsync per file under the lock the workers share
            let result = File::create(&path).and_then(|mut f| f.write_all(bytes));
            result.map_err(|e| {
                failed!(
                    "{}: 写入失败：{}；输出目录保持原样",
                    self.out.join(rel).display(),
                    crate::error::os_write(&e)
                )
            })?;
        }
        self.written.insert(rel.to_string());
        self.entries.push(FileEntry {
            path: rel.to_string(),
            size: bytes.len() as u64,
            sha256,
        });
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[FileEntry] {
        &self.entries
    }

    fn replaced(&self, rel: &str) -> bool {
        self.replaces.iter().any(|p| rel.starts_with(p.as_str()))
    }

    /// The manifest of the new folder: the old one's entries for the files
    /// carried over, this run's entries for the files it wrote.
    pub fn manifest(&self, old: Option<Manifest>) -> Manifest {
        let mut m = old.unwrap_or_default();
        m.files.retain(|f| !self.replaced(&f.path));
        m.update(&self.entries);
        m
    }

    /// Carries the old folder over, writes `manifest`, fsyncs, and swaps the
    /// staging folder in. Returns the paths of the files this run wrote.
    pub fn commit(mut self, manifest: &Manifest, say: &dyn Fn(&str)) -> Result<Vec<PathBuf>> {
        let old = self.old.take();
        let mut carried = Vec::new();
        list(&self.out, &self.out, &mut carried);
        for rel in carried {
            if self.replaced(&rel) {
                continue;
            }
            let from = self.out.join(&rel);
            if self.written.contains(&rel) {
                if !self.linked.contains(&rel) && !ours(&from, &rel, old.as_ref()) {
                    let keep = hand_name(&rel, |p| self.dir.join(p).exists());
                    failpoint::step("keep");
                    self.link(&from, &keep)?;
                    say(&format!(
                        "注意：{} 与 kaohe 上次写出的不同（手工改动或放入），已保留为 {}",
                        from.display(),
                        self.out.join(&keep).display()
                    ));
                }
                continue;
            }
            failpoint::step("carry");
            self.link(&from, &rel)?;
        }
        failpoint::step("lock");
        let lock = self.out.join(LOCK_FILE);
        if lock.exists() {
            // The same file (inode) in both folders: the lock this run holds
            // stays held on the new folder's lock file after the swap.
            std::fs::hard_link(&lock, self.dir.join(LOCK_FILE)).map_err(|e| {
                failed!(
                    "{}: 无法写入：{}",
                    lock.display(),
                    crate::error::os_write(&e)
                )
            })?;
        }
        self.add(MANIFEST, &manifest.to_bytes())?;
        failpoint::step("fsync");
        self.sync_files()?;
        self.fsync_dirs()?;
        failpoint::step("cache");
        let private = self.out.join(PRIVATE_DIR);
        if private.is_dir() {
            let _ = std::fs::rename(&private, self.dir.join(PRIVATE_DIR));
        }
        failpoint::step("swap");
        exchange(&self.dir, &self.out).map_err(|e| {
            failed!(
                "{}: 无法替换输出目录：{}",
                self.out.display(),
                crate::error::os_write(&e)
            )
        })?;
        self.done = true;
        failpoint::step("fsync-parent");
        if let Some(parent) = self.out.parent() {
            let _ = fsync_dir(parent);
        }
        failpoint::step("remove-old");
        // The staging path now holds the old folder.
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(sibling(&self.out, "old")?);
        // Sorted: the files arrive in whatever order the workers finish.
        let mut written: Vec<PathBuf> = self
            .entries
            .iter()
            .map(|e| self.out.join(&e.path))
            .collect();
        written.sort();
        Ok(written)
    }

    /// `from` (in the old folder) as `rel` in the staging folder: a hard
    /// link, or a copy where links are not possible.
    fn link(&self, from: &Path, rel: &str) -> Result<()> {
        let to = self.dir.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                failed!(
                    "{}: 无法创建目录：{}",
                    parent.display(),
                    crate::error::os_write(&e)
                )
            })?;
        }
        if std::fs::hard_link(from, &to).is_ok() {
            return Ok(());
        }
        let r = std::fs::copy(from, &to).and_then(|_| File::open(&to)?.sync_all());
        r.map_err(|e| {
            failed!(
                "{}: 无法带入新的输出目录：{}；输出目录保持原样",
                from.display(),
                crate::error::os_write(&e)
            )
        })
    }

    /// Flushes the files this run wrote to disk: on Linux with one
    /// `syncfs` of the staging folder's file system (which reports a
    /// write that failed since), elsewhere file by file. Files linked from
    /// the old folder are on disk already.
    fn sync_files(&self) -> Result<()> {
        let failed = |e: std::io::Error| {
            failed!(
                "{}: 无法写入磁盘：{}；输出目录保持原样",
                self.out.display(),
                crate::error::os_write(&e)
            )
        };
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let dir = File::open(&self.dir).map_err(failed)?;
            // SAFETY: syncfs only reads the descriptor, which `dir` keeps open.
            if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
                return Err(failed(std::io::Error::last_os_error()));
            }
        }
        #[cfg(not(target_os = "linux"))]
        for rel in self.written.difference(&self.linked) {
            std::fs::OpenOptions::new()
                .write(true)
                .open(self.dir.join(rel))
                .and_then(|f| f.sync_all())
                .map_err(failed)?;
        }
        Ok(())
    }

    fn fsync_dirs(&self) -> Result<()> {
        fn walk(d: &Path) -> std::io::Result<()> {
            for e in std::fs::read_dir(d)?.flatten() {
                if e.file_type()?.is_dir() {
                    walk(&e.path())?;
                }
            }
            fsync_dir(d)
        }
        walk(&self.dir).map_err(|e| {
            failed!(
                "{}: 无法写入磁盘：{}",
                self.dir.display(),
                crate::error::os_write(&e)
            )
        })
    }
}

impl Drop for Staging {
    /// A run that did not commit leaves nothing: its staging folder goes.
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether the file at `path` is what kaohe last wrote as `rel`.
fn ours(path: &Path, rel: &str, old: Option<&Manifest>) -> bool {
    let Some(entry) = old.and_then(|m| m.files.iter().find(|f| f.path == rel)) else {
        return false;
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() == entry.size => std::fs::read(path)
            .map(|b| sha256_hex(&b) == entry.sha256)
            .unwrap_or(false),
        _ => false,
    }
}

/// `filled/a.pdf` → `filled/a.手工修改.pdf` (or `.手工修改2.pdf`, … when taken).
fn hand_name(rel: &str, taken: impl Fn(&str) -> bool) -> String {
    let (dir, name) = match rel.rfind('/') {
        Some(i) => (&rel[..=i], &rel[i + 1..]),
        None => ("", rel),
    };
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    (1..)
        .map(|n| {
            let tag = if n == 1 { String::new() } else { n.to_string() };
            format!("{dir}{stem}.手工修改{tag}{ext}")
        })
        .find(|c| !taken(c))
        .expect("some name is free")
}

/// Every file under `dir` as a path relative to `root`, except the lock,
/// the manifest, kaohe's private folder and a killed run's temporary files.
fn list(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(rel) = p.strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel == PRIVATE_DIR || rel == LOCK_FILE || rel == MANIFEST {
            continue;
        }
        match e.file_type() {
            Ok(t) if t.is_dir() => list(root, &p, out),
            Ok(_) => out.push(rel),
            Err(_) => {}
        }
    }
}

/// Exchanges the staging folder and the output folder in one step.
#[cfg(target_os = "linux")]
fn exchange(staging: &Path, out: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(staging)?, c(out)?);
    // SAFETY: two valid NUL-terminated paths; renameat2 reads them only.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // No renameat2 (old kernel) or not on this file system.
        Some(libc::ENOSYS) | Some(libc::EINVAL) => two_renames(staging, out),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(staging: &Path, out: &Path) -> std::io::Result<()> {
    two_renames(staging, out)
}

/// The output folder to `.<name>.kaohe-old`, the staging folder to the
/// output folder, the old one to the staging path (removed after). A crash
/// between the two renames is undone by [`recover`] at the next run.
fn two_renames(staging: &Path, out: &Path) -> std::io::Result<()> {
    let old =
        sibling(out, "old").map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    std::fs::rename(out, &old)?;
    failpoint::step("between-renames");
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    std::fs::rename(&old, staging)
}

/// A file size limit (`RLIMIT_FSIZE`) makes a write fail with a message
/// instead of killing kaohe with SIGXFSZ.
pub fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: setting a signal to SIG_IGN has no handler to be unsafe in.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Writes one file outside an output folder (the manual) in one step: a
/// temporary file beside it, synced, then renamed over the old one, so a
/// reader sees the old file or the new one, never half of one.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let shown = path.display();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(failed!("{shown}: 这是一个文件夹，请给出要写入的文件名"));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".kaohe-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| failed!("{shown}: 无法写入：{}", crate::error::os(&e)))?;
    // A temporary file is made readable by its owner only; the manual is
    // for everyone, as any file the user saves.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| failed!("{shown}: 无法写入：{}", crate::error::os(&e)))?;
    tmp.persist(path)
        .map_err(|e| failed!("{shown}: 无法写入：{}", crate::error::os(&e.error)))?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_names() {
        assert_eq!(
            hand_name("filled/a.pdf", |_| false),
            "filled/a.手工修改.pdf"
        );
        assert_eq!(
            hand_name("results.json", |p| p == "results.手工修改.json"),
            "results.手工修改2.json"
        );
        assert_eq!(hand_name("README", |_| false), "README.手工修改");
    }
}
