"""Document bytes → text: which encoding and which line ends a file uses, in one place.

Plans arrive as Chinese Windows exports them: UTF-8 with or without a byte-order mark,
GBK/GB18030 ("ANSI" on a Chinese Windows), UTF-16 ("Unicode" in Notepad), with CRLF, LF
or old Mac CR-only line ends. The ingest reads plans/ as UTF-8 only (so every line number
cited is the same for every reader); ``add-plan`` uses ``decode`` to convert anything
else into that form, and the ingest uses ``describe_problem`` to say how to fix a file
that was put into plans/ by hand.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

# Names shown to users: what a Chinese Windows user calls the encoding.
ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "gb18030": "GBK/GB18030",
}
NEWLINE_LABELS = {"\n": "LF", "\r\n": "CRLF", "\r": "CR", "mixed": "mixed", "": "none"}


class DecodeError(ValueError):
    """The bytes are none of the supported encodings; ``line`` is where decoding failed,
    ``byte`` the offset of the first byte that fits none, ``reason`` the codec's word for it."""

    def __init__(self, message: str, line: int | None, byte: int | None = None, reason: str = ""):
        super().__init__(message)
        self.line = line
        self.byte = byte
        self.reason = reason


@dataclass(frozen=True)
class Decoded:
    text: str  # no byte-order mark, every line end "\n"
    encoding: str  # a key of ENCODING_LABELS
    newline: str  # a key of NEWLINE_LABELS: the line ends the bytes used

    @property
    def lines(self) -> list[str]:
        return split_lines(self.text)

    @property
    def label(self) -> str:
        return f"{ENCODING_LABELS[self.encoding]}, {NEWLINE_LABELS[self.newline]}"


def split_lines(text: str) -> list[str]:
    """Lines of "\n"-ended text, without their ends (a final line end adds no empty line)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def newline_of(text: str) -> str:
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    used = [name for name, count in (("\r\n", crlf), ("\r", cr), ("\n", lf)) if count]
    if not used:
        return ""
    return used[0] if len(used) == 1 else "mixed"


def _plausible_chinese(text: str) -> bool:
    """Decoded GB18030 that reads as text: GB18030 decodes almost any bytes, so a Latin-1
    or binary file must not pass as a plan. Most characters must be CJK, ASCII or the
    punctuation plans use."""
    if not text:
        return False

    def ordinary(c: str) -> bool:
        o = ord(c)
        return (
            c in "\t\r\n" or 0x20 <= o < 0x7F or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0x2000 <= o <= 0x206F or c in "·×÷—…‰℃№Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ"
        )

    return sum(map(ordinary, text)) >= 0.97 * len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit at odd/even offsets as UTF-16 text has them."""
    if len(data) < 4 or len(data) % 2:
        return None
    odd, even = data[1::2].count(0), data[0::2].count(0)
    half = len(data) // 2
    if odd >= 0.3 * half and even == 0:
        return "utf-16-le"
    if even >= 0.3 * half and odd == 0:
        return "utf-16-be"
    return None


def decode(data: bytes) -> Decoded:
    """Decode a plan's bytes: byte-order marks first, then UTF-8, then GBK/GB18030.

    Raises DecodeError naming the line of the first byte no supported encoding explains.
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            encoding, text = "utf-8-sig", data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise _utf8_error(data[3:], offset=3) from None
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"the file starts like UTF-16 but byte {exc.start} is not UTF-16 ({exc.reason})", None,
                              exc.start, exc.reason) from None
    elif (utf16 := _utf16_without_bom(data)) is not None:
        encoding, text = utf16, data.decode(utf16, errors="replace")
    else:
        try:
            encoding, text = "utf-8", data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                candidate = data.decode("gb18030")
            except UnicodeDecodeError:
                candidate = None
            if candidate is None or not _plausible_chinese(candidate):
                raise _utf8_error(data) from None
            encoding, text = "gb18030", candidate
    text = text.removeprefix("\ufeff")
    newline = newline_of(text)
    return Decoded(text.replace("\r\n", "\n").replace("\r", "\n"), encoding, newline)


def _utf8_error(data: bytes, offset: int = 0) -> DecodeError:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return DecodeError(
            f"byte {exc.start + offset} on line {line} fits none of UTF-8, GBK/GB18030 or UTF-16 ({exc.reason}); "
            "save the file as UTF-8 (in Notepad: 另存为 → 编码 UTF-8) and add it again",
            line, exc.start + offset, exc.reason,
        )
    return DecodeError("the file cannot be decoded", None)


def describe_problem(data: bytes) -> tuple[str, str, int | None, dict] | None:
    """(code, message, line, facts) of why bytes in plans/ cannot be read as the ingest reads them
    (UTF-8 with LF or CRLF ends), with the fix; None when they can. The message names the
    encoding or the line ends found; facts are its values for the app's words (Issue.facts)."""
    try:
        decoded = decode(data)
    except DecodeError as exc:
        facts = {"form": "undecodable", "byte": exc.byte} if exc.byte is not None else {"form": "unknown-encoding"}
        return "not-utf8", f"is not UTF-8: {exc}", exc.line, facts
    fix = "convert it with `python -m xiancheng add-plan FILE` (which keeps the original), or save it as UTF-8"
    if decoded.encoding not in ("utf-8", "utf-8-sig"):
        return "not-utf8", f"is encoded as {ENCODING_LABELS[decoded.encoding]}, not UTF-8: {fix}", None, {
            "form": "encoding", "encoding": ENCODING_LABELS[decoded.encoding]}
    if data.count(b"\r") > data.count(b"\r\n"):  # a CR that ends a line on its own
        return "line-endings", (
            "has old Mac line ends (CR only, no LF), so it reads as one line: "
            "convert it with `python -m xiancheng add-plan FILE`, or save it with Windows (CRLF) or Unix (LF) line ends"
        ), None, {}
    return None
