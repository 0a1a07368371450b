"""Refresh the Qt Linguist catalogues and compile them: run after changing any visible text.

    python packaging/update_translations.py          # lupdate (keeps translations) + lrelease
    python packaging/update_translations.py --check  # exit 1 if a .qm is out of date or German is unfinished

`pyside6-lupdate` extracts tr()/QT_TRANSLATE_NOOP texts from the UI and from the domain (its message
catalogue `workstation/domain/messages.py` and the words marked where they are used) into
`workstation/resources/translations/*.ts`;
translators edit the `.ts` (Qt Linguist); `pyside6-lrelease` compiles the `.qm` files the app loads.
The `.qm` files are committed so that `pip install -e .` and the frozen build need no Qt tools.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "workstation" / "resources" / "translations"
LANGUAGES = ("de", "en")


def tool(name: str) -> str:
    """The PySide6 tool beside the running interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found (it comes with PySide6)")
    return found


def sources() -> list[str]:
    files = sorted((ROOT / "workstation" / "ui").glob("*.py"))
    # The start-up's status texts are set on the window from boot/ (in the window's context).
    files += sorted((ROOT / "workstation" / "boot").glob("*.py"))
    files += sorted((ROOT / "workstation" / "domain").rglob("*.py"))
    return [str(f.relative_to(ROOT)) for f in files]


def lupdate() -> None:
    for lang in LANGUAGES:
        ts = TRANSLATIONS / f"workstation_{lang}.ts"
        cmd = [tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none", *sources(), "-ts", str(ts)]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True)


def unfinished(ts: Path) -> list[str]:
    """Source texts whose translation is missing or marked unfinished."""
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete"):
            missing.append(message.findtext("source") or "")
    return missing


def check() -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in LANGUAGES:
            ts, qm = TRANSLATIONS / f"workstation_{lang}.ts", TRANSLATIONS / f"workstation_{lang}.qm"
            fresh = Path(tmp) / qm.name
            lrelease(ts, fresh)
            if not qm.exists() or qm.read_bytes() != fresh.read_bytes():
                problems.append(
                    f"{qm.name} is out of date with {ts.name}: run packaging/update_translations.py"
                )
    for text in unfinished(TRANSLATIONS / "workstation_de.ts"):
        problems.append(f"German translation missing: {text!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check; change nothing")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        print("\n".join(problems) or "translations up to date")
        return 1 if problems else 0
    lupdate()
    for lang in LANGUAGES:
        lrelease(TRANSLATIONS / f"workstation_{lang}.ts", TRANSLATIONS / f"workstation_{lang}.qm")
    missing = unfinished(TRANSLATIONS / "workstation_de.ts")
    print(f"updated; {len(missing)} German text(s) still to translate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
