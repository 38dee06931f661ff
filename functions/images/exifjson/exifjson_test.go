package exifjson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgekit/edgekit/functions/images/strip"
)

// ent is one IFD entry for tiffBuilder. data holds the value bytes in the
// block's byte order; offset, when set, replaces the value/offset field
// (to point values or sub-IFDs anywhere, including outside the block).
type ent struct {
	id     uint16
	typ    uint16
	count  uint32
	data   []byte
	offset *uint32
}

// byteOrder is what both binary.BigEndian and binary.LittleEndian offer.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffBuilder lays out a TIFF block: header, then directories appended in
// call order, each followed by its out-of-line values.
type tiffBuilder struct {
	o   byteOrder
	buf []byte
}

func newTIFF(o byteOrder) *tiffBuilder {
	b := &tiffBuilder{o: o}
	if o == binary.BigEndian {
		b.buf = []byte("MM\x00*\x00\x00\x00\x00")
	} else {
		b.buf = []byte("II*\x00\x00\x00\x00\x00")
	}
	return b
}

// dir appends a directory and returns its offset.
func (b *tiffBuilder) dir(next uint32, entries ...ent) uint32 {
	at := uint32(len(b.buf))
	dataAt := at + 2 + 12*uint32(len(entries)) + 4
	var data []byte
	b.buf = b.o.AppendUint16(b.buf, uint16(len(entries)))
	for _, e := range entries {
		b.buf = b.o.AppendUint16(b.buf, e.id)
		b.buf = b.o.AppendUint16(b.buf, e.typ)
		b.buf = b.o.AppendUint32(b.buf, e.count)
		switch {
		case e.offset != nil:
			b.buf = b.o.AppendUint32(b.buf, *e.offset)
		case len(e.data) <= 4:
			b.buf = append(b.buf, append(bytes.Clone(e.data), make([]byte, 4-len(e.data))...)...)
		default:
			b.buf = b.o.AppendUint32(b.buf, dataAt+uint32(len(data)))
			data = append(data, e.data...)
		}
	}
	b.buf = b.o.AppendUint32(b.buf, next)
	b.buf = append(b.buf, data...)
	return at
}

// bytes sets the first-IFD offset and returns the block.
func (b *tiffBuilder) bytes(first uint32) []byte {
	b.o.PutUint32(b.buf[4:], first)
	return b.buf
}

func u32p(v uint32) *uint32 { return &v }

func ascii(id uint16, s string) ent {
	return ent{id: id, typ: 2, count: uint32(len(s) + 1), data: append([]byte(s), 0)}
}

func rationals(o byteOrder, id uint16, v ...uint32) ent {
	var d []byte
	for _, x := range v {
		d = o.AppendUint32(d, x)
	}
	return ent{id: id, typ: 5, count: uint32(len(v) / 2), data: d}
}

func short(o byteOrder, id uint16, v uint16) ent {
	return ent{id: id, typ: 3, count: 1, data: o.AppendUint16(nil, v)}
}

func long(o byteOrder, id uint16, v uint32) ent {
	return ent{id: id, typ: 4, count: 1, data: o.AppendUint32(nil, v)}
}

// gpsBlock builds IFD0 (Make) → GPS IFD with the given position.
func gpsBlock(o byteOrder, latRef, lonRef string, altRef byte) []byte {
	b := newTIFF(o)
	g := b.dir(0,
		ascii(0x1, latRef),
		rationals(o, 0x2, 48, 1, 51, 1, 2988, 100),
		ascii(0x3, lonRef),
		rationals(o, 0x4, 2, 1, 17, 1, 4020, 100),
		ent{id: 0x5, typ: 1, count: 1, data: []byte{altRef}},
		rationals(o, 0x6, 3510, 100),
	)
	return b.bytes(b.dir(0, ascii(0x10F, "Cam"), long(o, tagGPSIFD, g)))
}

func TestDecodeFixtures(t *testing.T) {
	for _, name := range []string{"jpeg-baseline.jpg", "jpeg-progressive.jpg", "png-rgba.png", "webp-lossy.webp", "webp-animated.webp"} {
		t.Run(name, func(t *testing.T) {
			img, err := os.ReadFile(filepath.Join("../testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			block, _, err := strip.EXIF(img)
			if err != nil || block == nil {
				t.Fatalf("strip.EXIF: %v (block %d bytes)", err, len(block))
			}
			res, err := Decode(block)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"Make": "EdgekitCam", "Model": "Model 7", "Artist": "Jane Doe",
				"BodySerialNumber": "SN12345", "DateTimeOriginal": "2024:05:06 07:08:09",
				"ExposureTime": 0.004, "FNumber": 2.8, "GPSLatitudeRef": "S",
				"ExifVersion": "0232",
			}
			for k, v := range want {
				if res.Tags[k] != v {
					t.Errorf("%s = %#v, want %#v", k, res.Tags[k], v)
				}
			}
			for _, k := range []string{"ExifIFDPointer", "GPSInfoIFDPointer", "ThumbJPEGInterchangeFormat"} {
				if _, ok := res.Tags[k]; ok {
					t.Errorf("structural tag %s reported", k)
				}
			}
			if res.GPS == nil || res.GPS.Latitude != -33.8688 || res.GPS.Longitude != -151.2093 ||
				res.GPS.Altitude == nil || *res.GPS.Altitude != 58.25 {
				t.Fatalf("GPS = %+v", res.GPS)
			}
			if _, err := json.Marshal(res); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	be, le := binary.BigEndian, binary.LittleEndian
	loop := newTIFF(be)
	loop.dir(26, ascii(0x10F, "A")) // at 8, next → 26
	loop.dir(8, ascii(0x110, "B"))  // at 26, next → 8
	chain := newTIFF(be)
	var prev uint32
	for i := 0; i < 10; i++ {
		prev = chain.dir(prev, short(be, 0x112, 1))
	}
	// A count that wraps 32-bit count×size to 4: the decoder would
	// allocate count int64s (12 GB) after reading 4 bytes.
	wrap := newTIFF(be)
	wrapBlock := wrap.bytes(wrap.dir(0, ent{id: 0x10F, typ: 3, count: 0x80000002, data: []byte{1, 2, 3, 4}}))
	// The same hidden in the GPS sub-IFD.
	wrapSub := newTIFF(be)
	ws := wrapSub.dir(0, ent{id: 0x1, typ: 5, count: 0x20000001, offset: u32p(8)})
	wrapSubBlock := wrapSub.bytes(wrapSub.dir(0, long(be, tagGPSIFD, ws)))
	// Broken (not unsafe) GPS sub-IFD: IFD0 tags still come back.
	brokenSub := newTIFF(be)
	brokenSubBlock := brokenSub.bytes(brokenSub.dir(0, ascii(0x10F, "Cam"), long(be, tagGPSIFD, 60000)))
	// Thousands of bytes expanded 8× by many tags sharing one value.
	expand := newTIFF(be)
	big := make([]byte, 40000)
	var many []ent
	for i := 0; i < 10; i++ {
		many = append(many, ent{id: 0x02BC, typ: 1, count: uint32(len(big)), offset: u32p(8)})
	}
	expand.buf = append(expand.buf, big...)
	expandBlock := expand.bytes(expand.dir(0, many...))
	// Sub-IFD pointers forming a ring: each is visited once.
	ring := newTIFF(le)
	ringBlock := ring.bytes(ring.dir(0, ascii(0x10F, "Ring"), long(le, tagExifIFD, 8)))
	quoted := newTIFF(le)
	quotedBlock := quoted.bytes(quoted.dir(0,
		ascii(0x10F, `Evil "Cam"</script>`+"\x01\xff\xfe"),
		ascii(0x110, strings.Repeat("é", 2000)),
		rationals(le, 0x11A, 1, 0),
	))
	tests := []struct {
		name    string
		in      []byte
		check   func(t *testing.T, r *Result)
		wantErr error
	}{
		{name: "gps_north_east_below_sea_level", in: gpsBlock(le, "N", "E", 1), check: func(t *testing.T, r *Result) {
			if r.GPS == nil || r.GPS.Latitude != 48.8583 || r.GPS.Longitude != 2.2945 || *r.GPS.Altitude != -35.1 {
				t.Fatalf("GPS = %+v", r.GPS)
			}
		}},
		{name: "gps_south_west_big_endian", in: gpsBlock(be, "S", "W", 0), check: func(t *testing.T, r *Result) {
			if r.GPS == nil || r.GPS.Latitude != -48.8583 || r.GPS.Longitude != -2.2945 || *r.GPS.Altitude != 35.1 {
				t.Fatalf("GPS = %+v", r.GPS)
			}
		}},
		{name: "exif_prefix_accepted", in: append([]byte("Exif\x00\x00"), gpsBlock(be, "N", "E", 0)...), check: func(t *testing.T, r *Result) {
			if r.Tags["Make"] != "Cam" {
				t.Fatalf("tags = %v", r.Tags)
			}
		}},
		{name: "no_gps_without_refs", in: func() []byte {
			b := newTIFF(be)
			return b.bytes(b.dir(0, rationals(be, 0x11A, 72, 1)))
		}(), check: func(t *testing.T, r *Result) {
			if r.GPS != nil || r.Tags["XResolution"] != 72.0 {
				t.Fatalf("result = %+v", r)
			}
		}},
		{name: "strings_escaped_and_capped", in: quotedBlock, check: func(t *testing.T, r *Result) {
			j, err := json.Marshal(r)
			if err != nil || !json.Valid(j) {
				t.Fatalf("JSON: %v", err)
			}
			if s := r.Tags["Model"].(string); len(s) > maxString+3 {
				t.Fatalf("Model not capped: %d bytes", len(s))
			}
			if r.Tags["XResolution"] != nil {
				t.Fatalf("zero denominator = %v, want null", r.Tags["XResolution"])
			}
			if !strings.Contains(string(j), `Evil \"Cam\"\u003c/script\u003e`) {
				t.Fatalf("Make not escaped: %s", j)
			}
		}},
		{name: "broken_sub_ifd_tolerated", in: brokenSubBlock, check: func(t *testing.T, r *Result) {
			if r.Tags["Make"] != "Cam" || r.GPS != nil {
				t.Fatalf("result = %+v", r)
			}
		}},
		{name: "pointer_ring_visited_once", in: ringBlock, check: func(t *testing.T, r *Result) {
			if r.Tags["Make"] != "Ring" {
				t.Fatalf("tags = %v", r.Tags)
			}
		}},
		{name: "fails_wrapping_count", in: wrapBlock, wantErr: ErrMalformed},
		{name: "fails_wrapping_count_in_sub_ifd", in: wrapSubBlock, wantErr: ErrMalformed},
		{name: "fails_chain_loop", in: loop.bytes(8), wantErr: ErrMalformed},
		{name: "fails_self_loop", in: func() []byte { b := newTIFF(be); return b.bytes(b.dir(8, short(be, 0x112, 1))) }(), wantErr: ErrMalformed},
		{name: "fails_chain_too_long", in: chain.bytes(prev), wantErr: ErrMalformed},
		{name: "fails_expansion_budget", in: expandBlock, wantErr: ErrMalformed},
		{name: "fails_value_outside_block", in: func() []byte {
			b := newTIFF(be)
			return b.bytes(b.dir(0, ent{id: 0x10F, typ: 2, count: 100, offset: u32p(1 << 30)}))
		}(), wantErr: ErrMalformed},
		{name: "fails_ifd_outside_block", in: func() []byte { b := newTIFF(be); return b.bytes(1 << 20) }(), wantErr: ErrMalformed},
		{name: "fails_unknown_type", in: func() []byte { b := newTIFF(be); return b.bytes(b.dir(0, ent{id: 1, typ: 13, count: 1})) }(), wantErr: ErrMalformed},
		{name: "fails_truncated_entries", in: func() []byte { b := newTIFF(be); return b.bytes(b.dir(0, short(be, 1, 1)))[:14] }(), wantErr: ErrMalformed},
		{name: "fails_bad_byte_order", in: []byte("XX\x00*\x00\x00\x00\x08"), wantErr: ErrMalformed},
		{name: "fails_bad_magic", in: []byte("MM\x00\x2b\x00\x00\x00\x08"), wantErr: ErrMalformed},
		{name: "fails_short", in: []byte("MM\x00*"), wantErr: ErrMalformed},
		{name: "fails_empty", in: nil, wantErr: ErrMalformed},
		{name: "fails_too_large", in: append(gpsBlock(be, "N", "E", 0), make([]byte, MaxBlockBytes)...), wantErr: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Decode(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || res != nil {
					t.Fatalf("Decode = %v, %v; want %v", res, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			tc.check(t, res)
		})
	}
}
