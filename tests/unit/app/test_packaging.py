"""Packaging pieces that can be checked without building: bundle policy, install.sh, config example."""

from __future__ import annotations

import configparser
import importlib.util
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
