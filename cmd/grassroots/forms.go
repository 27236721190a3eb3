package main

import (
	"flag"
	"os"

	"grassroots/pipeline/form"
)

// formsFlag adds --forms to a command: a directory of form definitions
// (village.toml…) to use instead of the ones built into the binary.
func formsFlag(fs *flag.FlagSet) *string {
	return fs.String("forms", "", "directory of form definitions (village.toml) to use instead of the built-in ones")
}

// loadForms loads the form definitions of --forms, or the built-in ones
// when dir is "". A broken definition is an error naming its file and key
// (exit 2): nothing is read with definitions that do not hold together.
func loadForms(dir string) (*form.Definitions, error) {
	if dir == "" {
		return form.Default(), nil
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	return form.LoadDefinitions(os.DirFS(dir), dir)
}
