package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"syscall"
)

// Exit codes, as docs/outputs.md defines them.
const (
	exitOK      = 0
	exitUsage   = 1 // bad usage, or `validate` found a file that would be rejected
	exitFailed  = 2 // the batch could not run
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// errUsage marks a command line that could not be understood; errRejected
// marks `validate` finding a file that would be rejected. Everything else a
// command returns means it could not do its job (exit 2).
var (
	errUsage    = errors.New("usage")
	errRejected = errors.New("a file would be rejected")
	// errBadFlags is a usage error that the flag package already printed.
	errBadFlags = fmt.Errorf("%w: bad flags", errUsage)
)

// env is what every subcommand gets: where to write, and the logger.
type env struct {
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// isTerminal reports whether stderr is a terminal (progress bars only there).
	isTerminal bool
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"run", "the nightly batch: load new forms, recompute metrics, write workbooks", cmdRun},
		{"validate", "check forms without loading them", cmdValidate},
		{"query", "run read-only SQL on the warehouse", cmdQuery},
		{"template", "write a blank form for villages", cmdTemplate},
		{"fixtures", "write a realistic synthetic inbox and registry", cmdFixtures},
		{"definitions", "check metric definitions without running (definitions check)", cmdDefinitions},
		{"export", "write the warehouse as a Parquet lake (docs/lake.md)", cmdExport},
		{"combine", "build the warehouse of the level above from its cities' lakes", cmdCombine},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: grassroots [--log-format text|json] <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'grassroots <command> -h' for a command's flags.")
}

// run is the whole program, callable from tests: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("grassroots", flag.ContinueOnError)
	global.SetOutput(stderr)
	logFormat := global.String("log-format", "text", "log format on stderr: text or json")
	logLevel := global.String("log-level", "info", "debug, info, warn or error")
	cpuProfile := global.String("cpu-profile", "", "write a Go CPU profile of the command to this `file` (for developers: go tool pprof)")
	global.Usage = func() { usage(stderr) }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	args = global.Args()
	// --log-format may also follow the subcommand name (cron lines read better so).
	if len(args) > 0 {
		args = append(args[:1:1], extractLogFlags(args[1:], logFormat, logLevel)...)
	}
	logger, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "grassroots:", err)
		return exitUsage
	}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "grassroots:", err)
			return exitFailed
		}
		defer stop()
	}
	e := &env{stdout: stdout, stderr: stderr, log: logger, isTerminal: isTerminal(stderr)}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(ctx, stderr, c.run(ctx, e, args[1:]))
		}
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "grassroots: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

// exitCode is the one place where errors become exit codes.
func exitCode(ctx context.Context, stderr io.Writer, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errBadFlags), errors.Is(err, errRejected):
		return exitUsage
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "grassroots:", strings.TrimPrefix(err.Error(), "usage: "))
		return exitUsage
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "grassroots: stopped:", err)
		var sig interface{ Signal() os.Signal }
		if errors.As(context.Cause(ctx), &sig) && sig.Signal() == syscall.SIGTERM {
			return exitSIGTERM
		}
		return exitSIGINT
	default:
		fmt.Fprintln(stderr, "grassroots:", err)
		return exitFailed
	}
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// extractLogFlags removes --log-format/--log-level (with = or a separate
// value) from a subcommand's arguments, setting them on the way.
func extractLogFlags(args []string, format, level *string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		if len(args[i]) == len(a) || args[i] == "--" {
			out = append(out, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(a, "=")
		var dst *string
		switch name {
		case "log-format":
			dst = format
		case "log-level":
			dst = level
		}
		if dst == nil {
			out = append(out, args[i])
			continue
		}
		if !hasVal && i+1 < len(args) {
			i++
			val = args[i]
		}
		*dst = val
	}
	return out
}

// isTerminal reports whether w is a character device (a terminal), so that
// progress bars show for a person and never in cron mail.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newFlags makes a subcommand's flag set that reports to stderr and never exits.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: grassroots %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and turns a bad command line into errUsage (flag already
// printed why).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errBadFlags
	}
	return nil
}

// startCPUProfile profiles the whole command into path; DuckDB's own work
// shows as the cgo calls that wait for it.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
