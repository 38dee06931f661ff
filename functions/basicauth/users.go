package basicauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"
)

// StoreHeader is the first line of every users store value. A handler that
// finds anything else refuses the whole store (fails closed) rather than
// guess at a format it does not know.
const StoreHeader = "# edgekit basicauth users v1"

// Limits of names, passwords and hashes. The handler (users.js,
// credentials.js) applies the same ones: change both together.
const (
	// MaxNameBytes is the longest user name, in UTF-8 bytes.
	MaxNameBytes = 128
	// MaxPasswordBytes is the longest password, in UTF-8 bytes.
	MaxPasswordBytes = 1024
	// SaltBytes is the length of the random salt Hash draws.
	SaltBytes = 16
	// KeyBytes is the length of the key Hash derives.
	KeyBytes = 32
	// MaxScryptMemory bounds 128·N·r, the memory one verification takes: a
	// viewer-request function has 128 MB in all.
	MaxScryptMemory = 32 << 20
	// MaxScryptWork bounds N·r·p, the CPU one verification takes (2^18 is
	// about 50 ms on one full core, under 1 s at the 128 MB CPU share, far
	// inside the 5 s viewer-request timeout).
	MaxScryptWork = 1 << 18
	// MinScryptWork is the weakest N·r·p accepted (N=1024, r=8, p=1).
	MinScryptWork = 1 << 13
	// MaxStandardValueBytes is the largest value of a standard-tier SSM
	// parameter; larger stores need the advanced tier (MaxAdvancedValueBytes).
	MaxStandardValueBytes = 4096
	// MaxAdvancedValueBytes is the largest value of an advanced-tier SSM parameter.
	MaxAdvancedValueBytes = 8192
)

// Params are scrypt's cost parameters: N (CPU/memory cost, a power of two),
// r (block size) and p (parallelism).
type Params struct {
	N, R, P int
}

// DefaultParams cost 2 MiB and about 2.9 ms of one full core per hash
// (node 22, x86-64; functions/basicauth/bench). Lambda gives a 128 MB
// function 128/1769 of a vCPU, so the first check of a credential at the edge
// takes about 40 ms, inside the 20-50 ms aimed at and far inside the 5 s
// viewer-request timeout; later requests with the same credential hit the
// handler's cache and cost microseconds. Raise N (edgekit users add -n) for a
// stronger hash at a proportional cost: the store is a SecureString only the
// function and administrators can decrypt, and the hash protects the
// passwords if it ever leaks.
var DefaultParams = Params{N: 2048, R: 8, P: 1}

// Validate reports whether the handler accepts p: N a power of two in
// [1024, 65536], r in [1, 32], p in [1, 16], within MaxScryptMemory and
// between MinScryptWork and MaxScryptWork.
func (p Params) Validate() error {
	var errs []string
	if p.N < 1024 || p.N > 65536 || bits.OnesCount(uint(p.N)) != 1 {
		errs = append(errs, fmt.Sprintf("N=%d must be a power of two in [1024, 65536]", p.N))
	}
	if p.R < 1 || p.R > 32 {
		errs = append(errs, fmt.Sprintf("r=%d must be in [1, 32]", p.R))
	}
	if p.P < 1 || p.P > 16 {
		errs = append(errs, fmt.Sprintf("p=%d must be in [1, 16]", p.P))
	}
	if len(errs) == 0 {
		if mem := 128 * p.N * p.R; mem > MaxScryptMemory {
			errs = append(errs, fmt.Sprintf("128·N·r = %d bytes exceeds %d", mem, MaxScryptMemory))
		}
		if w := p.N * p.R * p.P; w > MaxScryptWork || w < MinScryptWork {
			errs = append(errs, fmt.Sprintf("N·r·p = %d must be in [%d, %d]", w, MinScryptWork, MaxScryptWork))
		}
	}
	if len(errs) > 0 {
		return errors.New("scrypt parameters: " + strings.Join(errs, "; "))
	}
	return nil
}

// Hash returns the store form of password ("scrypt$N$r$p$salt$key") with a
// fresh random salt. The password must already be normalized
// (NormalizePassword).
func Hash(password string, p Params) (string, error) {
	salt := make([]byte, SaltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: draw salt: %w", err)
	}
	return hashWithSalt(password, salt, p, KeyBytes)
}

func hashWithSalt(password string, salt []byte, p Params, keyLen int) (string, error) {
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key, err := scrypt.Key([]byte(password), salt, p.N, p.R, p.P, keyLen)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("scrypt$%d$%d$%d$%s$%s", p.N, p.R, p.P, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// ParseHash splits a store hash into its parameters, salt and key, checking
// every limit the handler checks.
func ParseHash(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "scrypt" {
		return Params{}, nil, nil, errors.New(`hash is not "scrypt$N$r$p$salt$key"`)
	}
	var p Params
	for i, dst := range []*int{&p.N, &p.R, &p.P} {
		v, err := strconv.Atoi(parts[1+i])
		// Canonical decimal only: "02048" or "+8" would parse differently elsewhere.
		if err != nil || strconv.Itoa(v) != parts[1+i] {
			return Params{}, nil, nil, fmt.Errorf("hash parameter %d is not a decimal number", 1+i)
		}
		*dst = v
	}
	if err := p.Validate(); err != nil {
		return Params{}, nil, nil, err
	}
	salt, err1 := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return Params{}, nil, nil, errors.New("hash salt or key is not unpadded standard base64")
	}
	if len(salt) < 8 || len(salt) > 64 {
		return Params{}, nil, nil, fmt.Errorf("hash salt is %d bytes, want 8..64", len(salt))
	}
	if len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, fmt.Errorf("hash key is %d bytes, want 16..64", len(key))
	}
	return p, salt, key, nil
}

// Verify reports whether password (normalized) matches the store hash, in
// constant time once the key is derived.
func Verify(hash, password string) (bool, error) {
	p, salt, key, err := ParseHash(hash)
	if err != nil {
		return false, err
	}
	got, err := scrypt.Key([]byte(password), salt, p.N, p.R, p.P, len(key))
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NormalizeName returns name in Unicode NFC, or an error when it is not a
// valid user name: 1..MaxNameBytes bytes of UTF-8, no ':' (Basic auth
// separates the user from the password with the first colon, RFC 7617), and
// only letters, marks, numbers, punctuation, symbols and spaces (no control,
// format or line-separator characters, which could forge log lines or headers),
// without leading or trailing spaces.
func NormalizeName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", errors.New("user name is not valid UTF-8")
	}
	n := norm.NFC.String(name)
	if err := checkName(n); err != nil {
		return "", err
	}
	return n, nil
}

func checkName(n string) error {
	switch {
	case n == "":
		return errors.New("user name is empty")
	case len(n) > MaxNameBytes:
		return fmt.Errorf("user name is %d bytes, at most %d allowed", len(n), MaxNameBytes)
	case strings.ContainsRune(n, ':'):
		return errors.New("user name contains ':' (Basic auth splits user and password at the first colon)")
	case strings.TrimSpace(n) != n:
		return errors.New("user name starts or ends with white space")
	}
	for _, r := range n {
		if !unicode.IsGraphic(r) || (unicode.IsSpace(r) && r != ' ') {
			return fmt.Errorf("user name contains %U, which is not a letter, mark, number, punctuation, symbol or space", r)
		}
	}
	return nil
}

// NormalizePassword returns password in Unicode NFC, or an error when it is
// empty, longer than MaxPasswordBytes, not UTF-8, or holds control characters
// (the OpaqueString profile of RFC 8265 refuses them).
func NormalizePassword(password string) (string, error) {
	if !utf8.ValidString(password) {
		return "", errors.New("password is not valid UTF-8")
	}
	pw := norm.NFC.String(password)
	switch {
	case pw == "":
		return "", errors.New("password is empty")
	case len(pw) > MaxPasswordBytes:
		return "", fmt.Errorf("password is %d bytes, at most %d allowed", len(pw), MaxPasswordBytes)
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("password contains the control character %U", r)
		}
	}
	return pw, nil
}

// User is one entry of the store.
type User struct {
	// Name is the user name, NFC.
	Name string
	// Hash is the store hash of the user's password (Hash).
	Hash string
}

// Store is the parsed users store: at most one entry per name.
type Store struct {
	users []User
}

// ParseStore parses a users store value strictly: the header line, then
// "<name>:<hash>" lines with valid names and hashes, no name twice. Errors
// name the line, never its content.
func ParseStore(value string) (*Store, error) {
	lines := strings.Split(value, "\n")
	if lines[0] != StoreHeader {
		return nil, fmt.Errorf("users store: first line is not %q", StoreHeader)
	}
	s := &Store{}
	var errs []string
	for i, line := range lines[1:] {
		if line == "" {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok {
			errs = append(errs, fmt.Sprintf("line %d: no ':'", i+2))
			continue
		}
		if err := checkName(name); err != nil || !norm.NFC.IsNormalString(name) {
			errs = append(errs, fmt.Sprintf("line %d: invalid user name", i+2))
			continue
		}
		if _, _, _, err := ParseHash(hash); err != nil {
			errs = append(errs, fmt.Sprintf("line %d: %v", i+2, err))
			continue
		}
		if s.index(name) >= 0 {
			errs = append(errs, fmt.Sprintf("line %d: user listed twice", i+2))
			continue
		}
		s.users = append(s.users, User{Name: name, Hash: hash})
	}
	if len(errs) > 0 {
		return nil, errors.New("users store: " + strings.Join(errs, "; "))
	}
	return s, nil
}

func (s *Store) index(name string) int {
	return slices.IndexFunc(s.users, func(u User) bool { return u.Name == name })
}

// Set adds the user or replaces its hash; it reports whether the user existed.
// name must come from NormalizeName, hash from Hash.
func (s *Store) Set(name, hash string) (replaced bool) {
	if i := s.index(name); i >= 0 {
		s.users[i].Hash = hash
		return true
	}
	s.users = append(s.users, User{Name: name, Hash: hash})
	return false
}

// Has reports whether the store has a user of that name.
func (s *Store) Has(name string) bool { return s.index(name) >= 0 }

// Remove deletes the user; it reports whether the user existed.
func (s *Store) Remove(name string) bool {
	i := s.index(name)
	if i < 0 {
		return false
	}
	s.users = slices.Delete(s.users, i, i+1)
	return true
}

// Users returns the entries sorted by name.
func (s *Store) Users() []User {
	out := slices.Clone(s.users)
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Encode returns the store value: the header, then one line per user sorted
// by name, newline-terminated. An empty store is the header alone, which
// admits nobody.
func (s *Store) Encode() string {
	var b strings.Builder
	b.WriteString(StoreHeader + "\n")
	for _, u := range s.Users() {
		b.WriteString(u.Name + ":" + u.Hash + "\n")
	}
	return b.String()
}
