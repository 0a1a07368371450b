"""A smaller ICU data library for the bundle: Qt's ICU data (32 MB) cut to the app's languages.

PySide6's Qt links ICU, whose data is one 32 MB shared library, `libicudata.so.<N>`, exporting a single
symbol `icudt<N>_dat`: an ICU "common data" package (a table of contents and about 3,900 items:
locale data of every language, character-set converters, transliterators, word dictionaries for
Chinese, Japanese, Thai, Khmer, Lao and Burmese). Qt uses ICU for collation (QCollator), time-zone
names and its non-Unicode text codecs; QtWebEngine has its own copy of ICU (resources/icudtl.dat), and
QLocale uses Qt's own CLDR tables. So the bundle keeps every item that is not locale data (Unicode
properties, normalisation, collation root and the UCA table, time-zone rules, break rules, aliases)
and the locale data of the app's languages only; ICU falls back to the root locale for the others
(e.g. a French collator sorts by the root collation, which already orders accents).

The package is rewritten in Python (the format: unicode-org/icu, source/common/ucmndata.h) and
linked into a new library with the same soname and symbol by binutils (`as`, `ld`: the same tools
the build already needs for `strip`), so nothing else changes: Qt loads it exactly as before.
"""

from __future__ import annotations

import itertools
import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

#: Items of the ICU data package left out, by kind, with the reason (printed in the build report).
DROPPED_KINDS: dict[str, str] = {
    "locale": "locale data of languages other than the app's (ICU falls back to the root locale)",
    "converter": "non-Unicode character-set converters (*.cnv): the app decodes bytes in Python",
    "dictionary": "CJK/Thai/Khmer/Lao/Burmese word dictionaries of ICU's break iterators (unused by Qt)",
    "transliterator": "transliteration rules (no Qt API uses them)",
}

#: Locale-shaped item names that are not locales: ICU's own tables in every tree.
NOT_LOCALES = frozenset({"root", "pool", "res_index"})
LOCALE_NAME = re.compile(r"[a-z]{2,3}(?:_.*)?")
ALIGNMENT = 16  # ICU aligns every item of a common data package to 16 bytes


@dataclass(frozen=True)
class Package:
    header: bytes  # the MappedData header and UDataInfo, copied unchanged
    items: dict[str, bytes]  # item name (e.g. "icudt73l/coll/de.res") -> its bytes, in TOC order


def item_kind(name: str, kept_languages: Iterable[str]) -> str | None:
    """The kind of item this is if it is dropped (a key of DROPPED_KINDS), None if it stays."""
    relative = name.split("/", 1)[-1]  # "icudt73l/coll/de.res" -> "coll/de.res"
    base = relative.rsplit("/", 1)[-1]
    stem, _, extension = base.rpartition(".")
    if extension == "cnv":
        return "converter"
    if extension == "dict":
        return "dictionary"
    if relative.startswith("translit/"):
        return "transliterator"
    is_locale = extension == "res" and stem not in NOT_LOCALES and LOCALE_NAME.fullmatch(stem)
    if is_locale and stem.split("_", 1)[0] not in set(kept_languages):
        return "locale"
    return None


def parse(data: bytes) -> Package:
    """Read an ICU common data package (little-endian, "CmnD" format)."""
    if len(data) < 32:
        raise ValueError("not an ICU data package: too short")
    header_size, magic1, magic2 = struct.unpack_from("<HBB", data, 0)
    if (magic1, magic2) != (0xDA, 0x27) or data[12:16] != b"CmnD" or data[8] != 0:
        raise ValueError("not a little-endian ICU common data package")
    toc = header_size
    (count,) = struct.unpack_from("<I", data, toc)
    entries = [struct.unpack_from("<II", data, toc + 4 + 8 * i) for i in range(count)]
    # An item ends where the next one (by offset) starts; the last one at the end of the package.
    starts = [*sorted(offset for _name, offset in entries), len(data) - toc]
    end_of = dict(itertools.pairwise(starts))
    items: dict[str, bytes] = {}
    for name_offset, data_offset in entries:
        name_end = data.index(b"\0", toc + name_offset)
        name = data[toc + name_offset : name_end].decode("ascii")
        items[name] = data[toc + data_offset : toc + end_of[data_offset]]
    return Package(header=data[:header_size], items=items)


def serialize(package: Package) -> bytes:
    """Write the package back: TOC sorted by name (ICU binary-searches it), items 16-byte aligned.

    Offsets in the TOC are relative to its start, which is right after the header."""
    names = sorted(package.items)
    table_size = 4 + 8 * len(names)
    name_offsets, position = [], table_size
    for name in names:
        name_offsets.append(position)
        position += len(name) + 1
    head_size = _aligned(len(package.header) + position)
    data_offsets, body = [], bytearray()
    for name in names:
        data_offsets.append(head_size - len(package.header) + len(body))
        body += package.items[name]
        body += bytes(_aligned(len(body)) - len(body))
    head = bytearray(package.header)
    head += struct.pack("<I", len(names))
    for name_offset, data_offset in zip(name_offsets, data_offsets, strict=True):
        head += struct.pack("<II", name_offset, data_offset)
    for name in names:
        head += name.encode("ascii") + b"\0"
    head += bytes(head_size - len(head))
    return bytes(head + body)


def _aligned(size: int) -> int:
    return (size + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def subset(data: bytes, keep: Callable[[str], bool]) -> bytes:
    package = parse(data)
    kept = {name: item for name, item in package.items.items() if keep(name)}
    return serialize(Package(header=package.header, items=kept))


def read_symbol(library: Path) -> tuple[str, bytes]:
    """(symbol name, bytes) of the data symbol `icudt<N>_dat` exported by an ICU data library."""
    readelf = shutil.which("readelf")
    if readelf is None:
        raise RuntimeError("readelf (binutils) is needed to read the ICU data library")
    symbols = subprocess.run(
        [readelf, "--dyn-syms", "-W", str(library)], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(
        r"\s([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+OBJECT\s+GLOBAL\s+\S+\s+\d+\s+(icudt\d+_dat)$",
        symbols,
        re.MULTILINE,
    )
    if match is None:
        raise RuntimeError(f"{library.name} exports no icudt<N>_dat symbol")
    address, size, symbol = int(match.group(1), 16), int(match.group(2), 0), match.group(3)
    # The symbol's address is its file offset in the section: find the section holding it.
    sections = subprocess.run(
        [readelf, "-S", "-W", str(library)], capture_output=True, text=True, check=True
    ).stdout
    for line in sections.splitlines():
        fields = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if not fields:
            continue
        start, offset, length = (int(fields.group(i), 16) for i in (2, 3, 4))
        if start <= address < start + length:
            raw = library.read_bytes()
            file_offset = offset + address - start
            return symbol, raw[file_offset : file_offset + size]
    raise RuntimeError(f"{symbol} is in no section of {library.name}")


def soname(library: Path) -> str:
    dynamic = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True, check=True)
    match = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", dynamic.stdout)
    return match.group(1) if match else library.name


def link_library(symbol: str, data: bytes, so_name: str, out: Path) -> None:
    """A shared library exporting `symbol` = `data` (read-only, 16-byte aligned), with this soname."""
    assembler, linker = shutil.which("as"), shutil.which("ld")
    if assembler is None or linker is None:
        raise RuntimeError("as and ld (binutils) are needed to link the ICU data library")
    with tempfile.TemporaryDirectory(prefix="icudata-") as tmp:
        blob, source, obj = Path(tmp, "data.bin"), Path(tmp, "data.s"), Path(tmp, "data.o")
        blob.write_bytes(data)
        source.write_text(
            "\t.section .rodata\n"
            f"\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
            f'{symbol}:\n\t.incbin "{blob}"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n',
            encoding="ascii",
        )
        subprocess.run([assembler, "-o", str(obj), str(source)], check=True)
        subprocess.run(
            [linker, "-shared", "-soname", so_name, "-z", "noexecstack", "-o", str(out), str(obj)], check=True
        )


def shrink_library(library: Path, kept_languages: Iterable[str]) -> tuple[int, int, dict[str, int]]:
    """Replace the ICU data library by one holding only the kept items.

    Returns (size before, size after, bytes dropped by kind)."""
    languages = tuple(kept_languages)
    symbol, data = read_symbol(library)
    package = parse(data)
    dropped: dict[str, int] = {}
    for name, item in package.items.items():
        kind = item_kind(name, languages)
        if kind is not None:
            dropped[kind] = dropped.get(kind, 0) + len(item)
    smaller = subset(data, lambda name: item_kind(name, languages) is None)
    before = library.stat().st_size
    replacement = library.with_name(library.name + ".new")
    link_library(symbol, smaller, soname(library), replacement)
    replacement.chmod(library.stat().st_mode)
    replacement.replace(library)
    return before, library.stat().st_size, dropped


def shrink_data_file(
    path: Path, kept_languages: Iterable[str], kinds: Iterable[str], items: Iterable[str] = ()
) -> tuple[int, int]:
    """Rewrite an ICU data file (QtWebEngine's icudtl.dat) without the items of these kinds and
    these items (names without the package prefix, e.g. "brkitr/cjdict.dict").

    Returns (size before, size after)."""
    languages, dropped_kinds, dropped_items = tuple(kept_languages), set(kinds), set(items)

    def keep(name: str) -> bool:
        return item_kind(name, languages) not in dropped_kinds and name.split("/", 1)[-1] not in dropped_items

    data = path.read_bytes()
    smaller = subset(data, keep)
    path.write_bytes(smaller)
    return len(data), len(smaller)
