"""Build the frozen workstation: `python packaging/build.py` (after `pip install -e '.[build]'`).

1. renders the icon (SVG, package data) to PNGs and a Windows .ico,
2. runs PyInstaller on packaging/workstation.spec (one folder: dist/workstation/),
3. runs the frozen app's `--self-test` (the same round trip as from source) — the build fails if it fails,
4. Linux: packs dist/workstation-<version>-linux-<arch>.tar.gz (bundle, .desktop entry, icons,
   install.sh, config.toml.example), unpacks it, installs it into a scratch root with install.sh
   and runs the installed copy's self-test; Windows: compiles packaging/windows/workstation.iss
   with Inno Setup's ISCC if it is installed (otherwise prints the command),
5. prints the build report (size by component, what was left out and why, start-up time frozen
   vs. from source) and writes it to dist/build-report.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
BUNDLE = DIST / "workstation"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)

sys.path.insert(0, str(PACKAGING))
sys.path.insert(0, str(ROOT))
import icu_data  # noqa: E402
from bundle_policy import (  # noqa: E402
    DROPPED_RUNTIME_HOOKS,
    EXCLUDED,
    EXCLUDED_QT_LIBRARIES,
    EXCLUDED_QT_PLUGINS,
    ICU_DATA_LIBRARY,
    ICU_KEPT_LANGUAGES,
    KEPT_LANGUAGES,
    PRUNED_FILES,
    REPLACED,
    STRIP_DEBUG_REASON,
    SYSTEM_LIBRARIES,
    TRANSLATIONS,
    UNREACHABLE_REASON,
    WEBENGINE_ICU_DATA,
    WEBENGINE_ICU_DROPPED,
    WEBENGINE_ICU_DROPPED_ITEMS,
    language_kept,
    strippable,
    unreachable_libraries,
)

from workstation import __version__  # noqa: E402


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


# --- 1. icons --------------------------------------------------------------------------------------


def render_icons(out: Path) -> None:
    """PNG renderings of the SVG icon and an .ico holding them (PNG-compressed entries, Vista+)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    svg = (ROOT / "workstation" / "resources" / "icons" / "workstation.svg").read_bytes()
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise SystemExit("the SVG icon does not render")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "workstation" / "resources" / "icons" / "workstation.svg", out / "workstation.svg")
    pngs: list[tuple[int, bytes]] = []
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        path = out / f"workstation-{size}.png"
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"could not write {path}")
        pngs.append((size, path.read_bytes()))
    del app
    header = struct.pack("<HHH", 0, 1, len(pngs))
    entries, offset, blobs = b"", 6 + 16 * len(pngs), b""
    for size, data in pngs:
        dim = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    (out / "workstation.ico").write_bytes(header + entries + blobs)


# --- 2. PyInstaller --------------------------------------------------------------------------------


def run_pyinstaller() -> None:
    if BUNDLE.exists():
        shutil.rmtree(BUNDLE)
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(BUILD / "pyinstaller"),
        str(PACKAGING / "workstation.spec"),
    ]
    subprocess.run(command, cwd=ROOT, check=True)
    internal = BUNDLE / "_internal"
    for pattern in PRUNED_FILES:
        for path in internal.glob(pattern):
            path.unlink()
    for pattern in TRANSLATIONS:
        for path in internal.glob(pattern):
            if not language_kept(path.name):
                path.unlink()
    if sys.platform.startswith("linux"):
        shrink_icu_data(internal)
        prune_unreachable_libraries(internal)
        strip_symbols(internal)


def shrink_icu_data(internal: Path) -> None:
    """Qt's ICU data library cut to the app's languages (packaging/icu_data.py says what and why)."""
    if shutil.which("as") is None or shutil.which("ld") is None:
        print("binutils (as, ld) not found: Qt's ICU data stays whole")
        return
    for library in sorted(internal.glob(ICU_DATA_LIBRARY)):
        if library.is_symlink():
            continue
        before, after, dropped = icu_data.shrink_library(library, ICU_KEPT_LANGUAGES)
        parts = ", ".join(f"{kind} {size / 1e6:.1f} MB" for kind, size in sorted(dropped.items()))
        print(f"ICU data {library.name}: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB ({parts})")
    for data_file in sorted(internal.glob(WEBENGINE_ICU_DATA)):
        before, after = icu_data.shrink_data_file(
            data_file, ICU_KEPT_LANGUAGES, WEBENGINE_ICU_DROPPED, WEBENGINE_ICU_DROPPED_ITEMS
        )
        print(f"ICU data {data_file.name}: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")


def prune_unreachable_libraries(internal: Path) -> None:
    """Remove bundled system libraries that no binary left in the bundle links (bundle_policy says why)."""
    readelf = shutil.which("readelf")
    if readelf is None:
        print("readelf (binutils) not found: unreachable libraries stay in the bundle")
        return
    needed: dict[Path, set[str]] = {}
    for path in internal.rglob("*"):
        if path.is_file() and not path.is_symlink() and (".so" in path.name or os.access(path, os.X_OK)):
            dynamic = subprocess.run([readelf, "-d", str(path)], capture_output=True, text=True, check=False)
            needed[path] = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic.stdout))
    needed[internal.parent / "workstation"] = set()
    removed = unreachable_libraries(internal, needed)
    for path in removed:
        path.unlink()
    total = sum(size for _path, size in removed.items())
    print(
        f"unreachable libraries removed: {len(removed)}, {total / 1e6:.1f} MB "
        f"({', '.join(p.name for p in removed)})"
    )


def strip_symbols(internal: Path) -> None:
    """`strip --strip-unneeded` on the bundle's shared objects that still carry symbol tables or
    debug information (the dynamic symbols they export stay)."""
    strip, readelf = shutil.which("strip"), shutil.which("readelf")
    if strip is None or readelf is None:
        print("binutils (strip, readelf) not found: symbols and debug information stay in the bundle")
        return
    before = after = 0
    for path in sorted(internal.rglob("*.so*")):
        if path.is_symlink() or not path.is_file() or not strippable(path.relative_to(internal).as_posix()):
            continue
        sections = subprocess.run(
            [readelf, "-S", "-W", str(path)], capture_output=True, text=True, check=False
        )
        if ".symtab" not in sections.stdout and ".debug_info" not in sections.stdout:
            continue
        before += path.stat().st_size
        subprocess.run([strip, "--strip-unneeded", str(path)], check=True)
        after += path.stat().st_size
    print(f"stripped symbols and debug information: {(before - after) / 1e6:.1f} MB")


def executable(bundle: Path, *, console: bool = True) -> Path:
    if sys.platform == "win32":
        return bundle / ("workstation-console.exe" if console else "workstation.exe")
    return bundle / "workstation"


# --- 3. self-test ----------------------------------------------------------------------------------


#: The frozen app's self-tests: the agent's round trip and the team lead's queue monitor (pyqtgraph,
#: numpy, the Qt modules they import), so that pruning cannot break either role unnoticed.
SELF_TESTS = ((), ("--role", "teamlead"))


def self_test(exe: Path) -> dict[str, object]:
    report: dict[str, object] = {}
    for role in SELF_TESTS:
        report = _self_test(exe, role)
    return report


def _self_test(exe: Path, role: tuple[str, ...]) -> dict[str, object]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [str(exe), *role, "--self-test", "--log-level", "warning"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"the frozen self-test failed ({exe}, exit {result.returncode})")
    report: dict[str, object] = json.loads(lines[-1])
    if not role and report.get("cobrowse_live") != "ok":
        # the app would show cobrowse pages as text: a bundle without a working QtWebEngine fails
        raise SystemExit(f"the frozen cobrowse live view did not start: {report.get('cobrowse_live')}")
    if not role and sys.platform.startswith("linux") and report.get("keychain_cipher") != "ok":
        # SecretStorage's cipher (the bundle's cryptography replacement): without it no token is kept
        raise SystemExit(f"the frozen keychain cipher does not work: {report.get('keychain_cipher')}")
    if not role and report.get("ranking_process") != "ok":
        # the bundle could not run itself as the ranking process: re-ranks would compete with the GUI
        raise SystemExit(f"the frozen ranking process does not work: {report.get('ranking_process')}")
    print(f"  {exe}: {lines[-1]}")
    return report


def embedded_backend_test(exe: Path) -> None:
    """The desktop's embedded backend as the frozen app starts it (`<bundle> server --embedded ...`,
    server/process.py): the self-tests run it in-process, so this is the bundle's only check that
    the child starts, answers a sign-in and stops when its stdin closes."""
    import tempfile

    import httpx

    from workstation.server.process import ServerProcess, embedded_arguments

    with tempfile.TemporaryDirectory(prefix="frozen-backend-") as tmp:
        server = ServerProcess(
            embedded_arguments(Path(tmp), offer_timeout=30, chat_interval=0),
            command=[str(exe), "server"],
        )
        url = server.start()
        try:
            answer = httpx.post(
                f"{url}/api/v1/auth/login", json={"username": "demo", "password": "demo"}, trust_env=False
            )
        finally:
            server.stop()
        if answer.status_code != 200:
            raise SystemExit(f"the frozen embedded backend refused the demo sign-in: {answer.status_code}")
        print(f"  {exe} server: ready on {url}, demo sign-in {answer.status_code}, stopped")


# --- 4. Linux tarball and Windows installer --------------------------------------------------------


def config_example() -> str:
    """Every option with its help and default, commented out: the machine file IT starts from."""
    from workstation.config import OPTIONS, default_machine_file, env_name, toml_value

    lines = [
        "# Agent workstation: machine-wide configuration.",
        f"# Copy to {default_machine_file()} (Windows: %ProgramData%\\workstation\\config.toml).",
        "# Order of precedence: built-in defaults < this file < the user's settings < environment",
        '# variables < command line. `locked = ["server_url"]` keeps users from changing a value.',
        "# Check the result with:  workstation --print-config",
        "",
    ]
    for key, spec in OPTIONS.items():
        if not spec.metadata["machine"]:
            continue
        lines.append(f"# {spec.metadata['help']} (environment: {env_name(key)})")
        lines.append(f"# {key} = {toml_value(spec.default)}")
        lines.append("")
    lines.append('# locked = ["server_url", "tls_trust", "tls_ca_bundle"]')
    return "\n".join(lines) + "\n"


def linux_tarball(icons: Path) -> Path:
    arch = platform.machine() or "x86_64"
    name = f"workstation-{__version__}-linux-{arch}"
    stage = BUILD / "stage" / name
    if stage.parent.exists():
        shutil.rmtree(stage.parent)
    stage.mkdir(parents=True)
    shutil.copytree(BUNDLE, stage / "workstation", symlinks=True)
    shutil.copy2(PACKAGING / "linux" / "workstation.desktop", stage / "workstation.desktop")
    shutil.copy2(PACKAGING / "linux" / "install.sh", stage / "install.sh")
    (stage / "install.sh").chmod(0o755)
    (stage / "icons").mkdir()
    shutil.copy2(icons / "workstation.svg", stage / "icons" / "workstation.svg")
    shutil.copy2(icons / "workstation-256.png", stage / "icons" / "workstation-256.png")
    (stage / "config.toml.example").write_text(config_example(), encoding="utf-8")
    archive = DIST / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(stage, arcname=name)
    return archive


def install_and_test(archive: Path) -> Path:
    """Unpack the tarball and install it with its own install.sh into a scratch root, as IT would."""
    scratch = Path(tempfile.mkdtemp(prefix="workstation-install-"))
    with tarfile.open(archive) as tar:
        tar.extractall(scratch, filter="tar")
    (unpacked,) = [p for p in scratch.iterdir() if p.is_dir()]
    root = scratch / "root"
    subprocess.run([str(unpacked / "install.sh"), "--destdir", str(root)], check=True)
    installed = root / "opt" / "workstation" / "workstation"
    for required in (
        root / "usr/share/applications/workstation.desktop",
        root / "usr/share/icons/hicolor/scalable/apps/workstation.svg",
        root / "etc/workstation/config.toml.example",
        installed,
    ):
        if not required.exists():
            raise SystemExit(f"install.sh did not install {required}")
    self_test(installed)
    shutil.rmtree(scratch, ignore_errors=True)
    return installed


def windows_installer() -> Path | None:
    script = PACKAGING / "windows" / "workstation.iss"
    candidates = [shutil.which("iscc"), shutil.which("ISCC")]
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base:
            candidates.append(str(Path(base) / "Inno Setup 6" / "ISCC.exe"))
    iscc = next((c for c in candidates if c and Path(c).exists()), None)
    command = [iscc or "ISCC.exe", f"/DAppVersion={__version__}", f"/DSourceDir={BUNDLE}", f"/O{DIST}"]
    command.append(str(script))
    (DIST / "config.toml.example").write_text(config_example(), encoding="utf-8")
    if iscc is None:
        print("  Inno Setup 6 is not installed; to make the installer run:\n    " + " ".join(command))
        return None
    subprocess.run(command, check=True)
    return DIST / f"workstation-{__version__}-setup.exe"


# --- 5. report -------------------------------------------------------------------------------------


def component(relative: Path) -> str:
    parts = relative.as_posix()
    name = relative.name
    if "WebEngine" in parts or "webengine" in parts or name in ("icudtl.dat", "v8_context_snapshot.bin"):
        return "QtWebEngine"
    if parts.startswith(("_internal/PySide6", "_internal/shiboken6")) or name.startswith(
        ("libQt6", "libicu", "libpyside6", "libshiboken6", "Qt6", "pyside6", "shiboken6")
    ):
        return "Qt (PySide6)"
    if parts.startswith("_internal/workstation"):
        return "our code"
    if name.startswith(("libpython", "python3")) or parts.startswith(
        ("_internal/base_library.zip", "_internal/lib-dynload", "_internal/python3")
    ):
        return "Python (interpreter, stdlib)"
    if relative.parent == Path("_internal") and ".so" in name and ".cpython-" not in name:
        return "system libraries bundled"
    if relative.parent == Path("_internal") and name.endswith(".dll") and not name.startswith("_"):
        return "system libraries bundled"
    return "other libraries"


def python_archive_sizes(exe: Path) -> dict[str, int]:
    """The PYZ archive inside the executable (compressed modules), split by component."""
    from PyInstaller.archive.readers import CArchiveReader, ZlibArchiveReader

    reader = CArchiveReader(str(exe))
    sizes: dict[str, int] = {}
    stdlib = sys.stdlib_module_names
    for name, entry in reader.toc.items():
        if entry[-1] != "z":
            continue
        with tempfile.NamedTemporaryFile(suffix=".pyz", delete=False) as tmp:
            tmp.write(reader.extract(name))
        try:
            pyz = ZlibArchiveReader(tmp.name)
            for module, (_typecode, _offset, length) in pyz.toc.items():
                top = module.split(".")[0]
                if top == "workstation":
                    key = "our code"
                elif top in stdlib or top.startswith("_"):
                    key = "Python (interpreter, stdlib)"
                elif top in ("PySide6", "shiboken6"):
                    key = "Qt (PySide6)"
                else:
                    key = "other libraries"
                sizes[key] = sizes.get(key, 0) + length
        finally:
            os.unlink(tmp.name)
    return sizes


def size_report(bundle: Path) -> tuple[list[str], int]:
    totals: dict[str, int] = {}
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            key = component(path.relative_to(bundle))
            totals[key] = totals.get(key, 0) + path.stat().st_size
    exe = executable(bundle)
    archive = python_archive_sizes(exe)
    # The executables carry the PYZ: attribute its modules to their components, the rest is the bootloader.
    executables = sum(p.stat().st_size for p in bundle.iterdir() if p.is_file() and p.suffix in ("", ".exe"))
    for key in list(totals):
        if key == component(exe.relative_to(bundle)):
            totals[key] -= executables
    for key, size in archive.items():
        totals[key] = totals.get(key, 0) + size
    totals["bootloader"] = executables - sum(archive.values())
    total = sum(totals.values())
    order = [
        "Qt (PySide6)",
        "QtWebEngine",
        "Python (interpreter, stdlib)",
        "our code",
        "other libraries",
        "system libraries bundled",
        "bootloader",
    ]
    lines = []
    for key in order:
        size = totals.get(key, 0)
        if key == "QtWebEngine" and size == 0:
            lines.append(f"  {key:<30} {'—':>9}      not in this build (PySide6-Addons not installed)")
            continue
        lines.append(f"  {key:<30} {size / 1e6:8.1f} MB  {100 * size / total:5.1f} %")
    lines.append(f"  {'total on disk':<30} {total / 1e6:8.1f} MB           target ≤ 400 MB")
    return lines, total


def startup_report(bundle: Path, runs: int) -> list[str]:
    bench = ROOT / "tests" / "benchmarks" / "bench_frozen.py"
    result = subprocess.run(
        [sys.executable, str(bench), "--bundle", str(bundle), "--runs", str(runs)],
        capture_output=True,
        text=True,
        timeout=60 * runs + 120,
        check=False,
    )
    if result.returncode != 0:
        return [f"  start-up benchmark failed: {result.stderr.strip()[-500:]}"]
    return result.stdout.rstrip("\n").splitlines()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="start-up runs for the report (0: skip)")
    parser.add_argument("--no-installer", action="store_true", help="stop after the bundle and its self-test")
    args = parser.parse_args()
    started = time.monotonic()

    step("icons")
    icons = BUILD / "icons"
    render_icons(icons)
    step("PyInstaller (onedir)")
    run_pyinstaller()
    step("frozen self-test")
    self_test(executable(BUNDLE))
    step("frozen embedded backend process")
    embedded_backend_test(executable(BUNDLE, console=True))

    artefacts: list[Path] = [BUNDLE]
    if not args.no_installer:
        if sys.platform.startswith("linux"):
            step("Linux tarball, installed into a scratch root and self-tested there")
            archive = linux_tarball(icons)
            install_and_test(archive)
            artefacts.append(archive)
        elif sys.platform == "win32":
            step("Windows installer (Inno Setup)")
            setup = windows_installer()
            if setup:
                artefacts.append(setup)

    step("build report")
    machine = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    report = [f"workstation {__version__} on {machine}"]
    report.append("Bundle size on disk by component (the PYZ inside the executable split by module):")
    lines, _total = size_report(BUNDLE)
    report += lines
    report.append("Left out of the bundle, and why:")
    for name, reason in EXCLUDED.items():
        report.append(f"  module {name}: {reason}")
    for name, reason in REPLACED.items():
        report.append(f"  module {name} (a small replacement instead): {reason}")
    for name, reason in DROPPED_RUNTIME_HOOKS.items():
        report.append(f"  runtime hook {name}: {reason}")
    for table in (SYSTEM_LIBRARIES, EXCLUDED_QT_LIBRARIES, EXCLUDED_QT_PLUGINS, PRUNED_FILES):
        for pattern, reason in table.items():
            report.append(f"  {pattern}: {reason}")
    for pattern, naming in TRANSLATIONS.items():
        report.append(f"  {pattern} ({naming}): all but {', '.join(KEPT_LANGUAGES)}, the app's languages")
    if sys.platform.startswith("linux"):
        report.append(f"  stripped: {STRIP_DEBUG_REASON}")
        report.append(f"  unreachable libraries: {UNREACHABLE_REASON}")
        for kind, reason in icu_data.DROPPED_KINDS.items():
            report.append(f"  {ICU_DATA_LIBRARY} items, {kind}: {reason}")
        report.append(
            f"  {WEBENGINE_ICU_DATA} items: {', '.join(WEBENGINE_ICU_DROPPED)} (as above), "
            f"{', '.join(WEBENGINE_ICU_DROPPED_ITEMS)} (Chinese/Japanese word boundaries)"
        )
    if args.runs:
        report.append(
            "Start-up, process spawn → main window first painted, frozen and from source vs. a bare Qt "
            "window in the same python "
            f"(embedded backend, offscreen, {args.runs} runs each):"
        )
        report += startup_report(BUNDLE, args.runs)
    report.append("Artefacts:")
    report += [f"  {a.relative_to(ROOT)}" for a in artefacts]
    report.append(f"Build took {time.monotonic() - started:.0f} s.")
    text = "\n".join(report) + "\n"
    print(text)
    (DIST / "build-report.txt").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
