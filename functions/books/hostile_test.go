package books_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/edgekit/edgekit/functions/books"
)

// marker is planted in request bodies; it must never reach a log line or an
// error message.
const marker = "MARKER-7f3a9c"

func body(fields map[string]any) string {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func valid(over map[string]any) string {
	f := map[string]any{"title": "Title " + marker, "author": "Author", "year": 1999}
	for k, v := range over {
		if v == nil {
			delete(f, k)
		} else {
			f[k] = v
		}
	}
	return body(f)
}

// TestHostileCreate sends hostile bodies and headers to POST /api/books. A
// rejected request must get a 4xx JSON error and make no DynamoDB write; an
// accepted one must store exactly the normalized text.
func TestHostileCreate(t *testing.T) {
	const ct = "application/json"
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	cases := []struct {
		name        string
		body        string
		b64         bool
		contentType string // "-" removes the header
		wantStatus  int
		wantCode    string
		wantTitle   string // for accepted requests: the stored title
		wantAuthor  string
		wantISBN    string
	}{
		{name: "fails_empty_body", body: "", wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_whitespace_body", body: " \n\t ", wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_truncated_json", body: `{"title":"` + marker + `","author":"a"`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_array_body", body: "[" + valid(nil) + "]", wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_string_body", body: `"` + marker + `"`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_null_body", body: "null", wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_two_objects", body: valid(nil) + valid(nil), wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_trailing_garbage", body: valid(nil) + " x", wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_duplicate_key_last_wins_attack", body: `{"title":"ok","author":"a","year":1,"title":"` + marker + `"}`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_case_variant_key", body: `{"Title":"x","author":"a","year":1}`, wantStatus: 400, wantCode: "unknown_field"},
		{name: "fails_case_variant_duplicate", body: `{"title":"x","TITLE":"y","author":"a","year":1}`, wantStatus: 400, wantCode: "unknown_field"},
		{name: "fails_unknown_field", body: valid(map[string]any{"admin": true}), wantStatus: 400, wantCode: "unknown_field"},
		{name: "fails_client_sets_version", body: valid(map[string]any{"version": 7}), wantStatus: 400, wantCode: "unknown_field"},
		{name: "fails_client_sets_id", body: valid(map[string]any{"id": fixtureID}), wantStatus: 400, wantCode: "unknown_field"},
		{name: "fails_huge_unknown_key", body: `{"` + strings.Repeat("k", 8000) + marker + `":1}`, wantStatus: 400, wantCode: "unknown_field"},
		{name: "fails_missing_title", body: valid(map[string]any{"title": nil}), wantStatus: 400, wantCode: "missing_field"},
		{name: "fails_null_title", body: `{"title":null,"author":"a","year":1}`, wantStatus: 400, wantCode: "missing_field"},
		{name: "fails_missing_year", body: valid(map[string]any{"year": nil}), wantStatus: 400, wantCode: "missing_field"},
		{name: "fails_title_number", body: valid(map[string]any{"title": 42}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_title_operator_object", body: valid(map[string]any{"title": map[string]any{"$ne": ""}}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_title_deeply_nested", body: `{"title":` + deep(5000) + `,"author":"a","year":1}`, wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_deeply_nested_body", body: deep(8000), wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_year_string", body: valid(map[string]any{"year": "1999"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_year_fraction", body: `{"title":"t","author":"a","year":1999.5}`, wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_year_exponent", body: `{"title":"t","author":"a","year":1.999e3}`, wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_year_bool", body: valid(map[string]any{"year": true}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_year_overflow", body: `{"title":"t","author":"a","year":99999999999999999999999}`, wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_year_above_range", body: valid(map[string]any{"year": 10000}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_year_negative", body: valid(map[string]any{"year": -1}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_nul_in_title", body: valid(map[string]any{"title": "a\x00b"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_raw_tab_in_json_string", body: "{\"title\":\"a\tb\",\"author\":\"a\",\"year\":1}", wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_ansi_escape_in_author", body: valid(map[string]any{"author": "\x1b[31mred"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_newline_in_author", body: valid(map[string]any{"author": "a\nb"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_c1_control", body: valid(map[string]any{"title": "a\u0085b"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_bidi_override", body: valid(map[string]any{"title": "abc\u202efdp.exe"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_line_separator", body: valid(map[string]any{"title": "a\u2028b"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_lone_surrogate_escape", body: `{"title":"a\ud800b","author":"a","year":1}`, wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_invalid_utf8", body: "{\"title\":\"\xff\xfe\",\"author\":\"a\",\"year\":1}", wantStatus: 400, wantCode: "invalid_json"},
		{name: "fails_empty_title", body: valid(map[string]any{"title": ""}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_blank_title", body: valid(map[string]any{"title": " \u3000 "}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_title_too_long", body: valid(map[string]any{"title": strings.Repeat("a", books.MaxTitleLen+1)}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_author_too_long", body: valid(map[string]any{"author": strings.Repeat("é", books.MaxAuthorLen+1)}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_isbn_bad_check_digit", body: valid(map[string]any{"isbn": "978-0-261-10334-5"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_isbn_injection", body: valid(map[string]any{"isbn": "978' OR '1'='1"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_isbn_empty", body: valid(map[string]any{"isbn": ""}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_isbn_wrong_prefix", body: valid(map[string]any{"isbn": "1234567890128"}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_isbn_number", body: valid(map[string]any{"isbn": 9780261103344}), wantStatus: 400, wantCode: "invalid_field"},
		{name: "fails_huge_body", body: valid(map[string]any{"title": strings.Repeat(marker, 100_000)}), wantStatus: 413, wantCode: "body_too_large"},
		{name: "fails_huge_base64_body", body: base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", 1<<20))), b64: true, wantStatus: 413, wantCode: "body_too_large"},
		{name: "fails_one_byte_over_limit", body: valid(nil) + strings.Repeat(" ", books.MaxBodyBytes+1-len(valid(nil))), wantStatus: 413, wantCode: "body_too_large"},
		{name: "fails_bad_base64", body: "{not base64}", b64: true, wantStatus: 400, wantCode: "invalid_body_encoding"},
		{name: "fails_no_content_type", body: valid(nil), contentType: "-", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "fails_text_plain", body: valid(nil), contentType: "text/plain", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "fails_form_urlencoded", body: "title=x&author=y&year=1", contentType: "application/x-www-form-urlencoded", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "fails_latin1_charset", body: valid(nil), contentType: "application/json; charset=iso-8859-1", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "fails_malformed_content_type", body: valid(nil), contentType: "application/json; ===", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "fails_unknown_media_type_parameter", body: valid(nil), contentType: "application/json; profile=x", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "fails_merge_patch_media_type", body: valid(nil), contentType: "application/merge-patch+json", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "fails_huge_content_type", body: valid(nil), contentType: "application/json" + strings.Repeat(";a=b", 16000), wantStatus: 415, wantCode: "unsupported_media_type"},

		{name: "body_exactly_at_limit", body: valid(nil) + strings.Repeat(" ", books.MaxBodyBytes-len(valid(nil))), wantStatus: 201, wantTitle: "Title " + marker, wantAuthor: "Author"},
		{name: "quoted_utf8_charset", body: valid(nil), contentType: `application/json; charset="UTF-8"`, wantStatus: 201, wantTitle: "Title " + marker, wantAuthor: "Author"},
		{name: "sql_injection_stored_verbatim", body: valid(map[string]any{"title": "'; DROP TABLE books; -- " + marker, "author": `" OR 1=1 --`}), wantStatus: 201,
			wantTitle: "'; DROP TABLE books; -- " + marker, wantAuthor: `" OR 1=1 --`},
		{name: "expression_syntax_stored_verbatim", body: valid(map[string]any{"title": "#title = :title REMOVE #isbn " + marker, "author": "attribute_exists(id)"}), wantStatus: 201,
			wantTitle: "#title = :title REMOVE #isbn " + marker, wantAuthor: "attribute_exists(id)"},
		{name: "html_stored_verbatim", body: valid(map[string]any{"title": "<script>alert(1)</script>" + marker, "author": "<img src=x onerror=alert(1)>"}), wantStatus: 201,
			wantTitle: "<script>alert(1)</script>" + marker, wantAuthor: "<img src=x onerror=alert(1)>"},
		{name: "unicode_scripts", body: valid(map[string]any{"title": "Война и мир " + marker, "author": "ألف ليلة وليلة"}), wantStatus: 201,
			wantTitle: "Война и мир " + marker, wantAuthor: "ألف ليلة وليلة"},
		{name: "emoji_zwj_and_combining_marks", body: valid(map[string]any{"title": "👩‍💻 e\u0301 " + marker, "author": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"}), wantStatus: 201,
			wantTitle: "👩‍💻 e\u0301 " + marker, wantAuthor: "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"},
		{name: "title_at_limit_in_4_byte_runes", body: valid(map[string]any{"title": strings.Repeat("😀", books.MaxTitleLen)}), wantStatus: 201,
			wantTitle: strings.Repeat("😀", books.MaxTitleLen), wantAuthor: "Author"},
		{name: "surrounding_space_trimmed", body: valid(map[string]any{"title": "  Dune\t", "author": "\u00a0Frank Herbert "}), wantStatus: 201,
			wantTitle: "Dune", wantAuthor: "Frank Herbert"},
		{name: "isbn10_with_x_normalized", body: valid(map[string]any{"isbn": "0-8044-2957-x"}), wantStatus: 201,
			wantTitle: "Title " + marker, wantAuthor: "Author", wantISBN: "080442957X"},
		{name: "null_isbn_means_none", body: `{"title":"t","author":"a","year":1,"isbn":null}`, wantStatus: 201, wantTitle: "t", wantAuthor: "a"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d hostile cases", len(cases))
	}
	db := newMemDB()
	svc, logs := newService(t, db, testCfg)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := jsonEvent(t, "POST", "/api/books", c.body)
			ev.IsBase64Encoded = c.b64
			switch c.contentType {
			case "":
				ev.Headers["content-type"] = ct
			case "-":
				delete(ev.Headers, "content-type")
			default:
				ev.Headers["content-type"] = c.contentType
			}
			writes := db.writes()
			resp := invoke(t, svc, ev)
			if resp.StatusCode != c.wantStatus {
				t.Fatalf("status = %d, want %d; body %.200s", resp.StatusCode, c.wantStatus, resp.Body)
			}
			if c.wantCode != "" {
				e := decodeError(t, resp)
				if e.Error != c.wantCode {
					t.Errorf("error = %q (%s), want %q", e.Error, e.Message, c.wantCode)
				}
				if strings.Contains(resp.Body, marker) || len(resp.Body) > 400 {
					t.Errorf("error body echoes the request: %.200s", resp.Body)
				}
				if got := db.writes(); got != writes {
					t.Errorf("rejected request wrote to DynamoDB (%d writes)", got-writes)
				}
				return
			}
			b := decodeBook(t, resp)
			if b.Title != c.wantTitle || b.Author != c.wantAuthor || b.ISBN != c.wantISBN {
				t.Errorf("response book = %q / %q / %q, want %q / %q / %q", b.Title, b.Author, b.ISBN, c.wantTitle, c.wantAuthor, c.wantISBN)
			}
			item := db.snapshot()[b.ID]
			if got := item["title"].(*types.AttributeValueMemberS).Value; got != c.wantTitle {
				t.Errorf("stored title = %q, want %q", got, c.wantTitle)
			}
			if got := item["author"].(*types.AttributeValueMemberS).Value; got != c.wantAuthor {
				t.Errorf("stored author = %q, want %q", got, c.wantAuthor)
			}
			if strings.ContainsAny(resp.Body, "<>") {
				t.Errorf("response JSON carries raw < or >: %.200s", resp.Body)
			}
		})
	}
	if strings.Contains(logs.String(), marker) {
		t.Errorf("a request body reached the log:\n%.2000s", logs.String())
	}
	if !strings.Contains(logs.String(), `"route":"create"`) {
		t.Errorf("no access log lines:\n%.500s", logs.String())
	}
}

// TestHostileUpdate covers the PUT-only inputs: the precondition header and
// the body version.
func TestHostileUpdate(t *testing.T) {
	cases := []struct {
		name       string
		ifMatch    string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"fails_version_zero", "", valid(map[string]any{"version": 0}), 400, "invalid_field"},
		{"fails_version_negative", "", valid(map[string]any{"version": -3}), 400, "invalid_field"},
		{"fails_version_string", "", valid(map[string]any{"version": "1"}), 400, "invalid_field"},
		{"fails_version_fraction", "", `{"title":"t","author":"a","year":1,"version":1.5}`, 400, "invalid_field"},
		{"fails_version_beyond_2_53", "", `{"title":"t","author":"a","year":1,"version":9007199254740992}`, 400, "invalid_field"},
		{"fails_if_match_unquoted", "1", valid(nil), 400, "invalid_if_match"},
		{"fails_if_match_leading_zero", `"01"`, valid(nil), 400, "invalid_if_match"},
		{"fails_if_match_zero", `"0"`, valid(nil), 400, "invalid_if_match"},
		{"fails_if_match_injection", `"1 OR version > 0"`, valid(nil), 400, "invalid_if_match"},
		{"fails_if_match_huge", `"` + strings.Repeat("9", 5000) + `"`, valid(nil), 400, "invalid_if_match"},
		{"fails_if_match_empty", ``, `{"title":"t","author":"a","year":1}`, 428, "precondition_required"},
		{"fails_client_sets_updated_at", `"1"`, valid(map[string]any{"updatedAt": "2030-01-01T00:00:00Z"}), 400, "unknown_field"},
		{"fails_invalid_body_with_valid_precondition", `"1"`, valid(map[string]any{"title": "x\x00"}), 400, "invalid_field"},
		{"if_match_with_spaces", ` "1" `, valid(nil), 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newMemDB()
			seedItem(db, fixtureID, "Old", "Author", "1")
			svc, _ := newService(t, db, testCfg)
			ev := jsonEvent(t, "PUT", "/api/books/"+fixtureID, c.body)
			if c.ifMatch != "" {
				ev.Headers["if-match"] = c.ifMatch
			}
			before := db.snapshot()[fixtureID]
			resp := invoke(t, svc, ev)
			if resp.StatusCode != c.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, c.wantStatus, resp.Body)
			}
			if c.wantCode == "" {
				return
			}
			if e := decodeError(t, resp); e.Error != c.wantCode {
				t.Errorf("error = %q (%s), want %q", e.Error, e.Message, c.wantCode)
			}
			if db.callCount("UpdateItem") != 0 {
				t.Error("a rejected update reached DynamoDB")
			}
			if after := db.snapshot()[fixtureID]; nval(after["version"]) != nval(before["version"]) {
				t.Error("a rejected update changed the book")
			}
		})
	}
}
