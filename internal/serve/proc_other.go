//go:build !linux

package serve

import "os/exec"

// setChildAttrs: only Linux can tie a child's life to its parent's.
func setChildAttrs(*exec.Cmd) {}
