// Command benchtool is bench/run.sh's helper. Subcommands:
//
//	fixtures --out DIR --villages N --months K --seed S [--realistic]
//	    a synthetic inbox with fixtures.Generate, without depending on the
//	    CLI exposing it: clean (Clean: every form valid and in the registry)
//	    or, with --realistic, as villages fill them (Realistic: every form
//	    readable and in the registry, most with warnings, some with rejected
//	    rows)
//	nightly --from INBOX --to INBOX --changed N --added N
//	nightly --from INBOX --to INBOX --pick MONTH:CHANGED:ADDED [--pick …]
//	    a copy of INBOX (hard links) in which N forms are changed in place and
//	    N are added as resubmissions under a new name: picked from the whole
//	    inbox, or, with --pick, from the forms of each month given (newest,
//	    newest-1, … or YYYY-MM: the inbox's <township>/<YYYY-MM>/ folders)
//	floor --inbox DIR --mode inflate|rawtoken|token [--workers 2]
//	    the floor: inflate every sheet XML (and the shared strings) of every
//	    form into io.Discard, or inflate and tokenize it with encoding/xml
//
// Every subcommand prints one JSON object on stdout. The fixtures subcommand
// is alone in fixtures.go: bench/run.sh keys its cache of inboxes by that
// file and the packages it uses, so that a change to the others keeps them.
package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool fixtures|nightly|floor [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fixtures":
		err = cmdFixtures(os.Args[2:])
	case "nightly":
		err = cmdNightly(os.Args[2:])
	case "floor":
		err = cmdFloor(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(v)
}

// forms lists the .xlsx files under dir, sorted, as paths relative to dir.
func forms(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, ".xlsx") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}
