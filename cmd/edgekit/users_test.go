package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/edgekit/edgekit/functions/basicauth"
)

// fakeSSM speaks the AWS JSON 1.1 protocol of SSM GetParameter and
// PutParameter, as the SDK reaches it through AWS_ENDPOINT_URL_SSM.
type fakeSSM struct {
	*httptest.Server
	mu       sync.Mutex
	params   map[string]*fakeParam
	requests []fakeRequest
	// fail, when set, answers every request of that target with an error
	// (status, AWS error type).
	fail map[string][2]string
	// beforePut, when set, runs (under the lock) before a PutParameter is
	// applied: a concurrent writer can change the parameter there.
	beforePut func(f *fakeSSM, name string)
	problems  []string
}

type fakeParam struct {
	Value, Type, Tier string
	Version           int64
	// History holds every version's value, as SSM keeps them ("name:N").
	History map[int64]string
}

// put stores a new version of name, like SSM's PutParameter with Overwrite.
func (f *fakeSSM) put(name, value, tier string) *fakeParam {
	p := f.params[name]
	if p == nil {
		p = &fakeParam{}
		f.params[name] = p
	}
	if p.History == nil {
		p.History = map[int64]string{}
		if p.Version > 0 {
			p.History[p.Version] = p.Value
		}
	}
	p.Value, p.Type, p.Tier = value, "SecureString", tier
	p.Version++
	p.History[p.Version] = value
	return p
}

type fakeRequest struct {
	Target string
	Body   map[string]any
}

func newFakeSSM(t *testing.T) *fakeSSM {
	f := &fakeSSM{params: map[string]*fakeParam{}, fail: map[string][2]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	t.Cleanup(func() {
		if len(f.problems) > 0 {
			t.Errorf("requests SSM would reject: %v", f.problems)
		}
	})
	// The SDK reads these when the command loads its configuration.
	t.Setenv("AWS_ENDPOINT_URL_SSM", f.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEDGEKITUSERS0001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "users-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	return f
}

func (f *fakeSSM) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := r.Header.Get("X-Amz-Target")
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		f.problems = append(f.problems, "body is not JSON")
	}
	f.requests = append(f.requests, fakeRequest{Target: target, Body: body})
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		f.problems = append(f.problems, fmt.Sprintf("%s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type")))
	}
	if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=AKIDEDGEKITUSERS0001/") ||
		!strings.Contains(a, "/us-east-1/ssm/aws4_request") {
		f.problems = append(f.problems, "unsigned or mis-scoped request: "+a)
	}
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, typ string) { answer(status, map[string]string{"__type": typ, "message": typ}) }
	if e, ok := f.fail[target]; ok {
		var status int
		fmt.Sscan(e[0], &status)
		fail(status, e[1])
		return
	}
	name, _ := body["Name"].(string)
	switch target {
	case "AmazonSSM.GetParameter":
		if body["WithDecryption"] != true {
			f.problems = append(f.problems, "GetParameter without WithDecryption")
		}
		base, selector, versioned := strings.Cut(name, ":")
		p, ok := f.params[base]
		if !ok {
			fail(400, "ParameterNotFound")
			return
		}
		value, version := p.Value, p.Version
		if versioned {
			fmt.Sscan(selector, &version)
			v, ok := p.History[version]
			if !ok {
				fail(400, "ParameterVersionNotFound")
				return
			}
			value = v
		}
		answer(200, map[string]any{"Parameter": map[string]any{
			"ARN": "arn:aws:ssm:us-east-1:123456789012:parameter" + base, "DataType": "text", "LastModifiedDate": 1.7e9,
			"Name": base, "Selector": ":" + selector, "Type": p.Type, "Value": value, "Version": version,
		}})
	case "AmazonSSM.PutParameter":
		value, _ := body["Value"].(string)
		tier, _ := body["Tier"].(string)
		if body["Type"] != "SecureString" || body["Overwrite"] != true {
			f.problems = append(f.problems, fmt.Sprintf("PutParameter Type=%v Overwrite=%v", body["Type"], body["Overwrite"]))
		}
		limit := 4096
		if tier == "Advanced" {
			limit = 8192
		}
		if len(value) > limit || value == "" {
			fail(400, "ValidationException")
			return
		}
		if f.beforePut != nil {
			hook := f.beforePut
			f.beforePut = nil // one interleaving per test
			hook(f, name)
		}
		p := f.put(name, value, tier)
		answer(200, map[string]any{"Tier": tier, "Version": p.Version})
	default:
		fail(400, "UnknownOperationException")
	}
}

func (f *fakeSSM) param(name string) *fakeParam {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.params[name]; p != nil {
		c := *p
		return &c
	}
	return nil
}

func (f *fakeSSM) puts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.Target == "AmazonSSM.PutParameter" {
			n++
		}
	}
	return n
}

// run runs `edgekit users ...` (args[0] is "users") with stdin and the
// production SDK client.
func run(t *testing.T, stdin string, terminal func(string) ([]byte, error), args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := usersEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, readPassword: terminal}
	env.newClient = productionClient
	if len(args) == 0 || args[0] != "users" {
		t.Fatalf("run: args must start with \"users\": %q", args)
	}
	err := runUsers(context.Background(), args[1:], env)
	return out.String(), errOut.String(), err
}

const param = "/edgekit/basicauth/users"

func storeOf(t *testing.T, f *fakeSSM) *basicauth.Store {
	t.Helper()
	p := f.param(param)
	if p == nil {
		t.Fatal("no users store was written")
	}
	s, err := basicauth.ParseStore(p.Value)
	if err != nil {
		t.Fatalf("written store does not parse: %v", err)
	}
	return s
}

func hashOf(t *testing.T, s *basicauth.Store, user string) string {
	t.Helper()
	for _, u := range s.Users() {
		if u.Name == user {
			return u.Hash
		}
	}
	t.Fatalf("no user %q in the store", user)
	return ""
}

func TestUsersAddRemoveList(t *testing.T) {
	f := newFakeSSM(t)
	t.Chdir(t.TempDir()) // no cdk.json: the default app name

	out, errOut, err := run(t, "correct horse battery staple\n", nil, "users", "add", "alice")
	if err != nil || !strings.Contains(out, `added user "alice" to /edgekit/basicauth/users`) {
		t.Fatalf("add alice: %v\n%s%s", err, out, errOut)
	}
	// The unicode user arrives decomposed and is stored NFC; the password
	// comes with a CRLF line end and is hashed NFC too.
	if _, _, err := run(t, "pa\u0308sswo\u0308rd 🔑\r\n", nil, "users", "add", "-n", "4096", "ju\u0308rgen"); err != nil {
		t.Fatal(err)
	}
	s := storeOf(t, f)
	if ok, err := basicauth.Verify(hashOf(t, s, "alice"), "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("alice's hash does not verify: %v", err)
	}
	h := hashOf(t, s, "jürgen")
	if !strings.HasPrefix(h, "scrypt$4096$8$1$") {
		t.Fatalf("-n 4096 not recorded: %s", h)
	}
	if ok, _ := basicauth.Verify(h, "pässwörd 🔑"); !ok {
		t.Fatal("jürgen's hash does not verify the NFC password")
	}
	if p := f.param(param); p.Type != "SecureString" || p.Tier != "Standard" || p.Version != 2 {
		t.Fatalf("parameter = %+v", p)
	}

	// Changing a password replaces only that hash.
	out, _, err = run(t, "new horse\n", nil, "users", "add", "alice")
	if err != nil || !strings.Contains(out, `changed the password of "alice"`) {
		t.Fatalf("change: %v %s", err, out)
	}
	s = storeOf(t, f)
	if ok, _ := basicauth.Verify(hashOf(t, s, "alice"), "new horse"); !ok {
		t.Fatal("the new password does not verify")
	}
	if hashOf(t, s, "jürgen") != h {
		t.Fatal("changing alice changed jürgen")
	}

	out, _, err = run(t, "", nil, "users", "list")
	if err != nil || out != "alice\tscrypt N=2048 r=8 p=1\njürgen\tscrypt N=4096 r=8 p=1\n" {
		t.Fatalf("list = %q, %v", out, err)
	}
	if strings.Contains(out, "$") {
		t.Fatal("list shows hashes")
	}

	if out, _, err = run(t, "", nil, "users", "remove", "alice"); err != nil || !strings.Contains(out, `removed user "alice"`) {
		t.Fatalf("remove: %v %s", err, out)
	}
	if out, _, _ = run(t, "", nil, "users", "list"); out != "jürgen\tscrypt N=4096 r=8 p=1\n" {
		t.Fatalf("list after remove = %q", out)
	}
	if _, _, err = run(t, "", nil, "users", "remove", "jürgen"); err != nil {
		t.Fatal(err)
	}
	// The last removal leaves a valid empty store, which admits nobody.
	if p := f.param(param); p.Value != basicauth.StoreHeader+"\n" {
		t.Fatalf("empty store = %q", p.Value)
	}
	if out, _, _ = run(t, "", nil, "users", "list"); out != "no users in /edgekit/basicauth/users\n" {
		t.Fatalf("list of empty store = %q", out)
	}
}

func TestUsersPasswordNeverLeaks(t *testing.T) {
	f := newFakeSSM(t)
	t.Chdir(t.TempDir())
	const secret = "s3cret-Пароль-🔑"
	out, errOut, err := run(t, secret+"\n", nil, "users", "add", "bob")
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	reqs := fmt.Sprint(f.requests)
	f.mu.Unlock()
	for what, s := range map[string]string{"stdout": out, "stderr": errOut, "requests": reqs} {
		if strings.Contains(s, secret) {
			t.Errorf("the password appears in %s", what)
		}
	}
}

func TestUsersTerminal(t *testing.T) {
	f := newFakeSSM(t)
	t.Chdir(t.TempDir())
	answers := func(list ...string) func(string) ([]byte, error) {
		return func(prompt string) ([]byte, error) {
			if !strings.Contains(prompt, "password") {
				t.Errorf("prompt %q", prompt)
			}
			a := list[0]
			list = list[1:]
			return []byte(a), nil
		}
	}
	if _, _, err := run(t, "", answers("tty-secret", "tty-secret"), "users", "add", "carol"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := basicauth.Verify(hashOf(t, storeOf(t, f), "carol"), "tty-secret"); !ok {
		t.Fatal("terminal password not stored")
	}
	t.Run("fails_mismatch", func(t *testing.T) {
		_, _, err := run(t, "", answers("one", "two"), "users", "add", "dave")
		if err == nil || !strings.Contains(err.Error(), "do not match") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestUsersParameterName(t *testing.T) {
	f := newFakeSSM(t)
	dir := t.TempDir()
	t.Chdir(dir)
	write := func(ctx string) {
		if err := os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{"app":"go run .","context":`+ctx+`}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, ctx string
		args      []string
		want      string
	}{
		{"app_from_cdk_json", `{"edgekit:appName":"shop"}`, nil, "/shop/basicauth/users"},
		{"parameter_from_cdk_json", `{"edgekit:appName":"shop","edgekit:basicauth:parameterName":"/x/users"}`, nil, "/x/users"},
		{"app_flag_wins_over_cdk_json", `{"edgekit:appName":"shop"}`, []string{"-app", "blog"}, "/blog/basicauth/users"},
		{"parameter_flag_wins", `{"edgekit:basicauth:parameterName":"/x/users"}`, []string{"-parameter", "/y/users"}, "/y/users"},
	} {
		t.Run(c.name, func(t *testing.T) {
			write(c.ctx)
			args := append([]string{"users", "add", "erin"}, c.args...)
			if _, _, err := run(t, "pw-erin\n", nil, args...); err != nil {
				t.Fatal(err)
			}
			if f.param(c.want) == nil {
				t.Fatalf("nothing written to %s", c.want)
			}
		})
	}
}

func TestUsersFailures(t *testing.T) {
	hash, err := basicauth.Hash("x-password", basicauth.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	many := basicauth.StoreHeader + "\n"
	for i := 0; len(many) < 8100; i++ {
		many += fmt.Sprintf("user-%03d:%s\n", i, hash)
	}
	for _, c := range []struct {
		name    string
		stdin   string
		args    []string
		setup   func(f *fakeSSM)
		want    string
		mayPut  bool
		wantErr bool
	}{
		{name: "fails_password_flag", args: []string{"users", "add", "-password", "x", "alice"}, want: "flag provided but not defined", wantErr: true},
		{name: "fails_no_password", stdin: "", args: []string{"users", "add", "alice"}, want: "no password on stdin", wantErr: true},
		{name: "fails_empty_password", stdin: "\n", args: []string{"users", "add", "alice"}, want: "password is empty", wantErr: true},
		{name: "fails_control_in_password", stdin: "pa\x01ss\n", args: []string{"users", "add", "alice"}, want: "control character", wantErr: true},
		{name: "fails_long_password", stdin: strings.Repeat("p", 5000) + "\n", args: []string{"users", "add", "alice"}, want: "at most 1024", wantErr: true},
		{name: "fails_colon_in_name", stdin: "pw\n", args: []string{"users", "add", "a:b"}, want: "contains ':'", wantErr: true},
		{name: "fails_injection_in_name", stdin: "pw\n", args: []string{"users", "add", "a\r\nX-Admin: 1"}, want: "user name", wantErr: true},
		{name: "fails_weak_n", stdin: "pw\n", args: []string{"users", "add", "-n", "512", "alice"}, want: "N=512", wantErr: true},
		{name: "fails_two_names", stdin: "pw\n", args: []string{"users", "add", "alice", "bob"}, want: "exactly one user name", wantErr: true},
		{name: "fails_unknown_subcommand", args: []string{"users", "passwd", "alice"}, want: "unknown subcommand", wantErr: true},
		{name: "fails_remove_unknown", args: []string{"users", "remove", "nobody"}, want: `has no user "nobody"`, wantErr: true},
		{
			name: "fails_unparseable_store_left_alone", stdin: "pw\n", args: []string{"users", "add", "alice"},
			setup: func(f *fakeSSM) {
				f.params[param] = &fakeParam{Value: basicauth.StoreHeader + "\nhand edited line\n", Type: "SecureString", Version: 3}
			},
			want: "cannot be parsed, not changing it", wantErr: true,
		},
		{
			name: "fails_string_parameter", stdin: "pw\n", args: []string{"users", "add", "alice"},
			setup: func(f *fakeSSM) {
				f.params[param] = &fakeParam{Value: basicauth.StoreHeader + "\n", Type: "String", Version: 1}
			},
			want: "not a SecureString", wantErr: true,
		},
		{
			name: "fails_access_denied", stdin: "pw\n", args: []string{"users", "add", "alice"},
			setup: func(f *fakeSSM) { f.fail["AmazonSSM.GetParameter"] = [2]string{"400", "AccessDeniedException"} },
			want:  "AccessDeniedException", wantErr: true,
		},
		{
			name: "fails_throttled_read", args: []string{"users", "list"},
			setup: func(f *fakeSSM) { f.fail["AmazonSSM.GetParameter"] = [2]string{"400", "ThrottlingException"} },
			want:  "ThrottlingException", wantErr: true,
		},
		{
			name: "fails_server_error_on_write", stdin: "pw\n", args: []string{"users", "add", "alice"},
			setup: func(f *fakeSSM) { f.fail["AmazonSSM.PutParameter"] = [2]string{"500", "InternalServerError"} },
			want:  "write users store", wantErr: true, mayPut: true,
		},
		{
			name: "fails_store_full", stdin: "pw\n", args: []string{"users", "add", "one-more-user-with-a-long-name"},
			setup: func(f *fakeSSM) {
				f.params[param] = &fakeParam{Value: many, Type: "SecureString", Tier: "Advanced", Version: 7}
			},
			want: "over the 8192 an SSM parameter holds", wantErr: true,
		},
		{
			name: "concurrent_writer_is_merged_not_overwritten", stdin: "pw\n", args: []string{"users", "add", "alice"},
			setup: func(f *fakeSSM) {
				// Another admin adds carol between this command's read and write.
				f.beforePut = func(f *fakeSSM, name string) {
					s, _ := basicauth.ParseStore(basicauth.StoreHeader)
					if p := f.params[name]; p != nil {
						s, _ = basicauth.ParseStore(p.Value)
					}
					s.Set("carol", hash)
					f.put(name, s.Encode(), "Standard")
				}
			},
			want: "applying the change again", mayPut: true,
		},
		{
			name: "large_store_moves_to_advanced_tier", stdin: "pw\n", args: []string{"users", "add", "frank"},
			setup: func(f *fakeSSM) {
				f.params[param] = &fakeParam{Value: many[:strings.LastIndex(many[:4000], "\n")+1], Type: "SecureString", Version: 1}
				s, _ := basicauth.ParseStore(f.params[param].Value)
				for i := 0; len(s.Encode()) < 4050; i++ {
					s.Set(fmt.Sprintf("pad-%02d", i), hash)
				}
				f.params[param].Value = s.Encode()
			},
			want: "advanced parameter tier", mayPut: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeSSM(t)
			t.Chdir(t.TempDir())
			if c.setup != nil {
				c.setup(f)
			}
			before := f.param(param)
			out, errOut, err := run(t, c.stdin, nil, c.args...)
			got := out + errOut
			if err != nil {
				got += err.Error()
			}
			if (err != nil) != c.wantErr || !strings.Contains(got, c.want) {
				t.Fatalf("err = %v, output %q; want error=%v containing %q", err, out+errOut, c.wantErr, c.want)
			}
			if !c.mayPut && f.puts() > 0 {
				t.Fatal("the store was written")
			}
			if c.wantErr && !c.mayPut {
				if after := f.param(param); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Fatalf("store changed: %+v -> %+v", before, after)
				}
			}
		})
	}
}

// Two admins at once: this command removes mallory while another writer adds
// bob from a copy read before the removal. Neither change may be lost: the
// removed user must not come back.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	f := newFakeSSM(t)
	t.Chdir(t.TempDir())
	h, err := basicauth.Hash("pw", basicauth.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := basicauth.ParseStore(basicauth.StoreHeader)
	start.Set("mallory", h)
	start.Set("alice", h)
	f.mu.Lock()
	f.put(param, start.Encode(), "Standard")
	stale := start.Encode()
	f.beforePut = func(f *fakeSSM, name string) {
		s, _ := basicauth.ParseStore(stale) // read before this command's write
		s.Set("bob", h)
		f.put(name, s.Encode(), "Standard")
	}
	f.mu.Unlock()

	if _, errOut, err := run(t, "", nil, "users", "remove", "mallory"); err != nil {
		t.Fatalf("remove: %v (%s)", err, errOut)
	}
	final, err := basicauth.ParseStore(f.param(param).Value)
	if err != nil {
		t.Fatal(err)
	}
	if final.Has("mallory") || !final.Has("bob") || !final.Has("alice") {
		t.Fatalf("final users %v: want alice and bob, without mallory", final.Users())
	}
}
