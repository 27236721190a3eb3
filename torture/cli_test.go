package torture

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The load and fault tests run the real command in separate processes. The
// command is package main in cmd/grassroots, which this package cannot
// import, so the suite builds it once with `go build` (cached after the
// first build) instead of re-running its own test binary as crash_test.go
// does.
var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
	cliDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cliDir != "" {
		os.RemoveAll(cliDir)
	}
	os.Exit(code)
}

// grassroots is the path of the built command.
func grassroots(t *testing.T) string {
	t.Helper()
	cliOnce.Do(func() {
		if cliDir, cliErr = os.MkdirTemp("", "torture-cli-"); cliErr != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		cliPath = filepath.Join(cliDir, "grassroots")
		cmd := exec.Command(goTool, "build", "-tags", "duckdb_arrow", "-o", cliPath, "grassroots/cmd/grassroots")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			cliErr = &buildError{err, out.String()}
		}
	})
	if cliErr != nil {
		t.Fatalf("building the command: %v", cliErr)
	}
	return cliPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// proc is one started command.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
	code           int
	took           time.Duration
}

// start starts the command with args and extra environment.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(grassroots(t), args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	began := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.took = time.Since(began)
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the command, failing the test after a generous timeout.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(3 * time.Minute):
		p.cmd.Process.Kill()
		t.Fatalf("%v did not finish in 3 minutes; stderr:\n%s", p.cmd.Args, p.stderr)
	}
	return p.code
}

// cli runs the command to its end.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	p := start(t, nil, args...)
	code = p.wait(t)
	return code, p.stdout.String(), p.stderr.String()
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runArgs(registry, inbox, db, out string) []string {
	return []string{"run", "--inbox", inbox, "--registry", registry, "--db", db, "--out", out}
}

// waitFor polls until cond holds or the process ends.
func waitFor(p *proc, cond func() bool) bool {
	for {
		if cond() {
			return true
		}
		select {
		case <-p.done:
			return cond()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func hasLine(s, substr string) bool { return strings.Contains(s, substr) }
