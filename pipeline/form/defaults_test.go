package form

// The default definitions' tables under the names the tests use. Versions
// are the versions the hand-built test forms (build_test.go) are built for;
// the 2023版 has its own tests (assessment_test.go).
var (
	Versions    = []string{Version2021, Version2022}
	dataSheets  = Default().sheets
	coverFields = Default().cover
	unitTypes   = Default().enums["unit_type"]
	formations  = Default().enums["formation"]
	mediations  = Default().enums["mediation"]
	ratings     = Default().enums["rating"]
)
