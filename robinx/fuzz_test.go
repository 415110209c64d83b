package robinx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseInstance checks that no input panics, that every failure is a
// one-line ErrInvalid, and that what is accepted gives valid documents.
func FuzzParseInstance(f *testing.F) {
	f.Add([]byte(tinyInstance))
	f.Add([]byte(`<Instance><Resources><Teams><team id="0"/><team id="1"/></Teams><Slots><slot id="0"/></Slots></Resources>` +
		`<Constraints><G><GA1 meetings="0,1;" slots="0" max="1" type="SOFT" penalty="2"/></G></Constraints></Instance>`))
	f.Add([]byte(`<Instance><Constraints><CA1/></Constraints></Instance>`))
	f.Add([]byte("<?xml version=\"1.0\"?>\n<Instance>\n<Resources>\n<Slots><slot id=\"x\"/>"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseInstance(bytes.NewReader(data))
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if len(in.Teams) == 0 || len(in.Slots) == 0 {
			t.Fatalf("accepted an instance with %d teams and %d slots", len(in.Teams), len(in.Slots))
		}
		for _, c := range in.Constraints {
			if !json.Valid(c.Params) {
				t.Fatalf("%s: params %q are not JSON", c.ID, c.Params)
			}
			if _, err := json.Marshal(c); err != nil {
				t.Fatalf("%s: %v", c.ID, err)
			}
		}
		if _, err := in.Schedule(nil); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseSolution checks ParseSolution, and Schedule on what it accepts.
func FuzzParseSolution(f *testing.F) {
	f.Add([]byte(tinySolution))
	f.Add([]byte(`<Solution><MetaData><ObjectiveValue objective="-3"/></MetaData><Games><ScheduledMatch home="0" away="0" slot="9"/></Games></Solution>`))
	f.Add([]byte(`<Solution><Games><ScheduledMatch home="1"`))
	f.Add([]byte{0x1f, 0x8b})
	in, err := ParseInstance(strings.NewReader(tinyInstance))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sol, err := ParseSolution(bytes.NewReader(data))
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		s, err := in.Schedule(sol)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if len(s.Games) != len(sol.Games) {
			t.Fatalf("%d games from %d matches", len(s.Games), len(sol.Games))
		}
	})
}

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %q does not wrap ErrInvalid", err)
	}
	if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("error is not one line: %q", msg)
	}
}
