package exifjson

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/edgekit/edgekit/functions/images/strip"
)

// maxDecodeAlloc is the allocation bound asserted per Decode: the
// validator's budget times the decode passes (see maxCost), plus copies of
// the block.
const maxDecodeAlloc = 6*maxCost + 8*MaxBlockBytes

// FuzzDecode fuzzes the EXIF-to-JSON path: validator, decoder and JSON
// encoding, seeded with the fixtures' EXIF blocks and the hostile blocks in
// testdata/fuzz/FuzzDecode (among them the 300-byte block that made the
// decoder allocate 12 GB before validation existed).
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"jpeg-baseline.jpg", "png-rgba.png", "webp-lossy.webp"} {
		img, err := os.ReadFile(filepath.Join("../testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		block, _, err := strip.EXIF(img)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(block)
	}
	f.Fuzz(func(t *testing.T, block []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := Decode(block)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxDecodeAlloc {
			t.Fatalf("Decode allocated %d bytes for a %d-byte block", alloc, len(block))
		}
		if err != nil {
			if res != nil || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrTooLarge)) {
				t.Fatalf("Decode = %v, %v", res, err)
			}
			return
		}
		j, err := json.Marshal(res)
		if err != nil || !json.Valid(j) {
			t.Fatalf("result does not encode: %v", err)
		}
		if res.GPS != nil && (res.GPS.Latitude < -90 || res.GPS.Latitude > 90 ||
			res.GPS.Longitude < -180 || res.GPS.Longitude > 180) {
			t.Fatalf("GPS out of range: %+v", res.GPS)
		}
		for k, v := range res.Tags {
			if s, ok := v.(string); ok && len(s) > maxString+len("…") {
				t.Fatalf("%s: %d-byte string", k, len(s))
			}
			if a, ok := v.([]any); ok && len(a) > maxArray {
				t.Fatalf("%s: %d values", k, len(a))
			}
		}
	})
}
