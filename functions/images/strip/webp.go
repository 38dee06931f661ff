package strip

import (
	"encoding/binary"
)

// VP8X feature flags (WebP container specification, "Extended File Format").
const (
	vp8xICC  = 0x20
	vp8xEXIF = 0x08
	vp8xXMP  = 0x04
)

// walkWebP copies the RIFF container keeping the image chunks (VP8, VP8L,
// ALPH, ANIM, ANMF), VP8X and, when opt.KeepICC, ICCP. EXIF, "XMP " and
// unknown chunks are dropped, the VP8X EXIF/XMP flags are cleared (and
// the ICC flag when no ICCP is kept), and the RIFF size is rewritten. Bytes
// after the RIFF payload are dropped. A simple file (one VP8 or VP8L chunk,
// nothing after it) is copied unchanged.
func walkWebP(src []byte, opt Options, o *out, ex *exifCapture) error {
	riff := binary.LittleEndian.Uint32(src[4:])
	if riff < 4 {
		return malformed(WebP, 4, "RIFF size below 4")
	}
	if int64(riff) > int64(len(src)-8) {
		return malformed(WebP, 4, "RIFF size runs past end of data")
	}
	body := src[:8+int(riff)]
	o.write(body[:12])
	vp8xAt := -1 // output offset of the VP8X payload
	keptICC, sawImage := false, false
	i := 12
	for idx := 0; i < len(body); idx++ {
		if len(body)-i < 8 {
			return malformed(WebP, i, "truncated chunk header")
		}
		fourcc := string(body[i : i+4])
		n := binary.LittleEndian.Uint32(body[i+4:])
		if int64(n) > int64(len(body)-i-8) {
			return malformed(WebP, i, "chunk runs past RIFF payload")
		}
		end := i + 8 + int(n)
		if n%2 == 1 && end < len(body) {
			// Odd sizes are followed by a pad byte. Some writers omit it
			// after the last chunk; that file is still readable, so the
			// chunk is kept as it is.
			end++
		}
		if idx == 0 && fourcc != "VP8 " && fourcc != "VP8L" && fourcc != "VP8X" {
			return malformed(WebP, i, "first chunk is not VP8, VP8L or VP8X")
		}
		switch fourcc {
		case "VP8X":
			if idx != 0 || n < 10 {
				return malformed(WebP, i, "misplaced or short VP8X")
			}
			vp8xAt = len(o.buf) + 8
			o.write(body[i:end])
		case "VP8 ", "VP8L", "ANMF":
			sawImage = true
			o.write(body[i:end])
		case "ALPH", "ANIM":
			o.write(body[i:end])
		case "ICCP":
			if opt.KeepICC {
				keptICC = true
				o.write(body[i:end])
			}
		case "EXIF":
			ex.offer(body[i+8 : i+8+int(n)])
		}
		i = end
	}
	if !sawImage {
		return malformed(WebP, 12, "no image data")
	}
	if o.discard {
		return nil
	}
	binary.LittleEndian.PutUint32(o.buf[4:], uint32(len(o.buf)-8))
	if vp8xAt >= 0 {
		flags := o.buf[vp8xAt] &^ (vp8xEXIF | vp8xXMP)
		if !keptICC {
			flags &^= vp8xICC
		}
		o.buf[vp8xAt] = flags
	}
	return nil
}
