package exifjson

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/rwcarlsen/goexif/exif"
	"github.com/rwcarlsen/goexif/tiff"
)

// ErrMalformed is returned (wrapped) for blocks that are not a readable,
// safely bounded EXIF structure.
var ErrMalformed = errors.New("malformed EXIF")

// ErrTooLarge is returned for blocks over MaxBlockBytes.
var ErrTooLarge = errors.New("EXIF block too large")

// Output limits: a value is metadata to read, not a channel for bulk data.
const (
	maxString = 1024 // bytes of one string value
	maxArray  = 64   // elements of one multi-valued tag
	maxHex    = 64   // bytes of undefined data shown as hex
)

// Result is the JSON document returned for ?showExif=true.
type Result struct {
	// Tags maps EXIF tag names (as in the EXIF 2.3 specification) to
	// values: strings, numbers (rationals as decimals, null for a zero
	// denominator), arrays of those, or hex for short binary values.
	Tags map[string]any `json:"tags"`
	// GPS is the position in decimal degrees (south and west negative), nil
	// when the block has no complete latitude/longitude.
	GPS *GPS `json:"gps,omitempty"`
}

// GPS is a position in decimal degrees, altitude in metres (negative below
// sea level) when present.
type GPS struct {
	Latitude  float64  `json:"latitude"`
	Longitude float64  `json:"longitude"`
	Altitude  *float64 `json:"altitude,omitempty"`
}

// structural tags describe the file layout, not the picture.
var structural = map[exif.FieldName]bool{
	exif.ExifIFDPointer:                   true,
	exif.GPSInfoIFDPointer:                true,
	exif.InteroperabilityIFDPointer:       true,
	exif.ThumbJPEGInterchangeFormat:       true,
	exif.ThumbJPEGInterchangeFormatLength: true,
}

// Decode parses a TIFF-structured EXIF block (as returned by strip.EXIF; a
// leading "Exif\x00\x00" is accepted too) into a Result. The block is
// validated first so the decoder's work is bounded (see validate); the
// decoder's own panics on inputs the validator lets through are recovered
// and reported as ErrMalformed.
func Decode(block []byte) (res *Result, err error) {
	block = bytes.TrimPrefix(block, []byte("Exif\x00\x00"))
	if len(block) > MaxBlockBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(block), MaxBlockBytes)
	}
	if err := validate(block); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrMalformed, r)
		}
	}()
	x, err := exif.Decode(bytes.NewReader(block))
	if x == nil || (err != nil && exif.IsCriticalError(err)) {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// A non-critical error means a sub-IFD could not be read; the tags of
	// the others are still valid and are returned.
	loadNewerTags(x)
	res = &Result{Tags: map[string]any{}}
	_ = x.Walk(walker(func(name exif.FieldName, t *tiff.Tag) {
		if structural[name] {
			return
		}
		if v, ok := value(t); ok {
			res.Tags[string(name)] = v
		}
	}))
	res.GPS = gps(x)
	return res, nil
}

// Tags the decoder's EXIF 2.2 tables do not name. Several identify the
// owner or the device (owner name, body and lens serial numbers, time
// zone), which is exactly what showExif exists to reveal.
var (
	ifd0Newer = map[uint16]exif.FieldName{
		0x000B: "ProcessingSoftware",
		0x4746: "Rating",
		0xC62F: "CameraSerialNumber",
	}
	exifNewer = map[uint16]exif.FieldName{
		0x8830: "SensitivityType",
		0x8831: "StandardOutputSensitivity",
		0x8832: "RecommendedExposureIndex",
		0x8833: "ISOSpeed",
		0x9010: "OffsetTime",
		0x9011: "OffsetTimeOriginal",
		0x9012: "OffsetTimeDigitized",
		0x9400: "Temperature",
		0x9401: "Humidity",
		0x9402: "Pressure",
		0x9403: "WaterDepth",
		0x9404: "Acceleration",
		0x9405: "CameraElevationAngle",
		0xA430: "CameraOwnerName",
		0xA431: "BodySerialNumber",
		0xA432: "LensSpecification",
		0xA435: "LensSerialNumber",
		0xA460: "CompositeImage",
		0xA500: "Gamma",
	}
	gpsNewer = map[uint16]exif.FieldName{
		0x1F: "GPSHPositioningError",
	}
)

// loadNewerTags adds the tags above from IFD0 and the Exif and GPS
// sub-IFDs. The directories were validated, so decoding them again is
// bounded like the first pass.
func loadNewerTags(x *exif.Exif) {
	if len(x.Tiff.Dirs) > 0 {
		x.LoadTags(x.Tiff.Dirs[0], ifd0Newer, false)
	}
	for ptr, fields := range map[exif.FieldName]map[uint16]exif.FieldName{
		exif.ExifIFDPointer:    exifNewer,
		exif.GPSInfoIFDPointer: gpsNewer,
	} {
		t, err := x.Get(ptr)
		if err != nil || t.Format() != tiff.IntVal {
			continue
		}
		off, err := t.Int64(0)
		if err != nil || off <= 0 || off >= int64(len(x.Raw)) {
			continue
		}
		r := bytes.NewReader(x.Raw)
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			continue
		}
		if d, _, err := tiff.DecodeDir(r, x.Tiff.Order); err == nil {
			x.LoadTags(d, fields, false)
		}
	}
}

// walker adapts a function to exif.Walker.
type walker func(exif.FieldName, *tiff.Tag)

// Walk implements exif.Walker.
func (w walker) Walk(name exif.FieldName, t *tiff.Tag) error {
	w(name, t)
	return nil
}

// value converts a tag to a JSON-friendly value. The decoder's own
// MarshalJSON is not used: it writes string bytes unescaped, so a quote in
// a camera model would break the document.
func value(t *tiff.Tag) (any, bool) {
	n := min(int(t.Count), maxArray)
	var vals []any
	switch t.Format() {
	case tiff.StringVal:
		s, err := t.StringVal()
		return cleanString(s), err == nil
	case tiff.UndefVal:
		return undefined(t.Val), true
	case tiff.IntVal:
		for i := 0; i < n; i++ {
			v, err := t.Int64(i)
			if err != nil {
				return nil, false
			}
			vals = append(vals, v)
		}
	case tiff.RatVal:
		for i := 0; i < n; i++ {
			num, den, err := t.Rat2(i)
			if err != nil {
				return nil, false
			}
			vals = append(vals, finite(float64(num)/float64(den), den != 0))
		}
	case tiff.FloatVal:
		for i := 0; i < n; i++ {
			v, err := t.Float(i)
			if err != nil {
				return nil, false
			}
			vals = append(vals, finite(v, true))
		}
	default:
		return nil, false
	}
	if len(vals) == 1 {
		return vals[0], true
	}
	return vals, len(vals) > 0
}

// finite returns v, or nil where JSON has no number for it.
func finite(v float64, ok bool) any {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// cleanString trims padding, replaces invalid UTF-8 and caps the length.
func cleanString(s string) string {
	s = strings.TrimRight(s, "\x00 ")
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > maxString {
		cut := maxString
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// undefined renders an UNDEFINED-typed value: text when it is printable
// ASCII (ExifVersion "0232", an ASCII UserComment), short binary as hex,
// anything else (maker notes, Unicode comments) as a size note.
func undefined(b []byte) string {
	for _, prefix := range []string{"ASCII\x00\x00\x00", "\x00\x00\x00\x00\x00\x00\x00\x00"} {
		if len(b) > 8 && string(b[:8]) == prefix {
			b = b[8:]
			break
		}
	}
	text := bytes.TrimRight(b, "\x00 ")
	printable := len(text) > 0
	for _, c := range text {
		if c < 0x20 || c > 0x7E {
			printable = false
			break
		}
	}
	switch {
	case printable:
		return cleanString(string(text))
	case len(b) <= maxHex:
		return hex.EncodeToString(b)
	default:
		return fmt.Sprintf("(binary data, %d bytes)", len(b))
	}
}

// gps uses the decoder's LatLong (degrees/minutes/seconds and N/S/E/W
// references) and adds the altitude from GPSAltitude and GPSAltitudeRef.
func gps(x *exif.Exif) *GPS {
	lat, lon, err := x.LatLong()
	if err != nil || math.IsNaN(lat) || math.IsNaN(lon) ||
		math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return nil
	}
	g := &GPS{Latitude: round7(lat), Longitude: round7(lon)}
	if t, err := x.Get(exif.GPSAltitude); err == nil && t.Format() == tiff.RatVal {
		if num, den, err := t.Rat2(0); err == nil && den != 0 {
			alt := float64(num) / float64(den)
			if ref, err := x.Get(exif.GPSAltitudeRef); err == nil && ref.Format() == tiff.IntVal {
				if r, err := ref.Int(0); err == nil && r == 1 {
					alt = -alt
				}
			}
			if !math.IsInf(alt, 0) && !math.IsNaN(alt) {
				alt = math.Round(alt*1000) / 1000
				g.Altitude = &alt
			}
		}
	}
	return g
}

// round7 rounds to 7 decimal places (about 1 cm): DMS → decimal conversion
// leaves binary noise such as 151.20929999999998 otherwise.
func round7(v float64) float64 {
	return math.Round(v*1e7) / 1e7
}
