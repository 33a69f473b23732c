//! `kaohe self INPUT...`: the units' self-assessments, checked as `check`
//! does; for each, the 考核组's form carrying it (`assess/<单位>.xlsx`),
//! and `self-summary.xlsx`.

use super::check::check_inputs;
use super::{Ctx, write_outputs};
use crate::error::Result;
use crate::failed;
use crate::workbook::layout::FormKind;
use std::path::PathBuf;

pub fn run(ctx: &Ctx, inputs: &[PathBuf]) -> Result<()> {
    let c = check_inputs(ctx, inputs)?;
    super::check::no_lists(&c)?;
    if c.errors > 0 {
        return Err(failed!(
            "单位自评表有 {} 个错误，未生成考核组评分表；请改正后重新运行",
            c.errors
        ));
    }
    let l = c.loaded;
    if let Some(f) = c.forms.iter().find(|f| f.kind == FormKind::Assessor) {
        return Err(failed!(
            "{}: 这是考核组评分表，不是单位自评表",
            crate::error::printable(&f.file)
        )
        .hint("kaohe self 只读各单位交回的自评表（kaohe blank 下发的评分表）；考核组评分表用 kaohe score 评分"));
    }
    let files = crate::workbook::assessor::self_round_files(ctx.cache(), &l, &c.forms)?;
    let missing = crate::cmd::score::missing_units(&l, &c.forms);
    let n = c.forms.len();
    write_outputs(ctx, &l, None, |s| {
        // A new self round replaces the last one's assessor forms.
        s.replace_folder("assess/");
        for (path, bytes) in &files {
            s.add(path, bytes)?;
        }
        Ok(())
    })?;
    if missing.is_empty() {
        ctx.say(&format!(
            "已为 {n} 个单位生成考核组评分表（assess/）和自评汇总表"
        ));
    } else {
        ctx.say(&format!(
            "已为 {n} 个单位生成考核组评分表（assess/）和自评汇总表；{} 个单位未交自评：{}",
            missing.len(),
            missing.join("、")
        ));
    }
    Ok(())
}
