package main

import "context"

func cmdTemplate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "template", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errNotYet
}
