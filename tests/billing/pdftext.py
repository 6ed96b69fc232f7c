"""Just enough PDF text extraction for tests of the files reportlab writes (no PDF library in the
project): undo ASCII85 and inflate the content streams, read the string operands, and decode each one both as
single-byte text (Latin fonts) and as UTF-16BE (the CID font STSong-Light)."""

import base64
import contextlib
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        char = raw[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        following = raw[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(following, following)
            i += 2
    return bytes(out)


def pdf_text(content: bytes) -> str:
    pieces = []
    for stream in _STREAM.findall(content):
        stream = stream.strip()
        if stream.endswith(b"~>"):  # reportlab writes ASCII85 around the deflated data
            stream = base64.a85decode(stream[:-2])
        with contextlib.suppress(zlib.error):
            stream = zlib.decompress(stream)
        for literal in _STRING.findall(stream):
            data = _unescape(literal[1:-1])
            pieces.append(data.decode("latin-1"))
            if len(data) % 2 == 0:
                pieces.append(data.decode("utf-16-be", errors="ignore"))
    return "\n".join(pieces)
