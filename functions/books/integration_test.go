package books_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/edgekit/edgekit/functions/books"
)

// api drives a Service through Handle with fixture-shaped events.
type api struct {
	t   *testing.T
	svc *books.Service
}

func (a api) do(method, path, query, body string, headers map[string]string) events.LambdaFunctionURLResponse {
	a.t.Helper()
	ev := jsonEvent(a.t, method, path, body)
	ev.RawQueryString = query
	for k, v := range headers {
		ev.Headers[k] = v
	}
	return invoke(a.t, a.svc, ev)
}

func (a api) create(title, author string, year int) books.Book {
	a.t.Helper()
	resp := a.do("POST", "/api/books", "", body(map[string]any{"title": title, "author": author, "year": year}), nil)
	if resp.StatusCode != 201 {
		a.t.Fatalf("create: status %d %s", resp.StatusCode, resp.Body)
	}
	return decodeBook(a.t, resp)
}

func (a api) listAll(query string) []books.Book {
	a.t.Helper()
	var all []books.Book
	q := query
	for n := 0; ; n++ {
		resp := a.do("GET", "/api/books", q, "", nil)
		if resp.StatusCode != 200 {
			a.t.Fatalf("list %q: status %d %s", q, resp.StatusCode, resp.Body)
		}
		l := decodeList(a.t, resp)
		all = append(all, l.Items...)
		if l.Next == "" {
			return all
		}
		if n > 100 {
			a.t.Fatal("pagination does not end")
		}
		q = query + "&next=" + url.QueryEscape(l.Next)
	}
}

// TestDynalite runs the service against a local DynamoDB emulator through the
// real SDK client: the expressions, key schema, index and pagination are
// DynamoDB's, not a fake's.
func TestDynalite(t *testing.T) {
	client := localClient(startDynalite(t))
	newAPI := func(t *testing.T) api {
		svc, _ := newService(t, client, createTable(t, client))
		return api{t: t, svc: svc}
	}

	t.Run("lifecycle", func(t *testing.T) {
		a := newAPI(t)
		b := a.create("The Hobbit", "J. R. R. Tolkien", 1937)
		path := "/api/books/" + b.ID

		resp := a.do("GET", path, "", "", nil)
		if got := decodeBook(t, resp); resp.StatusCode != 200 || got != b || resp.Headers["etag"] != `"1"` {
			t.Fatalf("get: status %d etag %q book %+v, want %+v", resp.StatusCode, resp.Headers["etag"], got, b)
		}

		upd := `{"title":"The Hobbit, or There and Back Again","author":"J. R. R. Tolkien","year":1937,"isbn":"978-0-261-10334-4"}`
		resp = a.do("PUT", path, "", upd, map[string]string{"if-match": `"1"`})
		v2 := decodeBook(t, resp)
		if resp.StatusCode != 200 || v2.Version != 2 || v2.ISBN != "9780261103344" || resp.Headers["etag"] != `"2"` || v2.CreatedAt != b.CreatedAt {
			t.Fatalf("update: status %d %+v", resp.StatusCode, v2)
		}

		resp = a.do("PUT", path, "", upd, map[string]string{"if-match": `"1"`})
		if e := decodeError(t, resp); resp.StatusCode != 412 || e.Error != "precondition_failed" || resp.Headers["etag"] != `"2"` {
			t.Errorf("stale If-Match: status %d %s etag %q", resp.StatusCode, e.Error, resp.Headers["etag"])
		}
		resp = a.do("PUT", path, "", `{"title":"x","author":"y","year":1,"version":1}`, nil)
		if e := decodeError(t, resp); resp.StatusCode != 409 || e.Error != "version_conflict" || resp.Headers["etag"] != `"2"` {
			t.Errorf("stale body version: status %d %s etag %q", resp.StatusCode, e.Error, resp.Headers["etag"])
		}
		resp = a.do("PUT", path, "", `{"title":"No ISBN","author":"J. R. R. Tolkien","year":1937,"version":2}`, nil)
		if v3 := decodeBook(t, resp); resp.StatusCode != 200 || v3.Version != 3 || v3.ISBN != "" {
			t.Errorf("update by body version: status %d %+v", resp.StatusCode, v3)
		}
		resp = a.do("GET", path, "", "", nil)
		if got := decodeBook(t, resp); got.Version != 3 || got.Title != "No ISBN" || got.ISBN != "" {
			t.Errorf("get after updates: %+v", got)
		}

		resp = a.do("DELETE", path, "", "", map[string]string{"if-match": `"2"`})
		if resp.StatusCode != 412 || resp.Headers["etag"] != `"3"` {
			t.Errorf("stale delete: status %d etag %q", resp.StatusCode, resp.Headers["etag"])
		}
		if resp := a.do("DELETE", path, "", "", map[string]string{"if-match": `"3"`}); resp.StatusCode != 204 {
			t.Errorf("delete: status %d %s", resp.StatusCode, resp.Body)
		}
		if resp := a.do("GET", path, "", "", nil); resp.StatusCode != 404 {
			t.Errorf("get after delete: status %d", resp.StatusCode)
		}
		if resp := a.do("DELETE", path, "", "", nil); resp.StatusCode != 204 {
			t.Errorf("second delete: status %d", resp.StatusCode)
		}
		if resp := a.do("DELETE", path, "", "", map[string]string{"if-match": `"3"`}); resp.StatusCode != 204 {
			t.Errorf("second delete with If-Match: status %d", resp.StatusCode)
		}
		resp = a.do("PUT", path, "", upd, map[string]string{"if-match": `"3"`})
		if e := decodeError(t, resp); resp.StatusCode != 404 || e.Error != "not_found" {
			t.Errorf("update after delete: status %d %s", resp.StatusCode, e.Error)
		}
	})

	t.Run("pagination_and_author_filter", func(t *testing.T) {
		a := newAPI(t)
		want := map[string]string{}
		authors := []string{"Ursula K. Le Guin", "Лев Толстой", "'; DROP TABLE books; --"}
		for i := 0; i < 25; i++ {
			author := authors[i%3]
			b := a.create(fmt.Sprintf("Book %02d", i), author, 1900+i)
			want[b.ID] = author
		}
		check := func(name string, got []books.Book, author string) {
			t.Helper()
			seen := map[string]bool{}
			for _, b := range got {
				if seen[b.ID] {
					t.Errorf("%s: %s listed twice", name, b.ID)
				}
				seen[b.ID] = true
				if author != "" && b.Author != author {
					t.Errorf("%s: book by %q in a list for %q", name, b.Author, author)
				}
			}
			n := 0
			for _, a := range want {
				if author == "" || a == author {
					n++
				}
			}
			if len(seen) != n {
				t.Errorf("%s: %d distinct books, want %d", name, len(seen), n)
			}
		}
		check("scan limit 7", a.listAll("limit=7"), "")
		check("scan limit 1", a.listAll("limit=1"), "")
		check("scan default", a.listAll(""), "")
		for _, au := range authors {
			got := a.listAll("limit=4&author=" + url.QueryEscape(au))
			check("author "+au, got, au)
			ids := make([]string, len(got))
			for i, b := range got {
				ids[i] = b.ID
			}
			if !slices.IsSorted(ids) {
				t.Errorf("author list is not ordered by id: %v", ids)
			}
		}
		l := decodeList(t, a.do("GET", "/api/books", "limit=100", "", nil))
		if len(l.Items) != 25 || l.Next != "" {
			t.Errorf("limit 100: %d items next %q", len(l.Items), l.Next)
		}
		if l := decodeList(t, a.do("GET", "/api/books", "author=Nobody", "", nil)); len(l.Items) != 0 || l.Next != "" {
			t.Errorf("unknown author: %+v", l)
		}

		first := decodeList(t, a.do("GET", "/api/books", "limit=2&author="+url.QueryEscape(authors[0]), "", nil))
		resp := a.do("GET", "/api/books", "author="+url.QueryEscape(authors[1])+"&next="+url.QueryEscape(first.Next), "", nil)
		if e := decodeError(t, resp); resp.StatusCode != 400 || e.Error != "invalid_token" {
			t.Errorf("foreign author token: status %d %s", resp.StatusCode, e.Error)
		}
	})

	t.Run("concurrent_updates_of_one_version", func(t *testing.T) {
		a := newAPI(t)
		b := a.create("Race", "Racer", 2000)
		for _, mode := range []string{"if_match", "body_version"} {
			t.Run(mode, func(t *testing.T) {
				cur := decodeBook(t, a.do("GET", "/api/books/"+b.ID, "", "", nil))
				const n = 20
				type outcome struct {
					status int
					title  string
					etag   string
				}
				out := make([]outcome, n)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						title := fmt.Sprintf("writer %02d", i)
						f := map[string]any{"title": title, "author": "Racer", "year": 2000 + i}
						h := map[string]string{}
						if mode == "if_match" {
							h["if-match"] = fmt.Sprintf(`"%d"`, cur.Version)
						} else {
							f["version"] = cur.Version
						}
						ev := jsonEvent(t, "PUT", "/api/books/"+b.ID, body(f))
						for k, v := range h {
							ev.Headers[k] = v
						}
						<-start
						resp, err := a.svc.Handle(context.Background(), ev)
						if err != nil {
							t.Error(err)
						}
						out[i] = outcome{resp.StatusCode, title, resp.Headers["etag"]}
					}()
				}
				close(start)
				wg.Wait()
				loser := 412
				if mode == "body_version" {
					loser = 409
				}
				var winners []outcome
				for _, o := range out {
					switch o.status {
					case 200:
						winners = append(winners, o)
					case loser:
						if o.etag != fmt.Sprintf(`"%d"`, cur.Version+1) {
							t.Errorf("loser got etag %s, want the winner's version", o.etag)
						}
					default:
						t.Errorf("status %d, want 200 or %d", o.status, loser)
					}
				}
				if len(winners) != 1 {
					t.Fatalf("%d writers succeeded, want exactly 1: %+v", len(winners), out)
				}
				final := decodeBook(t, a.do("GET", "/api/books/"+b.ID, "", "", nil))
				if final.Version != cur.Version+1 || final.Title != winners[0].title {
					t.Errorf("final %+v, want version %d with the winner's title %q", final, cur.Version+1, winners[0].title)
				}
				var wantYear int
				fmt.Sscanf(winners[0].title, "writer %d", &wantYear)
				if final.Year != 2000+wantYear {
					t.Errorf("final year %d is not the winner's %d: a mixed write", final.Year, 2000+wantYear)
				}
			})
		}
	})

	t.Run("hostile_but_valid_text_round_trips", func(t *testing.T) {
		a := newAPI(t)
		texts := []string{
			"'; DROP TABLE books; --",
			"#title = :title REMOVE #isbn",
			"<script>alert(1)</script>",
			"Война и мир 👩‍💻 e\u0301 ألف ليلة",
			`{"S":"injected"}`,
			strings.Repeat("𝔘", books.MaxTitleLen),
		}
		for _, s := range texts {
			b := a.create(s, string([]rune(s)[:min(len([]rune(s)), books.MaxAuthorLen)]), 1)
			got := decodeBook(t, a.do("GET", "/api/books/"+b.ID, "", "", nil))
			if got.Title != s {
				t.Errorf("title %q came back as %q", s, got.Title)
			}
		}
	})

	t.Run("item_written_by_another_writer_is_500", func(t *testing.T) {
		cfg := createTable(t, client)
		svc, _ := newService(t, client, cfg)
		a := api{t: t, svc: svc}
		_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String(cfg.TableName),
			Item: map[string]types.AttributeValue{
				"id":    &types.AttributeValueMemberS{Value: fixtureID},
				"title": &types.AttributeValueMemberS{Value: "no year, no version"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if resp := a.do("GET", "/api/books/"+fixtureID, "", "", nil); resp.StatusCode != 500 {
			t.Errorf("status %d, want 500", resp.StatusCode)
		}
	})
}
