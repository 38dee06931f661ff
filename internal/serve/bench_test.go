package serve_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/edgekit/edgekit/internal/serve"
)

// BenchmarkServeApp measures the synthesized app through serve: a path
// with a Lambda@Edge viewer-request function in front of a cached file
// (the redirect function on the site), a cached image behind a CloudFront
// Function (dropped into the bucket folder), and an origin-request function with a Go origin (the books
// signer, the books function URL and DynamoDB on dynalite). Each reports
// req/s and p50/p99 latency for one client, and req/s for 8 clients.
func BenchmarkServeApp(b *testing.B) {
	s := startApp(b, io.Discard, true)
	u := s.URL()
	resp, err := http.Post(u+"/api/books", "application/json", bytes.NewReader([]byte(`{"title":"Dune","author":"Frank Herbert","year":1965}`)))
	if err != nil {
		b.Fatal(err)
	}
	var book struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&book)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		b.Fatalf("create book: %d", resp.StatusCode)
	}
	img, err := os.ReadFile("../../functions/images/testdata/jpeg-baseline.jpg")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.BucketDir(bucketLike(s, "images")), "images"), 0o700); err != nil {
		b.Fatal(err)
	}
	// Copied in by hand, as a developer drops a file into the bucket folder.
	if err := os.WriteFile(filepath.Join(s.BucketDir(bucketLike(s, "images")), "images", "cat.jpg"), img, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Run("cloudfront_function_cached_image", func(b *testing.B) { benchGet(b, u+"/images/cat.jpg") })
	b.Run("viewer_request_function_cached_file", func(b *testing.B) { benchGet(b, u+"/books/app.js") })
	b.Run("origin_request_function_go_origin", func(b *testing.B) { benchGet(b, u+"/api/books/"+book.ID) })
}

func bucketLike(s *serve.Server, part string) string {
	for name := range s.Model().Buckets {
		if strings.Contains(name, part) {
			return name
		}
	}
	return ""
}

func benchGet(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	get := func() time.Duration {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", url, resp.StatusCode)
		}
		return time.Since(start)
	}
	for range 3 {
		get() // cold starts and cache fills are not what is measured
	}
	b.Run("sequential", func(b *testing.B) {
		lat := make([]time.Duration, b.N)
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			lat[i] = get()
		}
		elapsed := time.Since(start)
		b.StopTimer()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	})
	b.Run("8-clients", func(b *testing.B) {
		b.SetParallelism(8 / max(1, runtime.GOMAXPROCS(0)))
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get()
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	})
}
