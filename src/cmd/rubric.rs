//! `kaohe rubric show FILE [--json]`.

use crate::error::Result;
use crate::rubric::{self, lint};
use std::path::Path;

pub fn show(file: &Path, json: bool) -> Result<()> {
    let r = rubric::load_file(file)?;
    for l in lint::lint(&r).into_iter().filter(|l| !l.error) {
        eprintln!("警告：{}", l.message);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r.to_json()).expect("json")
        );
    } else {
        println!(
            "{}（{}），{} 项，满分 {} 分",
            r.title,
            r.id,
            r.items.len(),
            r.total_points()
        );
        for i in &r.items {
            let pts = i
                .points
                .map(|p| format!("{p}分"))
                .unwrap_or_else(|| "—".into());
            println!(
                "{:>3}. [{}] {}  {}",
                i.no,
                i.level1,
                pts,
                i.content.chars().take(40).collect::<String>()
            );
        }
    }
    Ok(())
}
