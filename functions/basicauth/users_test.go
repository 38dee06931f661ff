package basicauth

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// RFC 7914 section 12, third vector: the store format wraps exactly scrypt.
func TestHashRFC7914Vector(t *testing.T) {
	want, _ := hex.DecodeString("7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2" +
		"d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887")
	h, err := hashWithSalt("pleaseletmein", []byte("SodiumChloride"), Params{N: 16384, R: 8, P: 1}, 64)
	if err != nil {
		t.Fatal(err)
	}
	wantHash := "scrypt$16384$8$1$" + base64.RawStdEncoding.EncodeToString([]byte("SodiumChloride")) + "$" + base64.RawStdEncoding.EncodeToString(want)
	if h != wantHash {
		t.Fatalf("hash = %s\nwant   %s", h, wantHash)
	}
	ok, err := Verify(h, "pleaseletmein")
	if err != nil || !ok {
		t.Fatalf("Verify(vector) = %v, %v", ok, err)
	}
}

func TestHashVerify(t *testing.T) {
	pw, err := NormalizePassword("pa\u0301ssword 🔑") // decomposed á becomes NFC
	if err != nil {
		t.Fatal(err)
	}
	if pw != "pássword 🔑" {
		t.Fatalf("NormalizePassword = %q, want NFC", pw)
	}
	h1, err := Hash(pw, DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := Hash(pw, DefaultParams)
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if !strings.HasPrefix(h1, "scrypt$2048$8$1$") {
		t.Fatalf("hash %q does not record the default parameters", h1)
	}
	for _, c := range []struct {
		name string
		pw   string
		want bool
	}{
		{"right_password", "pássword 🔑", true},
		{"fails_wrong_password", "pássword 🔐", false},
		{"fails_decomposed_form_is_other_bytes", "pa\u0301ssword 🔑", false},
		{"fails_prefix", "pássword", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ok, err := Verify(h1, c.pw)
			if err != nil || ok != c.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, c.want)
			}
		})
	}
}

func TestParseHash(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString(make([]byte, 16))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	good := "scrypt$2048$8$1$" + salt + "$" + key
	if _, _, _, err := ParseHash(good); err != nil {
		t.Fatalf("ParseHash(%q) = %v", good, err)
	}
	for _, c := range []struct{ name, hash, want string }{
		{"fails_other_algorithm", "pbkdf2$2048$8$1$" + salt + "$" + key, "is not"},
		{"fails_too_few_fields", "scrypt$2048$8$" + salt + "$" + key, "is not"},
		{"fails_n_not_power_of_two", "scrypt$3000$8$1$" + salt + "$" + key, "power of two"},
		{"fails_n_too_large", "scrypt$1048576$8$1$" + salt + "$" + key, "power of two"},
		{"fails_memory_over_limit", "scrypt$65536$8$1$" + salt + "$" + key, "exceeds"},
		{"fails_work_over_limit", "scrypt$16384$8$16$" + salt + "$" + key, "N·r·p"},
		{"fails_work_too_small", "scrypt$1024$1$1$" + salt + "$" + key, "N·r·p"},
		{"fails_leading_zero", "scrypt$02048$8$1$" + salt + "$" + key, "decimal"},
		{"fails_sign", "scrypt$2048$+8$1$" + salt + "$" + key, "decimal"},
		{"fails_padded_base64", "scrypt$2048$8$1$" + salt + "==$" + key, "base64"},
		{"fails_url_alphabet", "scrypt$2048$8$1$" + strings.Repeat("_", 22) + "$" + key, "base64"},
		{"fails_short_salt", "scrypt$2048$8$1$AAAA$" + key, "salt is 3 bytes"},
		{"fails_short_key", "scrypt$2048$8$1$" + salt + "$AAAA", "key is 3 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := ParseHash(c.hash)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ParseHash = %v, want error containing %q", err, c.want)
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"alice", "alice"},
		{"ju\u0308rgen", "jürgen"},
		{"Zoë Ünal", "Zoë Ünal"},
		{"山田", "山田"},
		{"a.b-c_d@example.com", "a.b-c_d@example.com"},
	} {
		got, err := NormalizeName(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ name, in string }{
		{"fails_empty", ""},
		{"fails_colon", "ali:ce"},
		{"fails_crlf", "alice\r\nX-Admin: 1"},
		{"fails_tab", "al\tice"},
		{"fails_nul", "al\x00ice"},
		{"fails_c1_control", "al\u0085ice"},
		{"fails_line_separator", "al\u2028ice"},
		{"fails_zero_width_format", "al\u200bice"},
		{"fails_leading_space", " alice"},
		{"fails_trailing_space", "alice "},
		{"fails_invalid_utf8", "al\xffice"},
		{"fails_too_long", strings.Repeat("a", MaxNameBytes+1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, err := NormalizeName(c.in); err == nil {
				t.Fatalf("NormalizeName(%q) = %q, want an error", c.in, got)
			}
		})
	}
}

func TestNormalizePassword(t *testing.T) {
	for _, c := range []struct{ name, in string }{
		{"fails_empty", ""},
		{"fails_newline", "pass\nword"},
		{"fails_del", "pass\x7fword"},
		{"fails_invalid_utf8", "pass\xc3word"},
		{"fails_too_long", strings.Repeat("p", MaxPasswordBytes+1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NormalizePassword(c.in); err == nil {
				t.Fatalf("NormalizePassword(%q) accepted", c.in)
			}
		})
	}
	if pw, err := NormalizePassword("correct horse battery staple"); err != nil || pw != "correct horse battery staple" {
		t.Fatalf("NormalizePassword(plain) = %q, %v", pw, err)
	}
}

func TestStore(t *testing.T) {
	hA, _ := Hash("alpha-secret", DefaultParams)
	hB, _ := Hash("beta-secret", DefaultParams)
	s, err := ParseStore(StoreHeader + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if s.Set("zoë", hA) || s.Set("alice", hB) {
		t.Fatal("Set reported new users as replaced")
	}
	if !s.Set("alice", hA) {
		t.Fatal("Set did not report the replacement")
	}
	want := StoreHeader + "\nalice:" + hA + "\nzoë:" + hA + "\n"
	if got := s.Encode(); got != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", got, want)
	}
	back, err := ParseStore(s.Encode())
	if err != nil || back.Encode() != want {
		t.Fatalf("round trip: %v\n%s", err, back.Encode())
	}
	if !back.Remove("alice") || back.Remove("alice") {
		t.Fatal("Remove reported wrongly")
	}
	if back.Remove("zoë"); back.Encode() != StoreHeader+"\n" {
		t.Fatalf("empty store encodes as %q", back.Encode())
	}
	// A realistic store: 40 users with short names fit the standard tier.
	big, _ := ParseStore(StoreHeader)
	for i := 0; i < 40; i++ {
		big.Set("user-"+string(rune('a'+i%26))+string(rune('a'+i/26)), hA)
	}
	if n := len(big.Encode()); n > MaxStandardValueBytes {
		t.Errorf("40 users take %d bytes, over the standard tier's %d", n, MaxStandardValueBytes)
	}

	for _, c := range []struct{ name, value, want string }{
		{"fails_no_header", "alice:" + hA + "\n", "first line"},
		{"fails_other_version", "# edgekit basicauth users v2\n", "first line"},
		{"fails_crlf_header", StoreHeader + "\r\nalice:" + hA, "first line"},
		{"fails_no_colon", StoreHeader + "\nalice " + hA + "\n", "line 2: no ':'"},
		{"fails_bad_name", StoreHeader + "\n\nbad\tname:" + hA + "\n", "line 3: invalid user name"},
		{"fails_name_not_nfc", StoreHeader + "\nju\u0308rgen:" + hA + "\n", "line 2: invalid user name"},
		{"fails_bad_hash", StoreHeader + "\nalice:scrypt$1$2\n", "line 2: hash is not"},
		{"fails_duplicate", StoreHeader + "\nalice:" + hA + "\nalice:" + hB + "\n", "line 3: user listed twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseStore(c.value)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ParseStore = %v, want error containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), hA) {
				t.Fatal("the error quotes a hash")
			}
		})
	}
}
