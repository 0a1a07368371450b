"""Packaging pieces that can be checked without building: bundle policy, install.sh, config example."""

from __future__ import annotations

import configparser
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from workstation import config

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "packaging"))

from bundle_policy import left_out  # noqa: E402

# packaging/build.py by path: a module called "build" could be PyPA's build package.
_spec = importlib.util.spec_from_file_location("workstation_packaging_build", ROOT / "packaging" / "build.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


def test_bundle_keeps_what_the_desktop_needs_and_leaves_out_the_desktop_stack() -> None:
    for kept in (
        "libxcb-cursor.so.0",  # Qt needs it, distributions often lack it
        "libssl.so.3",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",  # the self-test and CI use it
        "PySide6/Qt/plugins/imageformats/libqsvg.so",  # the application icon
        "PySide6/Qt/lib/libQt6Widgets.so.6",
    ):
        assert left_out(kept) is None, kept
    for gone in (
        "libgtk-3.so.0",
        "libglib-2.0.so.0",
        "libX11.so.6",
        "libxcb-shm.so.0",
        "libfontconfig.so.1",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/generic/libqevdevmouseplugin.so",
        "libQt6EglFSDeviceIntegration.so.6",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so",
        "PySide6/Qt/plugins/position/libqtposition_nmea.so",
    ):
        assert left_out(gone), gone


def test_config_example_lists_every_machine_option_and_is_valid_when_uncommented(tmp_path: Path) -> None:
    example = build.config_example()
    for key, spec in config.OPTIONS.items():
        assert (f"# {key} = " in example) == spec.metadata["machine"], key
    uncommented = "\n".join(line[2:] for line in example.splitlines() if re.match(r"# [a-z_]+ = ", line))
    machine = tmp_path / "config.toml"
    machine.write_text(uncommented)
    tomllib.loads(machine.read_text())
    assert config.load(None, machine_file=machine, environ={}).problems == []


def test_desktop_entry_is_complete() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(ROOT / "packaging" / "linux" / "workstation.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Icon"] == "workstation"
    assert section["Exec"].startswith("/") and section["Terminal"] == "false"


@pytest.mark.skipif(sys.platform == "win32" or shutil.which("sh") is None, reason="POSIX shell script")
def test_install_sh_installs_and_uninstalls_below_a_destdir(tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    (stage / "workstation").mkdir(parents=True)
    (stage / "workstation" / "workstation").write_text("#!/bin/sh\necho frozen\n")
    (stage / "workstation" / "workstation").chmod(0o755)
    (stage / "icons").mkdir()
    for name in ("workstation.svg", "workstation-256.png"):
        (stage / "icons" / name).write_text(name)
    (stage / "config.toml.example").write_text(build.config_example())
    shutil.copy2(ROOT / "packaging" / "linux" / "workstation.desktop", stage)
    shutil.copy2(ROOT / "packaging" / "linux" / "install.sh", stage)
    root = tmp_path / "root"
    (root / "etc" / "workstation").mkdir(parents=True)
    (root / "etc" / "workstation" / "config.toml").write_text('server_url = "https://crm.example"\n')

    def install(*args: str) -> None:
        cmd = ["sh", str(stage / "install.sh"), "--destdir", str(root), *args]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    install("--prefix", "/opt/ws")
    assert (root / "opt/ws/workstation").read_text().endswith("echo frozen\n")
    desktop = (root / "usr/share/applications/workstation.desktop").read_text()
    assert "Exec=/opt/ws/workstation\n" in desktop
    assert (root / "usr/share/icons/hicolor/scalable/apps/workstation.svg").exists()
    assert (root / "usr/local/bin/workstation").resolve() == Path("/opt/ws/workstation")
    install("--prefix", "/opt/ws")  # again: an upgrade in place
    install("--prefix", "/opt/ws", "--uninstall")
    assert not (root / "opt/ws").exists()
    assert not (root / "usr/share/applications/workstation.desktop").exists()
    # IT's machine-wide configuration survives removal
    assert (root / "etc/workstation/config.toml").read_text() == 'server_url = "https://crm.example"\n'


def test_bundle_keeps_the_apps_languages_and_prunes_the_others() -> None:
    from bundle_policy import language_kept

    for kept in ("qtbase_de.qm", "qt_en.qm", "qtwebengine_de.qm", "de.pak", "en-US.pak", "en-GB.pak"):
        assert language_kept(kept), kept
    for gone in ("qtbase_fr.qm", "qtbase_pt_BR.qm", "qt_zh_CN.qm", "fr.pak", "pt-BR.pak", "zh-CN.pak"):
        assert not language_kept(gone), gone


def test_bundle_ships_only_the_rrweb_files_package_data_names() -> None:
    from bundle_policy import web_asset_files

    web = ROOT / "workstation" / "web"
    shipped = {Path(source).relative_to(web).as_posix() for source, _ in web_asset_files(ROOT)}
    assert shipped == {
        "node_modules/rrweb/package.json",
        "node_modules/rrweb/dist/rrweb.umd.min.cjs",
        "node_modules/rrweb/dist/style.min.css",
    }


def test_bundle_takes_webengines_requirements_and_the_desktops_libraries_from_the_system() -> None:
    # QtWebEngine's own system requirements, and libraries that must match the running system
    for gone in (
        "libnss3.so",
        "libsoftokn3.so",
        "libnspr4.so",
        "libasound.so.2",
        "libudev.so.1",
        "libgbm.so.1",
        "libgssapi_krb5.so.2",
        "libkrb5.so.3",
    ):
        assert left_out(gone), gone
    # what the interpreter and its extensions link stays: a desktop may not have these versions
    for kept in ("libcrypto.so.3", "libsqlite3.so.0", "libpython3.11.so.1.0"):
        assert left_out(kept) is None, kept
    # the C++ runtime is the system's: every system the bundle runs on has one at least as new
    for gone in ("libstdc++.so.6", "libgcc_s.so.1"):
        assert left_out(gone), gone


def test_the_team_leads_monitor_modules_stay_in_the_bundle() -> None:
    """pyqtgraph imports QtOpenGL and QtOpenGLWidgets on import: excluding them broke the frozen
    team lead's queue monitor (QtOpenGL is now replaced by an empty module, see
    test_bundle_replacements.py); QtTest is what the self-test drives the window with;
    QtWebEngineCore's binding imports QtPrintSupport (excluding it turned the cobrowse view into
    text); cryptography is replaced (SecretStorage's cipher), not left out."""
    from bundle_policy import EXCLUDED, REPLACED

    assert {"PySide6.QtOpenGL", "cryptography"} <= set(REPLACED)
    for module in (
        "PySide6.QtOpenGLWidgets",
        "PySide6.QtTest",
        "numpy",
        "pyqtgraph",
        "cryptography",
        "click",
    ):
        assert module not in EXCLUDED, module
    assert {"rich", "pygments", "numpy.fft", "readline"} <= set(EXCLUDED)


def test_unreachable_libraries_are_those_no_kept_binary_links(tmp_path: Path) -> None:
    from bundle_policy import unreachable_libraries

    internal = tmp_path / "_internal"
    (internal / "PySide6").mkdir(parents=True)
    files = {
        "libpython3.11.so.1.0": set(),  # loaded by the bootloader, linked by nothing
        "libssl.so.3": {"libcrypto.so.3"},
        "libcrypto.so.3": set(),
        "libpng16.so.16": {"libz.so.1"},  # only an excluded library (cairo) needed it
        "libz.so.1": set(),  # but something kept needs this one too
        "liborphan.so.1": {"libpng16.so.16"},  # nothing needs it: it goes, and what only it needs
        "_ssl.cpython-311-x86_64-linux-gnu.so": {"libssl.so.3"},
        "PySide6/QtCore.abi3.so": {"libz.so.1"},
    }
    needed = {}
    for name, links in files.items():
        (internal / name).write_bytes(b"\0" * 10)
        needed[internal / name] = links
    gone = {path.name for path in unreachable_libraries(internal, needed)}
    assert gone == {"libpng16.so.16", "liborphan.so.1"}


def test_strip_leaves_patchelf_edited_wheel_libraries_alone() -> None:
    from bundle_policy import strippable

    assert strippable("numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so")
    assert strippable("libpython3.11.so.1.0")
    assert not strippable("numpy.libs/libscipy_openblas64_-32a4b2a6.so")


# --- ICU data ------------------------------------------------------------------------------------

QT_LIB = Path(importlib.util.find_spec("PySide6").origin).parent / "Qt" / "lib"  # type: ignore[arg-type,union-attr]
ICU_DATA = sorted(QT_LIB.glob("libicudata.so.*"))
needs_icu = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or not ICU_DATA
    or not all(shutil.which(t) for t in ("as", "ld", "readelf")),
    reason="Linux PySide6 with its ICU and binutils",
)


def test_icu_item_kinds_keep_the_apps_languages_and_icus_own_tables() -> None:
    import icu_data

    kinds = {
        "icudt73l/de.res": None,
        "icudt73l/de_CH.res": None,
        "icudt73l/coll/en_US_POSIX.res": None,
        "icudt73l/coll/root.res": None,
        "icudt73l/coll/ucadata.icu": None,
        "icudt73l/curr/pool.res": None,
        "icudt73l/res_index.res": None,  # "res" looks like a language code: ICU's index of locales
        "icudt73l/supplementalData.res": None,
        "icudt73l/zoneinfo64.res": None,
        "icudt73l/brkitr/word.brk": None,
        "icudt73l/fr.res": "locale",
        "icudt73l/coll/zh.res": "locale",
        "icudt73l/coll/sr_Latn.res": "locale",
        "icudt73l/ibm-943_P15A-2003.cnv": "converter",
        "icudt73l/brkitr/cjdict.dict": "dictionary",
        "icudt73l/translit/root.res": "transliterator",
    }
    for name, kind in kinds.items():
        assert icu_data.item_kind(name, ("de", "en")) == kind, name


def test_icu_package_rewrite_keeps_every_item_byte_for_byte() -> None:
    import icu_data

    items = {"t/b.res": b"bee" * 7, "t/a.res": b"a", "t/c.cnv": bytes(range(40))}
    header = bytes([32, 0, 0xDA, 0x27, 20, 0, 0, 0, 0, 0, 2, 0]) + b"CmnD" + bytes([1, 0, 0, 0, 0, 0, 0, 0])
    header += bytes(32 - len(header))
    package = icu_data.Package(header=header, items=items)
    data = icu_data.serialize(package)
    again = icu_data.parse(data)
    assert list(again.items) == ["t/a.res", "t/b.res", "t/c.cnv"]  # sorted: ICU binary-searches names
    assert {name: item[: len(items[name])] for name, item in again.items.items()} == items
    smaller = icu_data.parse(icu_data.subset(data, lambda name: not name.endswith(".cnv")))
    assert set(smaller.items) == {"t/a.res", "t/b.res"}
    with pytest.raises(ValueError):
        icu_data.parse(b"<html>not ICU</html>" * 3)


COLLATION_SCRIPT = """\
import json
from PySide6.QtCore import QCollator, QLocale
words = ["Zebra", "Öl", "Apfel", "Ober", "Äpfel"]
print(json.dumps({loc: sorted(words, key=QCollator(QLocale(loc)).sortKey) for loc in ("de_DE", "sv_SE")}))
"""


@needs_icu
def test_qt_sorts_german_as_before_with_the_smaller_icu_data_library(tmp_path: Path) -> None:
    """Qt's collation with the cut library (preloaded in place of PySide6's) sorts German as with the
    whole one; Swedish, whose data is cut, falls back to the root order (ä with a, not after z)."""
    import icu_data

    library = tmp_path / ICU_DATA[0].name
    shutil.copy2(ICU_DATA[0], library)
    before, after, dropped = icu_data.shrink_library(library, ("de", "en"))
    assert after < before / 4 and dropped["locale"] > 0

    def order(preload: Path | None) -> dict[str, list[str]]:
        env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
        if preload:
            env["LD_PRELOAD"] = str(preload)
        out = subprocess.run(
            [sys.executable, "-c", COLLATION_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(out.stdout)

    whole, cut = order(None), order(library)
    assert cut["de_DE"] == whole["de_DE"] == ["Apfel", "Äpfel", "Ober", "Öl", "Zebra"]
    assert whole["sv_SE"] == ["Apfel", "Ober", "Zebra", "Äpfel", "Öl"]
    assert cut["sv_SE"] == ["Apfel", "Äpfel", "Ober", "Öl", "Zebra"]


def test_the_spec_drops_only_runtime_hooks_whose_feature_the_app_does_not_use() -> None:
    from bundle_policy import DROPPED_RUNTIME_HOOKS

    assert set(DROPPED_RUNTIME_HOOKS) == {"pyi_rth_multiprocessing", "pyi_rth_pkgutil"}
    spec = (ROOT / "packaging" / "workstation.spec").read_text(encoding="utf-8")
    assert "entry[0] not in DROPPED_RUNTIME_HOOKS" in spec
    # the multiprocessing hook only matters to an app that calls freeze_support(); pkgutil's to one
    # that lists modules with pkgutil: neither does (a new use would have to bring the hook back)
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "workstation").rglob("*.py"))
    assert "freeze_support" not in sources and "pkgutil" not in sources


def test_shibokens_support_package_is_shipped_compiled(tmp_path: Path) -> None:
    """PySide6 compiles `shibokensupport` from source on every start unless shiboken6/files.dir holds
    it: the bundle ships every module shiboken loads there, each with bytecode Python uses as is."""
    import marshal

    import shiboken_support

    entries = shiboken_support.incarnate(tmp_path)
    assert all(dest.startswith("shiboken6/files.dir/shibokensupport") for _source, dest in entries)
    sources = {
        Path(s).relative_to(tmp_path).with_suffix("").as_posix() for s, _ in entries if s.endswith(".py")
    }
    loaded = {name.replace(".", "/") for name in sys.modules if name.startswith("shibokensupport")}
    assert {name.removesuffix("/__init__") for name in sources} >= loaded
    for source, _dest in entries:
        if source.endswith(".pyc"):
            data = Path(source).read_bytes()
            assert int.from_bytes(data[4:8], "little") == 0b01  # hash-based, source never checked
            assert marshal.loads(data[16:]).co_filename.startswith("shiboken6/files.dir/shibokensupport/")
