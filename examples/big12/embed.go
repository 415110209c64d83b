package big12

import (
	"embed"
	"fmt"
	"io/fs"
)

// files are the generated samples, built into the binary so that
// `flextime demo` runs from anywhere.
//
//go:embed mbb/*.json mbb/*.ndjson wbb/*.json wbb/*.ndjson football/*.json football/*.ndjson
var files embed.FS

// Sports are the sample sports, as directory names.
var Sports = []string{"mbb", "wbb", "football"}

// Sample returns a sport's schedule.json and constraints.ndjson. An
// unknown sport is an error naming the ones there are.
func Sample(sport string) (schedule, constraints []byte, err error) {
	schedule, err = fs.ReadFile(files, sport+"/schedule.json")
	if err != nil {
		return nil, nil, fmt.Errorf("no sample for sport %q (there are %v)", sport, Sports)
	}
	constraints, err = fs.ReadFile(files, sport+"/constraints.ndjson")
	if err != nil {
		return nil, nil, fmt.Errorf("no sample for sport %q (there are %v)", sport, Sports)
	}
	return schedule, constraints, nil
}
