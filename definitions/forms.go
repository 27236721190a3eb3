package definitions

import (
	"embed"
	"io/fs"
)

//go:embed forms/*.toml
var forms embed.FS

// Forms returns the default form definitions: one TOML file per form kind
// (village.toml), read by pipeline/form. `--forms DIR` replaces them with an
// analyst's directory of the same shape.
func Forms() fs.FS {
	sub, err := fs.Sub(forms, "forms")
	if err != nil {
		panic(err) // "forms" is a literal directory of this package
	}
	return sub
}
