//! The fonts of one OFD: each font the layout used, subset to the glyphs it
//! used (the `subsetter` crate that Typst's PDF writer uses), with a `cmap`
//! table added back so that a reader that maps characters to glyphs (rather
//! than reading the CGTransform glyph ids) finds them too.

use super::Ids;
use crate::error::Result;
use crate::failed;
use std::collections::{BTreeMap, HashMap};
use subsetter::GlyphRemapper;
use typst::text::{Font, FontInstance};

pub struct Entry {
    pub id: u32,
    pub font: Font,
    remapper: GlyphRemapper,
    /// Character → glyph id in the subset, for the added `cmap`.
    chars: BTreeMap<char, u16>,
}

#[derive(Default)]
pub struct FontSet {
    pub entries: Vec<Entry>,
    index: HashMap<Font, usize>,
}

impl FontSet {
    /// The OFD resource id of a font, given one on first use.
    pub fn id(&mut self, inst: &FontInstance, ids: &mut Ids) -> u32 {
        let font = inst.font();
        if let Some(&i) = self.index.get(font) {
            return self.entries[i].id;
        }
        let id = ids.take();
        self.index.insert(font.clone(), self.entries.len());
        self.entries.push(Entry {
            id,
            font: font.clone(),
            remapper: GlyphRemapper::new(),
            chars: BTreeMap::new(),
        });
        id
    }

    fn entry(&mut self, id: u32) -> &mut Entry {
        self.entries
            .iter_mut()
            .find(|e| e.id == id)
            .expect("font ids come from FontSet::id")
    }

    /// The glyph's id in the subset of font `id`.
    pub fn glyph(&mut self, id: u32, gid: u16) -> u16 {
        self.entry(id).remapper.remap(gid)
    }

    /// Records that `c` is drawn with subset glyph `gid` (first use wins).
    pub fn map_char(&mut self, id: u32, c: char, gid: u16) {
        self.entry(id).chars.entry(c).or_insert(gid);
    }
}

impl Entry {
    /// The subset font file (OpenType, with a cmap).
    pub fn subset(&self, name: &str) -> Result<Vec<u8>> {
        let data = self.font.data();
        let sub = subsetter::subset(data.as_slice(), self.font.index(), &self.remapper)
            .map_err(|e| failed!("{name}: 无法嵌入字体 {}：{e}", self.font.info().family))?;
        add_cmap(&sub, &self.chars).ok_or_else(|| {
            failed!(
                "{name}: 无法嵌入字体 {}：子集字体结构无效",
                self.font.info().family
            )
        })
    }

    pub fn family(&self) -> &str {
        &self.font.info().family
    }
}

fn be16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

fn be32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_be_bytes());
}

/// A `cmap` table: (3,1) format 4 for the BMP characters and (3,10)
/// format 12 for all of them.
fn cmap(chars: &BTreeMap<char, u16>) -> Vec<u8> {
    // Format 4: one segment per run of consecutive characters with
    // consecutive glyphs, then the closing 0xFFFF segment.
    let mut segs: Vec<(u16, u16, u16)> = Vec::new(); // start, end, delta
    for (&c, &g) in chars.iter().filter(|(c, _)| (**c as u32) < 0xFFFF) {
        let c = c as u16;
        let delta = g.wrapping_sub(c);
        match segs.last_mut() {
            Some(s) if s.1 + 1 == c && s.2 == delta => s.1 = c,
            _ => segs.push((c, c, delta)),
        }
    }
    segs.push((0xFFFF, 0xFFFF, 1));
    let n = segs.len() as u16;
    let mut f4 = Vec::new();
    be16(&mut f4, 4);
    be16(&mut f4, (16 + 8 * n as usize) as u16);
    be16(&mut f4, 0);
    be16(&mut f4, n * 2);
    let mut search = 1u16;
    let mut sel = 0u16;
    while search * 2 <= n {
        search *= 2;
        sel += 1;
    }
    be16(&mut f4, search * 2);
    be16(&mut f4, sel);
    be16(&mut f4, n * 2 - search * 2);
    segs.iter().for_each(|s| be16(&mut f4, s.1));
    be16(&mut f4, 0);
    segs.iter().for_each(|s| be16(&mut f4, s.0));
    segs.iter().for_each(|s| be16(&mut f4, s.2));
    segs.iter().for_each(|_| be16(&mut f4, 0));
    // Format 12: one group per run, as above, over all characters.
    let mut groups: Vec<(u32, u32, u32)> = Vec::new();
    for (&c, &g) in chars {
        let (c, g) = (c as u32, g as u32);
        match groups.last_mut() {
            Some(x) if x.1 + 1 == c && x.2 + (c - x.0) == g => x.1 = c,
            _ => groups.push((c, c, g)),
        }
    }
    let mut f12 = Vec::new();
    be16(&mut f12, 12);
    be16(&mut f12, 0);
    be32(&mut f12, 16 + 12 * groups.len() as u32);
    be32(&mut f12, 0);
    be32(&mut f12, groups.len() as u32);
    for g in &groups {
        be32(&mut f12, g.0);
        be32(&mut f12, g.1);
        be32(&mut f12, g.2);
    }
    let mut t = Vec::new();
    be16(&mut t, 0);
    be16(&mut t, 2);
    be16(&mut t, 3);
    be16(&mut t, 1);
    be32(&mut t, 20);
    be16(&mut t, 3);
    be16(&mut t, 10);
    be32(&mut t, 20 + f4.len() as u32);
    t.extend(f4);
    t.extend(f12);
    t
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

/// The font `sfnt` with a `cmap` table added (or replaced), its table
/// directory, checksums and `head.checkSumAdjustment` recomputed.
fn add_cmap(sfnt: &[u8], chars: &BTreeMap<char, u16>) -> Option<Vec<u8>> {
    let rd16 = |o: usize| -> Option<u16> {
        Some(u16::from_be_bytes(sfnt.get(o..o + 2)?.try_into().ok()?))
    };
    let rd32 = |o: usize| -> Option<u32> {
        Some(u32::from_be_bytes(sfnt.get(o..o + 4)?.try_into().ok()?))
    };
    let version = rd32(0)?;
    let count = rd16(4)? as usize;
    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::with_capacity(count + 1);
    for i in 0..count {
        let r = 12 + 16 * i;
        let tag: [u8; 4] = sfnt.get(r..r + 4)?.try_into().ok()?;
        let off = rd32(r + 8)? as usize;
        let len = rd32(r + 12)? as usize;
        if &tag != b"cmap" {
            tables.push((tag, sfnt.get(off..off + len)?.to_vec()));
        }
    }
    tables.push((*b"cmap", cmap(chars)));
    tables.sort_by_key(|t| t.0);
    let head = tables.iter().position(|t| &t.0 == b"head")?;
    if tables[head].1.len() < 12 {
        return None;
    }
    tables[head].1[8..12].copy_from_slice(&[0; 4]);
    let n = tables.len() as u16;
    let mut search = 1u16;
    let mut sel = 0u16;
    while search * 2 <= n {
        search *= 2;
        sel += 1;
    }
    let mut out = Vec::new();
    be32(&mut out, version);
    be16(&mut out, n);
    be16(&mut out, search * 16);
    be16(&mut out, sel);
    be16(&mut out, n * 16 - search * 16);
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = 0;
    for (tag, data) in &tables {
        out.extend_from_slice(tag);
        be32(&mut out, checksum(data));
        be32(&mut out, offset as u32);
        be32(&mut out, data.len() as u32);
        if tag == b"head" {
            head_at = offset;
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjust.to_be_bytes());
    Some(out)
}
