//! `kaohe init DIR [--from FILE]`: a new campaign folder.

use super::Ctx;
use crate::error::{Result, printable};
use crate::project;
use std::path::Path;

pub fn run(ctx: &Ctx, dir: &Path, from: Option<&Path>) -> Result<()> {
    let made = project::init(dir, from)?;
    let shown = printable(&made.dir.display().to_string()).into_owned();
    ctx.say(&format!(
        "已创建考核文件夹 {shown}（{} 个文件；考核“{}”，{} 个被考核单位，{} 个考核细则）",
        made.files.len(),
        made.loaded.campaign.name,
        made.loaded.campaign.units.len(),
        made.loaded.rubrics.len()
    ));
    ctx.say(&format!(
        "下一步：修改 {shown}/kaohe.toml、rubrics/ 和 templates/ 中的文件（见 {shown}/说明.md），然后在该文件夹中运行 kaohe notice、kaohe blank"
    ));
    Ok(())
}
