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
        print!("{}", rubric::listing(&r));
    }
    Ok(())
}
