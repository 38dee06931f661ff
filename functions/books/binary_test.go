package books_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/edgekit/edgekit/functions/books"
)

func TestMain(m *testing.M) {
	code := m.Run()
	removeBuiltBinary()
	os.Exit(code)
}

// TestBinary runs the built bootstrap (cmd/books, -tags lambda.norpc) behind
// the local Runtime API against dynalite: the wiring in main, the SDK's
// standard endpoint overrides and the JSON logs, end to end.
func TestBinary(t *testing.T) {
	bin := buildBootstrap(t)
	endpoint := startDynalite(t)
	cfg := createTable(t, localClient(endpoint))

	for _, endpointVar := range []string{"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"} {
		t.Run("endpoint_from_"+endpointVar, func(t *testing.T) {
			rt, _, stop := startFunction(t, bin, functionEnv(t, cfg.TableName, endpointVar, endpoint))
			resp, _ := rt.invoke(t, fixture(t, "create"))
			if resp.StatusCode != 201 {
				t.Fatalf("create: status %d %s", resp.StatusCode, resp.Body)
			}
			created := decodeBook(t, resp)
			get := fixture(t, "get")
			get.RawPath = "/api/books/" + created.ID
			resp, _ = rt.invoke(t, get)
			if got := decodeBook(t, resp); resp.StatusCode != 200 || got != created {
				t.Errorf("get: status %d %+v, want %+v", resp.StatusCode, got, created)
			}
			resp, _ = rt.invoke(t, fixture(t, "patch"))
			if resp.StatusCode != 405 || resp.Headers["allow"] != "GET, PUT, DELETE" {
				t.Errorf("patch: status %d headers %v", resp.StatusCode, resp.Headers)
			}
			logs := stop()
			lines := strings.Split(strings.TrimSpace(logs), "\n")
			if len(lines) != 3 {
				t.Fatalf("want 3 access log lines, got:\n%s", logs)
			}
			for _, l := range lines {
				var rec map[string]any
				if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] != "request" || rec["requestId"] == "" {
					t.Errorf("log line is not a JSON access record: %s", l)
				}
			}
			if strings.Contains(logs, "The Hobbit") {
				t.Errorf("request body in the log:\n%s", logs)
			}
		})
	}

	t.Run("fails_without_table_name", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin)
		cmd.Env = append(functionEnv(t, "", "AWS_ENDPOINT_URL_DYNAMODB", endpoint), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("exit: %v, want status 1", err)
		}
		if !strings.Contains(string(out), "invalid configuration") || !strings.Contains(string(out), books.EnvTableName) {
			t.Errorf("log does not name the missing variable:\n%s", out)
		}
	})
}
