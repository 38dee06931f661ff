package strip

import (
	"bytes"
)

// JPEG marker codes (ITU T.81 table B.1) used below.
const (
	mSOI  = 0xD8
	mEOI  = 0xD9
	mSOS  = 0xDA
	mTEM  = 0x01
	mRST0 = 0xD0
	mRST7 = 0xD7
	mAPP0 = 0xE0
	mAPP1 = 0xE1
	mAPP2 = 0xE2
	mAP14 = 0xEE
	mAP15 = 0xEF
	mCOM  = 0xFE
)

var (
	jfifID  = []byte("JFIF\x00")
	exifID  = []byte("Exif\x00")
	iccID   = []byte("ICC_PROFILE\x00")
	adobeID = []byte("Adobe")
)

// isSOF reports the start-of-frame markers: C0–C3, C5–C7, C9–CB, CD–CF, plus
// F7 (SOF55, JPEG-LS). C4 (DHT), C8 (JPG) and CC (DAC) sit in that range
// but are not frames.
func isSOF(m byte) bool {
	switch {
	case m >= 0xC0 && m <= 0xCF:
		return m != 0xC4 && m != 0xC8 && m != 0xCC
	case m == 0xF7:
		return true
	}
	return false
}

// isKeptTable reports the length-carrying markers needed to decode: DHT,
// JPG, DAC, DQT, DNL, DRI, DHP, EXP and the JPEG extension range F0–FD
// (JPEG-LS parameters, JPEG XT, ...).
func isKeptTable(m byte) bool {
	switch m {
	case 0xC4, 0xC8, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF:
		return true
	}
	return m >= 0xF0 && m <= 0xFD
}

// walkJPEG copies a JPEG keeping only what a decoder needs: SOI, frame,
// tables, scans with their entropy-coded data and restart markers, EOI,
// plus APP0 JFIF (reduced to its 16-byte form, dropping the embedded
// thumbnail), APP14 Adobe (it tells the decoder whether the data is
// YCbCr/YCCK or RGB/CMYK, so dropping it changes colours) and, when
// opt.KeepICC, APP2 ICC_PROFILE. Everything else between markers is
// dropped: APP1 Exif and XMP (standard and extended), APP13
// Photoshop/IPTC, APP11 JUMBF/C2PA, APP2 FlashPix/MPF, JFXX thumbnails,
// other vendor APPn segments and COM. So are 0xFF fill bytes before
// markers and everything after EOI (where MPF secondary images, motion
// photo videos and appended trailers live).
func walkJPEG(src []byte, opt Options, o *out, ex *exifCapture) error {
	if len(src) < 4 || src[0] != 0xFF || src[1] != mSOI {
		return malformed(JPEG, 0, "missing SOI")
	}
	o.write(src[:2])
	i := 2
	sawSOF, sawSOS := false, false
	for {
		if i >= len(src) {
			return malformed(JPEG, i, "truncated before EOI")
		}
		if src[i] != 0xFF {
			return malformed(JPEG, i, "expected a marker")
		}
		// Any number of 0xFF fill bytes may precede a marker (T.81 B.1.1.2).
		for i < len(src) && src[i] == 0xFF {
			i++
		}
		if i >= len(src) {
			return malformed(JPEG, i, "truncated in fill bytes")
		}
		start := i - 1 // the 0xFF that introduces the marker
		m := src[i]
		i++
		switch {
		case m == 0x00:
			return malformed(JPEG, start, "stuffed zero outside entropy-coded data")
		case m == mEOI:
			if !sawSOS {
				return malformed(JPEG, start, "EOI before any scan")
			}
			o.write(src[start:i])
			return nil
		case m == mSOI:
			return malformed(JPEG, start, "nested SOI")
		case m == mTEM || (m >= mRST0 && m <= mRST7):
			// Stand-alone markers without a length field.
			o.write(src[start:i])
			continue
		}
		if len(src)-i < 2 {
			return malformed(JPEG, i, "truncated segment length")
		}
		segLen := int(src[i])<<8 | int(src[i+1])
		if segLen < 2 {
			return malformed(JPEG, i, "segment length below 2")
		}
		end := i + segLen
		if end > len(src) {
			return malformed(JPEG, i, "segment runs past end of data")
		}
		payload := src[i+2 : end]
		seg := src[start:end]
		switch {
		case m >= mAPP0 && m <= mAP15:
			switch {
			case m == mAPP0 && bytes.HasPrefix(payload, jfifID):
				if len(payload) >= 14 {
					writeJFIF(o, payload)
				}
			case m == mAPP1 && len(payload) >= 6 && bytes.HasPrefix(payload, exifID):
				ex.offer(payload[6:])
			case m == mAPP2 && opt.KeepICC && bytes.HasPrefix(payload, iccID):
				o.write(seg)
			case m == mAP14 && bytes.HasPrefix(payload, adobeID):
				o.write(seg)
			}
		case m == mCOM:
			// Comments are free text: dropped.
		case m == mSOS:
			if !sawSOF {
				return malformed(JPEG, start, "scan before frame header")
			}
			sawSOS = true
			o.write(seg)
			j, err := scanEnd(src, end)
			if err != nil {
				return err
			}
			o.write(src[end:j])
			i = j
			continue
		case isSOF(m):
			sawSOF = true
			o.write(seg)
		case isKeptTable(m):
			o.write(seg)
		default:
			return malformed(JPEG, start, "reserved marker")
		}
		i = end
	}
}

// scanEnd returns the offset of the 0xFF that ends the entropy-coded data
// starting at from. Inside it 0xFF is followed by a stuffed 0x00 or a
// restart marker; anything else (including another 0xFF, a fill byte)
// starts the next marker.
func scanEnd(src []byte, from int) (int, error) {
	j := from
	for {
		k := bytes.IndexByte(src[j:], 0xFF)
		if k < 0 {
			return 0, malformed(JPEG, len(src), "entropy-coded data not terminated")
		}
		j += k
		if j+1 >= len(src) {
			return 0, malformed(JPEG, j, "truncated in entropy-coded data")
		}
		n := src[j+1]
		if n == 0x00 || (n >= mRST0 && n <= mRST7) {
			j += 2
			continue
		}
		return j, nil
	}
}

// writeJFIF writes the APP0 JFIF segment without its optional thumbnail:
// identifier, version, density units and X/Y density are kept, thumbnail
// size is set to 0×0. A JFIF thumbnail is a small copy of the picture and
// may show what a crop removed.
func writeJFIF(o *out, payload []byte) {
	var seg [18]byte
	seg[0], seg[1] = 0xFF, mAPP0
	seg[2], seg[3] = 0, 16
	copy(seg[4:16], payload[:12])
	// seg[16], seg[17] (thumbnail width, height) stay 0.
	o.write(seg[:])
}
