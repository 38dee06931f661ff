package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// dynalite is the local DynamoDB: the dynalite emulator (npm, installed
// by `make deps`) in a Node.js child on a free 127.0.0.1 port, with the
// templates' tables created at start.
type dynalite struct {
	cmd   *exec.Cmd
	url   string
	host  string
	proxy *httputil.ReverseProxy
}

// The launcher binds port 0 (dynalite's CLI cannot) and reports the port.
const dynaliteLauncher = `
const dynalite = require(process.argv[1]);
const opts = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };
if (process.argv[2]) opts.path = process.argv[2];
const server = dynalite(opts);
server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n"));
`

func findDynalite(opts Options) (string, error) {
	candidates := []string{}
	if opts.Dynalite != "" {
		candidates = append(candidates, opts.Dynalite)
	}
	if env := os.Getenv("EDGEKIT_DYNALITE"); env != "" {
		candidates = append(candidates, env)
	}
	candidates = append(candidates, filepath.Join(opts.ProjectDir, ".cdk-cli", "node_modules", "dynalite"))
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, "index.js")); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("the app has DynamoDB tables and dynalite is not installed (looked in %s): run `make deps`", strings.Join(candidates, ", "))
}

func startDynalite(ctx context.Context, node string, opts Options, tables []*Table, creds Credentials, log *Logger) (*dynalite, error) {
	dir, err := findDynalite(opts)
	if err != nil {
		return nil, err
	}
	dbPath := ""
	if !opts.InMemoryTables {
		dbPath = filepath.Join(opts.StateDir, "dynamodb")
		if err := os.MkdirAll(dbPath, 0o700); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(node, "-e", dynaliteLauncher, dir, dbPath)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + opts.StateDir}
	cmd.Stderr = &lineWriter{l: log, component: "dynamodb"}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	setChildAttrs(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	d := &dynalite{cmd: cmd}
	portCh := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var m struct {
				Port int `json:"port"`
			}
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Port > 0 {
				portCh <- m.Port
				continue
			}
			log.Printf("dynamodb", "%s", sc.Text())
		}
	}()
	select {
	case p := <-portCh:
		d.url = fmt.Sprintf("http://127.0.0.1:%d", p)
		u, _ := url.Parse(d.url)
		d.host = u.Host
		d.proxy = httputil.NewSingleHostReverseProxy(u)
	case <-time.After(15 * time.Second):
		d.Close()
		return nil, fmt.Errorf("dynalite did not start within 15 s")
	}
	for _, t := range tables {
		created, err := d.ensureTable(ctx, t, creds)
		if err != nil {
			d.Close()
			return nil, err
		}
		if created {
			log.Printf("dynamodb", "created table %s (%s)", t.Name, t.Region)
		}
	}
	return d, nil
}

// ensureTable creates t unless it exists (tables persist under the state
// directory between runs).
func (d *dynalite) ensureTable(ctx context.Context, t *Table, creds Credentials) (bool, error) {
	_, status, err := d.call(ctx, "DescribeTable", map[string]any{"TableName": t.Name}, t.Region, creds)
	if err != nil {
		return false, err
	}
	if status == 200 {
		return false, nil
	}
	def := map[string]any{}
	for k, v := range t.Definition {
		def[k] = v
	}
	if def["BillingMode"] == "PROVISIONED" && def["ProvisionedThroughput"] == nil {
		def["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
	}
	// dynalite wants throughput on indexes of provisioned tables only.
	if def["BillingMode"] == "PAY_PER_REQUEST" {
		for _, k := range []string{"GlobalSecondaryIndexes"} {
			for _, g := range items(def[k]) {
				if gm, ok := g.(map[string]any); ok {
					delete(gm, "ProvisionedThroughput")
				}
			}
		}
	}
	body, status, err := d.call(ctx, "CreateTable", def, t.Region, creds)
	if err != nil {
		return false, err
	}
	if status != 200 {
		return false, fmt.Errorf("create table %s (%s): %s", t.Name, t.Ref.Path(), strings.TrimSpace(string(body)))
	}
	return true, nil
}

func (d *dynalite) call(ctx context.Context, op string, in any, region string, creds Credentials) ([]byte, int, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", d.url+"/", bytes.NewReader(b))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	SignSigV4(req, b, creds, region, "dynamodb", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("dynalite %s: %w", op, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return out, resp.StatusCode, err
}

// Close stops dynalite.
func (d *dynalite) Close() {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
	}
}
