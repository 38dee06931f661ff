#!/usr/bin/env bash
# Regenerates the committed image fixtures in this directory.
#
# Needs Debian packages imagemagick (convert, with WebP support),
# libimage-exiftool-perl (exiftool), webp (cwebp, webpmux, img2webp),
# libjpeg-turbo-progs (jpegtran) and python3. The fixtures are committed, so
# tests never run this; run it only to change them, and keep each file
# below 50 KB.
#
# Every carrier file holds EXIF with GPS (south-west hemisphere so signs are
# tested), XMP, IPTC where the format allows it, a comment, and an ICC
# profile built below (public domain: generated here, not copied).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A minimal, valid ICC v2 RGB display profile (gamma 2.2, sRGB primaries).
python3 - "$tmp/test.icc" <<'EOF'
import struct, sys
def s15(v): return struct.pack('>i', round(v * 65536))
def xyz(x, y, z): return b'XYZ ' + b'\0' * 4 + s15(x) + s15(y) + s15(z)
desc_text = b'edgekit test RGB\0'
desc = (b'desc' + b'\0' * 4 + struct.pack('>I', len(desc_text)) + desc_text
        + b'\0' * 4 + b'\0' * 4 + b'\0' * 2 + b'\0' + b'\0' * 67)
tags = [
    (b'desc', desc),
    (b'cprt', b'text' + b'\0' * 4 + b'Public domain test profile\0'),
    (b'wtpt', xyz(0.9642, 1.0, 0.8249)),
    (b'rXYZ', xyz(0.4361, 0.2225, 0.0139)),
    (b'gXYZ', xyz(0.3851, 0.7169, 0.0971)),
    (b'bXYZ', xyz(0.1431, 0.0606, 0.7141)),
    (b'rTRC', b'curv' + b'\0' * 4 + struct.pack('>IH', 1, 0x0233) + b'\0\0'),
]
tags += [(b'gTRC', tags[-1][1]), (b'bTRC', tags[-1][1])]
off = 128 + 4 + 12 * len(tags)
table, data = b'', b''
for sig, body in tags:
    while len(body) % 4:
        body += b'\0'
    table += sig + struct.pack('>II', off + len(data), len(body))
    data += body
size = off + len(data)
hdr = (struct.pack('>I', size) + b'\0' * 4 + struct.pack('>I', 0x02100000)
       + b'mntrRGB XYZ ' + struct.pack('>6H', 2024, 1, 1, 0, 0, 0) + b'acsp'
       + b'\0' * 24 + struct.pack('>I', 0) + xyz(0.9642, 1.0, 0.8249)[8:] + b'\0' * 48)
assert len(hdr) == 128
open(sys.argv[1], 'wb').write(hdr + struct.pack('>I', len(tags)) + table + data)
EOF

# Metadata written into every carrier. exiftool maps what each format allows.
meta=(
  -overwrite_original -q
  -EXIF:Make=EdgekitCam -EXIF:Model="Model 7" -EXIF:Artist="Jane Doe"
  -EXIF:Copyright="(c) Jane Doe" -EXIF:Software="edgekit fixtures"
  -EXIF:ImageDescription="a private place" -EXIF:SerialNumber=SN12345
  -EXIF:DateTimeOriginal="2024:05:06 07:08:09" -EXIF:ExposureTime=1/250
  -EXIF:FNumber=2.8 -EXIF:ISO=200 -EXIF:FocalLength=35
  -GPSLatitude=33.8688 -GPSLatitudeRef=S -GPSLongitude=151.2093
  -GPSLongitudeRef=W -GPSAltitude=58.25 -GPSAltitudeRef=0
  -XMP-dc:Creator="Jane Doe" -XMP-dc:Description="xmp secret"
  -XMP-photoshop:City="Secret City"
)
iptc=(-IPTC:By-line="Jane Doe" -IPTC:City="Secret City" -IPTC:Keywords=private)

# JPEG baseline: JFIF, EXIF (+ IFD1 thumbnail), XMP, IPTC, COM, ICC.
convert -size 96x64 -seed 7 plasma:red-blue -strip -quality 85 \
  -profile "$tmp/test.icc" "$tmp/thumb-src.jpg"
convert "$tmp/thumb-src.jpg" -strip -resize 32x "$tmp/thumb.jpg"
cp "$tmp/thumb-src.jpg" jpeg-baseline.jpg
exiftool "${meta[@]}" "${iptc[@]}" -Comment="jpeg comment secret" \
  "-ThumbnailImage<=$tmp/thumb.jpg" jpeg-baseline.jpg

# Progressive JPEG (many SOS and DHT) with data appended after EOI.
convert -size 80x60 -seed 9 plasma:green-yellow -strip -quality 80 "$tmp/p.jpg"
jpegtran -progressive -copy none -outfile jpeg-progressive.jpg "$tmp/p.jpg"
exiftool "${meta[@]}" "${iptc[@]}" -Comment="progressive comment" jpeg-progressive.jpg
printf 'TRAILER after EOI: secret appended data' >> jpeg-progressive.jpg

# Baseline JPEG with a restart marker after every MCU row (DRI + RSTn).
# ImageMagick 6 ignores restart intervals, so jpegtran adds them losslessly;
# not progressive, because Go's decoder rejects progressive scans with RSTn.
jpegtran -restart 1 -copy none -outfile jpeg-restart.jpg "$tmp/p.jpg"
exiftool "${meta[@]}" -Comment="restart comment" jpeg-restart.jpg

# CMYK JPEG: needs APP14 Adobe kept or decoders invert the colours.
convert -size 64x48 -seed 3 plasma:cyan-magenta -strip -colorspace CMYK \
  -quality 90 jpeg-cmyk.jpg
exiftool "${meta[@]}" jpeg-cmyk.jpg

# PNG truecolour with alpha: eXIf, iTXt XMP, tEXt/zTXt, tIME, iCCP, colour chunks.
convert -size 48x32 -seed 5 plasma:orange-purple -alpha set \
  -channel A -fx 'i/w' +channel -profile "$tmp/test.icc" \
  -define png:include-chunk=all png:png-rgba.png
exiftool "${meta[@]}" -PNG:Comment="png comment secret" -PNG:Author="Jane Doe" \
  -PNG:CreationTime="2024:05:06 07:08:09" png-rgba.png

# PNG palette with transparency (PLTE + tRNS).
convert -size 40x30 -seed 11 plasma:white-black -colors 16 \
  -transparent-color white -fill none -draw 'point 1,1' PNG8:png-palette.png
exiftool "${meta[@]}" -PNG:Comment="palette comment" png-palette.png

# APNG: two frames (acTL, fcTL, fdAT) plus text chunks.
# ImageMagick 6 writes APNG only through ffmpeg, so the frames are assembled
# here from two plain PNGs: IHDR, acTL, fcTL+IDAT, fcTL+fdAT, IEND.
convert -size 32x24 xc:red -strip "png24:$tmp/a1.png"
convert -size 32x24 xc:blue -strip "png24:$tmp/a2.png"
python3 - "$tmp/a1.png" "$tmp/a2.png" png-animated.png <<'PY'
import struct, sys, zlib
def chunks(path):
    b = open(path, 'rb').read()[8:]
    while b:
        n = struct.unpack('>I', b[:4])[0]
        yield b[4:8], b[8:8 + n]
        b = b[12 + n:]
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
f1, f2 = dict(chunks(sys.argv[1])), dict(chunks(sys.argv[2]))
w, h = struct.unpack('>II', f1[b'IHDR'][:8])
def fctl(seq): return chunk(b'fcTL', struct.pack('>IIIIIHHBB', seq, w, h, 0, 0, 1, 10, 0, 0))
out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', f1[b'IHDR']) + chunk(b'acTL', struct.pack('>II', 2, 0))
out += fctl(0) + chunk(b'IDAT', f1[b'IDAT']) + fctl(1) + chunk(b'fdAT', struct.pack('>I', 2) + f2[b'IDAT'])
open(sys.argv[3], 'wb').write(out + chunk(b'IEND', b''))
PY
exiftool "${meta[@]}" -PNG:Comment="apng comment" png-animated.png

# WebP lossy extended: VP8X + ICCP + VP8 + EXIF + XMP.
convert -size 64x48 -seed 13 plasma:blue-yellow -strip "$tmp/lossy-src.png"
cwebp -quiet -q 75 "$tmp/lossy-src.png" -o "$tmp/lossy.webp"
webpmux -set icc "$tmp/test.icc" "$tmp/lossy.webp" -o webp-lossy.webp >/dev/null 2>&1
exiftool "${meta[@]}" webp-lossy.webp

# WebP lossy with alpha: VP8X + ALPH + VP8 + metadata.
convert -size 48x40 -seed 17 plasma:red-green -alpha set \
  -channel A -fx 'j/h' +channel -strip "$tmp/alpha-src.png"
cwebp -quiet -q 70 "$tmp/alpha-src.png" -o webp-alpha.webp
exiftool "${meta[@]}" webp-alpha.webp

# WebP lossless: VP8X + VP8L + metadata.
cwebp -quiet -lossless "$tmp/alpha-src.png" -o webp-lossless.webp
exiftool "${meta[@]}" webp-lossless.webp

# WebP simple: one VP8 chunk, no metadata; must pass through unchanged.
cwebp -quiet -q 60 "$tmp/lossy-src.png" -o webp-simple.webp

# Animated WebP (ANIM + ANMF) with EXIF and XMP set through webpmux.
convert -size 24x24 xc:red "$tmp/f1.png"
convert -size 24x24 xc:blue "$tmp/f2.png"
img2webp -lossless "$tmp/f1.png" -d 100 "$tmp/f2.png" -o "$tmp/anim.webp" >/dev/null 2>&1
exiftool -b -EXIF jpeg-baseline.jpg > "$tmp/exif.bin"
exiftool -b -XMP jpeg-baseline.jpg > "$tmp/xmp.bin"
webpmux -set exif "$tmp/exif.bin" "$tmp/anim.webp" -o "$tmp/anim-exif.webp" >/dev/null 2>&1
webpmux -set xmp "$tmp/xmp.bin" "$tmp/anim-exif.webp" -o webp-animated.webp >/dev/null 2>&1

# Not images: a GIF (unsupported) and text.
convert -size 8x8 xc:red gif:not-supported.gif
printf 'just some text, not an image\n' > not-an-image.txt

ls -l ./*.jpg ./*.png ./*.webp ./*.gif ./*.txt
