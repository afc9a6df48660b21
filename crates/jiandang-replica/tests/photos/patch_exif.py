#!/usr/bin/env python3
"""Rewrites the EXIF of a JPEG in place of what exiftool cannot write: the GPS tags in the
types some phones use (SRATIONAL, DOUBLE), negative SRATIONAL degrees without a reference,
and the two kinds of broken EXIF seen from real devices (a GPS pointer past the end of the
segment, a first IFD that is not there). Standard library only; used by make.sh.

    patch_exif.py MODE IN OUT      MODE: srational | srational-negative | double |
                                         broken-gps-pointer | broken-ifd0
"""

import struct
import sys

RATIONAL, SRATIONAL, DOUBLE, LONG = 5, 10, 12, 4
GPS_IFD = 0x8825
GPS_LAT, GPS_LON = 2, 4


def app1(jpeg):
    """(start of the TIFF header, end of the segment) of the Exif APP1 segment."""
    i = 2
    while i + 4 <= len(jpeg):
        if jpeg[i] != 0xFF:
            raise ValueError("not at a marker")
        marker = jpeg[i + 1]
        length = struct.unpack(">H", jpeg[i + 2 : i + 4])[0]
        if marker == 0xE1 and jpeg[i + 4 : i + 10] == b"Exif\0\0":
            return i + 10, i + 2 + length
        if marker == 0xDA:
            break
        i += 2 + length
    raise ValueError("no Exif segment")


def entries(buf, tiff, ifd, endian):
    """(offset of the entry, tag, type, count, value or offset field) for each entry."""
    (n,) = struct.unpack(endian + "H", buf[tiff + ifd : tiff + ifd + 2])
    for k in range(n):
        at = tiff + ifd + 2 + 12 * k
        tag, typ, count = struct.unpack(endian + "HHI", buf[at : at + 8])
        (value,) = struct.unpack(endian + "I", buf[at + 8 : at + 12])
        yield at, tag, typ, count, value


def main():
    mode, src, dst = sys.argv[1:4]
    buf = bytearray(open(src, "rb").read())
    tiff, end = app1(buf)
    endian = "<" if buf[tiff : tiff + 2] == b"II" else ">"
    (ifd0,) = struct.unpack(endian + "I", buf[tiff + 4 : tiff + 8])
    if mode == "broken-ifd0":
        # The first IFD's offset points far past the segment: nothing can be read.
        buf[tiff + 4 : tiff + 8] = struct.pack(endian + "I", 0x7FFF_FF00)
        open(dst, "wb").write(buf)
        return
    gps = None
    for at, tag, typ, count, value in entries(buf, tiff, ifd0, endian):
        if tag == GPS_IFD:
            gps = (at, value)
    if gps is None:
        raise ValueError("no GPS IFD")
    if mode == "broken-gps-pointer":
        # The GPS IFD pointer points past the segment; IFD0 and the Exif IFD stay readable.
        buf[gps[0] + 8 : gps[0] + 12] = struct.pack(endian + "I", end - tiff + 4096)
        open(dst, "wb").write(buf)
        return
    for at, tag, typ, count, value in entries(buf, tiff, gps[1], endian):
        if typ != RATIONAL:
            continue
        if mode in ("srational", "srational-negative"):
            buf[at + 2 : at + 4] = struct.pack(endian + "H", SRATIONAL)
            if mode == "srational-negative" and tag in (GPS_LAT, GPS_LON):
                for k in range(count):
                    p = tiff + value + 8 * k
                    num, den = struct.unpack(endian + "II", buf[p : p + 8])
                    buf[p : p + 8] = struct.pack(endian + "iI", -num, den)
        elif mode == "double":
            buf[at + 2 : at + 4] = struct.pack(endian + "H", DOUBLE)
            for k in range(count):
                p = tiff + value + 8 * k
                num, den = struct.unpack(endian + "II", buf[p : p + 8])
                buf[p : p + 8] = struct.pack(endian + "d", num / den if den else 0.0)
        else:
            raise ValueError("unknown mode " + mode)
    open(dst, "wb").write(buf)


if __name__ == "__main__":
    main()
