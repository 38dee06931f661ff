package books_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/edgekit/edgekit/functions/books"
)

const otherID = "0b5a7c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d"

// TestRoutes drives every route through Handle with the documented event
// fixtures, against the in-memory fake.
func TestRoutes(t *testing.T) {
	type tc struct {
		name       string
		setup      func(db *memDB)
		event      func(t *testing.T) events.LambdaFunctionURLRequest
		wantStatus int
		wantCode   string
		check      func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB)
	}
	fx := func(name string) func(t *testing.T) events.LambdaFunctionURLRequest {
		return func(t *testing.T) events.LambdaFunctionURLRequest { return fixture(t, name) }
	}
	with := func(name string, mut func(ev *events.LambdaFunctionURLRequest)) func(t *testing.T) events.LambdaFunctionURLRequest {
		return func(t *testing.T) events.LambdaFunctionURLRequest {
			ev := fixture(t, name)
			mut(&ev)
			return ev
		}
	}
	seedV := func(v string) func(db *memDB) {
		return func(db *memDB) { seedItem(db, fixtureID, "The Hobbit", "J. R. R. Tolkien", v) }
	}
	checkCreated := func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
		b := decodeBook(t, resp)
		want := books.Book{ID: b.ID, Title: "The Hobbit", Author: "J. R. R. Tolkien", Year: 1937, ISBN: "9780261103344",
			Version: 1, CreatedAt: "2026-01-02T03:04:05.006Z", UpdatedAt: "2026-01-02T03:04:05.006Z"}
		if b != want {
			t.Errorf("book = %+v, want %+v", b, want)
		}
		if got := resp.Headers["location"]; got != "/api/books/"+b.ID {
			t.Errorf("location = %q", got)
		}
		if got := resp.Headers["etag"]; got != `"1"` {
			t.Errorf("etag = %q", got)
		}
		if _, ok := db.snapshot()[b.ID]; !ok {
			t.Errorf("created book %s not stored", b.ID)
		}
	}
	cases := []tc{
		{name: "create", event: fx("create"), wantStatus: 201, check: checkCreated},
		{name: "create_base64_body", event: fx("create-base64"), wantStatus: 201, check: checkCreated},
		{name: "create_mixed_case_header_names", event: with("create", func(ev *events.LambdaFunctionURLRequest) {
			delete(ev.Headers, "content-type")
			ev.Headers["Content-Type"] = "application/json"
		}), wantStatus: 201, check: checkCreated},
		{name: "get", setup: seedV("1"), event: fx("get"), wantStatus: 200,
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				b := decodeBook(t, resp)
				if b.ID != fixtureID || b.Version != 1 || b.Title != "The Hobbit" {
					t.Errorf("book = %+v", b)
				}
				if resp.Headers["etag"] != `"1"` || resp.Headers["cache-control"] != "no-store" {
					t.Errorf("headers = %v", resp.Headers)
				}
				in := db.lastInput["GetItem"].(*dynamodb.GetItemInput)
				if in.ConsistentRead == nil || !*in.ConsistentRead {
					t.Error("GetItem is not a consistent read")
				}
			}},
		{name: "fails_get_unknown_id", event: fx("get"), wantStatus: 404, wantCode: "not_found"},
		{name: "update_if_match", setup: seedV("1"), event: fx("update"), wantStatus: 200,
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				b := decodeBook(t, resp)
				if b.Version != 2 || b.Title != "The Hobbit, or There and Back Again" || b.UpdatedAt != "2026-01-02T03:04:05.006Z" || b.ISBN != "9780261103344" {
					t.Errorf("book = %+v", b)
				}
				if resp.Headers["etag"] != `"2"` {
					t.Errorf("etag = %q", resp.Headers["etag"])
				}
			}},
		{name: "update_body_version_removes_isbn", setup: func(db *memDB) {
			seedItem(db, fixtureID, "The Hobbit", "J. R. R. Tolkien", "1")
			db.items[fixtureID]["isbn"] = db.items[fixtureID]["title"]
		}, event: fx("update-body-version"), wantStatus: 200,
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				b := decodeBook(t, resp)
				if b.Version != 2 || b.Year != 1951 || b.ISBN != "" {
					t.Errorf("book = %+v", b)
				}
				if _, ok := db.snapshot()[fixtureID]["isbn"]; ok {
					t.Error("isbn still stored")
				}
			}},
		{name: "fails_update_stale_if_match", setup: seedV("2"), event: fx("update"), wantStatus: 412, wantCode: "precondition_failed",
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				if resp.Headers["etag"] != `"2"` {
					t.Errorf("etag = %q, want the current version", resp.Headers["etag"])
				}
			}},
		{name: "fails_update_stale_body_version", setup: seedV("3"), event: fx("update-body-version"), wantStatus: 409, wantCode: "version_conflict",
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				if resp.Headers["etag"] != `"3"` {
					t.Errorf("etag = %q, want the current version", resp.Headers["etag"])
				}
			}},
		{name: "fails_update_unknown_id", event: fx("update"), wantStatus: 404, wantCode: "not_found"},
		{name: "fails_update_without_precondition", setup: seedV("1"), event: with("update", func(ev *events.LambdaFunctionURLRequest) {
			delete(ev.Headers, "if-match")
		}), wantStatus: 428, wantCode: "precondition_required"},
		{name: "fails_update_if_match_and_version_disagree", setup: seedV("1"), event: with("update-body-version", func(ev *events.LambdaFunctionURLRequest) {
			ev.Headers["if-match"] = `"2"`
		}), wantStatus: 400, wantCode: "precondition_conflict"},
		{name: "update_if_match_and_version_agree_stale_is_412", setup: seedV("2"), event: with("update-body-version", func(ev *events.LambdaFunctionURLRequest) {
			ev.Headers["if-match"] = `"1"`
		}), wantStatus: 412, wantCode: "precondition_failed"},
		{name: "fails_update_if_match_star", setup: seedV("1"), event: with("update", func(ev *events.LambdaFunctionURLRequest) {
			ev.Headers["if-match"] = "*"
		}), wantStatus: 400, wantCode: "invalid_if_match"},
		{name: "fails_update_weak_if_match", setup: seedV("1"), event: with("update", func(ev *events.LambdaFunctionURLRequest) {
			ev.Headers["if-match"] = `W/"1"`
		}), wantStatus: 400, wantCode: "invalid_if_match"},
		{name: "fails_update_if_match_list", setup: seedV("1"), event: with("update", func(ev *events.LambdaFunctionURLRequest) {
			ev.Headers["if-match"] = `"1", "2"`
		}), wantStatus: 400, wantCode: "invalid_if_match"},
		{name: "delete", setup: seedV("4"), event: fx("delete"), wantStatus: 204,
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				if resp.Body != "" {
					t.Errorf("204 with body %q", resp.Body)
				}
				if _, ok := db.snapshot()[fixtureID]; ok {
					t.Error("book still stored")
				}
			}},
		{name: "delete_absent_is_204", event: fx("delete"), wantStatus: 204},
		{name: "delete_if_match_current", setup: seedV("4"), event: with("delete", func(ev *events.LambdaFunctionURLRequest) {
			ev.Headers["if-match"] = `"4"`
		}), wantStatus: 204},
		{name: "delete_if_match_absent_is_204", event: with("delete", func(ev *events.LambdaFunctionURLRequest) {
			ev.Headers["if-match"] = `"4"`
		}), wantStatus: 204},
		{name: "fails_delete_if_match_stale", setup: seedV("5"), event: with("delete", func(ev *events.LambdaFunctionURLRequest) {
			ev.Headers["if-match"] = `"4"`
		}), wantStatus: 412, wantCode: "precondition_failed",
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				if _, ok := db.snapshot()[fixtureID]; !ok {
					t.Error("stale delete removed the book")
				}
				if resp.Headers["etag"] != `"5"` {
					t.Errorf("etag = %q", resp.Headers["etag"])
				}
			}},
		{name: "fails_patch_is_405", event: fx("patch"), wantStatus: 405, wantCode: "method_not_allowed",
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				if resp.Headers["allow"] != "GET, PUT, DELETE" {
					t.Errorf("allow = %q", resp.Headers["allow"])
				}
			}},
		{name: "fails_put_collection_is_405", event: with("create", func(ev *events.LambdaFunctionURLRequest) {
			ev.RequestContext.HTTP.Method = "PUT"
		}), wantStatus: 405, wantCode: "method_not_allowed",
			check: func(t *testing.T, resp events.LambdaFunctionURLResponse, db *memDB) {
				if resp.Headers["allow"] != "GET, POST" {
					t.Errorf("allow = %q", resp.Headers["allow"])
				}
			}},
		{name: "fails_lowercase_method_is_405", event: with("get", func(ev *events.LambdaFunctionURLRequest) {
			ev.RequestContext.HTTP.Method = "get"
		}), wantStatus: 405, wantCode: "method_not_allowed"},
		{name: "fails_unknown_path", event: fx("unknown-path"), wantStatus: 404, wantCode: "not_found"},
		{name: "fails_trailing_slash", event: with("get", func(ev *events.LambdaFunctionURLRequest) {
			ev.RawPath = "/api/books/"
		}), wantStatus: 404, wantCode: "not_found"},
		{name: "fails_nested_path", event: with("get", func(ev *events.LambdaFunctionURLRequest) {
			ev.RawPath = "/api/books/" + fixtureID + "/title"
		}), wantStatus: 404, wantCode: "not_found"},
		{name: "fails_prefix_lookalike", event: with("get", func(ev *events.LambdaFunctionURLRequest) {
			ev.RawPath = "/api/booksx"
		}), wantStatus: 404, wantCode: "not_found"},
		{name: "fails_uppercase_id", event: with("get", func(ev *events.LambdaFunctionURLRequest) {
			ev.RawPath = "/api/books/" + strings.ToUpper(fixtureID)
		}), wantStatus: 400, wantCode: "invalid_id"},
		{name: "fails_injection_id", event: with("delete", func(ev *events.LambdaFunctionURLRequest) {
			ev.RawPath = "/api/books/' OR '1'='1"
		}), wantStatus: 400, wantCode: "invalid_id"},
		{name: "path_from_request_context_when_raw_path_missing", setup: seedV("1"), event: with("get", func(ev *events.LambdaFunctionURLRequest) {
			ev.RawPath = ""
		}), wantStatus: 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newMemDB()
			if c.setup != nil {
				c.setup(db)
			}
			svc, _ := newService(t, db, testCfg)
			before := db.snapshot()
			resp := invoke(t, svc, c.event(t))
			if resp.StatusCode != c.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, c.wantStatus, resp.Body)
			}
			if c.wantCode != "" {
				if e := decodeError(t, resp); e.Error != c.wantCode {
					t.Errorf("error = %q (%s), want %q", e.Error, e.Message, c.wantCode)
				}
				if after := db.snapshot(); len(after) != len(before) {
					t.Errorf("a failed request changed the table: %d items before, %d after", len(before), len(after))
				}
			}
			if resp.Headers["x-content-type-options"] != "nosniff" {
				t.Errorf("headers lack nosniff: %v", resp.Headers)
			}
			if c.check != nil {
				c.check(t, resp, db)
			}
		})
	}
}

func TestList(t *testing.T) {
	db := newMemDB()
	ids := []string{fixtureID, otherID, "7d2e4f60-1a2b-4c3d-8e4f-5a6b7c8d9e0f", "c0ffee00-1234-4abc-9def-0123456789ab"}
	authors := []string{"J. R. R. Tolkien", "Ursula K. Le Guin", "J. R. R. Tolkien", "J. R. R. Tolkien"}
	for i, id := range ids {
		seedItem(db, id, "Book "+id[:4], authors[i], "1")
	}
	svc, _ := newService(t, db, testCfg)

	// pages follows next tokens from ev and returns every id seen and the
	// number of requests made.
	pages := func(t *testing.T, ev events.LambdaFunctionURLRequest) ([]string, int) {
		t.Helper()
		var got []string
		base := ev.RawQueryString
		for n := 1; ; n++ {
			resp := invoke(t, svc, ev)
			if resp.StatusCode != 200 {
				t.Fatalf("page %d: status %d %s", n, resp.StatusCode, resp.Body)
			}
			l := decodeList(t, resp)
			for _, b := range l.Items {
				got = append(got, b.ID)
			}
			if l.Next == "" {
				return got, n
			}
			if n > 10 {
				t.Fatal("pagination does not end")
			}
			ev.RawQueryString = base + "&next=" + l.Next
		}
	}

	t.Run("scan_pages_of_two", func(t *testing.T) {
		got, n := pages(t, fixture(t, "list"))
		if len(got) != 4 || n != 3 {
			t.Errorf("got %d items in %d pages, want 4 in 3 (the second page is full, so a third, empty one follows)", len(got), n)
		}
		seen := map[string]bool{}
		for _, id := range got {
			if seen[id] {
				t.Errorf("id %s listed twice", id)
			}
			seen[id] = true
		}
	})
	t.Run("author_uses_the_index", func(t *testing.T) {
		got, _ := pages(t, fixture(t, "list-author"))
		if len(got) != 3 {
			t.Fatalf("got %v, want the 3 Tolkien books", got)
		}
		in := db.lastInput["Query"].(*dynamodb.QueryInput)
		if *in.IndexName != books.DefaultAuthorIndex || *in.Limit != 2 {
			t.Errorf("query input: index %q limit %d", *in.IndexName, *in.Limit)
		}
	})
	t.Run("default_limit", func(t *testing.T) {
		ev := fixture(t, "list")
		ev.RawQueryString = ""
		l := decodeList(t, invoke(t, svc, ev))
		if len(l.Items) != 4 || l.Next != "" {
			t.Errorf("got %d items next %q", len(l.Items), l.Next)
		}
		if in := db.lastInput["Scan"].(*dynamodb.ScanInput); *in.Limit != books.DefaultPageSize {
			t.Errorf("scan limit = %d", *in.Limit)
		}
	})
	t.Run("empty_table_lists_empty_array", func(t *testing.T) {
		empty, _ := newService(t, newMemDB(), testCfg)
		resp := invoke(t, empty, fixture(t, "list"))
		if resp.Body != `{"items":[]}` {
			t.Errorf("body = %s", resp.Body)
		}
	})

	firstNext := func(t *testing.T, name string) string {
		l := decodeList(t, invoke(t, svc, fixture(t, name)))
		if l.Next == "" {
			t.Fatal("no next token")
		}
		return l.Next
	}
	scanToken := firstNext(t, "list")
	authorToken := firstNext(t, "list-author")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	bad := []struct {
		name, query, code string
	}{
		{"fails_limit_zero", "limit=0", "invalid_limit"},
		{"fails_limit_over_max", "limit=101", "invalid_limit"},
		{"fails_limit_negative", "limit=-1", "invalid_limit"},
		{"fails_limit_not_integer", "limit=2.5", "invalid_limit"},
		{"fails_limit_plus_sign", "limit=%2B5", "invalid_limit"},
		{"fails_limit_huge", "limit=99999999999999999999", "invalid_limit"},
		{"fails_limit_empty", "limit=", "invalid_limit"},
		{"fails_unknown_parameter", "limit=2&sort=title", "invalid_query"},
		{"fails_repeated_parameter", "limit=2&limit=3", "invalid_query"},
		{"fails_semicolon_separator", "limit=2;author=x", "invalid_query"},
		{"fails_bad_escape", "author=%zz", "invalid_query"},
		{"fails_empty_author", "author=", "invalid_query"},
		{"fails_author_control_char", "author=a%00b", "invalid_query"},
		{"fails_empty_token", "next=", "invalid_token"},
		{"fails_garbage_token", "next=hello", "invalid_token"},
		{"fails_token_flipped_payload", "next=" + flip(scanToken, 3), "invalid_token"},
		{"fails_token_flipped_mac", "next=" + flip(scanToken, len(scanToken)-3), "invalid_token"},
		{"fails_token_truncated", "next=" + scanToken[:len(scanToken)-4], "invalid_token"},
		{"fails_token_two_dots", "next=" + scanToken + ".x", "invalid_token"},
		{"fails_token_too_long", "next=" + strings.Repeat("A", books.MaxTokenLen+1), "invalid_token"},
		{"fails_scan_token_used_with_author", "author=J.%20R.%20R.%20Tolkien&next=" + scanToken, "invalid_token"},
		{"fails_author_token_used_without_author", "next=" + authorToken, "invalid_token"},
		{"fails_author_token_used_for_other_author", "author=Ursula%20K.%20Le%20Guin&next=" + authorToken, "invalid_token"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			calls := len(db.calls)
			ev := fixture(t, "list")
			ev.RawQueryString = c.query
			resp := invoke(t, svc, ev)
			if resp.StatusCode != 400 {
				t.Fatalf("status = %d, want 400; body %s", resp.StatusCode, resp.Body)
			}
			if e := decodeError(t, resp); e.Error != c.code {
				t.Errorf("error = %q (%s), want %q", e.Error, e.Message, c.code)
			}
			if len(db.calls) != calls {
				t.Errorf("a rejected list called DynamoDB: %v", db.calls[calls:])
			}
		})
	}
	t.Run("fails_token_from_another_table", func(t *testing.T) {
		cfg := testCfg
		cfg.TableName = "books-other"
		other, _ := newService(t, db, cfg)
		ev := fixture(t, "list")
		ev.RawQueryString = "limit=2&next=" + scanToken
		resp := invoke(t, other, ev)
		if e := decodeError(t, resp); resp.StatusCode != 400 || e.Error != "invalid_token" {
			t.Errorf("status %d error %q", resp.StatusCode, e.Error)
		}
	})
	t.Run("token_survives_limit_change", func(t *testing.T) {
		ev := fixture(t, "list")
		ev.RawQueryString = "limit=50&next=" + scanToken
		l := decodeList(t, invoke(t, svc, ev))
		if len(l.Items) != 2 {
			t.Errorf("got %d items after the first page of 2, want 2", len(l.Items))
		}
	})
}

func TestCustomBasePath(t *testing.T) {
	db := newMemDB()
	seedItem(db, fixtureID, "The Hobbit", "J. R. R. Tolkien", "1")
	cfg := testCfg
	cfg.BasePath = "/v2/library"
	svc, _ := newService(t, db, cfg)
	ev := fixture(t, "get")
	ev.RawPath = "/v2/library/" + fixtureID
	if resp := invoke(t, svc, ev); resp.StatusCode != 200 {
		t.Errorf("custom path: status %d", resp.StatusCode)
	}
	if resp := invoke(t, svc, fixture(t, "get")); resp.StatusCode != 404 {
		t.Errorf("default path under a custom base: status %d, want 404", resp.StatusCode)
	}
	resp := invoke(t, svc, jsonEvent(t, "POST", "/v2/library", `{"title":"A","author":"B","year":1}`))
	if resp.StatusCode != 201 || !strings.HasPrefix(resp.Headers["location"], "/v2/library/") {
		t.Errorf("create: status %d location %q", resp.StatusCode, resp.Headers["location"])
	}
}

func TestLoadConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	t.Run("defaults", func(t *testing.T) {
		cfg, err := books.LoadConfig(env(map[string]string{books.EnvTableName: "edgekit-books"}))
		if err != nil {
			t.Fatal(err)
		}
		want := books.Config{TableName: "edgekit-books", AuthorIndex: "byAuthor", BasePath: "/api/books"}
		if cfg != want {
			t.Errorf("cfg = %+v, want %+v", cfg, want)
		}
	})
	t.Run("overrides", func(t *testing.T) {
		cfg, err := books.LoadConfig(env(map[string]string{
			books.EnvTableName: "t-1", books.EnvAuthorIndex: "idx", books.EnvBasePath: "/books",
		}))
		if err != nil || cfg.AuthorIndex != "idx" || cfg.BasePath != "/books" {
			t.Errorf("cfg = %+v, err %v", cfg, err)
		}
	})
	t.Run("fails_names_every_problem", func(t *testing.T) {
		_, err := books.LoadConfig(env(map[string]string{
			books.EnvAuthorIndex: "a b", books.EnvBasePath: "/api/books/",
		}))
		if err == nil {
			t.Fatal("no error")
		}
		for _, want := range []string{books.EnvTableName, books.EnvAuthorIndex, books.EnvBasePath} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
	})
	for _, p := range []string{"api/books", "/", "/api//books", "/api/books?x", "/api/bo oks"} {
		t.Run("fails_base_path_"+p, func(t *testing.T) {
			if _, err := books.LoadConfig(env(map[string]string{books.EnvTableName: "tbl", books.EnvBasePath: p})); err == nil {
				t.Errorf("base path %q accepted", p)
			}
		})
	}
	t.Run("fails_new_with_nil_db", func(t *testing.T) {
		if _, err := books.New(testCfg, nil, books.Options{}); err == nil {
			t.Error("nil DB accepted")
		}
	})
}
