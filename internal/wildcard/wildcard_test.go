package wildcard

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"/api/*", "/api/books/1", true},
		{"/api/*", "/api", false},
		{"*", "", true},
		{"", "", true},
		{"", "x", false},
		{"/images/?.jpg", "/images/a.jpg", true},
		{"/images/?.jpg", "/images/ab.jpg", false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k/e/y", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::c/key", false},
		{"*a*b", "xaxxb", true},
		{"*a*b", "xaxxbc", false},
		{"a**b", "ab", true},
		{"/API/*", "/api/x", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
