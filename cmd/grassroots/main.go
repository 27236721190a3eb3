// Command grassroots is the nightly batch that turns villages' monthly Excel
// reports into a DuckDB warehouse of governance metrics and Excel summaries.
// See README.md and docs/outputs.md. One file per subcommand; this one only
// wires the process to run and maps errors to exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal asks for a clean stop at the next safe point; the
		// batch then exits 130 (SIGINT) or 143 (SIGTERM).
		cancel(signalError{<-sigs})
		signal.Stop(sigs)
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// signalError is the cancel cause carrying the signal that stopped the run.
type signalError struct{ sig os.Signal }

func (s signalError) Error() string     { return "received " + s.sig.String() }
func (s signalError) Signal() os.Signal { return s.sig }
