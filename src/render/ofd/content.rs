//! One page's `Content.xml`, from the page's laid-out frame: every text run
//! a TextObject (its font, size, pen position and per-character advances,
//! with the glyph ids as CGTransform), every shape a PathObject, every raster
//! image an ImageObject. Coordinates are the layout's, converted to mm;
//! OFD, like Typst, puts the origin at the top left with y going down.

use super::fonts::FontSet;
use super::xml::{MM_PER_PT, escape, n, num};
use super::{Ids, Media};
use crate::error::Result;
use crate::failed;
use std::fmt::Write;
use typst::layout::{Abs, Frame, FrameItem, Point, Size, Transform};
use typst::text::TextItem;
use typst::visualize::{
    CurveItem, ExchangeFormat, FillRule, FixedStroke, Geometry, Image, ImageKind, LineCap,
    LineJoin, Paint, RasterFormat, Shape,
};

/// What a page's objects need from the document being written.
pub struct Sink<'a> {
    pub ids: &'a mut Ids,
    pub fonts: &'a mut FontSet,
    pub media: &'a mut Vec<Media>,
    /// The page box "0 0 W H" in mm, used as every object's Boundary.
    pub boundary: String,
    pub out: String,
    /// The document, for messages.
    pub name: &'a str,
}

fn mm(a: Abs) -> f64 {
    a.to_pt() * MM_PER_PT
}

/// An object's placement: the page coordinates of its local origin, or a
/// CTM when the layout rotated, scaled or skewed it.
struct Place {
    ctm: Option<String>,
    /// Maps a local point (pt) to the coordinates written (mm).
    ts: Transform,
}

impl Place {
    fn new(ts: Transform) -> Place {
        if ts.is_only_translate() {
            Place { ctm: None, ts }
        } else {
            // The CTM carries the linear part and the translation (in mm);
            // the coordinates written are then the local ones, in mm.
            let ctm = format!(
                "{} {} {} {} {} {}",
                n(ts.sx.get()),
                n(ts.ky.get()),
                n(ts.kx.get()),
                n(ts.sy.get()),
                n(mm(ts.tx)),
                n(mm(ts.ty))
            );
            Place {
                ctm: Some(ctm),
                ts: Transform::identity(),
            }
        }
    }

    /// A local point (pt) in the coordinates written (mm).
    fn at(&self, p: Point) -> (f64, f64) {
        let q = p.transform(self.ts);
        (mm(q.x), mm(q.y))
    }

    fn attrs(&self, out: &mut String) {
        if let Some(ctm) = &self.ctm {
            let _ = write!(out, " CTM=\"{ctm}\"");
        }
    }
}

/// sRGB of a paint as "r g b" (0–255). Gradients and tilings have no one
/// colour; the writer refuses them rather than print something else.
fn colour(paint: &Paint, name: &str) -> Result<(String, Option<u8>)> {
    match paint {
        Paint::Solid(c) => {
            let rgb = c.to_rgb();
            let u = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            let (r, g, b, a) = (u(rgb.red), u(rgb.green), u(rgb.blue), u(rgb.alpha));
            let alpha = (a != 255).then_some(a);
            Ok((format!("{r} {g} {b}"), alpha))
        }
        _ => Err(failed!(
            "{name}: OFD 导出不支持渐变或图案填充（模板中使用了渐变或图案）"
        )),
    }
}

impl Sink<'_> {
    pub fn frame(&mut self, frame: &Frame, ts: Transform) -> Result<()> {
        for (pos, item) in frame.items() {
            let ts = ts.pre_concat(Transform::translate(pos.x, pos.y));
            match item {
                FrameItem::Group(g) => self.frame(&g.frame, ts.pre_concat(g.transform))?,
                FrameItem::Text(t) => self.text(t, ts)?,
                FrameItem::Shape(s, _) => self.shape(s, ts)?,
                FrameItem::Image(img, size, _) => self.image(img, *size, ts)?,
                FrameItem::Link(..) | FrameItem::Tag(_) => {}
            }
        }
        Ok(())
    }

    fn text(&mut self, t: &TextItem, ts: Transform) -> Result<()> {
        if t.glyphs.is_empty() {
            return Ok(());
        }
        let (fill, alpha) = colour(&t.fill, self.name)?;
        let font = self.fonts.id(&t.font, self.ids);
        let size = mm(t.size);
        let place = Place::new(ts);
        // Clusters: the glyphs that share one range of the text, with the
        // characters of that range and the pen position of the first glyph.
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut pen = Abs::zero();
        for g in &t.glyphs {
            let x = pen + g.x_offset.at(t.size);
            let y = -g.y_offset.at(t.size);
            let text = t.text.get(g.range()).unwrap_or("");
            let gid = self.fonts.glyph(font, g.id);
            match clusters.last_mut() {
                Some(c) if c.range == g.range() || text.is_empty() => c.glyphs.push(gid),
                _ => clusters.push(Cluster {
                    range: g.range(),
                    text: text.to_string(),
                    glyphs: vec![gid],
                    x,
                    y,
                }),
            }
            pen += g.x_advance.at(t.size);
        }
        // A glyph with no text before any other cannot be placed in OFD.
        clusters.retain(|c| !c.text.is_empty());
        for c in &clusters {
            let mut chars = c.text.chars();
            if let (Some(ch), None, [gid]) = (chars.next(), chars.next(), c.glyphs.as_slice()) {
                self.fonts.map_char(font, ch, *gid);
            }
        }
        // One TextObject per baseline (a glyph moved up or down starts a new one).
        let mut start = 0;
        while start < clusters.len() {
            let mut end = start + 1;
            while end < clusters.len() && clusters[end].y == clusters[start].y {
                end += 1;
            }
            self.text_object(&clusters[start..end], font, size, &fill, alpha, &place);
            start = end;
        }
        Ok(())
    }

    fn text_object(
        &mut self,
        cs: &[Cluster],
        font: u32,
        size: f64,
        fill: &str,
        alpha: Option<u8>,
        place: &Place,
    ) {
        let id = self.ids.take();
        let o = &mut self.out;
        let _ = write!(
            o,
            "<ofd:TextObject ID=\"{id}\" Boundary=\"{}\" Font=\"{font}\" Size=\"{}\"",
            self.boundary,
            n(size)
        );
        place.attrs(o);
        if let Some(a) = alpha {
            let _ = write!(o, " Alpha=\"{a}\"");
        }
        let _ = write!(o, "><ofd:FillColor Value=\"{fill}\"/>");
        // Glyph ids: consecutive one-character, one-glyph clusters share one
        // CGTransform; any other cluster (ligature, decomposition) has its own.
        let mut code = 0usize;
        let mut i = 0;
        while i < cs.len() {
            let simple = |c: &Cluster| c.glyphs.len() == 1 && c.text.chars().count() == 1;
            let mut j = i + 1;
            if simple(&cs[i]) {
                while j < cs.len() && simple(&cs[j]) {
                    j += 1;
                }
            }
            let chars: usize = cs[i..j].iter().map(|c| c.text.chars().count()).sum();
            let glyphs: Vec<u16> = cs[i..j].iter().flat_map(|c| c.glyphs.clone()).collect();
            let _ = write!(
                o,
                "<ofd:CGTransform CodePosition=\"{code}\" CodeCount=\"{chars}\" GlyphCount=\"{}\"><ofd:Glyphs>",
                glyphs.len()
            );
            for (k, g) in glyphs.iter().enumerate() {
                if k > 0 {
                    o.push(' ');
                }
                let _ = write!(o, "{g}");
            }
            o.push_str("</ofd:Glyphs></ofd:CGTransform>");
            code += chars;
            i = j;
        }
        let (x, y) = place.at(Point::new(cs[0].x, cs[0].y));
        let _ = write!(o, "<ofd:TextCode X=\"{}\" Y=\"{}\"", n(x), n(y));
        // DeltaX: from each character to the next. Inside a cluster the
        // characters share one place (0); between clusters, the pen moves.
        let mut deltas: Vec<f64> = Vec::new();
        for (k, c) in cs.iter().enumerate() {
            let count = c.text.chars().count();
            deltas.extend(std::iter::repeat_n(0.0, count - 1));
            if let Some(next) = cs.get(k + 1) {
                let a = place.at(Point::new(c.x, c.y)).0;
                let b = place.at(Point::new(next.x, next.y)).0;
                deltas.push(b - a);
            }
        }
        if !deltas.is_empty() {
            o.push_str(" DeltaX=\"");
            write_deltas(&deltas, o);
            o.push('"');
        }
        o.push('>');
        for c in cs {
            escape(&c.text, o);
        }
        o.push_str("</ofd:TextCode></ofd:TextObject>\n");
    }

    fn shape(&mut self, s: &Shape, ts: Transform) -> Result<()> {
        let place = Place::new(ts);
        let mut d = String::new();
        let pt = |cmd: &str, ps: &[Point], d: &mut String| {
            if !d.is_empty() {
                d.push(' ');
            }
            d.push_str(cmd);
            for p in ps {
                let (x, y) = place.at(*p);
                d.push(' ');
                num(x, d);
                d.push(' ');
                num(y, d);
            }
        };
        match &s.geometry {
            Geometry::Line(to) => {
                pt("M", &[Point::zero()], &mut d);
                pt("L", &[*to], &mut d);
            }
            Geometry::Rect(size) => {
                let (w, h) = (size.x, size.y);
                pt("M", &[Point::zero()], &mut d);
                pt("L", &[Point::new(w, Abs::zero())], &mut d);
                pt("L", &[Point::new(w, h)], &mut d);
                pt("L", &[Point::new(Abs::zero(), h)], &mut d);
                d.push_str(" C");
            }
            Geometry::Curve(c) => {
                for item in c.0.iter() {
                    match item {
                        CurveItem::Move(p) => pt("M", &[*p], &mut d),
                        CurveItem::Line(p) => pt("L", &[*p], &mut d),
                        CurveItem::Cubic(a, b, p) => pt("B", &[*a, *b, *p], &mut d),
                        CurveItem::Close => d.push_str(" C"),
                    }
                }
            }
        }
        let fill = match &s.fill {
            Some(p) => Some(colour(p, self.name)?),
            None => None,
        };
        let stroke = match &s.stroke {
            Some(st) => Some((colour(&st.paint, self.name)?, st)),
            None => None,
        };
        if fill.is_none() && stroke.is_none() {
            return Ok(());
        }
        let id = self.ids.take();
        let o = &mut self.out;
        let _ = write!(
            o,
            "<ofd:PathObject ID=\"{id}\" Boundary=\"{}\"",
            self.boundary
        );
        place.attrs(o);
        if let Some((_, st)) = &stroke {
            stroke_attrs(st, o);
        } else {
            o.push_str(" Stroke=\"false\"");
        }
        if fill.is_some() {
            o.push_str(" Fill=\"true\"");
            if matches!(s.fill_rule, FillRule::EvenOdd) {
                o.push_str(" Rule=\"Even-Odd\"");
            }
        }
        let alpha = fill
            .as_ref()
            .and_then(|f| f.1)
            .or(stroke.as_ref().and_then(|s| s.0.1));
        if let Some(a) = alpha {
            let _ = write!(o, " Alpha=\"{a}\"");
        }
        o.push('>');
        if let Some(((c, _), _)) = &stroke {
            let _ = write!(o, "<ofd:StrokeColor Value=\"{c}\"/>");
        }
        if let Some((c, _)) = &fill {
            let _ = write!(o, "<ofd:FillColor Value=\"{c}\"/>");
        }
        let _ = writeln!(
            o,
            "<ofd:AbbreviatedData>{d}</ofd:AbbreviatedData></ofd:PathObject>"
        );
        Ok(())
    }

    fn image(&mut self, img: &Image, size: Size, ts: Transform) -> Result<()> {
        let ImageKind::Raster(raster) = img.kind() else {
            return Err(failed!(
                "{}: OFD 导出只支持位图图片（PNG、JPEG），模板中使用了矢量图片",
                self.name
            ));
        };
        // GB/T 33190 names PNG and JPEG among its image formats (not GIF, WebP).
        let format = match raster.format() {
            RasterFormat::Exchange(ExchangeFormat::Png) => "PNG",
            RasterFormat::Exchange(ExchangeFormat::Jpg) => "JPEG",
            _ => "",
        };
        if format.is_empty() {
            return Err(failed!(
                "{}: OFD 导出只支持 PNG 和 JPEG 图片，模板中使用了其他格式的图片",
                self.name
            ));
        }
        let data = raster.data();
        let res = match self
            .media
            .iter()
            .find(|m| m.data.as_slice() == data.as_slice())
        {
            Some(m) => m.id,
            None => {
                let id = self.ids.take();
                self.media.push(Media {
                    id,
                    format,
                    data: data.to_vec(),
                });
                id
            }
        };
        // The image fills the unit square of its object space; the CTM
        // scales it to its size and places it, whatever the layout did.
        let t = ts.pre_concat(Transform::scale(
            typst::layout::Ratio::new(size.x.to_pt()),
            typst::layout::Ratio::new(size.y.to_pt()),
        ));
        let id = self.ids.take();
        let _ = writeln!(
            self.out,
            "<ofd:ImageObject ID=\"{id}\" Boundary=\"{}\" ResourceID=\"{res}\" CTM=\"{} {} {} {} {} {}\"/>",
            self.boundary,
            n(t.sx.get() * MM_PER_PT),
            n(t.ky.get() * MM_PER_PT),
            n(t.kx.get() * MM_PER_PT),
            n(t.sy.get() * MM_PER_PT),
            n(mm(t.tx)),
            n(mm(t.ty))
        );
        Ok(())
    }
}

struct Cluster {
    range: std::ops::Range<usize>,
    text: String,
    glyphs: Vec<u16>,
    /// Pen position of the cluster's first glyph, in the run's local pt.
    x: Abs,
    y: Abs,
}

/// A DeltaX list, with GB/T 33190's "g N v" for runs of equal steps (the
/// usual case in CJK text, where every character is one em wide).
fn write_deltas(ds: &[f64], o: &mut String) {
    let strs: Vec<String> = ds.iter().map(|d| n(*d)).collect();
    let mut i = 0;
    let mut first = true;
    while i < strs.len() {
        let mut j = i + 1;
        while j < strs.len() && strs[j] == strs[i] {
            j += 1;
        }
        if !first {
            o.push(' ');
        }
        first = false;
        if j - i >= 3 {
            let _ = write!(o, "g {} {}", j - i, strs[i]);
        } else {
            o.push_str(&strs[i..j].join(" "));
        }
        i = j;
    }
}

fn stroke_attrs(st: &FixedStroke, o: &mut String) {
    let _ = write!(o, " LineWidth=\"{}\"", n(mm(st.thickness)));
    match st.cap {
        LineCap::Butt => {}
        LineCap::Round => o.push_str(" Cap=\"Round\""),
        LineCap::Square => o.push_str(" Cap=\"Square\""),
    }
    match st.join {
        LineJoin::Miter => {
            let _ = write!(o, " MiterLimit=\"{}\"", n(st.miter_limit.get()));
        }
        LineJoin::Round => o.push_str(" Join=\"Round\""),
        LineJoin::Bevel => o.push_str(" Join=\"Bevel\""),
    }
    if let Some(dash) = &st.dash
        && !dash.array.is_empty()
    {
        let arr: Vec<String> = dash.array.iter().map(|a| n(mm(*a))).collect();
        let _ = write!(
            o,
            " DashOffset=\"{}\" DashPattern=\"{}\"",
            n(mm(dash.phase)),
            arr.join(" ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_are_compressed() {
        let mut s = String::new();
        write_deltas(&[5.6, 5.6, 5.6, 5.6, 2.8, 5.6], &mut s);
        assert_eq!(s, "g 4 5.6 2.8 5.6");
        let mut s = String::new();
        write_deltas(&[1.0, 1.0, 2.0], &mut s);
        assert_eq!(s, "1 1 2");
    }
}
