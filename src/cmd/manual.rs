//! `kaohe manual [FILE]`: writes the 《使用说明》 PDF (default `使用说明.pdf`
//! in the current folder), replacing an older one in one step.

use crate::error::Result;
use crate::render::manual;
use std::path::{Path, PathBuf};

pub fn run(file: Option<PathBuf>, quiet: bool) -> Result<()> {
    let file = file.unwrap_or_else(|| PathBuf::from(manual::FILE_NAME));
    let bytes = manual::pdf()?;
    crate::swap::write_file(Path::new(&file), &bytes)?;
    if !quiet {
        eprintln!("已写入 {}", file.display());
    }
    Ok(())
}
