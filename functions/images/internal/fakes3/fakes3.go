// Package fakes3 runs an in-process S3 for the images tests: gofakes3 with
// its in-memory backend on an httptest server (127.0.0.1 only), wrapped in
// a fault injector that makes chosen keys fail the way S3 and networks do.
package fakes3

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Region is the region the fake and its clients use.
const Region = "eu-central-1"

// Fault describes how requests for one key fail.
type Fault struct {
	// Times is how many requests fail before the key behaves normally;
	// 0 means every request fails.
	Times int
	// Status and Code produce an S3 XML error response.
	Status int
	Code   string
	// Garbage makes the error body non-XML bytes.
	Garbage bool
	// Delay holds the response until the client gives up.
	Delay time.Duration
	// Truncate declares the object's full length, sends half of it and
	// drops the connection.
	Truncate bool
	// Redirect answers 307 with this Location.
	Redirect string
	// Stream sends this many bytes with chunked encoding (no
	// Content-Length), to exercise readers that must bound by themselves.
	Stream int
}

// Server is a running fake S3.
type Server struct {
	URL     string
	Backend *s3mem.Backend
	mu      sync.Mutex
	faults  map[string]*Fault
	hits    map[string]int
}

// New starts a fake S3 with the given buckets, stopped at test cleanup.
func New(t testing.TB, buckets ...string) *Server {
	t.Helper()
	s := &Server{Backend: s3mem.New(), faults: map[string]*Fault{}, hits: map[string]int{}}
	for _, b := range buckets {
		if err := s.Backend.CreateBucket(b); err != nil {
			t.Fatalf("create bucket: %v", err)
		}
	}
	fake := gofakes3.New(s.Backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewServer(s.inject(fake.Server()))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Put stores an object.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	meta := map[string]string{
		"Content-Type":  "application/octet-stream",
		"Last-Modified": time.Now().UTC().Format(http.TimeFormat),
	}
	if _, err := s.Backend.PutObject(bucket, key, meta,
		bytes.NewReader(data), int64(len(data)), nil); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// Fail makes requests for key fail as f describes.
func (s *Server) Fail(key string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[key] = &f
}

// Hits returns how many requests reached key.
func (s *Server) Hits(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[key]
}

// Client returns an S3 client for the fake: path-style, static
// credentials, the given retry attempts (1 disables retries) with a 5 ms
// backoff so retry tests stay fast.
func (s *Server) Client(attempts int) *s3.Client {
	return s3.New(s3.Options{
		Region:           Region,
		BaseEndpoint:     aws.String(s.URL),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDFAKE", "SECRETFAKE", ""),
		RetryMaxAttempts: attempts,
		RetryMode:        aws.RetryModeStandard,
	}, func(o *s3.Options) {
		o.Retryer = retryer{o.Retryer}
	})
}

// retryer shortens the SDK's backoff without changing what it retries.
type retryer struct{ aws.Retryer }

func (r retryer) RetryDelay(int, error) (time.Duration, error) { return 5 * time.Millisecond, nil }

// inject applies faults before gofakes3 sees the request. Paths are
// path-style: /bucket/key.
func (s *Server) inject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		s.mu.Lock()
		s.hits[key]++
		f, ok := s.faults[key]
		if ok && f.Times > 0 {
			if f.Times == 1 {
				delete(s.faults, key)
			}
			f.Times--
		}
		s.mu.Unlock()
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		switch {
		case f.Delay > 0:
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
			next.ServeHTTP(w, r)
		case f.Truncate:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body[:len(body)/2])
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
		case f.Stream > 0:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.WriteHeader(http.StatusOK)
			chunk := bytes.Repeat([]byte{0xFF}, 32<<10)
			for sent := 0; sent < f.Stream; sent += len(chunk) {
				if _, err := w.Write(chunk[:min(len(chunk), f.Stream-sent)]); err != nil {
					return
				}
			}
		case f.Redirect != "":
			http.Redirect(w, r, f.Redirect, http.StatusTemporaryRedirect)
		case f.Garbage:
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte("\x00\x01 not xml <<<"))
		default:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(f.Status)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message><RequestId>fake</RequestId></Error>`, f.Code)
		}
	})
}
