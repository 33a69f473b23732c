# Opens a kaohe blank form in LibreOffice Calc (headless, via UNO) and reports,
# as JSON on stdout, what a person filling it would meet: which cells are
# locked, the sheet protection, the validation on a 3-point rule, and the total
# before and after typing a deduction. Used by tests/libreoffice.rs.
# Usage: /usr/bin/python3 lo_form_check.py FORM.xlsx PROFILE_DIR PORT
import json, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue


def prop(n, v):
    p = PropertyValue()
    p.Name = n
    p.Value = v
    return p


src, profile, port = sys.argv[1], sys.argv[2], sys.argv[3]
proc = subprocess.Popen(["soffice", "-env:UserInstallation=file://" + profile, "--headless", "--invisible",
                         "--norestore", "--accept=socket,host=127.0.0.1,port=%s;urp;" % port],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ctx = None
for _ in range(120):
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=%s;urp;StarOffice.ComponentContext" % port)
        break
    except Exception:
        time.sleep(0.5)
if ctx is None:
    proc.kill()
    sys.exit("LibreOffice did not start")
out = {}
try:
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    sheets = doc.Sheets
    out["sheets"] = list(sheets.ElementNames)
    meta = sheets.getByName("kaohe")
    out["meta_visible"] = bool(meta.IsVisible)
    sheet = sheets.getByName("评分表")
    out["protected"] = bool(sheet.isProtected())
    hdr = None
    for r in range(10):
        vals = [sheet.getCellByPosition(c, r).getString() for c in range(12)]
        if "编号" in vals:
            hdr, cols = r, vals
            break
    ccode, cded, creas, cscore = cols.index("编号"), cols.index("扣分"), cols.index("扣分原因"), cols.index("得分")
    cpts = cols.index("分值")
    rows = {}
    for r in range(hdr + 1, hdr + 200):
        code = sheet.getCellByPosition(ccode, r).getString()
        if code:
            rows[code] = r
    last = max(rows.values())
    # the row after the rules: 基本得分, then 加分, 总分
    total_row = None
    for r in range(last + 1, last + 8):
        label = sheet.getCellByPosition(0, r).getString()
        if label == "总分":
            total_row = r
    out["codes"] = len(rows)
    locked = {}
    for code, r in rows.items():
        locked[code] = [bool(sheet.getCellByPosition(c, r).CellProtection.IsLocked) for c in (ccode, cpts, cded, creas)]
    out["locked_code_points_deduct_reason"] = sorted(set(tuple(v) for v in locked.values()))
    # The 考核组's form: the unit's self-assessment shown, locked, beside
    # the assessors' empty columns.
    if "自评扣分" in cols:
        cs, cr = cols.index("自评扣分"), cols.index("自评说明")
        cell = lambda c, r: sheet.getCellByPosition(c, r)
        out["self_locked"] = sorted(set((bool(cell(cs, r).CellProtection.IsLocked),
                                         bool(cell(cr, r).CellProtection.IsLocked)) for r in rows.values()))
        out["self_shown"] = {code: [cell(cs, r).getString(), cell(cr, r).getString()]
                             for code, r in rows.items() if cell(cs, r).getString() or cell(cr, r).getString()}
        out["assessor_columns_empty"] = all(not cell(cded, r).getString() and not cell(creas, r).getString()
                                            for r in rows.values())
        out["self_left_of_assessor"] = cs < cr < cded < creas
    # a 3-point rule: 1-3 has 3 points? pick the first rule whose 分值 is 3
    three = next(code for code, r in rows.items() if sheet.getCellByPosition(cpts, r).getValue() == 3)
    v = sheet.getCellByPosition(cded, rows[three]).Validation
    out["validation"] = {
        "code": three,
        "type": int(v.Type.value == "DECIMAL"),
        "min": v.getFormula1(),
        "max": v.getFormula2(),
        "show_error": bool(v.ShowErrorMessage),
        "error": v.ErrorMessage,
        "input_title": v.InputTitle,
        "input": v.InputMessage,
    }
    # As opened (no recalculation), then after typing: LibreOffice updates
    # the cells that depend on the typed one.
    before = sheet.getCellByPosition(cscore, total_row).getValue()
    sheet.getCellByPosition(cded, rows["1-1"]).setValue(0.5)
    after = sheet.getCellByPosition(cscore, total_row).getValue()
    out["total_before"] = before
    out["total_after"] = after
    doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        proc.wait(timeout=30)
    except Exception:
        proc.kill()
print(json.dumps(out, ensure_ascii=False))
