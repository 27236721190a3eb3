// Package torture is the hostile-inbox suite: it builds zip bombs, huge and
// malformed workbooks, odd file names, links and faults in temporary
// folders, runs the real command (`grassroots run`, through the summary,
// township and feedback workbooks and the annotated copies) in a process of
// its own over each beside a clean generated inbox, and once over all of
// them together, and checks that the batch exits cleanly, rejects the bad
// file with the right code, loads every good file, writes an issue list for
// every form with an issue and an annotated copy for every form with
// flagged cells but none for a file refused unread, and stays within time
// and peak-memory (the process's resident set) bounds. `make test` runs a
// reduced form; `make torture` (GRASSROOTS_TORTURE=full) runs the full
// sizes. The package has tests only.
package torture
