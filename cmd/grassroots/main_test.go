package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary act as the grassroots command when
// GRASSROOTS_BE_MAIN is set, so that tests can run, signal and kill a real
// process without building another binary.
func TestMain(m *testing.M) {
	if os.Getenv("GRASSROOTS_BE_MAIN") == "1" {
		os.Args = append([]string{"grassroots"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}
