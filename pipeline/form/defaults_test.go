package form

// The default definitions' tables under the names the tests use.
var (
	Versions    = Default().Versions
	dataSheets  = Default().sheets
	coverFields = Default().cover
	unitTypes   = Default().enums["unit_type"]
	formations  = Default().enums["formation"]
	mediations  = Default().enums["mediation"]
	ratings     = Default().enums["rating"]
)
