// Package big12 holds sample Big 12 seasons for 2025-26 (men's basketball,
// women's basketball and football) with constraint sets that model the
// conference's published scheduling rules, as summarised in the shared
// reference big12-2025-26.md.
//
// Each sport has a directory with schedule.json (a CONTRACT §1 schedule)
// and constraints.ndjson (CONTRACT §2 constraints, one per line). The
// files are generated, deterministically for a seed, by ./gen, which
// ends with the local search of package improve (a budget of moves, not
// of time); every hard rule holds (README.md gives the soft shares):
//
//	go generate ./examples/big12
//	go run ./cmd/flextime evaluate --schedule examples/big12/mbb/schedule.json \
//	    --constraints examples/big12/mbb/constraints.ndjson
package big12

//go:generate go run ./gen -out .
