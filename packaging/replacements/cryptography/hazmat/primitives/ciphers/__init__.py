"""`Cipher` for AES-CBC without padding (the caller pads, as SecretStorage does), through OpenSSL's
EVP interface in the libcrypto the interpreter already loaded for `_hashlib`/`_ssl`.

Like cryptography's: `update` returns whole blocks as they are complete, `finalize` raises
ValueError if the data was not a multiple of the block size, and a finalized context refuses
further use.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

from . import algorithms, modes

__all__ = ["Cipher", "algorithms", "modes"]

_BLOCK = 16
_libcrypto: Any = None


def _crypto() -> Any:
    """libcrypto, the copy already in the process: `_hashlib` links it, and dlopen by soname
    returns the loaded library rather than a second one from elsewhere."""
    global _libcrypto
    if _libcrypto is None:
        import _hashlib  # noqa: F401  (loads the interpreter's libcrypto)

        errors = []
        for name in ("libcrypto.so.3", "libcrypto.so.1.1", ctypes.util.find_library("crypto")):
            if not name:
                continue
            try:
                lib = ctypes.CDLL(name)
                break
            except OSError as exc:
                errors.append(str(exc))
        else:
            raise OSError("libcrypto not found: " + "; ".join(errors))
        c_p, c_int = ctypes.c_void_p, ctypes.c_int
        lib.EVP_CIPHER_CTX_new.restype = c_p
        lib.EVP_CIPHER_CTX_new.argtypes = []
        lib.EVP_CIPHER_CTX_free.restype = None
        lib.EVP_CIPHER_CTX_free.argtypes = [c_p]
        for bits in (128, 192, 256):
            getattr(lib, f"EVP_aes_{bits}_cbc").restype = c_p
            getattr(lib, f"EVP_aes_{bits}_cbc").argtypes = []
        lib.EVP_CipherInit_ex.restype = c_int
        lib.EVP_CipherInit_ex.argtypes = [c_p, c_p, c_p, ctypes.c_char_p, ctypes.c_char_p, c_int]
        lib.EVP_CIPHER_CTX_set_padding.restype = c_int
        lib.EVP_CIPHER_CTX_set_padding.argtypes = [c_p, c_int]
        lib.EVP_CipherUpdate.restype = c_int
        lib.EVP_CipherUpdate.argtypes = [c_p, c_p, ctypes.POINTER(c_int), ctypes.c_char_p, c_int]
        lib.EVP_CipherFinal_ex.restype = c_int
        lib.EVP_CipherFinal_ex.argtypes = [c_p, c_p, ctypes.POINTER(c_int)]
        _libcrypto = lib
    return _libcrypto


class _Context:
    def __init__(self, key: bytes, iv: bytes, *, encrypt: bool) -> None:
        lib = _crypto()
        self._lib = lib
        self._ctx = lib.EVP_CIPHER_CTX_new()
        if not self._ctx:
            raise MemoryError("EVP_CIPHER_CTX_new failed")
        cipher = getattr(lib, f"EVP_aes_{len(key) * 8}_cbc")()
        if lib.EVP_CipherInit_ex(self._ctx, cipher, None, key, iv, 1 if encrypt else 0) != 1:
            self._free()
            raise ValueError("EVP_CipherInit_ex failed")
        lib.EVP_CIPHER_CTX_set_padding(self._ctx, 0)

    def update(self, data: bytes) -> bytes:
        if not self._ctx:
            raise RuntimeError("Context was already finalized.")  # cryptography's AlreadyFinalized
        data = bytes(data)
        out = ctypes.create_string_buffer(len(data) + _BLOCK)
        written = ctypes.c_int(0)
        if self._lib.EVP_CipherUpdate(self._ctx, out, ctypes.byref(written), data, len(data)) != 1:
            raise ValueError("EVP_CipherUpdate failed")
        return out.raw[: written.value]

    def finalize(self) -> bytes:
        if not self._ctx:
            raise RuntimeError("Context was already finalized.")
        out = ctypes.create_string_buffer(_BLOCK)
        written = ctypes.c_int(0)
        ok = self._lib.EVP_CipherFinal_ex(self._ctx, out, ctypes.byref(written))
        self._free()
        if ok != 1:
            raise ValueError("The length of the provided data is not a multiple of the block length.")
        return out.raw[: written.value]

    def _free(self) -> None:
        if self._ctx:
            self._lib.EVP_CIPHER_CTX_free(self._ctx)
            self._ctx = None

    def __del__(self) -> None:
        self._free()


class Cipher:
    def __init__(self, algorithm: algorithms.AES, mode: modes.CBC, backend: object = None) -> None:
        if not isinstance(algorithm, algorithms.AES) or not isinstance(mode, modes.CBC):
            raise TypeError("the bundle's cryptography replacement has AES-CBC only")
        self.algorithm, self.mode = algorithm, mode

    def encryptor(self) -> _Context:
        return _Context(self.algorithm.key, self.mode.initialization_vector, encrypt=True)

    def decryptor(self) -> _Context:
        return _Context(self.algorithm.key, self.mode.initialization_vector, encrypt=False)
