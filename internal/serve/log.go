package serve

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Logger writes serve's terminal log: one line per event, prefixed with the
// time and the component (the request pipeline, a function, a local AWS
// service), so a function's console output sits next to the request that
// caused it.
type Logger struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// NewLogger logs to w.
func NewLogger(w io.Writer) *Logger {
	return &Logger{w: w, now: time.Now}
}

// Printf logs one line (or several, each prefixed) for component.
func (l *Logger) Printf(component, format string, args ...any) {
	if l == nil || l.w == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	ts := l.now().Format("15:04:05.000")
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(l.w, "%s %-22s %s\n", ts, component, line)
	}
}

// lineWriter turns a child process's output into log lines.
type lineWriter struct {
	l         *Logger
	component string
	buf       []byte
	format    func(string) string
}

// Write implements io.Writer: complete lines go to the log.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			break
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if w.format != nil {
			line = w.format(line)
		}
		w.l.Printf(w.component, "%s", strings.ReplaceAll(line, "\r", "\n  "))
	}
	if len(w.buf) > 64*1024 {
		w.l.Printf(w.component, "%s", w.buf)
		w.buf = w.buf[:0]
	}
	return len(p), nil
}

// lambdaLine shortens a Lambda runtime log line ("<time>\t<request id>\t<level>\t<message>")
// to "<level> <message>": the time is already in the prefix.
func lambdaLine(line string) string {
	parts := strings.SplitN(line, "\t", 4)
	if len(parts) == 4 && len(parts[0]) >= 20 && parts[0][4] == '-' {
		return parts[2] + " " + parts[3]
	}
	return line
}
