package books_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/edgekit/edgekit/functions/books"
)

// Benchmarks print latency percentiles as custom metrics (p50-ms, p99-ms);
// they measure, they never pass or fail on a number. Run them with
//
//	go test ./functions/books -run '^$' -bench . -benchtime 200x

// latencies collects one duration per iteration and reports percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B, prefix string) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(p*float64(len(s))+0.5) - 1
		i = max(0, min(i, len(s)-1))
		return float64(s[i].Nanoseconds()) / 1e6
	}
	b.ReportMetric(at(0.50), prefix+"p50-ms")
	b.ReportMetric(at(0.99), prefix+"p99-ms")
}

func benchService(b *testing.B, db books.DB, cfg books.Config) *books.Service {
	svc, err := books.New(cfg, db, books.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

func mustHandle(b *testing.B, svc *books.Service, ev events.LambdaFunctionURLRequest, want int) events.LambdaFunctionURLResponse {
	resp, err := svc.Handle(context.Background(), ev)
	if err != nil || resp.StatusCode != want {
		b.Fatalf("status %d (want %d): %s %v", resp.StatusCode, want, resp.Body, err)
	}
	return resp
}

// benchEvents returns the get, create, update and list events for a book.
func benchEvents(b *testing.B, id string) (get, create, list events.LambdaFunctionURLRequest, update func(version int64) events.LambdaFunctionURLRequest) {
	get = fixture(b, "get")
	get.RawPath = "/api/books/" + id
	create = fixture(b, "create")
	list = fixture(b, "list-author")
	list.RawQueryString = "author=J.%20R.%20R.%20Tolkien&limit=20"
	upd := fixture(b, "update")
	upd.RawPath = "/api/books/" + id
	update = func(v int64) events.LambdaFunctionURLRequest {
		ev := upd
		ev.Headers = map[string]string{}
		for k, val := range upd.Headers {
			ev.Headers[k] = val
		}
		ev.Headers["if-match"] = fmt.Sprintf(`"%d"`, v)
		return ev
	}
	return get, create, list, update
}

// runRoutes benchmarks each route through Handle on svc, timing every call.
func runRoutes(b *testing.B, svc *books.Service, allocs bool) {
	created := mustHandle(b, svc, fixture(b, "create"), 201)
	book := decodeBook(b, created)
	for range 30 {
		mustHandle(b, svc, fixture(b, "create"), 201)
	}
	get, create, list, update := benchEvents(b, book.ID)
	b.Run("get", func(b *testing.B) {
		if allocs {
			b.ReportAllocs()
		}
		var l latencies
		for b.Loop() {
			t0 := time.Now()
			mustHandle(b, svc, get, 200)
			l = append(l, time.Since(t0))
		}
		l.report(b, "")
	})
	b.Run("create", func(b *testing.B) {
		if allocs {
			b.ReportAllocs()
		}
		var l latencies
		for b.Loop() {
			t0 := time.Now()
			mustHandle(b, svc, create, 201)
			l = append(l, time.Since(t0))
		}
		l.report(b, "")
	})
	b.Run("update", func(b *testing.B) {
		if allocs {
			b.ReportAllocs()
		}
		var l latencies
		v := decodeBook(b, mustHandle(b, svc, get, 200)).Version
		for b.Loop() {
			ev := update(v)
			t0 := time.Now()
			mustHandle(b, svc, ev, 200)
			l = append(l, time.Since(t0))
			v++
		}
		l.report(b, "")
	})
	b.Run("list20", func(b *testing.B) {
		if allocs {
			b.ReportAllocs()
		}
		var l latencies
		for b.Loop() {
			t0 := time.Now()
			mustHandle(b, svc, list, 200)
			l = append(l, time.Since(t0))
		}
		l.report(b, "")
	})
}

// BenchmarkHandler is the handler's own cost (routing, validation, JSON,
// item mapping, logging) on the in-memory fake.
func BenchmarkHandler(b *testing.B) {
	runRoutes(b, benchService(b, newMemDB(), testCfg), true)
}

// BenchmarkDynalite is a request through the handler and the real SDK client
// to dynalite on 127.0.0.1 (an emulator in Node.js: it shows the SDK and
// handler path end to end, not DynamoDB's own latency).
func BenchmarkDynalite(b *testing.B) {
	client := localClient(startDynalite(b))
	runRoutes(b, benchService(b, client, createTable(b, client)), false)
}

// BenchmarkColdStart starts the built bootstrap (this machine's GOOS/GOARCH,
// -tags lambda.norpc, stripped) under the local Runtime API for every
// iteration: init-p50/p99 is process start to the first /next call (config,
// SDK client), first-p50/p99 adds the first GET against dynalite (the SDK's
// first connection included).
func BenchmarkColdStart(b *testing.B) {
	bin := buildBootstrap(b)
	endpoint := startDynalite(b)
	client := localClient(endpoint)
	cfg := createTable(b, client)
	book := decodeBook(b, mustHandle(b, benchService(b, client, cfg), fixture(b, "create"), 201))
	get := fixture(b, "get")
	get.RawPath = "/api/books/" + book.ID
	env := functionEnv(b, cfg.TableName, "AWS_ENDPOINT_URL_DYNAMODB", endpoint)
	var initL, firstL latencies
	for b.Loop() {
		run := runCold(b, bin, env, get)
		if run.resp.StatusCode != 200 {
			b.Fatalf("status %d: %s\n%s", run.resp.StatusCode, run.resp.Body, run.stdout)
		}
		initL = append(initL, run.init)
		firstL = append(firstL, run.firstResponse)
	}
	initL.report(b, "init-")
	firstL.report(b, "first-")
	if st, err := os.Stat(bin); err == nil {
		b.ReportMetric(float64(st.Size())/(1<<20), "binary-MiB")
	}
}
