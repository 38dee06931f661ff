package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"golang.org/x/term"

	"github.com/edgekit/edgekit/functions/basicauth"
)

// ssmAPI is the part of the SSM client the users command needs.
type ssmAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	PutParameter(ctx context.Context, in *ssm.PutParameterInput, optFns ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

// usersEnv is what the users command touches outside itself, so tests can
// supply their own.
type usersEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// readPassword reads one password from the terminal without echo after
	// printing prompt; nil when stdin is not a terminal (the password is
	// then the first line of stdin).
	readPassword func(prompt string) ([]byte, error)
	// newClient returns the SSM client for region.
	newClient func(ctx context.Context, region string) (ssmAPI, error)
}

func usersCmd(args []string) error {
	env := usersEnv{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		newClient: productionClient,
	}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		env.readPassword = func(prompt string) ([]byte, error) {
			fmt.Fprint(os.Stderr, prompt)
			defer fmt.Fprintln(os.Stderr)
			return term.ReadPassword(fd)
		}
	}
	// Bounded: an endpoint that never answers must not hang the tool.
	ctx, cancel := context.WithTimeout(context.Background(), usersTimeout)
	defer cancel()
	return runUsers(ctx, args, env)
}

// usersTimeout bounds one users command (SSM calls and their retries).
const usersTimeout = 2 * time.Minute

// productionClient is an SSM client from the SDK's default chain: profiles,
// SSO, environment credentials, and its endpoint overrides
// (AWS_ENDPOINT_URL_SSM) and retry settings (AWS_MAX_ATTEMPTS).
func productionClient(ctx context.Context, region string) (ssmAPI, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return ssm.NewFromConfig(cfg), nil
}

const usersUsage = `usage: edgekit users <add|remove|list> [flags] [user]

  add <user>      add a user or change its password; the password is read from
                  the terminal (twice, not echoed) or as the first line of stdin
  remove <user>   remove a user
  list            list the users and their hash parameters (never the hashes)

The users store is the SSM SecureString parameter the basicauth pattern reads
(us-east-1). Its name is -parameter, else edgekit:basicauth:parameterName from
./cdk.json, else /<app>/basicauth/users with <app> from -app, else
edgekit:appName from ./cdk.json, else "edgekit". AWS credentials, profile and
AWS_ENDPOINT_URL_SSM come from the usual AWS SDK settings. Edge containers
pick a change up within edgekit:basicauth:usersTtlSeconds (default 5 minutes).

flags:
`

func runUsers(ctx context.Context, args []string, env usersEnv) error {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, usersUsage)
		return errors.New("users: missing subcommand (add, remove, list)")
	}
	sub := args[0]
	fs := flag.NewFlagSet("users "+sub, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprint(env.stderr, usersUsage)
		fs.PrintDefaults()
	}
	app := fs.String("app", "", "app name (edgekit:appName); default from ./cdk.json, else edgekit")
	parameter := fs.String("parameter", "", "users store parameter name; default /<app>/basicauth/users")
	region := fs.String("region", "us-east-1", "region of the users store (the Edge stack's)")
	cost := fs.Int("n", basicauth.DefaultParams.N, "scrypt N of new hashes (power of two, 1024..32768; r=8, p=1)")
	// Flags may come before or after the user name.
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) > 1 {
		if err := fs.Parse(rest[1:]); err != nil {
			return err
		}
		rest = append(rest[:1], fs.Args()...)
	}
	switch sub {
	case "add", "remove":
		if len(rest) != 1 {
			return fmt.Errorf("users %s: want exactly one user name, got %d arguments", sub, len(rest))
		}
	case "list":
		if len(rest) != 0 {
			return fmt.Errorf("users list: unexpected arguments %q", rest)
		}
	default:
		fs.Usage()
		return fmt.Errorf("users: unknown subcommand %q (add, remove, list)", sub)
	}
	params := basicauth.Params{N: *cost, R: basicauth.DefaultParams.R, P: basicauth.DefaultParams.P}
	if err := params.Validate(); err != nil {
		return fmt.Errorf("users %s: -n: %w", sub, err)
	}
	name, err := storeName(*parameter, *app)
	if err != nil {
		return err
	}

	// Everything that can fail on input fails before any AWS call.
	var user, password string
	if sub != "list" {
		if user, err = basicauth.NormalizeName(rest[0]); err != nil {
			return fmt.Errorf("users %s: %w", sub, err)
		}
	}
	if sub == "add" {
		if password, err = readNewPassword(env, user); err != nil {
			return fmt.Errorf("users add: %w", err)
		}
	}

	client, err := env.newClient(ctx, *region)
	if err != nil {
		return err
	}
	cur, err := loadStore(ctx, client, name, 0)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return listUsers(env.stdout, name, cur)
	case "remove":
		if !cur.store.Has(user) {
			return fmt.Errorf("users remove: %s has no user %q", name, user)
		}
		if err := commit(ctx, client, name, cur, func(s *basicauth.Store) { s.Remove(user) }, env.stderr); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "removed user %q from %s\n", user, name)
		return nil
	}
	hash, err := basicauth.Hash(password, params)
	if err != nil {
		return fmt.Errorf("users add: %w", err)
	}
	replaced := cur.store.Has(user)
	if err := commit(ctx, client, name, cur, func(s *basicauth.Store) { s.Set(user, hash) }, env.stderr); err != nil {
		return err
	}
	if replaced {
		fmt.Fprintf(env.stdout, "changed the password of %q in %s\n", user, name)
	} else {
		fmt.Fprintf(env.stdout, "added user %q to %s\n", user, name)
	}
	return nil
}

// maxCommitAttempts bounds the re-apply loop of commit.
const maxCommitAttempts = 5

// commit applies op to the store and writes it. SSM has no conditional
// write, so a concurrent writer shows only as a version jump: then this
// write overwrote the other writer's versions. commit re-reads the version
// just before its own (the other writer's result), applies op to it again and
// writes that, until its write directly follows the version it read. So two
// concurrent commands never lose each other's change: a removed user cannot
// come back because another admin added someone at the same time.
func commit(ctx context.Context, client ssmAPI, name string, cur *current, op func(*basicauth.Store), stderr io.Writer) error {
	expected := cur.version + 1
	for attempt := 1; ; attempt++ {
		op(cur.store)
		version, err := saveStore(ctx, client, name, cur, stderr)
		if err != nil {
			return err
		}
		if version == expected {
			return nil
		}
		if attempt == maxCommitAttempts {
			return fmt.Errorf("write users store %s: other writers kept changing it (%d attempts); check with `edgekit users list` and run the command again", name, attempt)
		}
		fmt.Fprintf(stderr, "note: %s was changed by another writer (this write became version %d, not %d); applying the change again on top of version %d\n",
			name, version, expected, version-1)
		if cur, err = loadStore(ctx, client, name, version-1); err != nil {
			return err
		}
		// The next write must directly follow this one.
		expected = version + 1
	}
}

// storeName resolves the users store's parameter name (see usersUsage).
func storeName(parameter, app string) (string, error) {
	if parameter != "" {
		return parameter, nil
	}
	ctx, err := cdkContext("cdk.json")
	if err != nil {
		return "", err
	}
	if v, ok := ctx["edgekit:basicauth:parameterName"].(string); ok && v != "" {
		return v, nil
	}
	if app == "" {
		app, _ = ctx["edgekit:appName"].(string)
	}
	if app == "" {
		app = "edgekit"
	}
	return "/" + app + "/basicauth/users", nil
}

// cdkContext reads the "context" object of a cdk.json; a missing file is an
// empty context.
func cdkContext(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]any{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return f.Context, nil
}

// readNewPassword reads the password from the terminal (twice) or from the
// first line of stdin, never from arguments: flags end up in shell history
// and in every process listing.
func readNewPassword(env usersEnv, user string) (string, error) {
	var raw []byte
	if env.readPassword != nil {
		first, err := env.readPassword(fmt.Sprintf("New password for %q: ", user))
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		again, err := env.readPassword("Repeat the password: ")
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if !bytes.Equal(first, again) {
			return "", errors.New("the passwords do not match")
		}
		raw = first
	} else {
		// Bounded: a longer line is cut here and refused as too long below.
		r := bufio.NewReader(io.LimitReader(env.stdin, basicauth.MaxPasswordBytes*4+2))
		line, err := r.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		if len(line) == 0 {
			return "", errors.New("no password on stdin (pipe one line, or run in a terminal)")
		}
		raw = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	}
	return basicauth.NormalizePassword(string(raw))
}

// current is the users store as read, with what a safe write needs.
type current struct {
	store   *basicauth.Store
	version int64
	tier    ssmtypes.ParameterTier
}

// loadStore reads the store, at version when it is not 0 (SSM keeps the
// last 100 versions, addressed as "name:version").
func loadStore(ctx context.Context, client ssmAPI, name string, version int64) (*current, error) {
	selector := name
	if version > 0 {
		selector = fmt.Sprintf("%s:%d", name, version)
	}
	out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(selector), WithDecryption: aws.Bool(true)})
	var notFound *ssmtypes.ParameterNotFound
	if errors.As(err, &notFound) {
		s, _ := basicauth.ParseStore(basicauth.StoreHeader)
		return &current{store: s}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read users store %s: %w", name, err)
	}
	p := out.Parameter
	if p == nil || p.Value == nil {
		return nil, fmt.Errorf("read users store %s: the answer has no value", name)
	}
	if p.Type != ssmtypes.ParameterTypeSecureString {
		return nil, fmt.Errorf("users store %s is a %s parameter, not a SecureString: the edge function refuses it; "+
			"delete it (aws ssm delete-parameter --region us-east-1 --name %s) and add the users again", name, p.Type, name)
	}
	s, err := basicauth.ParseStore(*p.Value)
	if err != nil {
		// Never rewrite what cannot be read back whole: lines would be lost.
		return nil, fmt.Errorf("users store %s cannot be parsed, not changing it: %w", name, err)
	}
	// Advanced parameters cannot go back to standard: keep the tier. The
	// answer does not carry it, so infer it from the size.
	tier := ssmtypes.ParameterTierStandard
	if len(*p.Value) > basicauth.MaxStandardValueBytes {
		tier = ssmtypes.ParameterTierAdvanced
	}
	return &current{store: s, version: p.Version, tier: tier}, nil
}

// saveStore writes cur's store and returns the version SSM gave it.
func saveStore(ctx context.Context, client ssmAPI, name string, cur *current, stderr io.Writer) (int64, error) {
	value := cur.store.Encode()
	tier := cur.tier
	if tier == "" {
		tier = ssmtypes.ParameterTierStandard
	}
	switch {
	case len(value) > basicauth.MaxAdvancedValueBytes:
		return 0, fmt.Errorf("users store %s would be %d bytes, over the %d an SSM parameter holds: remove users or shorten names",
			name, len(value), basicauth.MaxAdvancedValueBytes)
	case len(value) > basicauth.MaxStandardValueBytes && tier == ssmtypes.ParameterTierStandard:
		tier = ssmtypes.ParameterTierAdvanced
		fmt.Fprintf(stderr, "note: %d bytes need the advanced parameter tier ($0.05 per month; it cannot be changed back)\n", len(value))
	}
	out, err := client.PutParameter(ctx, &ssm.PutParameterInput{
		Name:        aws.String(name),
		Value:       aws.String(value),
		Type:        ssmtypes.ParameterTypeSecureString,
		Overwrite:   aws.Bool(true),
		Tier:        tier,
		Description: aws.String("edgekit Basic-auth users (scrypt hashes), written by edgekit users"),
	})
	if err != nil {
		return 0, fmt.Errorf("write users store %s: %w", name, err)
	}
	return out.Version, nil
}

func listUsers(w io.Writer, name string, cur *current) error {
	users := cur.store.Users()
	if len(users) == 0 {
		fmt.Fprintf(w, "no users in %s\n", name)
		return nil
	}
	var b strings.Builder
	for _, u := range users {
		p, _, _, err := basicauth.ParseHash(u.Hash)
		if err != nil {
			return fmt.Errorf("users store %s: %w", name, err)
		}
		fmt.Fprintf(&b, "%s\tscrypt N=%d r=%d p=%d\n", u.Name, p.N, p.R, p.P)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
