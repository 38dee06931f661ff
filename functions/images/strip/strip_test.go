package strip

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixture describes one committed image and what must survive stripping.
type fixture struct {
	name   string
	format Format
	// decodable is false where the Go decoders cannot read the file
	// (animated WebP); the image chunks are compared byte for byte instead.
	decodable bool
	hasICC    bool
}

var fixtures = []fixture{
	{"jpeg-baseline.jpg", JPEG, true, true},
	{"jpeg-progressive.jpg", JPEG, true, false},
	{"jpeg-restart.jpg", JPEG, true, false},
	{"jpeg-cmyk.jpg", JPEG, true, false},
	{"png-rgba.png", PNG, true, true},
	{"png-palette.png", PNG, true, false},
	{"png-animated.png", PNG, true, false},
	{"webp-lossy.webp", WebP, true, true},
	{"webp-alpha.webp", WebP, true, false},
	{"webp-lossless.webp", WebP, true, false},
	{"webp-simple.webp", WebP, true, false},
	{"webp-animated.webp", WebP, false, false},
}

func TestStripFixtures(t *testing.T) {
	for _, fx := range fixtures {
		for _, keepICC := range []bool{true, false} {
			name := fx.name + "/keepICC=" + map[bool]string{true: "yes", false: "no"}[keepICC]
			t.Run(name, func(t *testing.T) {
				src := readFixture(t, fx.name)
				orig := bytes.Clone(src)
				opt := Options{KeepICC: keepICC}
				got, f, err := Strip(src, opt)
				if err != nil {
					t.Fatalf("Strip: %v", err)
				}
				if f != fx.format {
					t.Fatalf("format = %v, want %v", f, fx.format)
				}
				if !bytes.Equal(src, orig) {
					t.Fatal("Strip modified its input")
				}
				if len(got) >= len(src) && fx.name != "webp-simple.webp" {
					t.Fatalf("nothing stripped: %d -> %d bytes", len(src), len(got))
				}
				again, _, err := Strip(got, opt)
				if err != nil || !bytes.Equal(again, got) {
					t.Fatalf("not idempotent (err %v)", err)
				}
				inPlace, _, err := StripInPlace(bytes.Clone(src), opt)
				if err != nil || !bytes.Equal(inPlace, got) {
					t.Fatalf("StripInPlace differs from Strip (err %v)", err)
				}
				if ex, _, err := EXIF(got); err != nil || ex != nil {
					t.Fatalf("EXIF left after strip: %d bytes, err %v", len(ex), err)
				}
				if ex, _, err := EXIF(src); fx.name != "webp-simple.webp" && (err != nil || len(ex) < 8 ||
					!(string(ex[:4]) == "MM\x00*" || string(ex[:4]) == "II*\x00")) {
					t.Fatalf("fixture EXIF not found: %q err %v", ex[:min(len(ex), 8)], err)
				}
				checkStructure(t, fx, got, keepICC)
				if fx.decodable {
					before, err := decode(fx.format, src)
					if err != nil {
						t.Fatalf("decode original: %v", err)
					}
					after, err := decode(fx.format, got)
					if err != nil {
						t.Fatalf("decode stripped: %v", err)
					}
					samePixels(t, before, after)
				} else {
					a, _ := webpChunks(src)
					b, _ := webpChunks(got)
					if !slices.Equal(filterOut(a, "EXIF", "XMP "), b) {
						t.Fatalf("chunks %v -> %v", a, b)
					}
					if !bytes.Contains(src, got[bytes.Index(got, []byte("ANMF")):]) {
						t.Fatal("animation frames changed")
					}
				}
			})
		}
	}
}

func filterOut(s []string, drop ...string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(drop, v) {
			out = append(out, v)
		}
	}
	return out
}

// checkStructure asserts on what the output holds, with this package's own
// view of the format (the exiftool test below is the independent check).
func checkStructure(t *testing.T, fx fixture, got []byte, keepICC bool) {
	t.Helper()
	switch fx.format {
	case JPEG:
		segs := jpegSegments(t, got)
		for _, s := range segs {
			if strings.HasPrefix(s, "E") && s != "E0:JFIF" && s != "EE:Adobe" && s != "E2:ICC_PROFILE" || s == "FE" {
				t.Errorf("segment %s kept", s)
			}
		}
		if slices.Contains(segs, "E2:ICC_PROFILE") != (keepICC && fx.hasICC) {
			t.Errorf("ICC kept = %v, want %v", !keepICC, keepICC)
		}
		if fx.name == "jpeg-cmyk.jpg" && !slices.Contains(segs, "EE:Adobe") {
			t.Error("APP14 Adobe dropped")
		}
		if fx.name == "jpeg-restart.jpg" && !bytes.Contains(got, []byte{0xFF, 0xD0}) {
			t.Error("restart markers lost")
		}
		if fx.name == "jpeg-progressive.jpg" && strings.Count(strings.Join(segs, " "), "DA") < 5 {
			t.Errorf("progressive scans lost: %v", segs)
		}
		if !bytes.HasSuffix(got, []byte{0xFF, 0xD9}) {
			t.Error("output does not end at EOI")
		}
	case PNG:
		types := pngChunkTypes(got)
		for _, c := range types {
			if !pngKeep[[4]byte([]byte(c))] && c != "iCCP" {
				t.Errorf("chunk %s kept", c)
			}
		}
		if slices.Contains(types, "iCCP") != (keepICC && fx.hasICC) {
			t.Errorf("iCCP kept wrongly (keepICC %v)", keepICC)
		}
		if fx.name == "png-animated.png" && !slices.Contains(types, "fdAT") {
			t.Error("APNG frames dropped")
		}
	case WebP:
		chunks, flags := webpChunks(got)
		if slices.Contains(chunks, "EXIF") || slices.Contains(chunks, "XMP ") {
			t.Errorf("metadata chunks kept: %v", chunks)
		}
		if flags&(vp8xEXIF|vp8xXMP) != 0 {
			t.Errorf("VP8X flags %#x still announce metadata", flags)
		}
		hasICC := slices.Contains(chunks, "ICCP")
		if hasICC != (keepICC && fx.hasICC) || (flags&vp8xICC != 0) != hasICC {
			t.Errorf("ICCP %v flag %#x keepICC %v", hasICC, flags, keepICC)
		}
	}
}

// secrets are the values make-fixtures.sh writes as metadata; none may be
// visible to exiftool after stripping.
var secrets = []string{
	"Jane Doe", "Secret City", "secret", "EdgekitCam", "Model 7", "SN12345",
	"private", "comment", "2024:05:06", "edgekit fixtures", "TRAILER",
	"33 deg", "151 deg",
}

// forbiddenGroups are exiftool family-1 groups that mean metadata survived.
var forbiddenGroups = []string{
	"IFD0", "IFD1", "ExifIFD", "GPS", "InteropIFD", "IPTC", "Photoshop",
	"MakerNotes", "XMP-", "JFXX", "FlashPix", "MPF0", "APP",
}

// TestExiftoolFindsNoMetadata runs exiftool, independent of this package,
// on every stripped fixture. It fails, not skips, without exiftool: CI
// installs libimage-exiftool-perl.
func TestExiftoolFindsNoMetadata(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		t.Fatal("exiftool not found: install Debian package libimage-exiftool-perl")
	}
	dir := t.TempDir()
	var files []string
	for _, fx := range fixtures {
		for _, keep := range []bool{true, false} {
			out, _, err := Strip(readFixture(t, fx.name), Options{KeepICC: keep})
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, map[bool]string{true: "icc-", false: "noicc-"}[keep]+fx.name)
			if err := os.WriteFile(p, out, 0o600); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
	}
	cmd := exec.Command(exiftool, append([]string{"-j", "-G1", "-a", "-u", "-s", "-struct"}, files...)...)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("exiftool: %v", err)
	}
	var reports []map[string]any
	if err := json.Unmarshal(raw, &reports); err != nil {
		t.Fatalf("exiftool JSON: %v", err)
	}
	if len(reports) != len(files) {
		t.Fatalf("exiftool reported %d files, want %d", len(reports), len(files))
	}
	for _, rep := range reports {
		file := filepath.Base(rep["SourceFile"].(string))
		t.Run(file, func(t *testing.T) {
			icc := false
			for k, v := range rep {
				if k == "SourceFile" || strings.HasPrefix(k, "System:") {
					continue
				}
				group, tag, _ := strings.Cut(k, ":")
				for _, g := range forbiddenGroups {
					if strings.HasPrefix(group, g) {
						t.Errorf("metadata left: %s = %v", k, v)
					}
				}
				if strings.HasPrefix(group, "ICC") {
					icc = true
				}
				if tag == "Warning" || tag == "Comment" {
					t.Errorf("%s = %v", k, v)
				}
				val, _ := json.Marshal(v)
				for _, s := range secrets {
					if bytes.Contains(bytes.ToLower(val), []byte(strings.ToLower(s))) {
						t.Errorf("secret %q left in %s = %s", s, k, val)
					}
				}
			}
			if icc && strings.HasPrefix(file, "noicc-") {
				t.Error("ICC profile kept although KeepICC is false")
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Format
	}{
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0}, JPEG},
		{"png", pngSignature, PNG},
		{"webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), WebP},
		{"fails_gif", []byte("GIF89a"), Unknown},
		{"fails_riff_wave", []byte("RIFF\x00\x00\x00\x00WAVE"), Unknown},
		{"fails_empty", nil, Unknown},
		{"fails_jpeg_prefix_only", []byte{0xFF, 0xD8}, Unknown},
		{"fails_text", []byte("<svg xmlns="), Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detect(tc.in); got != tc.want {
				t.Fatalf("Detect = %v, want %v", got, tc.want)
			}
			_, _, err := Strip(tc.in, Options{})
			if tc.want == Unknown && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Strip err = %v, want ErrUnsupported", err)
			}
		})
	}
}

func TestContentType(t *testing.T) {
	for f, want := range map[Format]string{JPEG: "image/jpeg", PNG: "image/png", WebP: "image/webp", Unknown: "application/octet-stream"} {
		if got := f.ContentType(); got != want {
			t.Errorf("%v.ContentType() = %q, want %q", f, got, want)
		}
	}
}
