package strip

import (
	"bytes"
	"errors"
	"testing"
)

// The fuzz targets start from the committed fixtures (added below) and the
// hand-made hostile seeds in testdata/fuzz/FuzzXxx/ (declared lengths past
// the data, 0-length segments, chunk loops, truncations, 2 GiB chunk sizes,
// plus any regression found by fuzzing). `go test` runs all seeds as
// ordinary tests; `go test -fuzz FuzzJPEG ./functions/images/strip` fuzzes.

func FuzzJPEG(f *testing.F) {
	addFixtures(f, JPEG)
	f.Fuzz(func(t *testing.T, data []byte) { checkStrip(t, data) })
}

func FuzzPNG(f *testing.F) {
	addFixtures(f, PNG)
	f.Fuzz(func(t *testing.T, data []byte) { checkStrip(t, data) })
}

func FuzzWebP(f *testing.F) {
	addFixtures(f, WebP)
	f.Fuzz(func(t *testing.T, data []byte) { checkStrip(t, data) })
}

func addFixtures(f *testing.F, format Format) {
	for _, fx := range fixtures {
		if fx.format == format {
			f.Add(readFixture(f, fx.name))
		}
	}
}

// checkStrip asserts the invariants that must hold for any input: no panic,
// only the documented errors, output no larger than input and allocated
// once (never grown), idempotence, StripInPlace and EXIF agreeing with
// Strip, and no EXIF left in the output.
func checkStrip(t *testing.T, data []byte) {
	orig := bytes.Clone(data)
	for _, opt := range []Options{{KeepICC: true}, {KeepICC: false}} {
		out, f, err := Strip(data, opt)
		if !bytes.Equal(data, orig) {
			t.Fatal("Strip modified its input")
		}
		_, f2, errInPlace := StripInPlace(bytes.Clone(data), opt)
		_, f3, errEXIF := EXIF(data)
		if f2 != f || f3 != f {
			t.Fatalf("formats differ: %v %v %v", f, f2, f3)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("unexpected error type: %v", err)
			}
			if errInPlace == nil || errEXIF == nil {
				t.Fatalf("Strip failed (%v) but StripInPlace (%v) or EXIF (%v) did not", err, errInPlace, errEXIF)
			}
			continue
		}
		if errInPlace != nil || errEXIF != nil {
			t.Fatalf("Strip succeeded but StripInPlace: %v, EXIF: %v", errInPlace, errEXIF)
		}
		if len(out) > len(data) || cap(out) > len(data) {
			t.Fatalf("output %d bytes (cap %d) for %d bytes of input", len(out), cap(out), len(data))
		}
		if Detect(out) != f {
			t.Fatalf("output detected as %v, input %v", Detect(out), f)
		}
		again, _, err := Strip(out, opt)
		if err != nil {
			t.Fatalf("stripped output does not strip again: %v", err)
		}
		if !bytes.Equal(again, out) {
			t.Fatal("strip is not idempotent")
		}
		inPlace, _, _ := StripInPlace(bytes.Clone(data), opt)
		if !bytes.Equal(inPlace, out) {
			t.Fatal("StripInPlace differs from Strip")
		}
		if ex, _, _ := EXIF(out); ex != nil {
			t.Fatal("EXIF survived stripping")
		}
	}
}

// TestAllocations pins the memory contract the handler's size limits rely
// on: Strip allocates the output once, StripInPlace and EXIF not at all.
func TestAllocations(t *testing.T) {
	for _, fx := range fixtures {
		src := readFixture(t, fx.name)
		buf := bytes.Clone(src)
		tests := []struct {
			name string
			fn   func()
			want float64
		}{
			{"Strip", func() { _, _, _ = Strip(src, Options{KeepICC: true}) }, 1},
			{"StripInPlace", func() { copy(buf, src); _, _, _ = StripInPlace(buf, Options{}) }, 0},
			{"EXIF", func() { _, _, _ = EXIF(src) }, 0},
		}
		for _, tc := range tests {
			t.Run(fx.name+"/"+tc.name, func(t *testing.T) {
				if got := testing.AllocsPerRun(20, tc.fn); got != tc.want {
					t.Fatalf("%v allocations, want %v", got, tc.want)
				}
			})
		}
	}
}
