//! The seal image a campaign names (`[issuer] seal = "印章.png"`): found
//! relative to the campaign file, read once, checked to be a PNG or an SVG.

use crate::campaign::Campaign;
use crate::config_err;
use crate::error::Result;
use std::path::Path;

/// The seal's bytes, or `None` when the campaign has no seal. `campaign` is
/// the campaign file (None: the built-in example, paths from the current
/// folder).
pub fn load(campaign: Option<&Path>, c: &Campaign) -> Result<Option<Vec<u8>>> {
    let Some(name) = c.issuer.seal.as_deref() else {
        return Ok(None);
    };
    let dir = campaign.and_then(Path::parent).unwrap_or(Path::new(""));
    let path = dir.join(name);
    let shown = path.display();
    let bytes = std::fs::read(&path).map_err(|e| {
        config_err!(
            "印章文件 {shown} 无法读取（{}）：请检查考核方案 [issuer] seal 的路径（相对于考核方案文件）",
            io_reason(&e)
        )
    })?;
    let svg = name.to_ascii_lowercase().ends_with(".svg");
    let ok = if svg {
        std::str::from_utf8(&bytes).is_ok_and(|s| s.contains("<svg"))
    } else {
        bytes.starts_with(b"\x89PNG\r\n\x1a\n")
    };
    if !ok {
        return Err(config_err!(
            "印章文件 {shown} 不是可用的{}图片：请换用 PNG 或 SVG 格式的印章图片",
            if svg { " SVG " } else { " PNG " }
        ));
    }
    if let Some(size) = c.issuer.seal_size
        && !(10.0..=80.0).contains(&size)
    {
        return Err(config_err!(
            "考核方案 [issuer] seal_size = {size}：印章直径应在 10 到 80 毫米之间（常用 42）"
        ));
    }
    Ok(Some(bytes))
}

/// What the DOCX files get: the seal only with `--seal-in-docx` (offices
/// apply it by hand in WPS or Word), and only as a PNG.
pub fn docx_options(
    seal_in_docx: bool,
    campaign: Option<&Path>,
    c: &Campaign,
) -> Result<super::docx::Options> {
    let mut opts = super::docx::Options::default();
    if !seal_in_docx {
        return Ok(opts);
    }
    let Some(bytes) = load(campaign, c)? else {
        return Err(config_err!(
            "使用了 --seal-in-docx，但考核方案没有印章：请在 [issuer] 中写 seal = \"印章.png\""
        ));
    };
    if !bytes.starts_with(b"\x89PNG") {
        return Err(config_err!(
            "--seal-in-docx 需要 PNG 格式的印章图片（WPS 和 Word 都能显示）：请把 [issuer] seal 换成 PNG 文件"
        ));
    }
    opts.seal = Some((bytes, c.issuer.seal_size.unwrap_or(42.0)));
    Ok(opts)
}

/// Why a file could not be read, in Chinese.
fn io_reason(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在",
        std::io::ErrorKind::PermissionDenied => "没有读取权限",
        std::io::ErrorKind::IsADirectory => "这是一个文件夹",
        _ => "读取出错",
    }
}
