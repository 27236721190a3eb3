// Package torture is the hostile-inbox suite of issue 7: it builds zip
// bombs, huge and malformed workbooks, odd file names, links and faults in
// temporary folders, runs the real batch over each beside a clean generated
// inbox, and checks that the batch survives, rejects the bad file with the
// right code, loads every good file, and stays within time and memory
// bounds. `make test` runs a reduced form; `make torture`
// (GRASSROOTS_TORTURE=full) runs the full sizes. The package has tests only.
package torture
