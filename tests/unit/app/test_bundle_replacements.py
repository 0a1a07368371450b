"""The frozen bundle's small replacements (packaging/replacements, bundle_policy.REPLACED) do what
the modules they stand in for did for the app: checked against the real ones, which the test
environment has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REPLACEMENTS = ROOT / "packaging" / "replacements"
sys.path.insert(0, str(ROOT / "packaging"))

from bundle_policy import EXCLUDED_MODULES, REPLACED, replacement_modules  # noqa: E402

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SecretStorage is Linux's")


def _run(code: str, *, replacements_first: bool) -> str:
    """`code` in a fresh interpreter; with `replacements_first`, `import cryptography` finds the
    bundle's replacement before the installed package, as in the frozen bundle."""
    paths = ([str(REPLACEMENTS)] if replacements_first else []) + [str(ROOT)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_every_replaced_module_is_left_out_and_has_its_replacement() -> None:
    names = {name for name, _source in replacement_modules(ROOT / "packaging")}
    for module in REPLACED:
        assert module in EXCLUDED_MODULES and module in names, module
    assert "cryptography.hazmat.primitives.ciphers.modes" in names


# --- cryptography: AES-CBC over libcrypto ------------------------------------------------------

#: NIST SP 800-38A, F.2.1 CBC-AES128.Encrypt (first two blocks): a known answer, so the comparison
#: with the real package cannot pass with both wrong.
NIST_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
NIST_IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
NIST_PLAIN = bytes.fromhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51")
NIST_CIPHER = bytes.fromhex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2")

COMPARE = f"""
import json, os
import cryptography
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
assert cryptography.__version__ == "bundle-aes-cbc", cryptography.__file__

def seal(key, iv, data, chunk):
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv), default_backend()).encryptor()
    out = b"".join(encryptor.update(data[i:i + chunk]) for i in range(0, len(data), chunk))
    return out + encryptor.finalize()

def open_(key, iv, data):
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv), default_backend()).decryptor()
    return decryptor.update(data) + decryptor.finalize()

assert seal({NIST_KEY!r}, {NIST_IV!r}, {NIST_PLAIN!r}, 32) == {NIST_CIPHER!r}
assert open_({NIST_KEY!r}, {NIST_IV!r}, {NIST_CIPHER!r}) == {NIST_PLAIN!r}
rows = []
for n in range(60):
    key, iv = os.urandom((16, 24, 32)[n % 3]), os.urandom(16)
    data = os.urandom(16 * (n % 9))
    sealed = seal(key, iv, data, 1 + n % 20)
    assert open_(key, iv, sealed) == data
    rows.append((key.hex(), iv.hex(), data.hex(), sealed.hex()))
encryptor = Cipher(algorithms.AES(bytes(16)), modes.CBC(bytes(16))).encryptor()
encryptor.update(b"not a block")
try:
    encryptor.finalize()
    raise SystemExit("a partial block was accepted")
except ValueError:
    pass
print(json.dumps(rows))
"""


@linux
def test_the_cipher_replacement_matches_nist_and_the_real_package() -> None:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    rows = json.loads(_run(COMPARE, replacements_first=True))
    assert len(rows) == 60
    for key, iv, data, sealed in rows:
        encryptor = Cipher(algorithms.AES(bytes.fromhex(key)), modes.CBC(bytes.fromhex(iv))).encryptor()
        assert (encryptor.update(bytes.fromhex(data)) + encryptor.finalize()).hex() == sealed


@linux
def test_secretstorage_seals_and_opens_secrets_with_the_replacement() -> None:
    """What the self-test reports as "keychain_cipher", with SecretStorage's own code on both sides."""
    code = (
        "import cryptography\n"
        "from workstation.store.secrets import keychain_cipher_state\n"
        "print(cryptography.__version__, keychain_cipher_state())"
    )
    assert _run(code, replacements_first=True) == "bundle-aes-cbc ok"
    assert _run(code, replacements_first=False).endswith(" ok")  # the real package, from source


# --- PySide6.QtOpenGL: an empty module for pyqtgraph ---------------------------------------------

PLACEHOLDER = str(REPLACEMENTS / "PySide6" / "QtOpenGL.py")
CHARTS = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("PySide6.QtOpenGL", {PLACEHOLDER!r})
placeholder = importlib.util.module_from_spec(spec)
spec.loader.exec_module(placeholder)
sys.modules["PySide6.QtOpenGL"] = placeholder
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
app = QApplication([])
import numpy as np
import pyqtgraph as pg
from workstation.services.queue_monitor import MonitorSeries
from workstation.ui.monitor_charts import MonitorCharts, _fast
charts = MonitorCharts(MonitorSeries())
charts.resize(600, 400)
charts.grab()
plot = pg.PlotWidget()
plot.resize(300, 200)
_fast(plot.plot(np.arange(100.0), np.arange(100.0), pen=pg.mkPen("#ff0000", width=3)))
image = plot.grab().toImage()
red = sum(
    1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
    if QColor(image.pixel(x, y)).red() > 200 and QColor(image.pixel(x, y)).green() < 80
)
assert sys.modules["PySide6.QtOpenGL"] is placeholder
assert not hasattr(placeholder, "QOpenGLBuffer")
print(red, flush=True)
# Skip the interpreter's teardown: pyqtgraph's exit clean-up against PySide6's crashes about one
# run in six in a bare script like this (pyqtgraph issue 2520); this test is about the drawing.
import os
os._exit(0)
"""


@pytest.mark.gui
def test_the_monitor_charts_draw_with_the_empty_opengl_module() -> None:
    assert int(_run(CHARTS, replacements_first=False)) > 20  # the curve's pixels
