"""What the frozen bundle leaves out, and why: read by the spec and printed in the build report."""

from __future__ import annotations

from pathlib import Path

#: Python modules never put into the bundle, with the reason. PyInstaller follows every import it
#: can see, including optional ones in libraries (e.g. pydantic's optional email validator, the
#: test helpers of SQLAlchemy), so these are cut explicitly.
EXCLUDED: dict[str, str] = {
    # development and test tools: installed in the same venv by `.[test]`, never used at run time
    "pytest": "test runner (development only)",
    "_pytest": "test runner (development only)",
    "pytestqt": "test runner plugin (development only)",
    "hypothesis": "property-based tests (development only)",
    "mypy": "type checker (development only)",
    "mypyc": "type checker (development only)",
    "importlinter": "layer checker (development only)",
    "grimp": "layer checker (development only)",
    "ruff": "linter (development only)",
    "PyInstaller": "the build tool itself",
    "tests": "the project's test suite",
    # standard library parts the application does not use
    "tkinter": "a second GUI toolkit; the app is Qt",
    "turtle": "tkinter demo module",
    "idlelib": "the IDLE editor",
    "lib2to3": "Python 2 converter",
    "pydoc_data": "pydoc's HTML topics",
    "ensurepip": "pip bootstrapper",
    "venv": "virtual environment creator",
    "readline": "line editing for an interactive prompt (the app has none); brings libreadline",
    # httpx imports its command-line client (httpx._main) if these are installed, and falls back
    # to a stub without them: the app never runs that client
    "rich": "terminal rendering for httpx's command-line client (never run)",
    "pygments": "syntax highlighting for httpx's command-line client (never run)",
    "markdown_it": "Markdown for rich (never run)",
    # optional imports found by the analysis that nothing in the app reaches (checked with
    # `python -X importtime main.py --self-test`, agent and team lead)
    "werkzeug": "WSGI toolkit (no importer at run time)",
    "requests": "a second HTTP client (the app uses httpx)",
    "urllib3": "requests' transport",
    "charset_normalizer": "requests' charset guessing",
    "yaml": "uvicorn's YAML log configuration files (the embedded backend configures logging in code)",
    # numpy's subpackages pyqtgraph reaches only through features the queue monitor turns off: the
    # FFT transform of its context menu (the monitor disables the menu) and scatter jitter
    "numpy.random": "random numbers (pyqtgraph's scatter jitter, unused)",
    "numpy.fft": "FFT (pyqtgraph's power-spectrum mode, in the context menu the monitor disables)",
    "numpy.f2py": "numpy's Fortran wrapper generator (development only)",
    "numpy.testing": "numpy's test helpers (development only)",
    "pyqtgraph.flowchart": "pyqtgraph's flowchart editor (unused)",
    "pyqtgraph.examples": "pyqtgraph's examples",
    "PySide6.QtDBus": "D-Bus bindings (unused; Qt's own D-Bus library stays)",
    "PySide6.QtPositioning": "geolocation bindings (unused; QtWebEngine links Qt's library itself)",
    # Qt bindings the application never imports (each pulls its Qt libraries and plugins)
    "PySide6.QtQml": "QML engine: the UI is Qt Widgets",
    "PySide6.QtQuick": "Qt Quick: the UI is Qt Widgets",
    "PySide6.QtQuickWidgets": "Qt Quick: the UI is Qt Widgets",
    "PySide6.QtQuickControls2": "Qt Quick: the UI is Qt Widgets",
    "PySide6.QtQuickTest": "Qt Quick: the UI is Qt Widgets",
    "PySide6.QtDesigner": "Qt Designer plugin API",
    "PySide6.QtUiTools": ".ui file loader (no .ui files)",
    "PySide6.QtHelp": "Qt Assistant help engine",
    "PySide6.QtSql": "Qt's SQL drivers: the cache uses SQLAlchemy on Python's sqlite3",
    "PySide6.QtXml": "Qt's XML DOM (unused)",
    "PySide6.QtConcurrent": "Qt's thread pool API: blocking work uses asyncio executors",
    # (PySide6.QtOpenGL and QtOpenGLWidgets stay: pyqtgraph imports them when it is imported, so
    # without them the team lead's queue monitor cannot start; their Qt libraries are in anyway.)
    # (PySide6.QtPrintSupport stays: QtWebEngineCore's binding imports it, and without it the cobrowse
    # view fell back to text in the frozen build)
    "PySide6.QtLabsStyleKit": "experimental styling module (unused)",
    "PySide6.Qt3DCore": "3D (unused)",
    "PySide6.QtCharts": "charts (unused)",
    "PySide6.QtDataVisualization": "3D charts (unused)",
    "PySide6.QtGraphs": "charts (unused)",
    "PySide6.QtMultimedia": "audio/video: the offer chime is played by the desktop's sound tool",
    "PySide6.QtBluetooth": "unused",
    "PySide6.QtNfc": "unused",
    "PySide6.QtSerialPort": "unused",
    "PySide6.QtSensors": "unused",
    "PySide6.QtTextToSpeech": "unused",
    "PySide6.QtPdf": "PDF rendering (unused unless QtWebEngine brings it)",
    "PyQt5": "another Qt binding: the app uses PySide6",
    "PyQt6": "another Qt binding: the app uses PySide6",
    # found by the analysis through SQLAlchemy's optional dialects; the desktop's embedded backend
    # and its cache are SQLite (a PostgreSQL backend runs as `python -m workstation.server`, unfrozen)
    "psycopg": "PostgreSQL driver: the desktop's databases are SQLite",
    "psycopg_binary": "PostgreSQL driver: the desktop's databases are SQLite",
    "psycopg2": "PostgreSQL driver: the desktop's databases are SQLite",
    "asyncpg": "PostgreSQL driver: the desktop's databases are SQLite",
}

#: Modules the bundle carries a small replacement of instead of the real thing, with the reason: the
#: spec leaves the real one out and puts packaging/replacements/<module path> (a .py file, or a
#: package directory) into the archive under the module's name. The frozen self-tests use both.
REPLACED: dict[str, str] = {
    "PySide6.QtOpenGL": (
        "8.9 MB binding that pyqtgraph imports but uses only to draw with OpenGL, which the queue "
        "monitor turns off; an empty module stands in (no other binding imports it)"
    ),
    "cryptography": (
        "12 MB (Rust extension with OpenSSL inside) that only SecretStorage (keyring's Secret Service "
        "backend) imports, for AES-128-CBC; that cipher comes from the interpreter's own libcrypto"
    ),
}

EXCLUDED_MODULES = tuple(EXCLUDED) + tuple(REPLACED)

#: PyInstaller runtime hooks the spec takes out of the executable: they run before main.py, so their
#: imports delay the window (measured with WORKSTATION_FROZEN_IMPORTTIME=1, see README "Start-up").
DROPPED_RUNTIME_HOOKS: dict[str, str] = {
    "pyi_rth_multiprocessing": (
        "imports multiprocessing to make multiprocessing.freeze_support() work frozen; the app never "
        "calls it and starts no multiprocessing children"
    ),
    "pyi_rth_pkgutil": (
        "imports pkgutil to make pkgutil.iter_modules() list frozen modules; nothing the app runs calls "
        "it (only pyqtgraph's examples, which are left out)"
    ),
}

#: Files removed from the collected bundle after PyInstaller ran, as glob patterns relative to the
#: bundle's `_internal` directory, with the reason.
PRUNED_FILES: dict[str, str] = {
    "PySide6/Qt/translations/assistant_*.qm": "translations of Qt Assistant (not shipped)",
    "PySide6/Qt/translations/designer_*.qm": "translations of Qt Designer (not shipped)",
    "PySide6/Qt/translations/linguist_*.qm": "translations of Qt Linguist (not shipped)",
    "PySide6/Qt/translations/qt_help_*.qm": "translations of the Qt help engine (not shipped)",
    "PySide6/Qt/translations/qtdeclarative_*.qm": "translations of QML (the UI is Qt Widgets)",
    # Chromium's DevTools: the cobrowse view does not open them
    "PySide6/Qt/resources/qtwebengine_devtools_resources.pak": "Chromium's DevTools (never opened)",
    "pyqtgraph/icons/peegee/*": "pyqtgraph's logo, set only by pg.mkQApp (the app makes its QApplication)",
    "pyqtgraph/colors/maps/*": "colour-map files read by pg.colormap.get (the monitor's charts use pens)",
}

#: The languages the app is translated into: Qt's and Chromium's translations of others are pruned.
KEPT_LANGUAGES = ("de", "en", "en-US", "en-GB")

#: Translation files pruned unless their language is kept (pattern -> how the language is named).
TRANSLATIONS: dict[str, str] = {
    "PySide6/Qt/translations/*.qm": "Qt's own texts, <module>_<language>.qm",
    "PySide6/Qt/translations/qtwebengine_locales/*.pak": "Chromium's texts, <language>.pak",
}


def translation_language(name: str) -> str:
    """`qtbase_de.qm` -> `de`, `pt_BR` stays whole; `en-US.pak` -> `en-US`."""
    stem = name.rsplit(".", 1)[0]
    if name.endswith(".pak"):
        return stem
    parts = stem.split("_")
    # qtbase_pt_BR -> pt_BR: a second part in capitals is the region
    return "_".join(parts[-2:]) if len(parts) > 2 and parts[-1].isupper() else parts[-1]


def language_kept(name: str) -> bool:
    return translation_language(name) in KEPT_LANGUAGES


#: Linux shared libraries PyInstaller would copy from the build machine that must come from the
#: desktop the app runs on instead: the desktop stack (X11/xcb, Wayland, GTK/GLib, fonts, D-Bus,
#: accessibility) has to match the running session, and a bundled copy of GLib or GTK next to the
#: system's theme and input-method modules crashes or silently misbehaves. These are the same
#: libraries `pip install PySide6` expects the system to provide. (libxcb-cursor is kept: Qt needs
#: it and many distributions do not install it by default.)
SYSTEM_LIBRARIES: dict[str, str] = {
    "libX*.so*": "X11 client libraries (the desktop's)",
    "libxcb.so*": "X11 protocol library (the desktop's)",
    "libxcb-[!c]*.so*": "X11 protocol extensions (the desktop's)",
    "libxkbcommon*.so*": "keyboard layouts (the desktop's)",
    "libwayland-*.so*": "Wayland client libraries (the desktop's)",
    "libgtk-3.so*": "GTK (the desktop's; Qt's GTK theme plugin loads it if present)",
    "libgdk-3.so*": "GTK (the desktop's)",
    "libgdk_pixbuf-2.0.so*": "GTK (the desktop's)",
    "libatk*.so*": "accessibility (the desktop's)",
    "libatspi.so*": "accessibility (the desktop's)",
    "libcairo*.so*": "GTK's drawing library (the desktop's)",
    "libpango*.so*": "GTK's text layout (the desktop's)",
    "libharfbuzz.so*": "text shaping (the desktop's)",
    "libglib-2.0.so*": "GLib (the desktop's; must match GTK and the input methods)",
    "libgio-2.0.so*": "GLib (the desktop's)",
    "libgobject-2.0.so*": "GLib (the desktop's)",
    "libgmodule-2.0.so*": "GLib (the desktop's)",
    "libgthread-2.0.so*": "GLib (the desktop's)",
    "libfontconfig.so*": "font configuration (the desktop's)",
    "libfreetype.so*": "font rendering (the desktop's)",
    "libdbus-1.so*": "D-Bus (the desktop's)",
    "libsystemd.so*": "systemd client library (the system's)",
    "libEGL*.so*": "OpenGL/EGL drivers (the system's)",
    "libGL*.so*": "OpenGL drivers (the system's)",
    "libepoxy.so*": "OpenGL dispatch (the system's)",
    "libgbm.so*": "Mesa's buffer manager (must match the system's GPU driver)",
    # QtWebEngine's system requirements (the PySide6-Addons wheel does not carry them either):
    # NSS and NSPR (its modules are loaded from the system's configuration), ALSA (its plugins and
    # configuration are the system's), udev, xkbfile
    "libnss3.so": "NSS (QtWebEngine's system requirement)",
    "libnssutil3.so": "NSS (QtWebEngine's system requirement)",
    "libsmime3.so": "NSS (QtWebEngine's system requirement)",
    "libsoftokn3.so": "NSS (QtWebEngine's system requirement)",
    "libfreebl*.so": "NSS (QtWebEngine's system requirement)",
    "libnssckbi.so": "NSS's root store (QtWebEngine's system requirement)",
    "libnssdbm3.so": "NSS (QtWebEngine's system requirement)",
    "libnspr4.so": "NSPR (QtWebEngine's system requirement)",
    "libplc4.so": "NSPR (QtWebEngine's system requirement)",
    "libplds4.so": "NSPR (QtWebEngine's system requirement)",
    "libasound.so*": "ALSA (the system's, with its plugins and configuration)",
    "libudev.so*": "udev (the system's, must match its daemon)",
    "libxkbfile.so*": "X keyboard files (the desktop's)",
    # Kerberos for Qt Network's GSSAPI: must match the system's krb5.conf and credential caches
    "libgssapi_krb5.so*": "Kerberos (the system's)",
    "libkrb5*.so*": "Kerberos (the system's)",
    "libk5crypto.so*": "Kerberos (the system's)",
    "libkeyutils.so*": "Kerberos's key store (the system's)",
    "libcom_err.so*": "Kerberos's error tables (the system's)",
    # compression and XML libraries Qt and QtWebEngine link from the system (their wheels carry none);
    # Python's own extensions do not use these (pyexpat has its expat built in)
    "libzstd.so*": "Zstandard (the system's; Qt's wheels link it from there)",
    "libbrotli*.so*": "Brotli (the system's; Qt Network links it from there)",
    "libexpat.so*": "expat (the system's; QtWebEngine links it from there)",
    # the C++ runtime: the bundle needs glibc 2.36 (its OpenSSL and SQLite come from the build machine),
    # and every such system's libstdc++ is at least the build machine's (GLIBCXX_3.4.30; the bundle's
    # binaries need 3.4.29). A bundled copy would shadow a newer system one, which the system's GPU
    # drivers (Mesa's LLVM), loaded into the same process, may need.
    "libstdc++.so*": "C++ runtime (the system's; its GPU drivers may need a newer one than ours)",
    "libgcc_s.so*": "GCC's runtime support (the system's; glibc itself loads it)",
}

#: Qt plugins (relative to PySide6/Qt/plugins) left out: platforms for kiosks and embedded
#: devices, input drivers for those, and image formats nobody sends to an agent.
EXCLUDED_QT_PLUGINS: dict[str, str] = {
    "platforms/libqeglfs.so": "embedded full-screen platform (not a desktop)",
    "platforms/libqlinuxfb.so": "framebuffer platform (not a desktop)",
    "platforms/libqminimal.so": "test platform",
    "platforms/libqminimalegl.so": "test platform",
    "platforms/libqvkkhrdisplay.so": "Vulkan display platform (not a desktop)",
    "platforms/libqvnc.so": "VNC server platform",
    "egldeviceintegrations/*": "only for the embedded full-screen platform",
    "generic/*": "evdev/tuio input for embedded platforms",
    "imageformats/libqtiff.so": "TIFF images (unused)",
    "imageformats/libqtga.so": "TGA images (unused)",
    "imageformats/libqwbmp.so": "WBMP images (unused)",
    "imageformats/libqicns.so": "macOS icon files (unused)",
    "imageformats/libqpdf.so": "PDF pages as images (unused; the only user of QtPdf)",
    "platforminputcontexts/libqtvirtualkeyboardplugin.so": "Qt's on-screen keyboard for touch kiosks",
    "position/*": "geolocation sources for web pages (a cobrowse replay never asks for a position)",
    # (QtPrintSupport's binding stays for QtWebEngine, its CUPS plugin does not: it brings libcups,
    # GnuTLS, p11-kit, Avahi and more, 7 MB, and must match the system's CUPS anyway)
    "printsupport/*": "printing through CUPS (the app prints nothing)",
}

#: Qt libraries only the plugins above need.
EXCLUDED_QT_LIBRARIES: dict[str, str] = {
    "libQt6EglFSDeviceIntegration.so*": "only for the embedded full-screen platform",
    "libQt6EglFsKmsSupport.so*": "only for the embedded full-screen platform",
    "libQt6Pdf.so*": "only for the PDF image-format plugin",
    "libQt6VirtualKeyboard*.so*": "only for the on-screen keyboard plugin",
    "libQt6SerialPort.so*": "only for the NMEA position plugin",
}

#: Binaries built with debug information (the interpreter and stdlib extensions from a source-built
#: Python, Cython modules): `strip --strip-debug` removes it (about 30 MB). Only files that carry a
#: .debug_info section are touched: wheels' vendored libraries (*.libs/, patched with patchelf) and
#: Qt's (already stripped) are left as they are, because stripping patched files can corrupt them.
STRIP_DEBUG_REASON = (
    "symbol tables and debug information (`strip --strip-unneeded`; not in *.libs/, whose "
    "patchelf-edited libraries strip corrupts)"
)

#: Qt's ICU data library (32 MB): packaging/icu_data.py keeps all but the locale data of languages
#: other than these, converters, dictionaries and transliterators.
ICU_DATA_LIBRARY = "PySide6/Qt/lib/libicudata.so.*"
#: QtWebEngine's own ICU data (Chromium's): its locale data and converters are cut the same way, its
#: word dictionaries stay (line breaking of Thai, Khmer, Lao, Burmese on customers' pages needs them).
WEBENGINE_ICU_DATA = "PySide6/Qt/resources/icudtl.dat"
WEBENGINE_ICU_DROPPED = ("locale", "converter", "transliterator")
#: ...and of its dictionaries the Chinese/Japanese one (2 MB): it finds word boundaries (double-click
#: selection, Intl.Segmenter); lines break between ideographs without it.
WEBENGINE_ICU_DROPPED_ITEMS = ("brkitr/cjdict.dict",)
ICU_KEPT_LANGUAGES = tuple(sorted({language.split("-")[0] for language in KEPT_LANGUAGES}))

#: Libraries at the top of `_internal` that no ELF file of the bundle lists as NEEDED but that are
#: loaded all the same (NSS's dlopen-ed modules would be here if NSS were bundled).
LOADED_AT_RUN_TIME: dict[str, str] = {
    "libpython*": "the interpreter, loaded by the bootloader",
}
UNREACHABLE_REASON = (
    "system libraries PyInstaller copied as dependencies of libraries the bundle leaves out "
    "(GTK, cairo, GLib, fontconfig, ...) that nothing left in it links"
)


def strippable(relative: str) -> bool:
    """Whether `strip` may touch this bundle file (path relative to `_internal`)."""
    return not any(part.endswith(".libs") for part in relative.split("/")[:-1])


def unreachable_libraries(internal: Path, needed: dict[Path, set[str]]) -> dict[Path, int]:
    """{library: size} of the libraries at the top of `internal` that no other ELF file (`needed`:
    file -> the sonames it lists as NEEDED) reaches, directly or through others, and that
    LOADED_AT_RUN_TIME does not name: the system libraries only the left-out ones needed."""
    from fnmatch import fnmatch

    top = {path.name: path for path in needed if path.parent == internal and ".so" in path.name}
    top = {name: path for name, path in top.items() if not name.endswith((".abi3.so", "-linux-gnu.so"))}
    roots = [path for path in needed if path not in top.values()]
    roots += [path for name, path in top.items() if any(fnmatch(name, p) for p in LOADED_AT_RUN_TIME)]
    reached: set[Path] = set()
    pending = list(roots)
    while pending:
        path = pending.pop()
        if path in reached:
            continue
        reached.add(path)
        pending += [top[name] for name in needed.get(path, ()) if name in top]
    return {path: path.stat().st_size for name, path in sorted(top.items()) if path not in reached}


def left_out(dest: str) -> str | None:
    """Why the bundle leaves out the binary with this destination path (None: it stays)."""
    from fnmatch import fnmatch
    from pathlib import PurePosixPath

    path = PurePosixPath(dest.replace("\\", "/"))
    for pattern, reason in SYSTEM_LIBRARIES.items():
        if len(path.parts) == 1 and fnmatch(path.name, pattern):
            return reason
    for pattern, reason in EXCLUDED_QT_LIBRARIES.items():
        if fnmatch(path.name, pattern):
            return reason
    plugins = "PySide6/Qt/plugins/"
    if str(path).startswith(plugins):
        relative = str(path)[len(plugins) :]
        for pattern, reason in EXCLUDED_QT_PLUGINS.items():
            if fnmatch(relative, pattern):
                return reason
    return None


def replacement_modules(packaging: Path) -> list[tuple[str, str]]:
    """(module name, source file) of every module of REPLACED's replacements below `packaging`."""
    found: list[tuple[str, str]] = []
    base = packaging / "replacements"
    for module in REPLACED:
        path = base.joinpath(*module.split("."))
        if path.is_dir():
            files = sorted(path.rglob("*.py"))
        elif path.with_suffix(".py").is_file():
            files = [path.with_suffix(".py")]
        else:
            raise FileNotFoundError(f"no replacement for {module} below {base}")
        for file in files:
            parts = file.relative_to(base).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, str(file)))
    return found


def web_asset_files(root: Path) -> list[tuple[str, str]]:
    """(source, destination directory) of the files below workstation/web/node_modules that
    pyproject.toml's package-data ships (rrweb's browser build), for the spec's datas."""
    import tomllib

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["workstation.web"]
    web = root / "workstation" / "web"
    found: list[tuple[str, str]] = []
    for pattern in patterns:
        if not pattern.startswith("node_modules/"):
            continue
        for path in sorted(web.glob(pattern)):
            relative = path.relative_to(root).parent
            found.append((str(path), str(relative)))
    return found
