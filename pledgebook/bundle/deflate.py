"""Deflate for bundle members: ISA-L (the ``isal`` package) where it is installed, zlib otherwise.

A bundle's JSON Lines are about 270 MB for a 100,000-pledge ledger. zipfile deflates them with zlib,
about 2.2 s at level 1 here; ISA-L's level 1 takes 0.45 s and writes a smaller file (51 vs 56 MB), and
inflates twice as fast. Its output is plain deflate: any unzip, and zipfile with zlib alone, reads it.

zipfile has no public way to choose the (de)compressor, so the member streams it opens get theirs
swapped before the first byte passes. Where ``isal`` is missing (the extra ``fast``: no wheel for 32-bit Python),
or a Python version names these attributes differently, nothing is swapped and zipfile's own zlib
does the work: slower, the same data.
"""

from __future__ import annotations

import zipfile
import zlib
from typing import IO

try:
    from isal import isal_zlib
except ImportError:  # pragma: no cover - the "fast" extra; ./check and both kits install it
    isal_zlib = None

# ISA-L's levels are 0-3; 1 is as fast as 0 here and 12% smaller than zlib's level 1
ISAL_LEVEL = 1
_ZLIB_COMPRESS = type(zlib.compressobj())
_ZLIB_DECOMPRESS = type(zlib.decompressobj())


def fast() -> bool:
    """Whether members are deflated and inflated with ISA-L."""
    return isal_zlib is not None


def open_write(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """``zf.open(info, "w")`` (zip64), deflating with ISA-L when ``info`` asks for deflate."""
    stream = zf.open(info, "w", force_zip64=True)
    if (isal_zlib is not None and info.compress_type == zipfile.ZIP_DEFLATED
            and type(getattr(stream, "_compressor", None)) is _ZLIB_COMPRESS):
        # zipfile's own compressor swapped (no public way to choose it; see the module's docstring). The stubs
        # type the stream as IO[bytes], without zipfile's private attribute checked for just above: hence the ignore
        stream._compressor = isal_zlib.compressobj(  # noqa: SLF001  # pyright: ignore[reportAttributeAccessIssue]
            ISAL_LEVEL, isal_zlib.DEFLATED, -zlib.MAX_WBITS)
    return stream


def open_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """``zf.open(info)``, inflating with ISA-L when the member is deflated (zipfile still checks the CRC)."""
    stream = zf.open(info)
    if isal_zlib is not None and type(getattr(stream, "_decompressor", None)) is _ZLIB_DECOMPRESS:
        # as in open_write (the ignore too: zipfile's private attribute, checked for just above)
        stream._decompressor = isal_zlib.decompressobj(  # noqa: SLF001  # pyright: ignore[reportAttributeAccessIssue]
            -zlib.MAX_WBITS)
    return stream
