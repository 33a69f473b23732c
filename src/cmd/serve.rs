//! `kaohe serve`: the workbench in the browser (see `crate::serve`).

use super::Ctx;
use crate::error::Result;
use crate::serve::{self, Options};
use std::path::PathBuf;

pub fn run(
    ctx: &Ctx,
    dir: Option<PathBuf>,
    listen: String,
    open: bool,
    demo: bool,
    set_password: bool,
) -> Result<()> {
    // The campaign folder named, or the one around the current folder.
    let dir = dir
        .or_else(|| {
            let cwd = std::env::current_dir().ok()?;
            crate::project::find(&cwd)?.parent().map(Into::into)
        })
        .unwrap_or_else(|| PathBuf::from("."));
    if set_password {
        return serve::set_password(&dir, demo);
    }
    serve::run(Options {
        dir,
        listen,
        open,
        demo,
        fonts: ctx.fonts.clone(),
    })
}

/// kaohe.exe double-clicked: the workbench on `dir` (made with the built-in
/// example on first start), on this computer only, in the browser.
pub fn double_clicked(dir: PathBuf) -> Result<()> {
    eprintln!(
        "正在启动考核工作台，考核文件夹：{}\n浏览器会自动打开；使用期间请不要关闭此窗口，关闭此窗口即停止工作台。",
        dir.display()
    );
    serve::run(Options {
        dir,
        listen: "127.0.0.1:8377".into(),
        open: true,
        demo: true,
        fonts: None,
    })
}
