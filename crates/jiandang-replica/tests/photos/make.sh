#!/usr/bin/env bash
# Makes the photo import's test files in this folder (see README.md). The files are committed;
# this script says how each was made and makes them again. Needs Debian's imagemagick,
# libimage-exiftool-perl, libjpeg-turbo-progs and libheif-examples, and python3.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The scene, upright: four coloured quarters (red top left, blue top right, green bottom
# left, yellow bottom right) with sensor-like noise, 4:3 as phones shoot. Every one of the
# eight EXIF orientations puts the quarters somewhere else, so a test can tell them apart.
convert -size 120x90 xc:'#d02828' -size 120x90 xc:'#2850d0' +append \
  \( -size 120x90 xc:'#28a048' -size 120x90 xc:'#e8c828' +append \) -append \
  -seed 7 -attenuate 0.4 +noise Gaussian "$tmp/scene.png"
convert "$tmp/scene.png" -resize 160x120 -quality 80 "$tmp/thumb.jpg"

# What a phone writes: Exif (no JFIF), make and model, the time with its offset, GPS, and a
# thumbnail in IFD1. $1 = file, $2 = orientation; further arguments go to exiftool.
camera_exif() {
  local file=$1 orientation=$2
  shift 2
  exiftool -q -overwrite_original -n -JFIF:all= \
    -Make='HMD Global' -Model='Nokia 8.3 5G' -Orientation="$orientation" \
    -DateTimeOriginal='2018:10:12 16:30:00' -OffsetTimeOriginal='+08:00' \
    -CreateDate='2018:10:12 16:30:00' -ModifyDate='2018:10:12 16:30:00' \
    -GPSVersionID='2 2 0 0' -GPSLatitudeRef=N -GPSLatitude=34.41 \
    -GPSLongitudeRef=E -GPSLongitude=115.65 -GPSAltitudeRef=0 -GPSAltitude=46 \
    -GPSDateStamp='2018:10:12' -GPSTimeStamp='08:30:00' \
    '-ThumbnailImage<='"$tmp/thumb.jpg" "$@" "$file"
}

jpeg() { convert "$tmp/scene.png" "${@:2}" -quality 88 -sampling-factor 2x2 "$1"; }

# Orientations 1-8: the pixels stored turned the way a phone held that way stores them,
# the tag saying how to turn them upright.
ops=("" "" "-flop" "-rotate 180" "-flip" "-transpose" "-rotate -90" "-transverse" "-rotate 90")
for n in 1 2 3 4 5 6 7 8; do
  # shellcheck disable=SC2086
  jpeg "orientation-$n.jpg" ${ops[$n]}
  camera_exif "orientation-$n.jpg" "$n"
done

# GPS in the other numeric types the exif crate knows.
for mode in srational double; do
  cp orientation-1.jpg "$tmp/in.jpg"
  python3 patch_exif.py "$mode" "$tmp/in.jpg" "gps-$mode.jpg"
done
# South and west through the references, unsigned rationals.
jpeg gps-south-west.jpg
camera_exif gps-south-west.jpg 1 -GPSLatitudeRef=S -GPSLatitude=34.41 \
  -GPSLongitudeRef=W -GPSLongitude=115.65
# Negative signed rationals and no reference tags.
jpeg "$tmp/neg.jpg"
camera_exif "$tmp/neg.jpg" 1 -GPSLatitudeRef= -GPSLongitudeRef=
python3 patch_exif.py srational-negative "$tmp/neg.jpg" gps-srational-negative.jpg

# GPS 0/0: what phones without a fix write.
jpeg gps-zero.jpg
camera_exif gps-zero.jpg 1 -GPSLatitude=0 -GPSLongitude=0

# Broken EXIF: the GPS pointer past the segment (the rest readable), and a first IFD that is
# not there (nothing readable).
python3 patch_exif.py broken-gps-pointer orientation-1.jpg exif-broken-gps.jpg
python3 patch_exif.py broken-ifd0 orientation-1.jpg exif-broken.jpg

# No EXIF at all (a picture saved by an editor or a chat app).
jpeg no-exif.jpg -strip

# JPEG encodings phones and chat apps produce, all to be accepted: progressive, restart
# markers (hardware encoders), 4:2:2, grayscale, CMYK, and bytes after the end of the image (a
# motion photo's video, a vendor trailer).
jpeg progressive.jpg -interlace JPEG
camera_exif progressive.jpg 1
jpegtran -restart 1 -copy all orientation-1.jpg >restart-markers.jpg
convert "$tmp/scene.png" -quality 88 -sampling-factor 2x1 subsampling-422.jpg
convert "$tmp/scene.png" -colorspace Gray -quality 88 grayscale.jpg
# CMYK (Adobe), as a scanner or a document export writes.
convert "$tmp/scene.png" -colorspace CMYK -quality 88 cmyk.jpg
cp orientation-1.jpg trailer-after-end.jpg
head -c 3000 /dev/zero | tr '\0' '\125' >>trailer-after-end.jpg

# Damaged: cut at 60 % (a copy that did not finish), and 512 bytes of the image data
# overwritten with noise (a bad sector, a broken transfer).
size=$(stat -c %s orientation-1.jpg)
head -c $((size * 6 / 10)) orientation-1.jpg >truncated.jpg
python3 - orientation-1.jpg damaged.jpg <<'EOF'
import random, sys
buf = bytearray(open(sys.argv[1], "rb").read())
random.seed(11)
at = len(buf) // 2
buf[at:at + 512] = bytes(random.randrange(256) for _ in range(512))
open(sys.argv[2], "wb").write(buf)
EOF

# Formats the app cannot read: HEIC (iPhones, many Android phones' "high efficiency" setting)
# with camera EXIF, and WebP.
heif-enc -q 60 "$tmp/scene.png" -o photo.heic >/dev/null
exiftool -q -overwrite_original -Make=Apple -Model='iPhone 12' \
  -DateTimeOriginal='2018:10:12 16:30:00' photo.heic
convert "$tmp/scene.png" -quality 80 photo.webp

# PNG: a screenshot (flat colours, no noise) is accepted; one cut short is not.
convert -size 120x90 xc:'#d02828' -size 120x90 xc:'#2850d0' +append \
  \( -size 120x90 xc:'#28a048' -size 120x90 xc:'#e8c828' +append \) -append \
  -define png:exclude-chunks=date,time screenshot.png
size=$(stat -c %s screenshot.png)
head -c $((size * 6 / 10)) screenshot.png >truncated.png
