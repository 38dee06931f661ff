package serve

import (
	"os/exec"
	"syscall"
)

// setChildAttrs ties a child's life to serve's: if serve dies, even by
// SIGKILL, the kernel stops its functions and emulators too.
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
