package books

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item attribute names besides the keys (AttrID, AttrAuthor).
const (
	// AttrTitle is the book's title (S).
	AttrTitle = "title"
	// AttrYear is the publication year (N).
	AttrYear = "year"
	// AttrISBN is the normalized ISBN-10 or ISBN-13 (S), absent when unknown.
	AttrISBN = "isbn"
	// AttrVersion is the optimistic-concurrency version (N), 1 at creation.
	AttrVersion = "version"
	// AttrCreatedAt is the creation time (S, RFC 3339 UTC, milliseconds).
	AttrCreatedAt = "createdAt"
	// AttrUpdatedAt is the last update time (S, same format).
	AttrUpdatedAt = "updatedAt"
)

// Field limits. Titles and authors are counted in Unicode code points.
const (
	// MaxTitleLen is the longest accepted title.
	MaxTitleLen = 200
	// MaxAuthorLen is the longest accepted author name.
	MaxAuthorLen = 100
	// MinYear and MaxYear bound the publication year.
	MinYear, MaxYear = 0, 9999
)

// timeLayout is RFC 3339 with a fixed millisecond fraction, so timestamps sort
// as strings and every representation of a version is byte-identical.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// Book is the API representation of a stored book.
type Book struct {
	// ID is the server-generated lower-case UUID v4.
	ID string `json:"id"`
	// Title is trimmed, 1 to MaxTitleLen code points.
	Title string `json:"title"`
	// Author is trimmed, 1 to MaxAuthorLen code points; lists filter on it exactly.
	Author string `json:"author"`
	// Year is the publication year, MinYear to MaxYear.
	Year int `json:"year"`
	// ISBN is the bare ISBN-10 or ISBN-13, omitted when unknown.
	ISBN string `json:"isbn,omitempty"`
	// Version is 1 at creation and incremented by each update; the ETag.
	Version int64 `json:"version"`
	// CreatedAt and UpdatedAt are RFC 3339 UTC with milliseconds.
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

// bookFields are the client-writable fields, validated and normalized.
type bookFields struct {
	Title  string
	Author string
	Year   int
	ISBN   string
}

// createInput is the POST body. Pointers tell "missing" from "zero value".
type createInput struct {
	Title  *string `json:"title"`
	Author *string `json:"author"`
	Year   *int64  `json:"year"`
	ISBN   *string `json:"isbn"`
}

// updateInput is the PUT body: the same fields plus the optional expected version.
type updateInput struct {
	Title   *string `json:"title"`
	Author  *string `json:"author"`
	Year    *int64  `json:"year"`
	ISBN    *string `json:"isbn"`
	Version *int64  `json:"version"`
}

var (
	createFieldNames = []string{"title", "author", "year", "isbn"}
	updateFieldNames = []string{"title", "author", "year", "isbn", "version"}
)

// validateFields checks the writable fields and returns them normalized.
func validateFields(title, author *string, year *int64, isbn *string) (bookFields, *apiError) {
	var f bookFields
	var err *apiError
	if f.Title, err = requiredText("title", title, MaxTitleLen); err != nil {
		return f, err
	}
	if f.Author, err = requiredText("author", author, MaxAuthorLen); err != nil {
		return f, err
	}
	if year == nil {
		return f, errMissing("year")
	}
	if *year < MinYear || *year > MaxYear {
		return f, newError(400, codeInvalidField, fmt.Sprintf("year must be an integer from %d to %d", MinYear, MaxYear))
	}
	f.Year = int(*year)
	if isbn != nil {
		if f.ISBN, err = normalizeISBN(*isbn); err != nil {
			return f, err
		}
	}
	return f, nil
}

func errMissing(field string) *apiError {
	return newError(400, codeMissingField, field+" is required")
}

// requiredText trims surrounding white space and checks what remains: not
// empty, at most max code points, and no character that is invisible or
// rewrites how text around it is displayed (see checkText).
func requiredText(field string, s *string, max int) (string, *apiError) {
	if s == nil {
		return "", errMissing(field)
	}
	v := strings.TrimSpace(*s)
	if v == "" {
		return "", newError(400, codeInvalidField, field+" must not be empty")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", newError(400, codeInvalidField, fmt.Sprintf("%s must be at most %d characters", field, max))
	}
	if msg := checkText(v); msg != "" {
		return "", newError(400, codeInvalidField, field+" "+msg)
	}
	return v, nil
}

// checkText rejects control characters (C0, DEL, C1: they break logs,
// terminals and CSV exports), line and paragraph separators, bidirectional
// overrides (they make a displayed string differ from the stored one) and
// U+FFFD, which is what encoding/json substitutes for invalid UTF-8 and lone
// surrogate escapes: text carrying it was already damaged.
func checkText(s string) string {
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return "must not contain control characters"
		case r == '\u2028' || r == '\u2029':
			return "must not contain line or paragraph separators"
		case r == '\u061c' || r == '\u200e' || r == '\u200f' ||
			(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			return "must not contain bidirectional control characters"
		case r == utf8.RuneError:
			return "must be valid Unicode text"
		}
	}
	return ""
}

var isbnCharsRE = regexp.MustCompile(`^[0-9Xx -]{10,17}$`)

// normalizeISBN accepts an ISBN-10 or ISBN-13 with optional hyphens or
// spaces, checks its check digit and returns the bare form (ISBN-10 keeps a
// final upper-case X).
func normalizeISBN(s string) (string, *apiError) {
	bad := newError(400, codeInvalidField, "isbn must be a valid ISBN-10 or ISBN-13")
	if !isbnCharsRE.MatchString(s) {
		return "", bad
	}
	d := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	switch len(d) {
	case 10:
		sum := 0
		for i := 0; i < 10; i++ {
			c := d[i]
			var v int
			switch {
			case c >= '0' && c <= '9':
				v = int(c - '0')
			case c == 'X' && i == 9:
				v = 10
			default:
				return "", bad
			}
			sum += v * (10 - i)
		}
		if sum%11 != 0 {
			return "", bad
		}
	case 13:
		if !strings.HasPrefix(d, "978") && !strings.HasPrefix(d, "979") {
			return "", bad
		}
		sum := 0
		for i := 0; i < 13; i++ {
			c := d[i]
			if c < '0' || c > '9' {
				return "", bad
			}
			w := 1
			if i%2 == 1 {
				w = 3
			}
			sum += int(c-'0') * w
		}
		if sum%10 != 0 {
			return "", bad
		}
	default:
		return "", bad
	}
	return d, nil
}

// itemToBook converts a stored item, checking every attribute's type: an item
// written by something else is reported as an internal error, never half-shown.
func itemToBook(item map[string]types.AttributeValue) (Book, error) {
	var b Book
	var err error
	if b.ID, err = attrS(item, AttrID); err != nil {
		return b, err
	}
	if b.Title, err = attrS(item, AttrTitle); err != nil {
		return b, err
	}
	if b.Author, err = attrS(item, AttrAuthor); err != nil {
		return b, err
	}
	year, err := attrN(item, AttrYear)
	if err != nil {
		return b, err
	}
	b.Year = int(year)
	if _, ok := item[AttrISBN]; ok {
		if b.ISBN, err = attrS(item, AttrISBN); err != nil {
			return b, err
		}
	}
	if b.Version, err = attrN(item, AttrVersion); err != nil {
		return b, err
	}
	if b.CreatedAt, err = attrS(item, AttrCreatedAt); err != nil {
		return b, err
	}
	if b.UpdatedAt, err = attrS(item, AttrUpdatedAt); err != nil {
		return b, err
	}
	return b, nil
}

func attrS(item map[string]types.AttributeValue, name string) (string, error) {
	v, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", fmt.Errorf("item attribute %q: want type S, got %T", name, item[name])
	}
	return v.Value, nil
}

func attrN(item map[string]types.AttributeValue, name string) (int64, error) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("item attribute %q: want type N, got %T", name, item[name])
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("item attribute %q: %w", name, err)
	}
	return n, nil
}

// bookToItem is the full item written at creation.
func bookToItem(b Book) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{
		AttrID:        &types.AttributeValueMemberS{Value: b.ID},
		AttrTitle:     &types.AttributeValueMemberS{Value: b.Title},
		AttrAuthor:    &types.AttributeValueMemberS{Value: b.Author},
		AttrYear:      &types.AttributeValueMemberN{Value: strconv.Itoa(b.Year)},
		AttrVersion:   &types.AttributeValueMemberN{Value: strconv.FormatInt(b.Version, 10)},
		AttrCreatedAt: &types.AttributeValueMemberS{Value: b.CreatedAt},
		AttrUpdatedAt: &types.AttributeValueMemberS{Value: b.UpdatedAt},
	}
	if b.ISBN != "" {
		item[AttrISBN] = &types.AttributeValueMemberS{Value: b.ISBN}
	}
	return item
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// etag is the strong entity tag of a version: the representation of a version
// never changes, so the version number identifies it byte for byte.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }
