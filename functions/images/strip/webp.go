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
// ALPH, ANIM, ANMF), VP8X and, when opt.KeepICC, ICCP. Inside each ANMF
// frame only ALPH, VP8 and VP8L are kept (the format allows unknown chunks
// there too). EXIF, "XMP " and
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
		case "VP8 ", "VP8L":
			sawImage = true
			o.write(body[i:end])
		case "ANMF":
			sawImage = true
			if err := writeANMF(o, body, i, int(n)); err != nil {
				return err
			}
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

// anmfHeader is the size of the ANMF fields before the frame's chunks
// (offsets, size, duration, flags).
const anmfHeader = 16

// writeANMF copies the ANMF chunk at body[at:] whose payload is n bytes,
// keeping its 16-byte header and only the ALPH, VP8 and VP8L chunks of the
// frame, and rewrites its size. The input's pad byte is skipped by the
// caller; the rewritten chunk is padded here.
func writeANMF(o *out, body []byte, at, n int) error {
	payload := body[at+8 : at+8+n]
	if n < anmfHeader {
		return malformed(WebP, at, "short ANMF")
	}
	start := len(o.buf)
	o.write(body[at : at+8+anmfHeader])
	sawImage := false
	for j := anmfHeader; j < len(payload); {
		if len(payload)-j < 8 {
			return malformed(WebP, at+8+j, "truncated frame chunk header")
		}
		fourcc := string(payload[j : j+4])
		m := binary.LittleEndian.Uint32(payload[j+4:])
		if int64(m) > int64(len(payload)-j-8) {
			return malformed(WebP, at+8+j, "frame chunk runs past ANMF")
		}
		end := j + 8 + int(m)
		if m%2 == 1 && end < len(payload) {
			end++
		}
		switch fourcc {
		case "VP8 ", "VP8L":
			sawImage = true
			o.write(payload[j:end])
		case "ALPH":
			o.write(payload[j:end])
		}
		j = end
	}
	if !sawImage {
		return malformed(WebP, at, "ANMF frame without image data")
	}
	if o.discard {
		return nil
	}
	size := len(o.buf) - start - 8
	binary.LittleEndian.PutUint32(o.buf[start+4:], uint32(size))
	// Pad an odd result unless the input chunk was an unpadded last chunk
	// kept whole: the output must never outgrow the input.
	inputPadded := n%2 == 1 && at+8+n < len(body)
	if size%2 == 1 && (size < n || inputPadded) {
		o.write([]byte{0})
	}
	return nil
}
