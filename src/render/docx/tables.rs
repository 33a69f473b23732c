//! Tables of the DOCX: the rubric (考核细则), the schedule, the ranking, the
//! 版记; and the seal's floating picture. Column widths are the PDF's
//! (templates/lib/tables.typ); the header row repeats on every page
//! (`w:tblHeader`); runs of equal labels are merged cells (`w:vMerge`).

use super::Faces;
use super::xml::{Par, Style, esc, mm, pt, run};
use crate::doc::{Colophon, RankingTable, RubricTable, ScheduleTable};

/// A cell: its paragraphs (XML), how many grid columns it spans, whether it
/// starts (`Some(true)`) or continues (`Some(false)`) a vertical merge.
struct Cell {
    paras: String,
    span: usize,
    vmerge: Option<bool>,
    shade: Option<&'static str>,
}

impl Cell {
    fn new(paras: String) -> Cell {
        Cell {
            paras,
            span: 1,
            vmerge: None,
            shade: None,
        }
    }
}

const RULE: &str = "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>";

/// A ruled table of fixed column widths (twips); the first `header` rows
/// repeat on every page.
fn table(widths: &[i64], rows: &[Vec<Cell>], header: usize, inset: (f64, f64)) -> String {
    let total: i64 = widths.iter().sum();
    let mut s = format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{total}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>{RULE}</w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"{y}\" w:type=\"dxa\"/><w:left w:w=\"{x}\" w:type=\"dxa\"/><w:bottom w:w=\"{y}\" w:type=\"dxa\"/><w:right w:w=\"{x}\" w:type=\"dxa\"/></w:tblCellMar><w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid>",
        x = pt(inset.0),
        y = pt(inset.1)
    );
    for w in widths {
        s.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    s.push_str("</w:tblGrid>");
    for (r, row) in rows.iter().enumerate() {
        s.push_str("<w:tr><w:trPr>");
        if r < header {
            s.push_str("<w:tblHeader/>");
        } else {
            // a row moves to the next page whole (GB/T 9704 8)
            s.push_str("<w:cantSplit/>");
        }
        s.push_str("</w:trPr>");
        let mut col = 0;
        for c in row {
            let w: i64 = widths[col..col + c.span].iter().sum();
            col += c.span;
            s.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/>"
            ));
            if c.span > 1 {
                s.push_str(&format!("<w:gridSpan w:val=\"{}\"/>", c.span));
            }
            match c.vmerge {
                Some(true) => s.push_str("<w:vMerge w:val=\"restart\"/>"),
                Some(false) => s.push_str("<w:vMerge/>"),
                None => {}
            }
            if let Some(fill) = c.shade {
                s.push_str(&format!(
                    "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/>"
                ));
            }
            s.push_str("<w:vAlign w:val=\"center\"/></w:tcPr>");
            if c.paras.is_empty() {
                s.push_str("<w:p/>");
            } else {
                s.push_str(&c.paras);
            }
            s.push_str("</w:tc>");
        }
        s.push_str("</w:tr>");
    }
    s.push_str("</w:tbl>");
    s
}

/// Widths in twips for `columns` (points, or fractions as negative values)
/// in a table `width` twips wide.
fn abs_columns(columns: &[f64], width: i64) -> Vec<i64> {
    let fixed: f64 = columns
        .iter()
        .filter(|c| **c > 0.0)
        .map(|c| pt(*c))
        .sum::<i64>() as f64;
    let frs: f64 = columns.iter().filter(|c| **c < 0.0).map(|c| -c).sum();
    let mut out: Vec<i64> = columns
        .iter()
        .map(|c| {
            if *c < 0.0 {
                ((width as f64 - fixed) * -c / frs).floor() as i64
            } else {
                pt(*c)
            }
        })
        .collect();
    // whole twips that add up to the width
    let diff = width - out.iter().sum::<i64>();
    if let Some(i) = columns.iter().position(|c| *c < 0.0) {
        out[i] += diff;
    }
    out
}

fn cell_par(jc: &'static str, size: f64, leading: f64) -> Par {
    Par::new(jc, pt(size * (1.0 + leading)))
}

fn head_cell(f: &Faces, text: &str, size: f64, leading: f64) -> Cell {
    let st = Style::new(f.heiti, size);
    Cell::new(cell_par("center", size, leading).with(&run(&st, text)))
}

/// Runs of equal values: for each index, whether it starts its run.
fn starts(vals: &[&str]) -> Vec<bool> {
    vals.iter()
        .enumerate()
        .map(|(i, v)| i == 0 || vals[i - 1] != *v)
        .collect()
}

/// The rubric table: 一级标题 and 二级标题 merged over their runs, one
/// paragraph per rule.
pub fn rubric(t: &RubricTable, f: &Faces, width: i64) -> String {
    let filled = t.rows.iter().any(|r| r.result.is_some());
    // (size, leading, inset) and the PDF's columns (negative: fractions)
    let (size, leading, inset, cols2, cols1): (f64, f64, (f64, f64), Vec<f64>, Vec<f64>) = if filled
    {
        (
            10.5,
            0.3,
            (3.0, 2.0),
            vec![28.0, 72.0, -1.0, -1.3, 30.0, 100.0],
            vec![28.0, -1.0, -1.3, 30.0, 100.0],
        )
    } else {
        (
            12.0,
            0.45,
            (4.0, 4.0),
            vec![44.0, 72.0, -1.0, -1.3, 44.0, 84.0],
            vec![44.0, -1.0, -1.3, 44.0, 84.0],
        )
    };
    let widths = abs_columns(if t.has_level2 { &cols2 } else { &cols1 }, width);
    let body = Style::new(f.fangsong, size);
    let p = |jc, text: &str| cell_par(jc, size, leading).with(&run(&body, text));
    let mut rows = vec![
        t.headers
            .iter()
            .map(|h| head_cell(f, h, size, leading))
            .collect::<Vec<_>>(),
    ];
    // a row without 二级标题 lets its 一级标题 span both label columns
    let spans: Vec<bool> = t
        .rows
        .iter()
        .map(|r| t.has_level2 && r.level2.is_empty())
        .collect();
    let key1: Vec<String> = t
        .rows
        .iter()
        .zip(&spans)
        .map(|(r, s)| format!("{}\u{0}{s}", r.level1))
        .collect();
    let s1 = starts(&key1.iter().map(String::as_str).collect::<Vec<_>>());
    let s2 = starts(&t.rows.iter().map(|r| r.level2.as_str()).collect::<Vec<_>>());
    for (i, r) in t.rows.iter().enumerate() {
        let mut row = Vec::new();
        let mut l1 = Cell::new(if s1[i] {
            p("center", &r.level1)
        } else {
            String::new()
        });
        l1.vmerge = Some(s1[i]);
        if spans[i] {
            l1.span = 2;
        }
        row.push(l1);
        if t.has_level2 && !spans[i] {
            let first = s2[i] || spans.get(i.wrapping_sub(1)).copied().unwrap_or(true);
            let mut l2 = Cell::new(if first {
                p("center", &r.level2)
            } else {
                String::new()
            });
            l2.vmerge = Some(first);
            row.push(l2);
        }
        row.push(Cell::new(p("both", &r.content)));
        row.push(Cell::new(r.rules.iter().map(|x| p("both", x)).collect()));
        row.push(Cell::new(p("center", &r.points)));
        row.push(Cell::new(
            r.result
                .iter()
                .flatten()
                .map(|x| p("both", x))
                .collect::<String>(),
        ));
        rows.push(row);
    }
    table(&widths, &rows, 1, inset)
}

/// The schedule: 序号, 考核单位, and 考核安排 over the date (merged over its
/// run) and the time.
pub fn schedule(t: &ScheduleTable, f: &Faces, width: i64) -> String {
    let size = 14.0;
    let leading = 0.45;
    let widths = abs_columns(&[3.2 * size, -1.0, 6.0 * size, 7.0 * size], width);
    let body = Style::new(f.fangsong, size);
    let p = |text: &str| cell_par("center", size, leading).with(&run(&body, text));
    let n_plain = if t.headers.len() == 3 {
        2
    } else {
        t.headers.len()
    };
    let mut head: Vec<Cell> = t.headers[..n_plain]
        .iter()
        .map(|h| head_cell(f, h, size, leading))
        .collect();
    for h in &t.headers[n_plain..] {
        let mut c = head_cell(f, h, size, leading);
        c.span = 2;
        head.push(c);
    }
    let mut dates: Vec<&str> = Vec::new();
    for r in &t.rows {
        let d = if r.date.is_empty() {
            dates.last().copied().unwrap_or("")
        } else {
            r.date.as_str()
        };
        dates.push(d);
    }
    let s = starts(&dates);
    let mut rows = vec![head];
    for (i, r) in t.rows.iter().enumerate() {
        let mut d = Cell::new(if s[i] { p(dates[i]) } else { String::new() });
        d.vmerge = Some(s[i]);
        rows.push(vec![
            Cell::new(p(&r.no)),
            Cell::new(p(&r.unit)),
            d,
            Cell::new(p(&r.time)),
        ]);
    }
    let mut out = table(&widths, &rows, 1, (4.0, 2.5));
    if !t.note.is_empty() {
        let note = Par {
            before: pt(0.3 * size),
            ..Par::new("left", pt(size * 1.45))
        };
        out.push_str(&note.with(&run(&body, &t.note)));
    }
    out
}

/// Characters counted as the PDF estimates widths: a one-byte character
/// as half a hanzi.
fn est(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum()
}

/// The ranking: per group a title and a table whose columns fit their
/// widest cell (the PDF's rule: the widest cell, then the heading on at
/// most two lines, then an equal share of what is left).
pub fn ranking(t: &RankingTable, f: &Faces, width: i64) -> String {
    let size = 12.0;
    let leading = 0.45;
    let inset = 4.0;
    let body = Style::new(f.fangsong, size);
    let p = |text: &str| cell_par("center", size, leading).with(&run(&body, text));
    let mut out = String::new();
    for (gi, g) in t.groups.iter().enumerate() {
        let title = Par {
            before: pt(if gi > 0 {
                16.0 + 0.6 * 12.0
            } else {
                0.6 * 12.0
            }),
            keep_next: true,
            ..Par::new("center", pt(16.0 * 1.5))
        };
        out.push_str(&title.with(&run(&Style::new(f.heiti, 16.0), &g.title)));
        let cells: Vec<Vec<String>> = g
            .rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .enumerate()
                    .map(|(c, s)| {
                        if r.vetoed && c == 1 {
                            format!("{s}※")
                        } else {
                            s.clone()
                        }
                    })
                    .collect()
            })
            .collect();
        let w = |chars: f64| chars * size + 2.0 * inset;
        let mins: Vec<f64> = g
            .headers
            .iter()
            .enumerate()
            .map(|(c, h)| {
                let head2: String = h.chars().take(2).collect();
                cells
                    .iter()
                    .map(|r| est(r.get(c).map_or("", String::as_str)))
                    .fold(est(&head2), f64::max)
            })
            .map(w)
            .collect();
        let nats: Vec<f64> = g
            .headers
            .iter()
            .zip(&mins)
            .map(|(h, m)| {
                let lines = heading_lines(h);
                lines.iter().map(|l| w(est(l))).fold(*m, f64::max)
            })
            .collect();
        let total = width as f64 / 20.0;
        let sum_min: f64 = mins.iter().sum();
        let extra = total - sum_min;
        let want: f64 = nats.iter().zip(&mins).map(|(n, m)| n - m).sum();
        let cols: Vec<f64> = if extra <= 0.0 {
            mins.iter().map(|m| m * total / sum_min).collect()
        } else if want >= extra {
            nats.iter()
                .zip(&mins)
                .map(|(n, m)| m + (n - m) * extra / want)
                .collect()
        } else {
            nats.iter()
                .map(|n| n + (extra - want) / g.headers.len() as f64)
                .collect()
        };
        let mut widths: Vec<i64> = cols.iter().map(|c| pt(*c)).collect();
        let diff = width - widths.iter().sum::<i64>();
        if let Some(x) = widths.get_mut(1) {
            *x += diff;
        }
        let mut rows = vec![
            g.headers
                .iter()
                .zip(&cols)
                .map(|(h, cw)| {
                    let text = if w(est(h)) <= *cw {
                        h.clone()
                    } else {
                        heading_lines(h).join("\n")
                    };
                    head_cell(f, &text, size, leading)
                })
                .collect::<Vec<_>>(),
        ];
        for (r, cs) in g.rows.iter().zip(&cells) {
            rows.push(
                cs.iter()
                    .map(|s| {
                        let mut c = Cell::new(p(s));
                        if r.vetoed {
                            c.shade = Some("E1E1E1");
                        }
                        c
                    })
                    .collect(),
            );
        }
        out.push_str(&table(&widths, &rows, 1, (inset, inset)));
    }
    if !t.notes.is_empty() {
        let st = Style::new(f.fangsong, 14.0);
        for (i, n) in t.notes.iter().enumerate() {
            let p = Par {
                before: if i == 0 { pt(0.6 * 14.0) } else { 0 },
                ind_left: pt(3.0 * 14.0),
                first: -pt(3.0 * 14.0),
                tabs: vec![("left", pt(3.0 * 14.0))],
                ..Par::new("both", pt(14.0 * 1.45))
            };
            let label = if i == 0 { "注：" } else { "" };
            out.push_str(&p.with(&run(&st, &format!("{label}\t{n}"))));
        }
    }
    // the bar charts under the tables, as in the PDF (chart.rs)
    for g in &t.groups {
        out.push_str(&super::chart::chart(g, f, width));
    }
    out
}

/// A heading cut after its "、" (一、/责任落实), or into halves.
fn heading_lines(h: &str) -> Vec<String> {
    let cs: Vec<char> = h.chars().collect();
    if let Some(i) = cs.iter().position(|c| *c == '、')
        && i + 1 < cs.len()
    {
        return vec![cs[..=i].iter().collect(), cs[i + 1..].iter().collect()];
    }
    if cs.len() > 3 {
        let half = cs.len().div_ceil(2);
        return vec![cs[..half].iter().collect(), cs[half..].iter().collect()];
    }
    vec![h.to_string()]
}

/// The 版记 as a table floating at the foot of the text block: 抄送 (one
/// character in, wrapped lines after the colon) and 印发机关 / 印发日期, 4号
/// 仿宋, rules 0.35 mm above and below and 0.25 mm between.
pub fn colophon(c: &Colophon, f: &Faces) -> (String, i64) {
    let width = mm(super::BLOCK_W_MM);
    let size = 14.0;
    let st = Style::new(f.fangsong, size);
    let one = pt(size);
    let thick = "<w:top w:val=\"single\" w:sz=\"8\" w:space=\"0\" w:color=\"000000\"/>";
    let mut rows = String::new();
    let mut height = 0;
    let mut row = |text: String, lines: i64, top: &str, bottom: &str| -> String {
        // one body line, and 1.5 × 14 pt for each further line of 抄送
        let h = super::LINE + (lines - 1) * pt(size * 1.5);
        height += h;
        format!(
            "<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"{h}\" w:hRule=\"atLeast\"/></w:trPr><w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/><w:tcBorders>{top}<w:left w:val=\"nil\"/>{bottom}<w:right w:val=\"nil\"/></w:tcBorders><w:vAlign w:val=\"center\"/></w:tcPr>{text}</w:tc></w:tr>"
        )
    };
    let bottom_thin = "<w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"0\" w:color=\"000000\"/>";
    let bottom_thick = "<w:bottom w:val=\"single\" w:sz=\"8\" w:space=\"0\" w:color=\"000000\"/>";
    if let Some(cc) = c.cc.as_deref().filter(|s| !s.is_empty()) {
        let p = Par {
            ind_left: one + pt(3.0 * size),
            ind_right: one,
            first: -pt(3.0 * size),
            ..Par::new("both", pt(size * 1.5))
        };
        let text = format!("抄送：{cc}。");
        // the lines after "抄送：", counted with one character to spare
        // (a closing mark the line may not start with moves a character
        // down): the row is never shorter than its text
        let per_line = ((width - 2 * one - pt(3.0 * size)) / one - 1).max(1) as f64;
        let units: f64 = text
            .chars()
            .skip(3)
            .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
            .sum();
        let lines = (units / per_line).ceil().max(1.0) as i64;
        rows.push_str(&row(p.with(&run(&st, &text)), lines, thick, bottom_thin));
    }
    let p = Par {
        ind_left: one,
        ind_right: one,
        tabs: vec![("right", width - one)],
        ..Par::new("left", pt(size * 1.1))
    };
    let top = if rows.is_empty() { thick } else { "" };
    rows.push_str(&row(
        p.with(&run(&st, &format!("{}\t{}", c.printer, c.printed))),
        1,
        top,
        bottom_thick,
    ));
    // An inline table, centred: a floating one (`w:tblpPr` at the
    // margin's bottom) LibreOffice 7.4 leaves at the top of the page when
    // it is as wide as the text block; centred, it stands on the text
    // block where LibreOffice trims the block to whole grid cells too.
    let table = format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{width}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"0\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"0\" w:type=\"dxa\"/></w:tblCellMar><w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"{width}\"/></w:tblGrid>{rows}</w:tbl>"
    );
    (table, height)
}

/// The seal: a picture floating in front of the signature, centred on
/// `centre` (points from the left of the text block), its top at the top
/// of the issuer's paragraph (the body's last line: within one line of it).
pub fn seal_anchor(centre: f64, size_mm: f64) -> String {
    let emu = (size_mm * 36000.0).round() as i64;
    let x = (centre * 12700.0).round() as i64 - emu / 2;
    let name = esc("印章");
    format!(
        "<w:r><w:drawing><wp:anchor distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\" simplePos=\"0\" relativeHeight=\"251659264\" behindDoc=\"0\" locked=\"1\" layoutInCell=\"1\" allowOverlap=\"1\"><wp:simplePos x=\"0\" y=\"0\"/><wp:positionH relativeFrom=\"margin\"><wp:posOffset>{x}</wp:posOffset></wp:positionH><wp:positionV relativeFrom=\"paragraph\"><wp:posOffset>0</wp:posOffset></wp:positionV><wp:extent cx=\"{emu}\" cy=\"{emu}\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/><wp:wrapNone/><wp:docPr id=\"1\" name=\"{name}\"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:pic><pic:nvPicPr><pic:cNvPr id=\"1\" name=\"seal.png\"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed=\"rIdSeal\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{emu}\" cy=\"{emu}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"
    )
}
