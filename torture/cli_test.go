package torture

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The hostile, load and fault tests run the real command in separate
// processes. The command is package main in cmd/grassroots, which this
// package cannot import, so the suite builds it once with `go build`
// (cached after the first build) instead of re-running its own test binary
// as crash_test.go does. The test binary re-runs itself only as the
// launcher that measures a command's memory (launcherEnv).
var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
	cliDir  string
)

func TestMain(m *testing.M) {
	if report := os.Getenv(launcherEnv); report != "" {
		os.Exit(launcher(report, os.Args[1:]))
	}
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
		// The go command that runs these tests is on PATH (make test, CI).
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = "/usr/local/go/bin/go"
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
	// measured: started through the launcher, which reports the command's
	// own peak resident set (rss, bytes) and wall time (took).
	measured bool
	rss      uint64
}

// start starts the command with args and extra environment.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	return startProc(t, false, env, args)
}

// startMeasured starts the command like start, through the launcher, so
// that its peak resident set is known once it ends.
func startMeasured(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	return startProc(t, true, env, args)
}

func startProc(t *testing.T, measured bool, env, args []string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(grassroots(t), args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}), measured: measured}
	p.cmd.Env = append(os.Environ(), env...)
	var report string
	if measured {
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		report = filepath.Join(t.TempDir(), "usage")
		p.cmd = exec.Command(self, p.cmd.Args...)
		p.cmd.Env = append(os.Environ(), append(env, launcherEnv+"="+report)...)
		// The launcher and the command form a process group, killed as one.
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	began := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.took = time.Since(began)
		p.code = p.cmd.ProcessState.ExitCode()
		if measured {
			var ns int64
			if b, err := os.ReadFile(report); err == nil {
				if _, err := fmt.Sscan(string(b), &p.rss, &ns); err == nil {
					p.took = time.Duration(ns)
				}
			}
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.kill()
			<-p.done
		}
	})
	return p
}

// kill kills the command (and, when measured, its launcher).
func (p *proc) kill() {
	if p.measured {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		return
	}
	p.cmd.Process.Kill()
}

// launcherEnv makes the test binary a launcher: it runs its arguments as a
// command and writes the command's peak resident set (bytes) and wall time
// (ns) to the file this variable names. The rusage of a process started
// straight from the test binary is no use: the kernel starts a new
// program's peak at the peak of the process it replaces, and os/exec forks
// sharing the test binary's memory, so every command would show the test
// binary's own peak (hundreds of MB once it has run a batch in-process).
// The launcher has touched little (about 35 MB), so what its child shows
// is the child's own peak, or 35 MB at the least.
const launcherEnv = "TORTURE_LAUNCHER_REPORT"

func launcher(report string, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "launcher: no command")
		return 125
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, launcherEnv+"=") })
	began := time.Now()
	err := cmd.Run()
	took := time.Since(began)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		return 125
	}
	if err := os.WriteFile(report, fmt.Appendf(nil, "%d %d\n", rusagePeak(cmd.ProcessState), took.Nanoseconds()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		return 125
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// rusagePeak is the peak resident set of an ended process, from the rusage
// that wait4(2) returns: kilobytes on Linux, bytes on macOS.
func rusagePeak(ps *os.ProcessState) uint64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru.Maxrss < 0 {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return uint64(ru.Maxrss)
	}
	return uint64(ru.Maxrss) << 10
}

// wait waits for the command, failing the test after a generous timeout.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(3 * time.Minute):
		p.kill()
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
