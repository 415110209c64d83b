package schemas_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/flextime/flextime/schemas"
)

func ExampleDecodeSchedule() {
	_, err := schemas.DecodeSchedule([]byte(`{
		"id": "big12-mbb-2025-26", "sport": "mbb",
		"teams": [{"id": "KU"}, {"id": "KSU"}],
		"slots": [{"id": 0, "start": "2026-01-03T00:00:00-06:00"}],
		"games": [{"id": "g001", "home": "KU", "away": "XYZ", "slot": 0}]
	}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, schemas.ErrInvalid))
	// Output:
	// games[0].away: unknown team "XYZ"
	// true
}

func ExampleDecodeConstraints() {
	ndjson := `{"id": "ca1-0", "sport": "itc", "kind": "CA1", "hard": true, "params": {"teams": ["0"], "slots": [0], "max": 0, "mode": "H"}}
{"id": "ca1-1", "sport": "itc", "kind": "CA1", "hard": false, "penalty": 0.7, "params": {"teams": ["1"], "slots": [0], "max": 0, "mode": "A"}}
`
	cons, err := schemas.DecodeConstraints([]byte(ndjson))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cons {
		fmt.Println(c.ID, c.Penalty, c.Priority, c.Version)
	}
	// Output:
	// ca1-0 1 required 1
	// ca1-1 0.7 medium 1
}

func ExampleValidateParams() {
	err := schemas.ValidateParams("CA2", json.RawMessage(`{"teams1": ["0"], "teams2": ["1"], "slots": [0], "min": 1, "mode1": "X"}`))
	fmt.Println(err)
	err = schemas.ValidateParams("XX1", json.RawMessage(`{}`))
	fmt.Println(errors.Is(err, schemas.ErrUnknownKind))
	// Output:
	// params.mode1: must be one of "H", "A", "HA" (got "X")
	// true
}

func ExampleParamsKinds() {
	for _, k := range schemas.ParamsKinds()[:2] {
		d, _ := schemas.ParamsDescription(k)
		fmt.Printf("%s\t%s\n", k, d)
	}
	// Output:
	// BR1	Each team in teams has at most intp home, away or any breaks (mode2) in slots.
	// BR2	The teams in teams together have at most intp breaks in slots.
}

// The schemas compile on first use; concurrent first uses must be safe
// (run with -race).
func TestConcurrentFirstUse(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := schemas.DecodeConstraints([]byte("[" + ca1 + "]")); err != nil {
				t.Error(err)
			}
			if _, err := schemas.DecodeSchedule([]byte(validSchedule)); err != nil {
				t.Error(err)
			}
			for _, k := range schemas.ParamsKinds() {
				_ = schemas.ValidateParams(k, json.RawMessage(`{}`))
			}
		})
	}
	wg.Wait()
}
