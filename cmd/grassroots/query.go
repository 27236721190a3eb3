package main

import "context"

func cmdQuery(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "query", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errNotYet
}
