# Made tests/data/haiyuan-filled-in-libreoffice.ods: LibreOffice Calc (via UNO,
# python3-uno) opens the blank form kaohe wrote for 海原县人民政府, types into
# the input cells as a person would, and saves as .ods. Run:
#   /usr/bin/python3 tests/data/fill_in_libreoffice.py output/blank/海原县人民政府.xlsx out.ods
# Expected: deductions 0.5 + 0.25 + 0.75 + 1 + 1.5 = 4, bonus 2: score 98.
# Fill a kaohe blank form the way a person would in LibreOffice Calc: type
# into the input cells (found by 编号), then save as .ods.
import subprocess, time, sys, uno
from com.sun.star.beans import PropertyValue

def prop(n, v):
    p = PropertyValue(); p.Name = n; p.Value = v; return p

src, dst = sys.argv[1], sys.argv[2]
proc = subprocess.Popen(["soffice", "-env:UserInstallation=file:///tmp/lo/profile", "--headless", "--invisible",
                         "--accept=socket,host=127.0.0.1,port=2099;urp;", "--norestore"])
ctx = None
for _ in range(60):
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=2099;urp;StarOffice.ComponentContext")
        break
    except Exception:
        time.sleep(0.5)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
sheet = doc.Sheets.getByName("评分表")
# find header columns and code rows
hdr = None
for r in range(0, 10):
    vals = [sheet.getCellByPosition(c, r).getString() for c in range(12)]
    if "编号" in vals:
        hdr = r; ccode = vals.index("编号"); cded = vals.index("扣分"); creas = vals.index("扣分原因"); break
rows = {}
for r in range(hdr + 1, hdr + 200):
    code = sheet.getCellByPosition(ccode, r).getString()
    if code: rows[code] = r
def put(code, value, reason):
    r = rows[code]
    c = sheet.getCellByPosition(cded, r)
    if isinstance(value, str): c.setString(value)
    else: c.setValue(value)
    if reason: sheet.getCellByPosition(creas, r).setString(reason)
put("1-1", 0.5, "学习资料不全")
put("2-1", "０．２５分", "缺路线图")          # typed as text with full-width digits
put("4-4", 0.75, "整改报告缺三项")
put("13-1", 1, "执法文书不规范")
put("36-2", 1.5, "被市安委办通报三次")
put("37-1", 2, "受自治区表彰两项")
put("38-1", "否", "")
doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "calc8"),))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
proc.wait(timeout=30)
print("saved", dst)
