// Package seeds supplies the values edgekit's patterns read from SSM at run
// time but no stack creates, so `edgekit serve` works before anyone has run
// the pattern's setup command against the local endpoint.
package seeds

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgekit/edgekit/functions/basicauth"
)

// DemoUser is the Basic-auth user a fresh local users store holds.
const DemoUser = "demo"

// PasswordFile is where the demo user's password is kept, under the state
// directory (0600), so a newcomer can `curl -u "demo:$(cat ...)"`.
const PasswordFile = "basicauth-demo-password"

// ForState returns the seed function for stateDir: the basicauth users
// store (a parameter named */basicauth/users) gets the demo user with the
// password in PasswordFile, created on first use.
func ForState(stateDir string) func(region, name string) (value, typ string, ok bool) {
	return func(region, name string) (string, string, bool) {
		if !strings.HasSuffix(name, "/basicauth/users") {
			return "", "", false
		}
		pw, err := DemoPassword(stateDir)
		if err != nil {
			return "", "", false
		}
		v, err := UsersStore(map[string]string{DemoUser: pw})
		if err != nil {
			return "", "", false
		}
		return v, "SecureString", true
	}
}

// DemoPassword reads the demo password, drawing and saving one first if
// there is none.
func DemoPassword(stateDir string) (string, error) {
	p := filepath.Join(stateDir, PasswordFile)
	if b, err := os.ReadFile(p); err == nil && len(strings.TrimSpace(string(b))) >= 12 {
		return strings.TrimSpace(string(b)), nil
	}
	raw := make([]byte, 15)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("draw demo password: %w", err)
	}
	pw := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save demo password: %w", err)
	}
	return pw, nil
}

// UsersStore is a basicauth users store value holding users (name ->
// password), hashed with the handler's default cost.
func UsersStore(users map[string]string) (string, error) {
	var st basicauth.Store
	for name, pw := range users {
		n, err := basicauth.NormalizeName(name)
		if err != nil {
			return "", err
		}
		h, err := basicauth.Hash(pw, basicauth.DefaultParams)
		if err != nil {
			return "", err
		}
		st.Set(n, h)
	}
	return st.Encode(), nil
}
