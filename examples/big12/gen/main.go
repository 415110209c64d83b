// Command gen writes the sample Big 12 seasons and constraint sets of
// examples/big12: for each of mbb, wbb and football, schedule.json and
// constraints.ndjson. The output is the same for the same flags.
//
//	go run ./examples/big12/gen [-out examples/big12] [-seed 1] [-football-weeks 12]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/flextime/flextime/examples/big12/internal/season"
)

func main() {
	out := flag.String("out", "examples/big12", "directory to write mbb/, wbb/ and football/ into")
	seed := flag.Int64("seed", 1, "random seed: the same seed gives the same files")
	weeks := flag.Int("football-weeks", 12, "weeks in the football conference window, ending on Thanksgiving Saturday (9 to 14)")
	flag.Parse()
	if err := season.Write(*out, season.Options{Seed: *seed, FootballWeeks: *weeks}); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
