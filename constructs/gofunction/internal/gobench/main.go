// Command gobench prints, for each Go Lambda package, the sizes and build
// times of its deployment package as constructs/gofunction builds it:
//
//	go run ./constructs/gofunction/internal/gobench [-gocache-cold] [-arch arm64] [package ...]
//
// Without packages it measures every main package under ./functions/.
// miss_seconds is a build with an empty gofunction cache (go build runs, with
// the Go build cache as it is), hit_seconds the same build again (a cache hit:
// go env + go list + hashing). -gocache-cold adds a build with an empty Go
// build cache as well (the first synth on a fresh machine) and checks it gives
// the same bytes. It prints numbers only; nothing passes or fails.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/edgekit/edgekit/constructs/gofunction"
)

func main() {
	cold := flag.Bool("gocache-cold", false, "also build with an empty Go build cache (slow: compiles the standard library)")
	arch := flag.String("arch", "arm64", "arm64 or x86_64")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		var err error
		if pkgs, err = mainPackages("./functions/..."); err != nil {
			fail(err)
		}
	}
	if len(pkgs) == 0 {
		pkgs = []string{"github.com/edgekit/edgekit/constructs/gofunction/internal/testhandler"}
	}
	// nil is arm64, the default: no jsii runtime needed to measure it.
	var architecture awslambda.Architecture
	if *arch == "x86_64" {
		architecture = awslambda.Architecture_X86_64()
	}

	tmp, err := os.MkdirTemp("", "gobench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	cacheN := 0
	freshCache := func() {
		cacheN++
		os.Setenv(gofunction.CacheDirEnv, fmt.Sprintf("%s/cache%d", tmp, cacheN))
	}

	var props []*gofunction.GoFunctionProps
	for _, pkg := range pkgs {
		p := &gofunction.GoFunctionProps{Package: pkg, Architecture: architecture}
		props = append(props, p)
		freshCache()
		miss, err := gofunction.Build(p)
		if err != nil {
			fail(err)
		}
		hit, err := gofunction.Build(p)
		if err != nil {
			fail(err)
		}
		fmt.Printf("gofunction %-60s arch %s binary_bytes %d zip_bytes %d miss_seconds %.2f hit_seconds %.2f hit %v\n",
			miss.Package, *arch, miss.BinaryBytes, miss.ZipBytes, miss.Duration.Seconds(), hit.Duration.Seconds(), hit.FromCache)
		if *cold {
			os.Setenv(gofunction.CacheDirEnv, "off")
			os.Setenv("GOCACHE", fmt.Sprintf("%s/gocache%d", tmp, cacheN))
			c, err := gofunction.Build(p)
			os.Unsetenv("GOCACHE")
			if err != nil {
				fail(err)
			}
			fmt.Printf("gofunction %-60s arch %s gocache_cold_seconds %.2f same_zip_as_warm_gocache %v\n",
				c.Package, *arch, c.Duration.Seconds(), c.ZipSHA256 == miss.ZipSHA256)
		}
	}
	if len(props) > 1 {
		freshCache()
		start := time.Now()
		if err := gofunction.Prebuild(props...); err != nil {
			fail(err)
		}
		fmt.Printf("gofunction prebuild of %d packages (empty gofunction cache) seconds %.2f\n", len(props), time.Since(start).Seconds())
	}
}

// mainPackages lists the main packages matching pattern.
func mainPackages(pattern string) ([]string, error) {
	out, err := exec.Command("go", "list", "-e", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, pattern).Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w", pattern, err)
	}
	return strings.Fields(string(out)), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gobench:", err)
	os.Exit(1)
}
