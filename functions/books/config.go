package books

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Environment variables read by LoadConfig. They carry plain names only; the
// function needs no secret (IAM authorizes both the caller and the table).
const (
	// EnvTableName names the DynamoDB table. Required.
	EnvTableName = "BOOKS_TABLE_NAME"
	// EnvAuthorIndex names the author GSI. Default: DefaultAuthorIndex.
	EnvAuthorIndex = "BOOKS_AUTHOR_INDEX"
	// EnvBasePath is the path prefix CloudFront forwards. Default: DefaultBasePath.
	EnvBasePath = "BOOKS_BASE_PATH"
)

// Table contract: the construct creates the table with exactly these keys.
const (
	// AttrID is the table's partition key (type S) and the index's sort key.
	AttrID = "id"
	// AttrAuthor is the author index's partition key (type S).
	AttrAuthor = "author"
	// DefaultAuthorIndex is the name of the global secondary index on
	// (AttrAuthor, AttrID), projection ALL.
	DefaultAuthorIndex = "byAuthor"
	// DefaultBasePath is the collection path as CloudFront forwards it.
	DefaultBasePath = "/api/books"
)

// Config is the function's configuration, resolved once at cold start.
type Config struct {
	// TableName is the DynamoDB table holding the books.
	TableName string
	// AuthorIndex is the GSI used to list the books of one author.
	AuthorIndex string
	// BasePath is the collection path; a book lives at BasePath + "/" + id.
	BasePath string
}

// DynamoDB table and index names: 3-255 characters of [A-Za-z0-9_.-].
var tableNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)

// A base path is one or more non-empty segments of URL-safe characters, with
// no trailing slash, so routing is a plain prefix comparison.
var basePathRE = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

// LoadConfig reads the configuration from getenv (os.Getenv in main), applies
// defaults and validates every value, naming all problems in one error.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		TableName:   strings.TrimSpace(getenv(EnvTableName)),
		AuthorIndex: strings.TrimSpace(getenv(EnvAuthorIndex)),
		BasePath:    strings.TrimSpace(getenv(EnvBasePath)),
	}
	if cfg.AuthorIndex == "" {
		cfg.AuthorIndex = DefaultAuthorIndex
	}
	if cfg.BasePath == "" {
		cfg.BasePath = DefaultBasePath
	}
	return cfg, cfg.Validate()
}

// Validate checks every field and returns one error naming each bad value.
func (c Config) Validate() error {
	var errs []error
	if !tableNameRE.MatchString(c.TableName) {
		errs = append(errs, fmt.Errorf("%s %q: want 3-255 characters of A-Z a-z 0-9 _ . -", EnvTableName, c.TableName))
	}
	if !tableNameRE.MatchString(c.AuthorIndex) {
		errs = append(errs, fmt.Errorf("%s %q: want 3-255 characters of A-Z a-z 0-9 _ . -", EnvAuthorIndex, c.AuthorIndex))
	}
	if !basePathRE.MatchString(c.BasePath) {
		errs = append(errs, fmt.Errorf("%s %q: want a path like /api/books (leading slash, no trailing slash)", EnvBasePath, c.BasePath))
	}
	if len(errs) > 0 {
		return fmt.Errorf("books config: %w", errors.Join(errs...))
	}
	return nil
}
