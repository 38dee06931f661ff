package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/edgekit/edgekit/internal/serve"
	"github.com/edgekit/edgekit/internal/serve/seeds"
)

// serveCmd runs the synthesized distribution locally (internal/serve).
func serveCmd(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: edgekit serve [flags]

Serves the distribution of the cloud assembly (make synth) on 127.0.0.1:
the real edge bundles (Lambda@Edge in Node.js 22, CloudFront Functions),
the real Go handlers behind function URLs, local S3, Firehose, SSM and
DynamoDB, in CloudFront's order. Local data lives under -state.

flags:
`)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "address of the distribution (stands for its HTTPS endpoint)")
	plain := fs.String("http-addr", "", "optional address standing for plain-HTTP viewers (viewer protocol policies apply)")
	awsAddr := fs.String("aws-addr", "127.0.0.1:0", "address of the local AWS endpoint (S3, Firehose, SSM, DynamoDB, function URLs)")
	assembly := fs.String("assembly", "cdk.out", "cloud assembly directory")
	project := fs.String("project", ".", "project directory (Go module, cdk.json)")
	state := fs.String("state", "", "local state directory (default <project>/.edgekit/local)")
	dist := fs.String("distribution", "", "distribution to serve when the app has several (<stack>/<logical id>)")
	region := fs.String("edge-region", "", "region edge functions run in (default: the distribution stack's region)")
	country := fs.String("viewer-country", "", "viewer country code (default: one of -edge-region)")
	node := fs.String("node", "", "Node.js 22 binary (default: the project's .cdk-cli Node, else node on PATH)")
	stale := fs.Bool("allow-stale", false, "serve an assembly older than the sources")
	noWAF := fs.Bool("no-waf", false, "serve without the distribution's web ACL (load tests; its rate rules would answer 429)")
	idle := fs.Duration("idle", 10*time.Minute, "stop function containers idle this long (next request is a cold start)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected arguments %v", fs.Args())
	}
	stateDir := *state
	if stateDir == "" {
		stateDir = filepath.Join(*project, ".edgekit", "local")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := serve.Start(ctx, serve.Options{
		Addr: *addr, PlainAddr: *plain, AWSAddr: *awsAddr, AssemblyDir: *assembly, ProjectDir: *project, StateDir: stateDir,
		Distribution: *dist, EdgeRegion: *region, ViewerCountry: *country, Node: *node, AllowStale: *stale, IdleTTL: *idle, NoWAF: *noWAF,
		Seed: seeds.ForState(stateDir),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "edgekit serve: %s (Ctrl-C stops)\n", s.URL())
	<-ctx.Done()
	return s.Close()
}
