// Command bench compares metadata stripping in Go with exiftool on the same
// files, and reports memory per MB of image.
//
//	go run ./functions/images/bench [-files 16]
//
// It builds camera-sized JPEG, PNG and WebP files carrying the fixtures'
// metadata (EXIF with GPS, XMP, IPTC, comments, ICC) in a temporary
// directory, then measures:
//
//   - Go: strip.Strip over all files of a format, in-process, best of
//     several testing.Benchmark runs (MB/s of input);
//   - exiftool: one process stripping all files of a format
//     (exiftool -all= -o DIR/ FILES...), best of three, reported raw and
//     as its in-process (marginal) speed: the extra bytes over the extra
//     time when the same process handles all files instead of half of
//     them, which cancels Perl start-up and module loading;
//   - memory: bytes allocated per MB of image by strip.Strip and by the
//     whole function URL handler path (read buffer, stripping, base64 body
//     and the runtime's JSON encoding of the response).
//
// It needs exiftool (libimage-exiftool-perl) and cwebp (webp) and prints
// numbers only; it never fails on speed.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgekit/edgekit/functions/images"
	"github.com/edgekit/edgekit/functions/images/internal/benchcorpus"
	"github.com/edgekit/edgekit/functions/images/strip"
)

func main() {
	files := flag.Int("files", 16, "files per format")
	fixtures := flag.String("fixtures", "functions/images/testdata", "directory of the committed fixtures")
	flag.Parse()
	if err := run(*files, *fixtures); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type format struct {
	name  string
	ext   string
	paths []string
	data  [][]byte
	bytes int64
}

func run(n int, fixtures string) error {
	for _, tool := range []string{"exiftool", "cwebp"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (Debian packages libimage-exiftool-perl and webp)", tool)
		}
	}
	dir, err := os.MkdirTemp("", "images-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	formats, err := corpus(dir, n, fixtures)
	if err != nil {
		return err
	}
	fmt.Printf("%-5s %5s %8s | %12s %12s | %12s %12s | %9s %9s | %12s %12s\n",
		"fmt", "files", "MB", "Go MB/s", "in-place", "exiftool", "marginal", "ratio", "ratio*", "Strip B/MB", "handler B/MB")
	for _, f := range formats {
		goMBs := goThroughput(f, strip.Strip)
		inPlaceMBs := goThroughput(f, func(b []byte, o strip.Options) ([]byte, strip.Format, error) {
			return strip.StripInPlace(bytes.Clone(b), o)
		})
		half := len(f.paths) / 2
		exAll, err := exiftoolTime(dir, f.name, f.paths)
		if err != nil {
			return err
		}
		exHalf, err := exiftoolTime(dir, f.name+"-half", f.paths[:half])
		if err != nil {
			return err
		}
		var halfBytes int64
		for _, d := range f.data[:half] {
			halfBytes += int64(len(d))
		}
		mb := float64(f.bytes) / 1e6
		exMBs := mb / exAll.Seconds()
		exAdj := float64(f.bytes-halfBytes) / 1e6 / max(exAll-exHalf, time.Millisecond).Seconds()
		fmt.Printf("%-5s %5d %8.1f | %12.0f %12.0f | %12.1f %12.1f | %8.0fx %8.0fx | %12.0f %12.0f\n",
			f.name, len(f.data), mb, goMBs, inPlaceMBs, exMBs, exAdj, goMBs/exMBs, goMBs/exAdj,
			allocPerMB(f, func(b []byte) { _, _, _ = strip.Strip(b, strip.Options{KeepICC: true}) }),
			handlerAllocPerMB(f))
	}
	fmt.Println("\nin-place: StripInPlace including a copy of the input (the handler strips its read buffer in place).")
	fmt.Println("ratio: Go MB/s / exiftool MB/s; ratio*: against exiftool's marginal (in-process) MB/s.")
	fmt.Println("handler B/MB: bytes allocated per MB of image by Handler.Handle plus json.Marshal of its response,")
	fmt.Println("i.e. the read buffer, base64 body and the runtime's response encoding (peak live memory is below this sum).")
	return nil
}

// corpus writes n files per format with metadata and returns them.
func corpus(dir string, n int, fixtures string) ([]*format, error) {
	jpegMeta, err := os.ReadFile(filepath.Join(fixtures, "jpeg-baseline.jpg"))
	if err != nil {
		return nil, fmt.Errorf("read fixtures (run from the module root or pass -fixtures): %w", err)
	}
	pngMeta, err := os.ReadFile(filepath.Join(fixtures, "png-rgba.png"))
	if err != nil {
		return nil, err
	}
	jpg := &format{name: "jpeg", ext: "jpg"}
	pngF := &format{name: "png", ext: "png"}
	webp := &format{name: "webp", ext: "webp"}
	for i := 0; i < n; i++ {
		j, err := benchcorpus.JPEG(2048, 1536, uint64(i), jpegMeta)
		if err != nil {
			return nil, err
		}
		p, err := benchcorpus.PNG(1024, 768, uint64(i), pngMeta)
		if err != nil {
			return nil, err
		}
		for _, x := range []struct {
			f    *format
			data []byte
		}{{jpg, j}, {pngF, p}} {
			path := filepath.Join(dir, fmt.Sprintf("%s-%02d.%s", x.f.name, i, x.f.ext))
			if err := os.WriteFile(path, x.data, 0o600); err != nil {
				return nil, err
			}
			x.f.paths = append(x.f.paths, path)
		}
		// Real lossy WebP from the PNG's pixels, metadata added by exiftool.
		wp := filepath.Join(dir, fmt.Sprintf("webp-%02d.webp", i))
		if out, err := exec.Command("cwebp", "-quiet", "-q", "80", pngF.paths[i], "-o", wp).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("cwebp: %v: %s", err, out)
		}
		webp.paths = append(webp.paths, wp)
	}
	args := append([]string{"-q", "-overwrite_original", "-tagsFromFile", filepath.Join(fixtures, "webp-lossy.webp"), "-all:all"}, webp.paths...)
	if out, err := exec.Command("exiftool", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("exiftool tag copy: %v: %s", err, out)
	}
	formats := []*format{jpg, pngF, webp}
	for _, f := range formats {
		for _, p := range f.paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			if ex, _, err := strip.EXIF(b); err != nil || ex == nil {
				return nil, fmt.Errorf("%s has no EXIF to strip (%v)", p, err)
			}
			f.data = append(f.data, b)
			f.bytes += int64(len(b))
		}
	}
	return formats, nil
}

// goThroughput is the best MB/s of three testing.Benchmark runs over all
// files of f.
func goThroughput(f *format, fn func([]byte, strip.Options) ([]byte, strip.Format, error)) float64 {
	best := 0.0
	for range 3 {
		r := testing.Benchmark(func(b *testing.B) {
			b.SetBytes(f.bytes)
			for b.Loop() {
				for _, d := range f.data {
					if _, _, err := fn(d, strip.Options{KeepICC: true}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		best = max(best, float64(f.bytes)*float64(r.N)/1e6/r.T.Seconds())
	}
	return best
}

// exiftoolTime is the best of three runs of one exiftool process
// stripping paths into a fresh directory.
func exiftoolTime(dir, name string, paths []string) (time.Duration, error) {
	best := time.Duration(1 << 62)
	for i := range 3 {
		out := filepath.Join(dir, fmt.Sprintf("out-%s-%d", name, i)) + string(filepath.Separator)
		args := append([]string{"-q", "-all=", "-o", out}, paths...)
		start := time.Now()
		if msg, err := exec.Command("exiftool", args...).CombinedOutput(); err != nil {
			return 0, fmt.Errorf("exiftool: %v: %s", err, msg)
		}
		best = min(best, time.Since(start))
	}
	return best, nil
}

// allocPerMB is the bytes fn allocates per MB of input over all files.
func allocPerMB(f *format, fn func([]byte)) float64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, d := range f.data {
		fn(d)
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / (float64(f.bytes) / 1e6)
}

// memGetter serves one object from memory, as S3 would.
type memGetter struct{ data []byte }

func (m memGetter) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(m.data)), ContentLength: aws.Int64(int64(len(m.data)))}, nil
}

// handlerAllocPerMB runs the real function URL handler on each file and
// encodes its response as the Lambda runtime does.
func handlerAllocPerMB(f *format) float64 {
	cfg := images.Config{Bucket: "b", MaxObjectBytes: images.MaxBufferedObjectBytes, CacheControl: images.DefaultCacheControl,
		KeepICC: true, PathPrefix: "/", FetchTimeout: time.Second}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ev := events.LambdaFunctionURLRequest{RawPath: "/x"}
	ev.RequestContext.HTTP.Method = "GET"
	var total uint64
	for _, d := range f.data {
		h, err := images.NewHandler(cfg, memGetter{d}, log)
		if err != nil {
			panic(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		resp, _ := h.Handle(context.Background(), ev)
		if _, err := json.Marshal(resp); err != nil || resp.StatusCode != 200 {
			panic(fmt.Sprintf("handler: %d %v", resp.StatusCode, err))
		}
		runtime.ReadMemStats(&after)
		total += after.TotalAlloc - before.TotalAlloc
	}
	return float64(total) / (float64(f.bytes) / 1e6)
}
