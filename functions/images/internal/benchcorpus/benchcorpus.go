// Package benchcorpus builds camera-sized images carrying the fixtures'
// metadata, for the stripping benchmarks and the exiftool comparison. The
// pixels are a deterministic noisy gradient (photo-like entropy, so JPEG and
// PNG sizes are realistic); the metadata segments are copied from a fixture.
package benchcorpus

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// picture returns a w×h noisy gradient, the same for the same seed.
func picture(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := uint8(r.IntN(24))
			img.SetNRGBA(x, y, color.NRGBA{uint8(x*255/w) + n, uint8(y*255/h) + n, uint8((x+y)*127/(w+h)) + n, 255})
		}
	}
	return img
}

// JPEG encodes a w×h JPEG (quality 90) and inserts, after SOI, every APPn
// and COM segment that precedes the first DQT in withMeta (a fixture made
// by make-fixtures.sh).
func JPEG(w, h int, seed uint64, withMeta []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, picture(w, h, seed), &jpeg.Options{Quality: 90}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	var meta []byte
	for i := 2; i+4 <= len(withMeta); {
		m := withMeta[i+1]
		n := int(binary.BigEndian.Uint16(withMeta[i+2:]))
		if !(m >= 0xE0 && m <= 0xEF || m == 0xFE) {
			break
		}
		meta = append(meta, withMeta[i:i+2+n]...)
		i += 2 + n
	}
	img := buf.Bytes()
	out := append(append(append([]byte{}, img[:2]...), meta...), img[2:]...)
	return out, nil
}

// PNG encodes a w×h RGBA PNG and inserts after IHDR every ancillary chunk
// of withMeta except the colour ones (so eXIf, iTXt, tEXt, zTXt, tIME,
// iCCP and the like).
func PNG(w, h int, seed uint64, withMeta []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, picture(w, h, seed)); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	var meta []byte
	for i := 8; i+12 <= len(withMeta); {
		n := int(binary.BigEndian.Uint32(withMeta[i:]))
		typ := string(withMeta[i+4 : i+8])
		switch typ {
		case "eXIf", "iTXt", "tEXt", "zTXt", "tIME", "iCCP":
			meta = append(meta, withMeta[i:i+12+n]...)
		}
		i += 12 + n
	}
	img := buf.Bytes()
	return append(append(append([]byte{}, img[:33]...), meta...), img[33:]...), nil
}

// WebP builds an extended WebP of about size bytes: VP8X, ICCP, a VP8L
// chunk of random payload, EXIF and XMP. The payload is not a decodable
// bitstream, which stripping never looks at; the exiftool comparison uses
// real WebP files instead.
func WebP(size int, seed uint64, exif, xmp, icc []byte) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(r.UintN(256))
	}
	payload[0] = 0x2F // VP8L signature
	b := []byte("RIFF\x00\x00\x00\x00WEBP")
	b = chunk(b, "VP8X", []byte{0x2C, 0, 0, 0, 0xFF, 0x07, 0, 0xFF, 0x07, 0})
	b = chunk(b, "ICCP", icc)
	b = chunk(b, "VP8L", payload)
	b = chunk(b, "EXIF", exif)
	b = chunk(b, "XMP ", xmp)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func chunk(b []byte, fourcc string, data []byte) []byte {
	b = append(b, fourcc...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}
