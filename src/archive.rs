//! Writing outputs safely: every file goes to a temporary name beside its
//! final place and is renamed only when the whole run has succeeded; a run
//! holds a lock on its output folder so two runs never interleave.

use crate::error::Result;
use crate::failed;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

const LOCK_FILE: &str = ".kaohe.lock";

/// An exclusive lock on an output folder, released when dropped.
pub struct Lock {
    _file: File,
}

/// Takes the output folder's lock, or says that another run holds it.
pub fn lock(dir: &Path) -> Result<Lock> {
    std::fs::create_dir_all(dir)
        .map_err(|e| failed!("{}: 无法创建输出目录：{e}", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| failed!("{}: 无法创建锁文件：{e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Lock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(failed!(
            "{}: 另一个 kaohe 正在写入这个输出目录，请等它结束后再运行",
            dir.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(failed!("{}: 无法锁定输出目录：{e}", dir.display()))
        }
    }
}

/// Files written so far by a run, under temporary names until [`Staging::commit`].
pub struct Staging {
    dir: PathBuf,
    files: Vec<(PathBuf, NamedTempFile)>,
}

impl Staging {
    /// Starts a run writing into `dir` (locked by the caller).
    pub fn new(dir: &Path) -> Staging {
        Staging {
            dir: dir.to_path_buf(),
            files: Vec::new(),
        }
    }

    /// Writes `bytes` to a temporary file for `rel` (a path inside the folder).
    pub fn add(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let rel_path = Path::new(rel);
        if rel_path.is_absolute()
            || rel_path
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(failed!("内部错误：输出路径 {rel} 不在输出目录内"));
        }
        let path = self.dir.join(rel_path);
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent)
            .map_err(|e| failed!("{}: 无法创建目录：{e}", parent.display()))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".kaohe-")
            .suffix(".tmp")
            .tempfile_in(parent)
            .map_err(|e| failed!("{}: 无法写入临时文件：{e}", parent.display()))?;
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_data())
            .map_err(|e| failed!("{}: 写入失败：{e}", path.display()))?;
        self.files.push((path, tmp));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Renames every temporary file into place. Dropping a `Staging` without
    /// committing removes its temporary files and leaves old outputs alone.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::with_capacity(self.files.len());
        for (path, tmp) in self.files {
            tmp.persist(&path)
                .map_err(|e| failed!("{}: 无法写入：{}", path.display(), e.error))?;
            done.push(path);
        }
        Ok(done)
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
