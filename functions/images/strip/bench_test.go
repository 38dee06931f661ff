package strip

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/edgekit/edgekit/functions/images/internal/benchcorpus"
)

// benchInputs are camera-sized images with the fixtures' metadata, plus
// the small fixtures themselves (where per-call overhead dominates).
func benchInputs(b *testing.B) []struct {
	name string
	data []byte
} {
	b.Helper()
	jpg, err := benchcorpus.JPEG(2048, 1536, 1, readFixture(b, "jpeg-baseline.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	pngData, err := benchcorpus.PNG(1024, 768, 2, readFixture(b, "png-rgba.png"))
	if err != nil {
		b.Fatal(err)
	}
	exif, _, _ := EXIF(readFixture(b, "jpeg-baseline.jpg"))
	webp := benchcorpus.WebP(2<<20, 3, exif, bytes.Repeat([]byte("<x/>"), 800), bytes.Repeat([]byte{1}, 3000))
	return []struct {
		name string
		data []byte
	}{
		{"jpeg-3MP", jpg},
		{"png-0.8MP", pngData},
		{"webp-2MiB", webp},
		{"fixture-jpeg-baseline", readFixture(b, "jpeg-baseline.jpg")},
		{"fixture-png-rgba", readFixture(b, "png-rgba.png")},
		{"fixture-webp-lossy", readFixture(b, "webp-lossy.webp")},
	}
}

// BenchmarkStrip reports throughput (MB/s via SetBytes) and bytes
// allocated per MB of image for the three entry points.
func BenchmarkStrip(b *testing.B) {
	for _, in := range benchInputs(b) {
		if _, _, err := Strip(in.data, Options{KeepICC: true}); err != nil {
			b.Fatalf("%s: %v", in.name, err)
		}
		for _, fn := range []struct {
			name string
			run  func(buf []byte)
		}{
			{"Strip", func(buf []byte) { _, _, _ = Strip(buf, Options{KeepICC: true}) }},
			{"StripInPlace", func(buf []byte) { _, _, _ = StripInPlace(buf, Options{KeepICC: true}) }},
			{"EXIF", func(buf []byte) { _, _, _ = EXIF(buf) }},
		} {
			b.Run(fmt.Sprintf("%s/%s", in.name, fn.name), func(b *testing.B) {
				buf := bytes.Clone(in.data)
				b.SetBytes(int64(len(in.data)))
				b.ReportAllocs()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				for b.Loop() {
					if fn.name == "StripInPlace" {
						b.StopTimer()
						copy(buf, in.data)
						b.StartTimer()
					}
					fn.run(buf)
				}
				b.StopTimer()
				runtime.ReadMemStats(&after)
				mb := float64(b.N) * float64(len(in.data)) / 1e6
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/mb, "allocB/MB")
			})
		}
	}
}
