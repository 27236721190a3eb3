package main

import "context"

func cmdFixtures(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "fixtures", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errNotYet
}
