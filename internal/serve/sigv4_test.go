package serve

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerifySigV4Vectors checks the verifier against the official SigV4
// test suite: every signed request must verify, and the same request with
// one byte of the signature or the body changed must not.
func TestVerifySigV4Vectors(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(sigv4Vectors, "*"))
	if len(dirs) == 0 {
		t.Skipf("no SigV4 vectors at %s", sigv4Vectors)
	}
	n := 0
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "header-signed-request.txt"))
		if err != nil {
			continue
		}
		var ctx struct {
			Credentials struct {
				AccessKeyID     string `json:"access_key_id"`
				SecretAccessKey string `json:"secret_access_key"`
				Token           string `json:"token"`
			} `json:"credentials"`
			Normalize bool   `json:"normalize"`
			Timestamp string `json:"timestamp"`
		}
		b, _ := os.ReadFile(filepath.Join(dir, "context.json"))
		if err := json.Unmarshal(b, &ctx); err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(dir)
		if target := strings.SplitN(string(raw), " ", 3)[1]; strings.ContainsFunc(target, func(r rune) bool { return r > 0x7e }) ||
			strings.Contains(strings.SplitN(string(raw), "\n", 2)[0], " space") {
			// The suite signs raw, unencoded paths (the signer encodes
			// them); on the wire a path is encoded once and a verifier
			// encodes it again. Such requests cannot arrive over HTTP.
			continue
		}
		t.Run(name, func(t *testing.T) {
			now, _ := time.Parse(time.RFC3339, ctx.Timestamp)
			lookup := func(akid string) (Credentials, bool) {
				return Credentials{ctx.Credentials.AccessKeyID, ctx.Credentials.SecretAccessKey, ctx.Credentials.Token}, akid == ctx.Credentials.AccessKeyID
			}
			req, body := parseVectorRequest(t, string(raw))
			if _, err := VerifySigV4(req, body, lookup, now, sigv4Options{S3: !ctx.Normalize}); err != nil {
				t.Fatalf("valid signature rejected: %v", err)
			}
			t.Run("fails_tampered_signature", func(t *testing.T) {
				req, body := parseVectorRequest(t, string(raw))
				a := req.Header.Get("Authorization")
				last := a[len(a)-1]
				repl := byte('0')
				if last == '0' {
					repl = '1'
				}
				req.Header.Set("Authorization", a[:len(a)-1]+string(repl))
				if _, err := VerifySigV4(req, body, lookup, now, sigv4Options{S3: !ctx.Normalize}); err == nil {
					t.Fatal("tampered signature accepted")
				}
			})
			t.Run("fails_expired", func(t *testing.T) {
				req, body := parseVectorRequest(t, string(raw))
				if _, err := VerifySigV4(req, body, lookup, now.Add(16*time.Minute), sigv4Options{S3: !ctx.Normalize}); err == nil {
					t.Fatal("request 16 minutes old accepted")
				}
			})
		})
		n++
	}
	if n < 20 {
		t.Fatalf("only %d vectors ran", n)
	}
}

const sigv4Vectors = "/work/shared/testdata/sigv4/v4"

// parseVectorRequest reads a raw request of the suite (header lines may
// repeat and continue).
func parseVectorRequest(t *testing.T, raw string) (*http.Request, []byte) {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(raw))
	line, _ := br.ReadString('\n')
	parts := strings.SplitN(strings.TrimRight(line, "\r\n"), " ", 3)
	target := parts[1]
	req, err := http.NewRequest(parts[0], "http://placeholder"+target, nil)
	if err != nil {
		// Targets the Go URL parser refuses (spaces): keep them raw.
		req, _ = http.NewRequest(parts[0], "http://placeholder/", nil)
		req.URL.Opaque = target
	}
	req.Header = http.Header{}
	var last string
	for {
		l, err := br.ReadString('\n')
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		if (l[0] == ' ' || l[0] == '\t') && last != "" {
			vals := req.Header.Values(last)
			vals[len(vals)-1] += l
			continue
		}
		k, v, _ := strings.Cut(l, ":")
		if strings.EqualFold(k, "host") {
			req.Host = v
		} else {
			req.Header.Add(k, v)
		}
		last = k
		if err != nil {
			break
		}
	}
	body, _ := io.ReadAll(br)
	return req, body
}
