// Command edgekit is the project's command-line tool.
//
//	edgekit bundle -dir functions/ingest [-entry index.js] [-config cfg.json] [-lib functions/edgelib] -out dir
//
// bundle builds one edge handler exactly as the CDK constructs do at synth
// (constructs/edgefunction/bundle), but from the sources on disk, so the
// node:test suites and benchmarks exercise the deployed artifact of the code
// being edited. It writes dir/index.js and dir/function.zip and prints the
// zip's size and SHA-256.
//
//	edgekit users add|remove|list [-app NAME] [-parameter NAME] [-n N] [user]
//
// users writes the Basic-auth users store (an SSM SecureString in us-east-1);
// passwords come from a terminal or stdin, never from flags.
//
//	edgekit serve [-addr 127.0.0.1:8080] [-assembly cdk.out]
//
// serve runs the synthesized app on 127.0.0.1: CloudFront's behaviours and
// policies, the real edge bundles and Go handlers, and local AWS services.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "bundle":
		err = bundleCmd(os.Args[2:])
	case "users":
		err = usersCmd(os.Args[2:])
	case "serve":
		err = serveCmd(os.Args[2:])
	case "help", "-h", "-help", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "edgekit: unknown command %q\n", os.Args[1])
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "edgekit:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: edgekit <command> [flags]

commands:
  bundle   build one edge handler bundle as the constructs do (edgekit bundle -h)
  users    manage the Basic-auth users store (edgekit users -h)
  serve    run cdk.out's distribution on 127.0.0.1 with its edge functions, Go origins and local AWS (edgekit serve -h)
`)
	os.Exit(2)
}
