package main

import "context"

func cmdValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errNotYet
}
