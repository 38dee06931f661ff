package books

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MaxTokenLen bounds the pagination token a client may send. A real token is
// about 150 characters (two UUID-sized keys, an author of at most 100 code
// points, base64 and a MAC).
const MaxTokenLen = 1024

const (
	tokenFormat = 1
	tokenMACLen = 16
)

// pageToken is the decoded form of the opaque "next" token: the DynamoDB
// LastEvaluatedKey (all key attributes are strings) and the author filter it
// was issued for.
type pageToken struct {
	V      int               `json:"v"`
	Author string            `json:"a,omitempty"`
	Key    map[string]string `json:"k"`
}

// tokenSealer binds tokens to one table and index. Its key is derived from
// names, which are not secret: the MAC detects corruption, truncation and
// tokens minted for another table or deployment, not a determined forger
// (see doc.go for why that is acceptable).
type tokenSealer struct {
	key []byte
}

func newTokenSealer(cfg Config) tokenSealer {
	h := sha256.New()
	fmt.Fprintf(h, "edgekit/books/page-token/v%d\x00%s\x00%s", tokenFormat, cfg.TableName, cfg.AuthorIndex)
	return tokenSealer{key: h.Sum(nil)}
}

func (s tokenSealer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(payload)
	return m.Sum(nil)[:tokenMACLen]
}

// seal turns a LastEvaluatedKey into a token. The key comes from DynamoDB; a
// shape other than the one the table contract promises is an internal error.
func (s tokenSealer) seal(author string, lek map[string]types.AttributeValue) (string, error) {
	key := make(map[string]string, len(lek))
	for name, v := range lek {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("last evaluated key attribute %q: want type S, got %T", name, v)
		}
		key[name] = sv.Value
	}
	if err := checkKeyShape(author, key); err != nil {
		return "", fmt.Errorf("last evaluated key: %w", err)
	}
	payload, err := json.Marshal(pageToken{V: tokenFormat, Author: author, Key: key})
	if err != nil {
		return "", fmt.Errorf("encode page token: %w", err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac(payload)), nil
}

// open checks a client's token strictly and returns the ExclusiveStartKey.
// Every failure is the same 400 invalid_token; the reason goes to the caller's
// log only through the returned message, which never echoes the token.
func (s tokenSealer) open(token, author string) (map[string]types.AttributeValue, *apiError) {
	bad := func(why string) *apiError {
		return newError(400, codeInvalidToken, "the next token is not valid for this query: "+why)
	}
	if len(token) > MaxTokenLen {
		return nil, bad("too long")
	}
	body, sig, ok := strings.Cut(token, ".")
	if !ok || strings.Contains(sig, ".") {
		return nil, bad("malformed")
	}
	enc := base64.RawURLEncoding.Strict()
	payload, err := enc.DecodeString(body)
	if err != nil {
		return nil, bad("malformed")
	}
	mac, err := enc.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, s.mac(payload)) {
		return nil, bad("corrupted or issued by another deployment")
	}
	var t pageToken
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, bad("malformed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("malformed")
	}
	if t.V != tokenFormat {
		return nil, bad("unsupported format")
	}
	if t.Author != author {
		return nil, bad("issued for a different author filter")
	}
	if err := checkKeyShape(author, t.Key); err != nil {
		return nil, bad("malformed")
	}
	start := make(map[string]types.AttributeValue, len(t.Key))
	for k, v := range t.Key {
		start[k] = &types.AttributeValueMemberS{Value: v}
	}
	return start, nil
}

// checkKeyShape enforces the table contract on a start key: a Scan key is
// exactly {id}; an author-index key is exactly {id, author} with the author
// of the query (DynamoDB rejects any other start key with a
// ValidationException, which would otherwise surface as a 500).
func checkKeyShape(author string, key map[string]string) error {
	want := []string{AttrID}
	if author != "" {
		want = []string{AttrAuthor, AttrID}
	}
	if got := slices.Sorted(maps.Keys(key)); !slices.Equal(got, want) {
		return fmt.Errorf("key attributes %q, want %q", got, want)
	}
	if !validID(key[AttrID]) {
		return fmt.Errorf("key id is not a book id")
	}
	if author != "" && key[AttrAuthor] != author {
		return fmt.Errorf("key author differs from the query's")
	}
	return nil
}
