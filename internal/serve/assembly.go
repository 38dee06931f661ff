package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Assembly is a loaded cloud assembly: the synthesized CloudFormation
// templates of every stack and their asset manifests.
type Assembly struct {
	// Dir is the assembly directory (cdk.out).
	Dir string
	// Stacks are the CloudFormation stacks, by artifact id.
	Stacks map[string]*Stack
	// Account is the account every stack resolves AWS::AccountId to: the
	// stacks' explicit account, else LocalAccount.
	Account string
	// Synthesized is the manifest's modification time.
	Synthesized time.Time

	exports map[string]exportRef
	names   map[string]*Stack
}

// Stack is one CloudFormation stack of the assembly.
type Stack struct {
	// ID is the artifact id (e.g. "Cdn").
	ID string
	// Name is the CloudFormation stack name (e.g. "edgekit-Cdn").
	Name string
	// Region is the stack's region.
	Region string
	// Template is the parsed template.
	Template Template
	// Assets are the stack's file assets by hash.
	Assets map[string]Asset
}

// Template is the part of a CloudFormation template serve reads.
type Template struct {
	Resources  map[string]*Resource `json:"Resources"`
	Outputs    map[string]Output    `json:"Outputs"`
	Parameters map[string]struct {
		Default any `json:"Default"`
	} `json:"Parameters"`
	Conditions map[string]any                       `json:"Conditions"`
	Mappings   map[string]map[string]map[string]any `json:"Mappings"`
}

// Resource is one template resource.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Metadata   map[string]any `json:"Metadata"`
	Condition  string         `json:"Condition"`
}

// Output is one template output.
type Output struct {
	Value  any `json:"Value"`
	Export *struct {
		Name any `json:"Name"`
	} `json:"Export"`
}

// Asset is a file asset staged in the assembly.
type Asset struct {
	// Path is the absolute path of the staged file or directory.
	Path string
	// Packaging is "file" (a staged zip or file) or "zip" (a directory
	// the CLI zips on publish).
	Packaging string
	// ObjectKey is the key it is published under in the bootstrap bucket.
	ObjectKey string
}

type exportRef struct {
	stack  *Stack
	output string
}

// LocalAccount is the account id of an environment-agnostic assembly.
const LocalAccount = "000000000000"

// ErrNoAssembly is returned (wrapped) when the assembly directory or its
// manifest does not exist.
var ErrNoAssembly = errors.New("no cloud assembly")

type manifestFile struct {
	Version   string `json:"version"`
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Environment  string   `json:"environment"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
			File         string `json:"file"`
		} `json:"properties"`
	} `json:"artifacts"`
}

type assetManifest struct {
	Files map[string]struct {
		Source struct {
			Path      string `json:"path"`
			Packaging string `json:"packaging"`
		} `json:"source"`
		Destinations map[string]struct {
			ObjectKey string `json:"objectKey"`
		} `json:"destinations"`
	} `json:"files"`
	DockerImages map[string]any `json:"dockerImages"`
}

// supportedManifestMajor is the cloud assembly schema major version serve
// was written against; other majors may lay the files out differently.
const supportedManifestMajor = "54"

// LoadAssembly reads the cloud assembly in dir.
func LoadAssembly(dir string) (*Assembly, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("assembly directory %s: %w", dir, err)
	}
	mpath := filepath.Join(abs, "manifest.json")
	st, err := os.Stat(mpath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s (no manifest.json): run `make synth` first", ErrNoAssembly, dir)
		}
		return nil, fmt.Errorf("read cloud assembly %s: %w", dir, err)
	}
	var m manifestFile
	if err := readJSON(mpath, &m); err != nil {
		return nil, fmt.Errorf("cloud assembly %s: %w; run `make synth` to write a new one", dir, err)
	}
	if major, _, _ := strings.Cut(m.Version, "."); major != supportedManifestMajor {
		return nil, fmt.Errorf("cloud assembly %s has schema version %q; serve reads version %s.x (the CDK this project pins): run `make synth` with the project's CDK",
			dir, m.Version, supportedManifestMajor)
	}
	a := &Assembly{Dir: abs, Stacks: map[string]*Stack{}, Synthesized: st.ModTime(), exports: map[string]exportRef{}, names: map[string]*Stack{}}
	accounts := map[string]bool{}
	ids := make([]string, 0, len(m.Artifacts))
	for id := range m.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		art := m.Artifacts[id]
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		account, region, err := parseEnvironment(art.Environment)
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", id, err)
		}
		if account != "" {
			accounts[account] = true
		}
		s := &Stack{ID: id, Name: art.Properties.StackName, Region: region, Assets: map[string]Asset{}}
		if s.Name == "" {
			s.Name = id
		}
		if err := readJSON(filepath.Join(abs, art.Properties.TemplateFile), &s.Template); err != nil {
			return nil, fmt.Errorf("stack %s: %w; run `make synth`", id, err)
		}
		for _, dep := range art.Dependencies {
			d := m.Artifacts[dep]
			if d.Type != "cdk:asset-manifest" {
				continue
			}
			var am assetManifest
			if err := readJSON(filepath.Join(abs, d.Properties.File), &am); err != nil {
				return nil, fmt.Errorf("stack %s assets: %w", id, err)
			}
			for hash, f := range am.Files {
				as := Asset{Path: filepath.Join(abs, f.Source.Path), Packaging: f.Source.Packaging}
				for _, dst := range f.Destinations {
					as.ObjectKey = dst.ObjectKey
				}
				s.Assets[hash] = as
			}
		}
		a.Stacks[id] = s
		a.names[s.Name] = s
	}
	if len(a.Stacks) == 0 {
		return nil, fmt.Errorf("cloud assembly %s has no CloudFormation stacks: run `make synth`", dir)
	}
	switch len(accounts) {
	case 0:
		a.Account = LocalAccount
	case 1:
		for acc := range accounts {
			a.Account = acc
		}
	default:
		return nil, fmt.Errorf("cloud assembly %s: stacks in %d accounts; serve models one account", dir, len(accounts))
	}
	for _, s := range a.sortedStacks() {
		for name, out := range s.Template.Outputs {
			if out.Export == nil {
				continue
			}
			v, err := a.resolve(s, out.Export.Name, nil)
			if err != nil {
				return nil, fmt.Errorf("stack %s output %s export name: %w", s.ID, name, err)
			}
			str, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("stack %s output %s: export name is not a string", s.ID, name)
			}
			a.exports[str] = exportRef{stack: s, output: name}
		}
	}
	return a, nil
}

// sortedStacks returns the stacks ordered by id, for deterministic walks.
func (a *Assembly) sortedStacks() []*Stack {
	out := make([]*Stack, 0, len(a.Stacks))
	for _, s := range a.Stacks {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ResourcesOfType lists the resources of typ in every stack, ordered by
// stack id then logical id.
func (a *Assembly) ResourcesOfType(typ string) []ResourceRef {
	var out []ResourceRef
	for _, s := range a.sortedStacks() {
		ids := make([]string, 0, len(s.Template.Resources))
		for id, r := range s.Template.Resources {
			if r.Type == typ {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			out = append(out, ResourceRef{Stack: s, ID: id})
		}
	}
	return out
}

// ResourceRef names one resource of one stack.
type ResourceRef struct {
	Stack *Stack
	ID    string
}

// Resource returns the referenced resource.
func (r ResourceRef) Resource() *Resource { return r.Stack.Template.Resources[r.ID] }

// Path is the resource's construct path (aws:cdk:path metadata), else
// "<stack>/<logical id>": how messages name it.
func (r ResourceRef) Path() string {
	if res := r.Resource(); res != nil {
		if p, ok := res.Metadata["aws:cdk:path"].(string); ok && p != "" {
			return p
		}
	}
	return r.Stack.ID + "/" + r.ID
}

func parseEnvironment(env string) (account, region string, err error) {
	rest, ok := strings.CutPrefix(env, "aws://")
	if !ok {
		return "", "", fmt.Errorf("environment %q is not aws://account/region", env)
	}
	account, region, ok = strings.Cut(rest, "/")
	if !ok || region == "" || region == "unknown-region" {
		return "", "", fmt.Errorf("environment %q has no region: serve needs every stack's region (the app pins them)", env)
	}
	if account == "unknown-account" {
		account = ""
	}
	return account, region, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", filepath.Base(path), err)
	}
	return nil
}
