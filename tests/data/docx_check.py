"""Reads a DOCX with python-docx as an office script would and prints what
tests/docx.rs checks, as JSON: each section's page and margins (mm), its
odd and even footers' text, each table's repeated header rows, and the
East Asian font and size of every run with text."""
import json
import sys

import docx
from docx.oxml.ns import qn

d = docx.Document(sys.argv[1])
out = {"sections": [], "tables": [], "runs_without_font": 0, "fonts": {}, "title": d.core_properties.title,
       "author": d.core_properties.author, "created": d.core_properties.created.isoformat()}
for s in d.sections:
    out["sections"].append({
        "width": round(s.page_width.mm, 1), "height": round(s.page_height.mm, 1),
        "top": round(s.top_margin.mm, 1), "bottom": round(s.bottom_margin.mm, 1),
        "left": round(s.left_margin.mm, 1), "right": round(s.right_margin.mm, 1),
        "odd_footer": "".join(p.text for p in s.footer.paragraphs),
        "even_footer": "".join(p.text for p in s.even_page_footer.paragraphs),
    })
for t in d.tables:
    heads = [r for r in t._tbl.tr_lst if r.find(qn("w:trPr")) is not None
             and r.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None]
    out["tables"].append({"rows": len(t._tbl.tr_lst), "header_rows": len(heads)})
for r in d.element.body.iter(qn("w:r")):
    if not "".join(t.text or "" for t in r.iter(qn("w:t"))).strip():
        continue
    rpr = r.find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    ea = fonts.get(qn("w:eastAsia")) if fonts is not None else None
    if ea is None:
        out["runs_without_font"] += 1
    else:
        out["fonts"][ea] = out["fonts"].get(ea, 0) + 1
print(json.dumps(out, ensure_ascii=False))
