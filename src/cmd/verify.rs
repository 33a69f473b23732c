//! `kaohe verify DIR`: checks an archive folder against its manifest.

use crate::archive;
use crate::error::Result;
use crate::failed;
use std::path::Path;

pub fn run(dir: &Path) -> Result<()> {
    let (m, report) = archive::verify(dir)?;
    for p in &report.missing {
        println!("缺失：{p}");
    }
    for p in &report.changed {
        println!("已改动：{p}");
    }
    for p in &report.extra {
        println!("多出：{p}");
    }
    for p in &report.outside {
        println!("不在目录内：{p}");
    }
    if report.is_clean() {
        println!(
            "{}: {} 个文件与清单一致（考核 {}，kaohe {}）",
            dir.display(),
            m.files.len(),
            m.campaign,
            m.kaohe
        );
        Ok(())
    } else {
        let outside = if report.outside.is_empty() {
            String::new()
        } else {
            format!("，{} 个不在目录内", report.outside.len())
        };
        Err(failed!(
            "{}: 与清单不一致：缺失 {} 个，改动 {} 个，多出 {} 个{outside}",
            dir.display(),
            report.missing.len(),
            report.changed.len(),
            report.extra.len()
        ))
    }
}
