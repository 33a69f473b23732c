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
