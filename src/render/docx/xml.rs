//! WordprocessingML pieces: runs, paragraphs, lengths. Every run names its
//! fonts (ASCII, East Asian and complex script) explicitly: no theme fonts.

/// Twips (1/20 pt) in a millimetre.
pub const TWIPS_PER_MM: f64 = 1440.0 / 25.4;

pub fn mm(v: f64) -> i64 {
    (v * TWIPS_PER_MM).round() as i64
}

pub fn pt(v: f64) -> i64 {
    (v * 20.0).round() as i64
}

/// Text as XML character data (and attribute values).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot carry are dropped (campaign text is
            // checked elsewhere; this only keeps the part well-formed).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// How a run looks.
#[derive(Clone, Debug)]
pub struct Style<'a> {
    pub font: &'a str,
    /// Points.
    pub size: f64,
    pub bold: bool,
    /// RGB hex such as "E60012"; `None` for black.
    pub color: Option<&'a str>,
    /// Horizontal scale in per cent (100 = none).
    pub scale: u32,
    /// Extra space after each character, in twips (negative: tighter).
    pub spacing: i64,
}

impl<'a> Style<'a> {
    pub fn new(font: &'a str, size: f64) -> Style<'a> {
        Style {
            font,
            size,
            bold: false,
            color: None,
            scale: 100,
            spacing: 0,
        }
    }

    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    pub fn color(mut self, c: &'a str) -> Self {
        self.color = Some(c);
        self
    }

    pub fn rpr(&self) -> String {
        let f = esc(self.font);
        let mut s = format!(
            "<w:rPr><w:rFonts w:ascii=\"{f}\" w:hAnsi=\"{f}\" w:eastAsia=\"{f}\" w:cs=\"{f}\" w:hint=\"eastAsia\"/>"
        );
        if self.bold {
            s.push_str("<w:b/><w:bCs/>");
        }
        if let Some(c) = self.color {
            s.push_str(&format!("<w:color w:val=\"{c}\"/>"));
        } else {
            s.push_str("<w:color w:val=\"000000\"/>");
        }
        if self.spacing != 0 {
            s.push_str(&format!("<w:spacing w:val=\"{}\"/>", self.spacing));
        }
        if self.scale != 100 {
            s.push_str(&format!("<w:w w:val=\"{}\"/>", self.scale));
        }
        let hp = (self.size * 2.0).round() as i64;
        s.push_str(&format!(
            "<w:sz w:val=\"{hp}\"/><w:szCs w:val=\"{hp}\"/><w:lang w:val=\"zh-CN\" w:eastAsia=\"zh-CN\"/></w:rPr>"
        ));
        s
    }
}

/// A run of text; tabs become `<w:tab/>`, line feeds `<w:br/>`.
pub fn run(style: &Style, text: &str) -> String {
    let mut s = format!("<w:r>{}", style.rpr());
    for (i, part) in text.split('\n').enumerate() {
        if i > 0 {
            s.push_str("<w:br/>");
        }
        for (j, piece) in part.split('\t').enumerate() {
            if j > 0 {
                s.push_str("<w:tab/>");
            }
            if !piece.is_empty() {
                s.push_str(&format!("<w:t xml:space=\"preserve\">{}</w:t>", esc(piece)));
            }
        }
    }
    s.push_str("</w:r>");
    s
}

/// Paragraph properties.
#[derive(Clone, Debug, Default)]
pub struct Par {
    /// "left", "center", "right", "both".
    pub jc: &'static str,
    /// Space before, twips.
    pub before: i64,
    /// Exact line height, twips (0: single).
    pub line: i64,
    pub ind_left: i64,
    pub ind_right: i64,
    /// Positive: first-line indent; negative: hanging.
    pub first: i64,
    /// Tab stops: (kind, position in twips).
    pub tabs: Vec<(&'static str, i64)>,
    pub page_break_before: bool,
    pub keep_next: bool,
    /// Raw extra pPr children (borders, frames).
    pub extra: String,
}

impl Par {
    pub fn new(jc: &'static str, line: i64) -> Par {
        Par {
            jc,
            line,
            ..Par::default()
        }
    }

    pub fn ppr(&self, sect: Option<&str>) -> String {
        let mut s = String::from("<w:pPr>");
        if self.keep_next {
            s.push_str("<w:keepNext/>");
        }
        if self.page_break_before {
            s.push_str("<w:pageBreakBefore/>");
        }
        s.push_str("<w:widowControl w:val=\"0\"/>");
        s.push_str(&self.extra);
        if !self.tabs.is_empty() {
            s.push_str("<w:tabs>");
            for (kind, pos) in &self.tabs {
                s.push_str(&format!("<w:tab w:val=\"{kind}\" w:pos=\"{pos}\"/>"));
            }
            s.push_str("</w:tabs>");
        }
        // Lines are placed by their exact height, not snapped to the
        // document grid (which would give table cells a body line each).
        s.push_str(
            "<w:autoSpaceDE w:val=\"0\"/><w:autoSpaceDN w:val=\"0\"/><w:snapToGrid w:val=\"0\"/>",
        );
        if self.line > 0 {
            s.push_str(&format!(
                "<w:spacing w:before=\"{}\" w:after=\"0\" w:line=\"{}\" w:lineRule=\"exact\"/>",
                self.before, self.line
            ));
        } else {
            s.push_str(&format!(
                "<w:spacing w:before=\"{}\" w:after=\"0\"/>",
                self.before
            ));
        }
        let mut ind = format!(
            "<w:ind w:left=\"{}\" w:right=\"{}\"",
            self.ind_left, self.ind_right
        );
        if self.first > 0 {
            ind.push_str(&format!(" w:firstLine=\"{}\"", self.first));
        } else if self.first < 0 {
            ind.push_str(&format!(" w:hanging=\"{}\"", -self.first));
        } else {
            ind.push_str(" w:firstLine=\"0\"");
        }
        ind.push_str("/>");
        s.push_str(&ind);
        s.push_str(&format!("<w:jc w:val=\"{}\"/>", self.jc));
        if let Some(sect) = sect {
            s.push_str(sect);
        }
        s.push_str("</w:pPr>");
        s
    }

    /// The paragraph with `runs` (already made with [`run`]).
    pub fn with(&self, runs: &str) -> String {
        format!("<w:p>{}{runs}</w:p>", self.ppr(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_never_markup() {
        let r = run(&Style::new("F", 16.0), "<w:t>&\"x\u{1}");
        assert!(r.contains("&lt;w:t&gt;&amp;&quot;x</w:t>"), "{r}");
    }

    #[test]
    fn lengths() {
        assert_eq!(mm(37.0), 2098);
        assert_eq!(mm(210.0), 11906);
        assert_eq!(pt(28.95), 579);
    }
}
