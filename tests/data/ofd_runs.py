"""Reads an OFD with ofdkit (an independent reader, pip install ofdkit) and
prints what tests/ofd.rs checks, as JSON: the DocInfo, and for each page its
box and its text runs (text, x, baseline y and size in mm, in the order the
file has them).

    python3 ofd_runs.py FILE.ofd
"""

import json
import sys

import ofdkit


def main(path):
    with ofdkit.open(path) as doc:
        pages = []
        for page in doc.pages:
            pages.append(
                {
                    "box": list(page.box),
                    "runs": [[r.text, r.x, r.y, r.size] for r in page.runs],
                    "text": page.text(),
                }
            )
        json.dump(
            {"info": doc.info.to_dict(), "pages": pages, "warnings": doc.warnings},
            sys.stdout,
            ensure_ascii=False,
        )


if __name__ == "__main__":
    main(sys.argv[1])
