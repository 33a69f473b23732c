//! The circular's bar charts in the DOCX, drawn natively as the PDF draws
//! them (templates/lib/chart.typ): per group a title and a borderless table
//! whose bar area is a grid of half-point columns, each unit's bar a shaded
//! cell spanning as many of them as its score is above the axis' low end,
//! its score beside it, the axis' numbers under the bars. No image files:
//! Word, WPS and LibreOffice show and print it as table cells.

use super::Faces;
use super::xml::{Par, Style, pt, run};
use crate::doc::RankingGroup;

/// The shade of a bar (the PDF's luma(90)) and of a vetoed unit's (luma(200)).
const INK: &str = "5A5A5A";
const PALE: &str = "C8C8C8";
/// Grid columns per point of score.
pub const PER_POINT: usize = 2;

/// The axis' low and high ends for `values`, as the PDF chooses them.
pub fn axis(values: &[f64]) -> (f64, f64) {
    let max = values.iter().copied().fold(100.0, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let hi = (max / 10.0).ceil() * 10.0;
    let lo = ((min / 10.0).floor() * 10.0 - 10.0).max(0.0);
    (lo, hi)
}

fn cell(w: i64, span: usize, fill: Option<&str>, paras: &str) -> String {
    let mut s = format!("<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/>");
    if span > 1 {
        s.push_str(&format!("<w:gridSpan w:val=\"{span}\"/>"));
    }
    if let Some(f) = fill {
        s.push_str(&format!(
            "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{f}\"/>"
        ));
    }
    s.push_str("<w:vAlign w:val=\"center\"/></w:tcPr>");
    s.push_str(if paras.is_empty() { "<w:p/>" } else { paras });
    s.push_str("</w:tc>");
    s
}

/// The chart of group `g`, `width` twips wide.
pub fn chart(g: &RankingGroup, f: &Faces, width: i64) -> String {
    if g.chart.is_empty() {
        return String::new();
    }
    let size = 10.5;
    let text = Style::new(f.fangsong, size);
    let p = |jc: &'static str, t: &str| Par::new(jc, pt(size * 1.2)).with(&run(&text, t));
    let title = Par {
        before: pt(12.0),
        keep_next: true,
        ..Par::new("center", pt(12.0 * 1.8))
    };
    let mut out = title.with(&run(
        &Style::new(f.heiti, 12.0),
        &format!("{}得分情况", g.title),
    ));
    let values: Vec<f64> = g.chart.iter().map(|b| b.value).collect();
    let (lo, hi) = axis(&values);
    let n = ((hi - lo) as usize * PER_POINT).max(1);
    let label_w = pt(g
        .chart
        .iter()
        .map(|b| {
            b.unit
                .chars()
                .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
                .sum::<f64>()
        })
        .fold(4.0, f64::max)
        * size
        + 8.0);
    let value_w = pt(5.0 * size + 8.0);
    let col = ((width - label_w - value_w) / n as i64).max(1);
    let value_w = width - label_w - col * n as i64;
    let mut s = format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{width}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/><w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"{m}\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"{m}\" w:type=\"dxa\"/></w:tblCellMar><w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"{label_w}\"/>",
        m = pt(1.5)
    );
    for _ in 0..n {
        s.push_str(&format!("<w:gridCol w:w=\"{col}\"/>"));
    }
    s.push_str(&format!("<w:gridCol w:w=\"{value_w}\"/></w:tblGrid>"));
    let row = |cells: &str, h: f64| {
        format!(
            "<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"{}\" w:hRule=\"exact\"/></w:trPr>{cells}</w:tr>",
            pt(h)
        )
    };
    for b in &g.chart {
        let k = (((b.value - lo) * PER_POINT as f64).round().max(0.0) as usize).min(n);
        let mut cells = cell(label_w, 1, None, &p("right", &b.unit));
        if k > 0 {
            let fill = if b.vetoed { PALE } else { INK };
            cells.push_str(&cell(col * k as i64, k, Some(fill), ""));
        }
        if k < n {
            cells.push_str(&cell(col * (n - k) as i64, n - k, None, ""));
        }
        let label = if b.vetoed {
            format!("{}（一票否决）", b.label)
        } else {
            b.label.clone()
        };
        cells.push_str(&cell(value_w, 1, None, &p("left", &label)));
        s.push_str(&row(&cells, 12.0));
        // a thin gap between two bars
        s.push_str(&row(&cell(width, n + 2, None, ""), 3.0));
    }
    // the axis' numbers, each at the start of its ten points
    let step = if hi - lo > 50.0 { 20 } else { 10 };
    let per = step * PER_POINT;
    let mut cells = cell(label_w, 1, None, "");
    let mut at = 0;
    let mut v = lo as usize;
    while at < n {
        let span = per.min(n - at);
        cells.push_str(&cell(
            col * span as i64,
            span,
            None,
            &p("left", &v.to_string()),
        ));
        at += span;
        v += step;
    }
    cells.push_str(&cell(
        value_w,
        1,
        None,
        &p("left", &(hi as usize).to_string()),
    ));
    s.push_str(&row(&cells, 15.0));
    s.push_str("</w:tbl>");
    out.push_str(&s);
    out
}
