package serve

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"sort"
	"testing"
	"time"
)

// benchRequests sends b.N sequential GETs to url (one keep-alive client)
// and reports requests per second and the p50 and p99 latency; then the
// same with 8 concurrent clients for throughput.
func benchRequests(b *testing.B, url string, headers ...string) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	get := func() time.Duration {
		req, _ := http.NewRequest("GET", url, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			b.Fatalf("%s: %d", url, resp.StatusCode)
		}
		return time.Since(start)
	}
	get() // warm: cold starts and the first cache fill are not what is measured
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

// BenchmarkServeStatic measures serve's own overhead on a plain S3
// behaviour of a hand-written assembly (no edge functions): a cached file
// (cache hit) and an uncached one (CachingDisabled: every request reads
// the bucket).
func BenchmarkServeStatic(b *testing.B) {
	m := newMiniApp(b)
	m.siteFiles(map[string]string{"index.html": miniIndex, "nocache/file.txt": "uncached file body"})
	m.behavior(map[string]any{"PathPattern": "/nocache/*"})
	s, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", AssemblyDir: m.write(), ProjectDir: b.TempDir(), StateDir: b.TempDir(),
		Log: io.Discard, Node: testNode(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Run("cached_file", func(b *testing.B) { benchRequests(b, s.URL()+"/index.html") })
	b.Run("uncached_file", func(b *testing.B) { benchRequests(b, s.URL()+"/nocache/file.txt") })
}
