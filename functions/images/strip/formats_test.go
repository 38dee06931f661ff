package strip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"
)

func TestJPEG(t *testing.T) {
	base := smallJPEG(t)
	jfifThumb := append([]byte("JFIF\x00\x01\x02\x00\x00\x48\x00\x48\x02\x01"), bytes.Repeat([]byte{0xAA}, 6)...)
	adobe := []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")
	icc := append([]byte("ICC_PROFILE\x00\x01\x01"), bytes.Repeat([]byte{1}, 40)...)
	extXMP := append([]byte("http://ns.adobe.com/xmp/extension/\x00"), bytes.Repeat([]byte("x"), 80)...)
	tests := []struct {
		name    string
		in      []byte
		keepICC bool
		want    []string // segments before DQT in the output
		wantErr string   // substring of the MalformedError reason
	}{
		{name: "drops_exif_xmp_extended_xmp_iptc_com", in: spliceJPEG(base,
			jpegSeg(0xE1, []byte("Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00")),
			jpegSeg(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")),
			jpegSeg(0xE1, extXMP),
			jpegSeg(0xED, []byte("Photoshop 3.0\x008BIM")),
			jpegSeg(0xFE, []byte("a comment")),
		), want: nil},
		{name: "jfif_thumbnail_removed", in: spliceJPEG(base, jpegSeg(0xE0, jfifThumb)), want: []string{"E0:JFIF"}},
		{name: "short_jfif_dropped", in: spliceJPEG(base, jpegSeg(0xE0, []byte("JFIF\x00\x01"))), want: nil},
		{name: "jfxx_mpf_fpxr_jumbf_dropped", in: spliceJPEG(base,
			jpegSeg(0xE0, []byte("JFXX\x00\x10thumb")),
			jpegSeg(0xE2, []byte("MPF\x00II*\x00")),
			jpegSeg(0xE2, []byte("FPXR\x00\x00")),
			jpegSeg(0xEB, []byte("JP\x00\x00jumb")),
		), want: nil},
		{name: "adobe_kept", in: spliceJPEG(base, jpegSeg(0xEE, adobe)), want: []string{"EE:Adobe"}},
		{name: "icc_kept_when_asked", in: spliceJPEG(base, jpegSeg(0xE2, icc), jpegSeg(0xE2, icc)), keepICC: true,
			want: []string{"E2:ICC_PROFILE", "E2:ICC_PROFILE"}},
		{name: "icc_dropped_by_default", in: spliceJPEG(base, jpegSeg(0xE2, icc)), want: nil},
		{name: "fill_bytes_dropped", in: append(append([]byte{}, base[:2]...), append([]byte{0xFF, 0xFF, 0xFF}, base[2:]...)...), want: nil},
		{name: "tem_and_stray_rst_kept", in: spliceJPEG(base, []byte{0xFF, 0x01, 0xFF, 0xD3}), want: []string{"01", "D3"}},
		{name: "empty_app_segment", in: spliceJPEG(base, jpegSeg(0xE5, nil)), want: nil},
		{name: "fails_soi_without_marker", in: []byte{0xFF, 0xD8, 0xFF}, wantErr: "SOI"},
		{name: "fails_missing_eoi", in: base[:len(base)-2], wantErr: "not terminated"},
		{name: "fails_cut_after_scan_ff", in: base[:len(base)-1], wantErr: "truncated"},
		{name: "fails_cut_in_header", in: base[:30], wantErr: "past end"},
		{name: "fails_cut_in_length", in: append(append([]byte{}, base[:2]...), 0xFF, 0xE1, 0x00), wantErr: "length"},
		{name: "fails_cut_in_fill", in: []byte{0xFF, 0xD8, 0xFF, 0xFF}, wantErr: "fill"},
		{name: "fails_length_below_two", in: spliceJPEG(base, []byte{0xFF, 0xE1, 0x00, 0x01}), wantErr: "below 2"},
		{name: "fails_length_past_end", in: spliceJPEG(base, []byte{0xFF, 0xE1, 0xFF, 0xFF, 1, 2}), wantErr: "past end"},
		{name: "fails_reserved_marker", in: spliceJPEG(base, jpegSeg(0x4F, []byte("x"))), wantErr: "reserved"},
		{name: "fails_stuffed_zero_outside_scan", in: spliceJPEG(base, []byte{0xFF, 0x00}), wantErr: "stuffed"},
		{name: "fails_nested_soi", in: spliceJPEG(base, []byte{0xFF, 0xD8}), wantErr: "nested SOI"},
		{name: "fails_junk_between_segments", in: spliceJPEG(base, jpegSeg(0xE1, nil), []byte{0x12}), wantErr: "expected a marker"},
		{name: "fails_scan_before_frame", in: []byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0xFF, 0xD9}, wantErr: "scan before frame"},
		{name: "fails_eoi_without_scan", in: []byte{0xFF, 0xD8, 0xFF, 0xD9}, wantErr: "EOI before any scan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, f, err := Strip(tc.in, Options{KeepICC: tc.keepICC})
			if tc.wantErr != "" {
				var me *MalformedError
				if !errors.As(err, &me) || !errors.Is(err, ErrMalformed) || me.Format != JPEG || !strings.Contains(me.Reason, tc.wantErr) {
					t.Fatalf("err = %v, want malformed JPEG %q", err, tc.wantErr)
				}
				if _, _, err := EXIF(tc.in); !errors.Is(err, ErrMalformed) {
					t.Fatalf("EXIF err = %v, want malformed", err)
				}
				return
			}
			if err != nil || f != JPEG {
				t.Fatalf("Strip: %v (%v)", err, f)
			}
			segs := jpegSegments(t, got)
			head := segs[:slices.Index(segs, "DB")]
			if !slices.Equal(head, tc.want) {
				t.Fatalf("kept %v, want %v", head, tc.want)
			}
			if got, want := bytes.Count(got, []byte{0xFF, 0xDB}), bytes.Count(base, []byte{0xFF, 0xDB}); got != want {
				t.Fatalf("DQT count %d, want %d", got, want)
			}
			if !bytes.HasSuffix(got, base[bytes.Index(base, []byte{0xFF, 0xDB}):]) {
				t.Fatal("image segments or entropy-coded data changed")
			}
			if tc.name == "jfif_thumbnail_removed" {
				want := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 2, 0, 0, 0x48, 0, 0x48, 0, 0}
				if !bytes.Equal(got[2:20], want) {
					t.Fatalf("JFIF = % x, want % x", got[2:20], want)
				}
			}
			if tc.name != "tem_and_stray_rst_kept" { // Go's decoder rejects both markers
				samePixels(t, mustDecode(t, JPEG, base), mustDecode(t, JPEG, got))
			}
		})
	}
}

func TestJPEGTrailingDataDropped(t *testing.T) {
	base := smallJPEG(t)
	in := append(bytes.Clone(base), []byte("\x00\x00ftypmp42 motion photo video, MPF second image")...)
	got, _, err := Strip(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, base) {
		t.Fatalf("trailing data kept: %d bytes, want %d", len(got), len(base))
	}
}

func TestJPEGEXIFIsFirstExifAPP1(t *testing.T) {
	in := spliceJPEG(smallJPEG(t),
		jpegSeg(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00")),
		jpegSeg(0xE1, []byte("Exif\x00\x00MM\x00*first")),
		jpegSeg(0xE1, []byte("Exif\x00\x00II*\x00second")))
	ex, f, err := EXIF(in)
	if err != nil || f != JPEG || string(ex) != "MM\x00*first" {
		t.Fatalf("EXIF = %q, %v, %v", ex, f, err)
	}
}

func mustDecode(t *testing.T, f Format, b []byte) image.Image {
	t.Helper()
	img, err := decode(f, b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return img
}

func TestPNG(t *testing.T) {
	base := smallPNG(t)
	iccp := pngChunk("iCCP", []byte("icc\x00\x00compressed"))
	badCRC := pngChunk("tEXt", []byte("Author\x00x"))
	badCRC[len(badCRC)-1] ^= 0xFF
	huge := []byte{0x7F, 0xFF, 0xFF, 0xFF, 't', 'E', 'X', 't', 0, 0, 0, 0}
	tooHuge := []byte{0x80, 0, 0, 0, 't', 'E', 'X', 't', 0, 0, 0, 0}
	iend := pngChunk("IEND", nil)
	tests := []struct {
		name    string
		in      []byte
		keepICC bool
		want    []string
		wantErr string
	}{
		{name: "drops_text_exif_time", in: splicePNG(base,
			pngChunk("tEXt", []byte("Author\x00Jane")),
			pngChunk("zTXt", []byte("Comment\x00\x00x")),
			pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x/>")),
			pngChunk("eXIf", []byte("MM\x00*\x00\x00\x00\x08")),
			pngChunk("tIME", []byte{7, 232, 1, 2, 3, 4, 5}),
			pngChunk("sPLT", []byte("name\x00\x08")),
			pngChunk("vpAg", []byte("private")),
		), want: []string{"IHDR", "IDAT", "IEND"}},
		{name: "keeps_colour_chunks", in: splicePNG(base,
			pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F}),
			pngChunk("cHRM", make([]byte, 32)),
			pngChunk("sRGB", []byte{0}),
			pngChunk("pHYs", make([]byte, 9)),
			pngChunk("cICP", []byte{1, 13, 0, 1}),
		), want: []string{"IHDR", "gAMA", "cHRM", "sRGB", "pHYs", "cICP", "IDAT", "IEND"}},
		{name: "iccp_kept_when_asked", in: splicePNG(base, iccp), keepICC: true, want: []string{"IHDR", "iCCP", "IDAT", "IEND"}},
		{name: "iccp_dropped_by_default", in: splicePNG(base, iccp), want: []string{"IHDR", "IDAT", "IEND"}},
		{name: "after_iend_dropped", in: append(bytes.Clone(base), pngChunk("tEXt", []byte("a\x00b"))...), want: []string{"IHDR", "IDAT", "IEND"}},
		{name: "fails_bad_crc_on_dropped_chunk", in: splicePNG(base, badCRC), wantErr: "CRC"},
		{name: "fails_bad_crc_on_idat", in: flipByte(base, len(base)-13), wantErr: "CRC"},
		{name: "fails_missing_iend", in: base[:len(base)-12], wantErr: "truncated"},
		{name: "fails_truncated_chunk_header", in: base[:40], wantErr: "truncated"},
		{name: "fails_truncated_chunk", in: base[:50], wantErr: "past end"},
		{name: "fails_declared_2gib_chunk", in: splicePNG(base, huge), wantErr: "past end"},
		{name: "fails_length_above_2_31", in: splicePNG(base, tooHuge), wantErr: "2^31"},
		{name: "fails_ihdr_not_first", in: append(append(bytes.Clone(base[:8]), pngChunk("gAMA", []byte{0, 0, 0, 1})...), base[8:]...), wantErr: "IHDR"},
		{name: "fails_second_ihdr", in: splicePNG(base, base[8:33]), wantErr: "IHDR"},
		{name: "fails_short_ihdr", in: append(append(bytes.Clone(base[:8]), pngChunk("IHDR", []byte{1})...), base[33:]...), wantErr: "13"},
		{name: "fails_unknown_critical_chunk", in: splicePNG(base, pngChunk("CgBI", []byte{1})), wantErr: "critical"},
		{name: "fails_invalid_chunk_type", in: splicePNG(base, pngChunk("a1b2", nil)), wantErr: "type"},
		{name: "fails_iend_before_idat", in: append(bytes.Clone(base[:33]), iend...), wantErr: "IEND before"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := Strip(tc.in, Options{KeepICC: tc.keepICC})
			if tc.wantErr != "" {
				var me *MalformedError
				if !errors.As(err, &me) || me.Format != PNG || !strings.Contains(me.Reason, tc.wantErr) {
					t.Fatalf("err = %v, want malformed PNG %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if types := pngChunkTypes(got); !slices.Equal(types, tc.want) {
				t.Fatalf("chunks %v, want %v", types, tc.want)
			}
			samePixels(t, mustDecode(t, PNG, base), mustDecode(t, PNG, got))
		})
	}
}

func TestPNGEXIF(t *testing.T) {
	in := splicePNG(smallPNG(t), pngChunk("eXIf", []byte("II*\x00\x08\x00\x00\x00")))
	ex, f, err := EXIF(in)
	if err != nil || f != PNG || string(ex) != "II*\x00\x08\x00\x00\x00" {
		t.Fatalf("EXIF = %q %v %v", ex, f, err)
	}
}

func flipByte(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

func TestWebP(t *testing.T) {
	simple := readFixture(t, "webp-simple.webp")
	vp8 := simple[12:]
	vp8x := func(flags byte) []byte {
		return webpChunk("VP8X", []byte{flags, 0, 0, 0, 63, 0, 0, 47, 0, 0})
	}
	exif := webpChunk("EXIF", []byte("MM\x00*\x00\x00\x00\x08odd"))
	xmp := webpChunk("XMP ", []byte("<x:xmpmeta/>"))
	iccp := webpChunk("ICCP", []byte("profile"))
	tests := []struct {
		name      string
		in        []byte
		keepICC   bool
		want      []string
		wantFlags byte
		wantErr   string
	}{
		{name: "simple_unchanged", in: simple, want: []string{"VP8 "}},
		{name: "simple_trailing_dropped", in: append(bytes.Clone(simple), "trailer"...), want: []string{"VP8 "}},
		{name: "simple_with_appended_exif", in: riff(vp8, exif), want: []string{"VP8 "}},
		{name: "extended_strips_and_clears_flags", in: riff(vp8x(0x20|0x08|0x04), iccp, vp8, exif, xmp),
			want: []string{"VP8X", "VP8 "}, wantFlags: 0},
		{name: "extended_keeps_icc", in: riff(vp8x(0x20|0x08|0x04|0x10), iccp, vp8, exif, xmp), keepICC: true,
			want: []string{"VP8X", "ICCP", "VP8 "}, wantFlags: 0x30},
		{name: "icc_flag_without_chunk_cleared", in: riff(vp8x(0x20), vp8), keepICC: true,
			want: []string{"VP8X", "VP8 "}, wantFlags: 0},
		{name: "unknown_chunk_dropped", in: riff(vp8x(0), vp8, webpChunk("ABCD", []byte("vendor"))),
			want: []string{"VP8X", "VP8 "}},
		{name: "unpadded_last_odd_chunk", in: riffRaw(append(append([]byte{}, vp8...), "EXIF\x03\x00\x00\x00abc"...)),
			want: []string{"VP8 "}},
		{name: "anmf_frame_metadata_dropped", in: riff(vp8x(0x02|0x08), webpChunk("ANIM", make([]byte, 6)),
			webpChunk("ANMF", append(append(make([]byte, 16), webpChunk("ALPH", []byte{1, 2, 3})...),
				append(webpChunk("EXIF", []byte("MM\x00*secret")), vp8...)...))),
			want: []string{"VP8X", "ANIM", "ANMF"}, wantFlags: 0x02},
		{name: "fails_anmf_without_image", in: riff(vp8x(0x02), webpChunk("ANMF", append(make([]byte, 16), webpChunk("ALPH", []byte{1})...))),
			wantErr: "ANMF frame without image"},
		{name: "fails_short_anmf", in: riff(vp8x(0x02), webpChunk("ANMF", make([]byte, 10))), wantErr: "short ANMF"},
		{name: "fails_anmf_frame_chunk_past_end", in: riff(vp8x(0x02), webpChunk("ANMF", append(make([]byte, 16), "VP8L\xff\x00\x00\x00"...))),
			wantErr: "past ANMF"},
		{name: "fails_riff_past_end", in: setRIFF(simple, uint32(len(simple))), wantErr: "past end"},
		{name: "fails_riff_below_4", in: setRIFF(simple, 2), wantErr: "below 4"},
		{name: "fails_chunk_past_riff", in: riff(vp8x(0), []byte("VP8 \xff\xff\xff\x7f")), wantErr: "past RIFF"},
		{name: "fails_truncated_chunk_header", in: riffRaw(append(append([]byte{}, vp8...), "EXI"...)), wantErr: "chunk header"},
		{name: "fails_first_chunk_exif", in: riff(exif, vp8), wantErr: "first chunk"},
		{name: "fails_no_image", in: riff(vp8x(0), exif), wantErr: "no image"},
		{name: "fails_empty_riff", in: riff(), wantErr: "no image"},
		{name: "fails_short_vp8x", in: riff(webpChunk("VP8X", []byte{0, 0}), vp8), wantErr: "VP8X"},
		{name: "fails_second_vp8x", in: riff(vp8x(0), vp8, vp8x(0)), wantErr: "VP8X"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := Strip(tc.in, Options{KeepICC: tc.keepICC})
			if tc.wantErr != "" {
				var me *MalformedError
				if !errors.As(err, &me) || me.Format != WebP || !strings.Contains(me.Reason, tc.wantErr) {
					t.Fatalf("err = %v, want malformed WebP %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			chunks, flags := webpChunks(got)
			if !slices.Equal(chunks, tc.want) || flags != tc.wantFlags {
				t.Fatalf("chunks %v flags %#x, want %v %#x", chunks, flags, tc.want, tc.wantFlags)
			}
			if size := binary.LittleEndian.Uint32(got[4:]); int(size) != len(got)-8 {
				t.Fatalf("RIFF size %d for %d bytes", size, len(got))
			}
			if tc.name == "simple_unchanged" && !bytes.Equal(got, simple) {
				t.Fatal("simple file changed")
			}
			if !bytes.Contains(got, vp8) {
				t.Fatal("VP8 chunk changed")
			}
			if bytes.Contains(got, []byte("secret")) {
				t.Fatal("metadata inside an animation frame kept")
			}
		})
	}
}

func TestWebPEXIF(t *testing.T) {
	vp8 := readFixture(t, "webp-simple.webp")[12:]
	ex, f, err := EXIF(riff(vp8, webpChunk("EXIF", []byte("Exif\x00\x00II*\x00"))))
	if err != nil || f != WebP || string(ex) != "Exif\x00\x00II*\x00" {
		t.Fatalf("EXIF = %q %v %v", ex, f, err)
	}
}

// riffRaw wraps an already-built chunk sequence, size set from its length.
func riffRaw(body []byte) []byte {
	b := append([]byte("RIFF\x00\x00\x00\x00WEBP"), body...)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func setRIFF(b []byte, size uint32) []byte {
	c := bytes.Clone(b)
	binary.LittleEndian.PutUint32(c[4:], size)
	return c
}
