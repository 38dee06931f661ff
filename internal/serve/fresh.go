package serve

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// CheckFresh fails when a source file the app is synthesized from is newer
// than the assembly: serving it would run yesterday's code. The inputs are
// the ones cdk.json's "watch" section names (include and exclude globs),
// the project's own statement of what a synth reads.
func CheckFresh(projectDir string, a *Assembly) error {
	b, err := os.ReadFile(filepath.Join(projectDir, "cdk.json"))
	if err != nil {
		return nil // no CDK project here: nothing to compare with
	}
	var cfg struct {
		Watch struct {
			Include []string `json:"include"`
			Exclude []string `json:"exclude"`
		} `json:"watch"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("cdk.json: %w", err)
	}
	if len(cfg.Watch.Include) == 0 {
		cfg.Watch.Include = []string{"**"}
	}
	inc := globs(cfg.Watch.Include)
	exc := globs(append(cfg.Watch.Exclude, ".git", "**/node_modules", ".edgekit", ".cdk-cli", "bin"))
	asmRel, _ := filepath.Rel(projectDir, a.Dir)
	var newest string
	var newestT time.Time
	err = filepath.WalkDir(projectDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(projectDir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if e.IsDir() {
			if rel == filepath.ToSlash(asmRel) || matchAny(exc, rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !matchAny(inc, rel) || matchAny(exc, rel) {
			return nil
		}
		info, err := e.Info()
		if err == nil && info.ModTime().After(newestT) {
			newest, newestT = rel, info.ModTime()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if newestT.After(a.Synthesized) {
		return fmt.Errorf("the cloud assembly %s is stale: %s changed at %s, after the last synth (%s): run `make synth` (or pass -allow-stale)",
			filepath.Base(a.Dir), newest, newestT.Format("15:04:05"), a.Synthesized.Format("15:04:05"))
	}
	return nil
}

func globs(patterns []string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range patterns {
		out = append(out, globRegexp(p))
	}
	return out
}

// globRegexp: ** any path (including none), * within a segment, ? one
// character; a pattern also matches everything under a matching directory.
func globRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("(?:/.*)?$")
	return regexp.MustCompile(b.String())
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
