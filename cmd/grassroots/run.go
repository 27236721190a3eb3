package main

import "context"

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errNotYet
}
