//! Landscape pages on portrait paper (GB/T 9704 clause 8: a table printed
//! across the page has its head toward the binding edge on odd pages and
//! toward the cutting edge on even pages, the page number where portrait
//! pages have it).
//!
//! A PDF page that is wider than tall is turned by the printer driver, and
//! drivers turn it either way: duplex prints of the same file put the table
//! head at the binding edge on one printer and at the cutting edge on the
//! next. So every page of a PDF that kaohe writes is portrait A4: a
//! landscape page's content is turned a quarter counter-clockwise onto it,
//! the table head at the paper's left edge (the binding edge of an odd page,
//! the cutting edge of an even one), and its page number, which the template
//! already sets turned, stands upright where portrait pages have theirs.
//! Every printer then prints the page as it is. For the screen, the page
//! carries `/Rotate 90`, so viewers show it turned back, as a landscape page.

use crate::error::Result;
use crate::failed;
use typst::layout::{Abs, Ratio, Size, Transform};
use typst::model::Document;
use typst_layout::{Page, PagedDocument};

/// The document with its landscape pages turned onto portrait pages, and
/// the indices of the turned pages; `None` when every page is portrait.
pub fn portrait(doc: &PagedDocument) -> Option<(PagedDocument, Vec<usize>)> {
    let wide = |p: &Page| p.frame.width() > p.frame.height();
    if !doc.pages().iter().any(wide) {
        return None;
    }
    let mut turned = Vec::new();
    let pages = doc
        .pages()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut page = p.clone();
            if wide(p) {
                let (w, h) = (p.frame.width(), p.frame.height());
                // (x, y) → (y, w − x): a quarter turn counter-clockwise (y
                // points down), exact, so the content stream says `0 -1 1 0`.
                page.frame.transform(Transform {
                    sx: Ratio::zero(),
                    ky: Ratio::new(-1.0),
                    kx: Ratio::one(),
                    sy: Ratio::zero(),
                    tx: Abs::zero(),
                    ty: w,
                });
                page.frame.set_size(Size::new(h, w));
                turned.push(i);
            }
            page
        })
        .collect();
    let doc = PagedDocument::new(pages, doc.info().clone());
    Some((doc, turned))
}

/// Adds `/Rotate 90` to the pages at `turned` (indices in page order) of a
/// PDF written by typst-pdf: the page objects are found through the page
/// tree's `/Kids` and the cross-reference table, and every offset after an
/// insertion is moved by it. A PDF not shaped as expected is an error, never
/// a silently unturned page.
pub fn rotate_for_screen(pdf: &[u8], turned: &[usize], name: &str) -> Result<Vec<u8>> {
    let bad = |what: &str| failed!("{name}: 横排页无法标注旋转（{what}），请报告此问题。");
    let xref = rfind(pdf, b"\nxref\n").ok_or_else(|| bad("交叉引用表"))? + 1;
    let mut offsets = xref_offsets(pdf, xref).ok_or_else(|| bad("交叉引用表"))?;
    let kids = page_kids(pdf, &offsets).ok_or_else(|| bad("页面树"))?;
    const ROTATE: &[u8] = b"/Rotate 90";
    let mut at: Vec<usize> = Vec::new();
    for &i in turned {
        let obj = *kids.get(i).ok_or_else(|| bad("页数"))?;
        let start = *offsets.get(obj).ok_or_else(|| bad("页面对象"))?;
        let head = format!("{obj} 0 obj\n<</Type/Page/");
        if !pdf
            .get(start..)
            .is_some_and(|s| s.starts_with(head.as_bytes()))
        {
            return Err(bad("页面对象"));
        }
        at.push(start + head.len() - 1);
    }
    at.sort_unstable();
    let shift = |o: usize| ROTATE.len() * at.partition_point(|&a| a < o);
    let mut out = Vec::with_capacity(pdf.len() + ROTATE.len() * at.len());
    let mut from = 0;
    for &a in &at {
        out.extend_from_slice(&pdf[from..a]);
        out.extend_from_slice(ROTATE);
        from = a;
    }
    out.extend_from_slice(&pdf[from..xref]);
    for o in offsets.iter_mut().skip(1) {
        *o += shift(*o);
    }
    write_xref(&mut out, pdf, xref, &offsets).ok_or_else(|| bad("文件尾"))?;
    Ok(out)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The object offsets of a one-section table `xref\n0 N\n` (entry 0 is the
/// free head, kept as 0).
fn xref_offsets(pdf: &[u8], xref: usize) -> Option<Vec<usize>> {
    let rest = pdf.get(xref + 5..)?;
    let nl = find(rest, b"\n")?;
    let head = std::str::from_utf8(&rest[..nl]).ok()?;
    let (first, count) = head.split_once(' ')?;
    if first != "0" {
        return None;
    }
    let count: usize = count.parse().ok()?;
    let entries = rest.get(nl + 1..nl + 1 + 20 * count)?;
    entries
        .chunks(20)
        .enumerate()
        .map(|(n, e)| match (n, &e[17..18]) {
            (0, _) => Some(0),
            (_, b"n") => std::str::from_utf8(&e[..10]).ok()?.parse().ok(),
            _ => None,
        })
        .collect()
}

/// The object numbers of the pages, in order, from the one `/Type/Pages`
/// node typst-pdf writes.
fn page_kids(pdf: &[u8], offsets: &[usize]) -> Option<Vec<usize>> {
    let node = offsets
        .iter()
        .skip(1)
        .filter_map(|&o| pdf.get(o..))
        .find(|s| s.windows(11).take(40).any(|w| w == b"/Type/Pages"))?;
    let kids = &node[find(node, b"/Kids[")? + 6..];
    let list = std::str::from_utf8(&kids[..find(kids, b"]")?]).ok()?;
    let words: Vec<&str> = list.split_whitespace().collect();
    words
        .chunks(3)
        .map(|c| match c {
            [n, "0", "R"] => n.parse().ok(),
            _ => None,
        })
        .collect()
}

/// The cross-reference table as it was with the new offsets, the trailer
/// as it was, and `startxref` pointing at the table's new place.
fn write_xref(out: &mut Vec<u8>, pdf: &[u8], xref: usize, offsets: &[usize]) -> Option<()> {
    let table = out.len();
    let rest = &pdf[xref..];
    let entries = find(rest, b"\n")? + 1;
    let entries = entries + find(&rest[entries..], b"\n")? + 1;
    out.extend_from_slice(&rest[..entries]);
    let table_end = entries + 20 * offsets.len();
    for (n, e) in rest.get(entries..table_end)?.chunks(20).enumerate() {
        if n == 0 {
            out.extend_from_slice(e);
        } else {
            out.extend_from_slice(format!("{:010}", offsets[n]).as_bytes());
            out.extend_from_slice(&e[10..]);
        }
    }
    let tail = &rest[table_end..];
    let sx = find(tail, b"startxref\n")? + 10;
    let end = sx + tail[sx..].iter().position(|b| !b.is_ascii_digit())?;
    out.extend_from_slice(&tail[..sx]);
    out.extend_from_slice(table.to_string().as_bytes());
    out.extend_from_slice(&tail[end..]);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-page PDF as typst-pdf lays one out (page tree, page objects,
    /// one cross-reference section).
    fn two_pages() -> Vec<u8> {
        let objs = [
            "<</Type/Pages/Count 2/Kids[3 0 R 4 0 R]>>",
            "<</Type/Catalog/Pages 1 0 R>>",
            "<</Type/Page/MediaBox[0 0 595 842]/Parent 1 0 R>>",
            "<</Type/Page/MediaBox[0 0 595 842]/Parent 1 0 R>>",
        ];
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let mut at = Vec::new();
        for (i, o) in objs.iter().enumerate() {
            at.push(pdf.len());
            pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = pdf.len();
        pdf.extend_from_slice(b"xref\n0 5\n0000000000 65535 f\r\n");
        for a in at {
            pdf.extend_from_slice(format!("{a:010} 00000 n\r\n").as_bytes());
        }
        pdf.extend_from_slice(
            format!("trailer\n<</Size 5/Root 2 0 R>>\nstartxref\n{xref}\n%%EOF").as_bytes(),
        );
        pdf
    }

    /// Each offset of the table points at its object, and startxref at
    /// the table.
    fn offsets_hold(pdf: &[u8]) {
        let xref = rfind(pdf, b"\nxref\n").unwrap() + 1;
        let tail = std::str::from_utf8(&pdf[rfind(pdf, b"startxref").unwrap()..]).unwrap();
        assert_eq!(tail.split('\n').nth(1).unwrap(), xref.to_string());
        for (n, o) in xref_offsets(pdf, xref).unwrap().iter().enumerate().skip(1) {
            assert!(
                pdf[*o..].starts_with(format!("{n} 0 obj").as_bytes()),
                "{n}"
            );
        }
    }

    #[test]
    fn the_second_page_is_marked_and_every_offset_moves_with_it() {
        let pdf = two_pages();
        offsets_hold(&pdf);
        let out = rotate_for_screen(&pdf, &[1], "x.pdf").unwrap();
        offsets_hold(&out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("/Rotate 90").count(), 1);
        assert!(text.contains("4 0 obj\n<</Type/Page/Rotate 90/MediaBox"));
        assert!(text.ends_with("\n%%EOF"));
    }

    #[test]
    fn a_pdf_of_another_shape_is_an_error_not_a_panic() {
        let pdf = two_pages();
        for cut in [0, 10, pdf.len() / 2, pdf.len() - 30, pdf.len() - 8] {
            let mut bad = pdf[..cut].to_vec();
            bad.extend_from_slice(&pdf[cut + 5.min(pdf.len() - cut)..]);
            let _ = rotate_for_screen(&bad, &[0, 1], "x.pdf");
        }
        let err = rotate_for_screen(&pdf, &[2], "x.pdf")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.pdf: 横排页无法标注旋转（页数）"), "{err}");
        let err = rotate_for_screen(b"%PDF-1.7", &[0], "x.pdf")
            .unwrap_err()
            .to_string();
        assert!(err.contains("交叉引用表"), "{err}");
    }
}
