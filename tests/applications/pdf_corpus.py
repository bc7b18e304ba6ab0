"""Builds the upload test corpus at run time: nothing binary is committed.

Plain documents come from pypdf; the tricky ones (object streams, hex-escaped names, hidden
objects) are written byte by byte by :func:`build_pdf`, which computes the cross-reference
offsets so that pypdf reads them without repairs.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def plain_pdf(pages: int = 3) -> bytes:
    """A blank A4 document of ``pages`` pages, as pypdf writes it."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    return _written(writer)


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_names_javascript() -> bytes:
    """Document-level JavaScript in the catalogue's /Names tree (pypdf's ``add_open_action``)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.alert('hello');"))
    return _written(writer)


def pdf_with_open_action_javascript() -> bytes:
    """JavaScript run when the document opens: catalogue /OpenAction → /S /JavaScript."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.launchURL('https://evil.example');"),
    })
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _written(writer)


def pdf_with_launch_link() -> bytes:
    """A link annotation whose action launches a program."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    annotation = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(100),
                                          NumberObject(100)]),
        NameObject("/A"): DictionaryObject({
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("C:\\Windows\\System32\\calc.exe"),
        }),
    })
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _written(writer)


def pdf_with_attachment() -> bytes:
    """An embedded file (pypdf's ``add_attachment``)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("payload.txt", b"anything at all")
    return _written(writer)


def encrypted_pdf(user_password: str) -> bytes:
    """RC4-128 (needs no crypto library); an empty user password still counts as encrypted."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    return _written(writer)


def padded(data: bytes, size: int) -> bytes:
    """``data`` grown to exactly ``size`` bytes by a trailing comment line after ``%%EOF``."""
    missing = size - len(data)
    if missing < 2:
        raise ValueError("the document is already too large to pad")
    return data + b"\n%" + b"x" * (missing - 2)


def exe_bytes() -> bytes:
    """The start of a Windows PE executable: MZ header, DOS stub, PE signature at 0x80."""
    header = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
    header += b"\xb8" + b"\x00" * 7 + b"\x40" + b"\x00" * 35
    header += struct.pack("<I", 0x80)  # e_lfanew
    header += b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21This program cannot be run in DOS mode.\r\n$"
    header += b"\x00" * (0x80 - len(header))
    header += b"PE\x00\x00\x4c\x01\x03\x00" + b"\x00" * 200
    return bytes(header)


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("deck/slides.txt", "Our startup, in ten slides.")
    return out.getvalue()


# --- Hand-written documents ----------------------------------------------------------------
def stream_object(dictionary: bytes, data: bytes, *, compress: bool = True) -> bytes:
    """``<< dictionary /Length n [/Filter /FlateDecode] >> stream ... endstream``."""
    if compress:
        data = zlib.compress(data)
        dictionary += b" /Filter /FlateDecode"
    return (b"<< " + dictionary + b" /Length " + str(len(data)).encode() + b" >>\nstream\n"
            + data + b"\nendstream")


def build_pdf(objects: dict[int, bytes], *, root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF 1.7 file with the given objects (number → body) and a classic xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += f"xref\n0 {size}\n".encode() + b"0000000000 65535 f \n"
    for number in range(1, size):
        if number in offsets:
            out += f"{offsets[number]:010d} 00000 n \n".encode()
        else:
            out += b"0000000000 65535 f \n"
    out += (b"trailer\n<< /Size " + str(size).encode() + b" /Root " + str(root).encode()
            + b" 0 R " + trailer_extra + b" >>\nstartxref\n" + str(xref).encode()
            + b"\n%%EOF\n")
    return bytes(out)


def object_stream(members: dict[int, bytes]) -> bytes:
    """An /ObjStm holding ``members`` (number → body), Flate-compressed."""
    header = bytearray()
    body = bytearray()
    for number, member in members.items():
        header += f"{number} {len(body)} ".encode()
        body += member + b"\n"
    first = len(header)
    return stream_object(f"/Type /ObjStm /N {len(members)} /First {first}".encode(),
                         bytes(header) + bytes(body))


def build_pdf_with_object_stream(plain: dict[int, bytes], packed: dict[int, bytes],
                                 *, stream_number: int, root: int = 1,
                                 unlisted: dict[int, bytes] | None = None) -> bytes:
    """A PDF 1.5+ file whose ``packed`` objects live in a compressed object stream, indexed by
    a cross-reference stream (type-2 entries), as Word, Acrobat and qpdf write them.
    ``unlisted`` objects are written into the body but left out of the cross-reference."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    objects = dict(plain)
    objects[stream_number] = object_stream(packed)
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    for number, body in (unlisted or {}).items():
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_number = max([*objects, *packed, *(unlisted or {})]) + 1
    size = xref_number + 1
    xref_offset = len(out)
    rows = bytearray()
    packed_index = {number: index for index, number in enumerate(packed)}
    for number in range(size):
        if number in offsets:
            rows += struct.pack(">BIH", 1, offsets[number], 0)
        elif number in packed_index:
            rows += struct.pack(">BIH", 2, stream_number, packed_index[number])
        elif number == xref_number:
            rows += struct.pack(">BIH", 1, xref_offset, 0)
        else:
            rows += struct.pack(">BIH", 0, 0, 65535)
    xref = stream_object(
        f"/Type /XRef /Size {size} /W [1 4 2] /Root {root} 0 R".encode(), bytes(rows))
    out += f"{xref_number} 0 obj\n".encode() + xref + b"\nendobj\n"
    out += b"startxref\n" + str(xref_offset).encode() + b"\n%%EOF\n"
    return bytes(out)


PAGE_TREE = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
       b" /Resources << /Font << /F1 5 0 R >> >> >>",
    4: stream_object(b"", b"BT /F1 24 Tf 72 760 Td (Neuro Chips - pitch deck) Tj ET"),
    5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
}


def office_like_pdf() -> bytes:
    """What ordinary exporters write: a compressed text page, document info, a web link, an
    outline entry, and LibreOffice's catalogue /OpenAction that is only a destination."""
    objects = dict(PAGE_TREE)
    objects[1] = (b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /XYZ null null 0]"
                  b" /Outlines 7 0 R /Lang (ko-KR) /ViewerPreferences << /DisplayDocTitle true >>"
                  b" >>")
    objects[3] = objects[3][:-3] + b" /Annots [6 0 R] >>"
    objects[6] = (b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0]"
                  b" /A << /S /URI /URI (https://neurochips.example) >> >>")
    objects[7] = b"<< /Type /Outlines /First 8 0 R /Last 8 0 R /Count 1 >>"
    objects[8] = (b"<< /Title (Summary) /Parent 7 0 R"
                  b" /A << /S /GoTo /D [3 0 R /Fit] >> >>")
    objects[9] = b"<< /Producer (LibreOffice 24.2) /Title (Pitch deck) >>"
    return build_pdf(objects, trailer_extra=b"/Info 9 0 R")


def hidden_hex_escaped_javascript_pdf() -> bytes:
    """A valid document plus an object no structure references, whose action names are
    spelled with ``#xx`` escapes (/J#61vaScript = /JavaScript, /J#53 = /JS)."""
    objects = dict(PAGE_TREE)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[6] = b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"
    return build_pdf(objects)


def object_stream_pdf(*, javascript: str) -> bytes:
    """Pages and (optionally) a JavaScript action packed in a compressed object stream.

    ``javascript``: ``"none"`` (a clean document), ``"open_action"`` (the catalogue runs it on
    open), ``"unreferenced"`` (listed in the xref stream, referenced by nothing) or
    ``"hidden"`` (an extra object stream that even the cross-reference table does not list).
    """
    action = b"<< /S /JavaScript /JS (app.alert\\('packed'\\)) >>"
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    if javascript == "open_action":
        catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>"
    packed = {1: catalog, 2: PAGE_TREE[2], 3: PAGE_TREE[3], 5: PAGE_TREE[5]}
    if javascript in {"open_action", "unreferenced"}:
        packed[6] = action
    # Object 8, an object stream holding the action as object 9, sits in the file body but is
    # absent from the cross-reference stream: no reader-visible structure leads to it.
    unlisted = {8: object_stream({9: action})} if javascript == "hidden" else None
    data = build_pdf_with_object_stream({4: PAGE_TREE[4]}, packed, stream_number=7,
                                        unlisted=unlisted)
    if javascript == "hidden":
        assert b"JavaScript" not in data  # only decoding the object stream reveals it
    return data


def object_stream_bomb_pdf(decoded_bytes: int, copies: int = 1) -> bytes:
    """A clean document plus ``copies`` unreferenced object streams that each inflate to
    ``decoded_bytes`` (compressed once, so building it stays quick)."""
    objects = dict(PAGE_TREE)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    bomb = stream_object(b"/Type /ObjStm /N 1 /First 4", b"9 0 " + b" " * decoded_bytes)
    for copy in range(copies):
        objects[6 + copy] = bomb
    return build_pdf(objects)
