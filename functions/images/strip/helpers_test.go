package strip

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/webp"
)

// fixtureDir holds the committed images made by make-fixtures.sh.
const fixtureDir = "../testdata"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// decode decodes with the standard library / x/image decoder for f.
func decode(f Format, b []byte) (image.Image, error) {
	switch f {
	case JPEG:
		return jpeg.Decode(bytes.NewReader(b))
	case PNG:
		return png.Decode(bytes.NewReader(b))
	case WebP:
		return webp.Decode(bytes.NewReader(b))
	}
	return nil, fmt.Errorf("no decoder for %v", f)
}

// samePixels fails unless a and b have the same concrete type, bounds and
// exactly equal colour values at every pixel.
func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		t.Fatalf("image type changed: %T -> %T", a, b)
	}
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds changed: %v -> %v", a.Bounds(), b.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca, cb := a.At(x, y), b.At(x, y)
			if ca != cb {
				t.Fatalf("pixel (%d,%d) changed: %v -> %v", x, y, ca, cb)
			}
		}
	}
}

// jpegSegments lists the markers of a JPEG outside entropy-coded data as
// "XX" hex codes with, for APPn, the identifier prefix, e.g. "E1:Exif".
func jpegSegments(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	i := 2
	for i+1 < len(b) {
		if b[i] != 0xFF {
			t.Fatalf("expected marker at %d", i)
		}
		m := b[i+1]
		i += 2
		switch {
		case m == 0xD9:
			return append(out, "D9")
		case m >= 0xD0 && m <= 0xD7 || m == 0x01:
			out = append(out, fmt.Sprintf("%02X", m))
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		name := fmt.Sprintf("%02X", m)
		if m >= 0xE0 && m <= 0xEF {
			p := b[i+2 : i+n]
			if k := bytes.IndexByte(p, 0); k > 0 && k < 40 {
				p = p[:k]
			} else if len(p) > 5 {
				p = p[:5]
			}
			name += ":" + string(p)
		}
		out = append(out, name)
		i += n
		if m == 0xDA {
			j, err := scanEnd(b, i)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			i = j
		}
	}
	t.Fatalf("no EOI")
	return nil
}

// pngChunkTypes lists chunk types in order.
func pngChunkTypes(b []byte) []string {
	var out []string
	for i := 8; i+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		out = append(out, string(b[i+4:i+8]))
		i += 12 + n
	}
	return out
}

// webpChunks lists FourCCs and returns the VP8X flags byte (0 without VP8X).
func webpChunks(b []byte) ([]string, byte) {
	var out []string
	var flags byte
	for i := 12; i+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		out = append(out, string(b[i:i+4]))
		if string(b[i:i+4]) == "VP8X" {
			flags = b[i+8]
		}
		i += 8 + n + n%2
	}
	return out, flags
}

// pngChunk builds one chunk with a correct CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// jpegSeg builds a marker segment with a length field.
func jpegSeg(m byte, payload []byte) []byte {
	s := []byte{0xFF, m, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// webpChunk builds a RIFF chunk with its pad byte.
func webpChunk(fourcc string, data []byte) []byte {
	c := append([]byte(fourcc), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(c[4:], uint32(len(data)))
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// riff wraps chunks in a RIFF/WEBP header with the correct size.
func riff(chunks ...[]byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBP")
	for _, c := range chunks {
		b = append(b, c...)
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

// smallJPEG encodes a real 16x8 JPEG with Go's encoder (SOI, DQT, SOF0,
// DHT, SOS, EOI; no APPn).
func smallJPEG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for y := 0; y < 8; y++ {
		for x := 0; x < 16; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 32), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// smallPNG encodes a real 8x4 NRGBA PNG (IHDR, IDAT, IEND).
func smallPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 8, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// splicePNG inserts chunks after IHDR (offset 33).
func splicePNG(base []byte, chunks ...[]byte) []byte {
	out := append([]byte{}, base[:33]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, base[33:]...)
}

// spliceJPEG inserts segments right after SOI.
func spliceJPEG(base []byte, segs ...[]byte) []byte {
	out := append([]byte{}, base[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, base[2:]...)
}
