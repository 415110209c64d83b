package big12

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/flextime/flextime/schemas"
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

// Documents returns a sport's sample decoded: the schedule and its
// constraint documents, for the many callers that want them typed rather
// than as bytes.
func Documents(sport string) (*schemas.Schedule, []schemas.Constraint, error) {
	sd, cd, err := Sample(sport)
	if err != nil {
		return nil, nil, err
	}
	s, err := schemas.DecodeSchedule(sd)
	if err != nil {
		return nil, nil, fmt.Errorf("sample %s schedule: %w", sport, err)
	}
	cons, err := schemas.DecodeConstraints(cd)
	if err != nil {
		return nil, nil, fmt.Errorf("sample %s constraints: %w", sport, err)
	}
	return s, cons, nil
}
