package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestServeCmd(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"fails_missing_assembly", []string{"-assembly", filepath.Join(t.TempDir(), "cdk.out"), "-addr", "127.0.0.1:0"}, "run `make synth`"},
		{"fails_extra_argument", []string{"now"}, "unexpected arguments"},
		{"fails_unknown_flag", []string{"-port", "1"}, "flag provided but not defined"},
		{"fails_public_address", []string{"-addr", "0.0.0.0:8080"}, "127.0.0.1 only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := serveCmd(append(tc.args, "-state", t.TempDir()))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
