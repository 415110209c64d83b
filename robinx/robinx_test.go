package robinx

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

func TestParseInstanceTiny(t *testing.T) {
	in, err := ParseInstance(strings.NewReader(tinyInstance))
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != "Tiny 1" || in.Sport != "" {
		t.Errorf("name %q sport %q, want \"Tiny 1\" and empty", in.Name, in.Sport)
	}
	if want := (Format{RoundRobins: 2, Compact: true, Phased: true}); in.Format != want {
		t.Errorf("format %+v, want %+v", in.Format, want)
	}
	if len(in.Teams) != 4 || in.Teams[2].ID != "2" || in.Teams[2].Name != "Team 2" {
		t.Errorf("teams %+v", in.Teams)
	}
	if len(in.Slots) != 6 || in.Slots[5].ID != 5 || in.Slots[5].Name != "Slot 5" {
		t.Errorf("slots %+v", in.Slots)
	}

	want := []struct {
		id, kind string
		hard     bool
		penalty  int64
		params   string
	}{
		{"CA1-1", "CA1", true, 1, `{"teams":["0"],"slots":[3],"min":0,"max":0,"mode":"H"}`},
		{"CA1-2", "CA1", false, 5, `{"teams":["2","1"],"slots":[1,4],"max":1,"mode":"A"}`},
		{"CA2-1", "CA2", false, 1, `{"teams1":["0"],"teams2":["1","2"],"slots":[0,1,2],"min":0,"max":1,"mode1":"HA","mode2":"GLOBAL"}`},
		{"CA3-1", "CA3", true, 1, `{"teams1":["0","1","2","3"],"teams2":["0","1","2","3"],"intp":3,"min":0,"max":2,"mode1":"A","mode2":"SLOTS"}`},
		{"CA4-1", "CA4", false, 10, `{"teams1":["0","1"],"teams2":["2","3"],"slots":[5],"min":1,"max":3,"mode1":"H","mode2":"EVERY"}`},
		{"GA1-1", "GA1", true, 1, `{"meetings":[["1","3"],["2","0"]],"slots":[2],"min":0,"max":0}`},
		{"BR1-1", "BR1", true, 1, `{"teams":["3"],"slots":[1,2],"intp":0,"mode1":"LEQ","mode2":"HA"}`},
		{"BR2-1", "BR2", false, 1, `{"teams":["0","1","2","3"],"slots":[0,1,2,3,4,5],"intp":2,"homeMode":"HA","mode2":"LEQ"}`},
		{"FA2-1", "FA2", false, 1, `{"teams":["0","1","2","3"],"slots":[2,5],"intp":1,"mode":"H"}`},
		{"SE1-1", "SE1", false, 1, `{"teams":["0","1","2","3"],"min":1,"mode1":"SLOTS"}`},
	}
	if len(in.Constraints) != len(want) {
		t.Fatalf("%d constraints, want %d", len(in.Constraints), len(want))
	}
	for i, w := range want {
		c := in.Constraints[i]
		if c.ID != w.id || c.Kind != w.kind || c.Hard != w.hard || c.Penalty != schemas.FixedInt(w.penalty) {
			t.Errorf("constraint %d: id %q kind %q hard %v penalty %v, want %q %q %v %d",
				i, c.ID, c.Kind, c.Hard, c.Penalty, w.id, w.kind, w.hard, w.penalty)
		}
		if string(c.Params) != w.params {
			t.Errorf("%s params\n got %s\nwant %s", w.id, c.Params, w.params)
		}
		wantPriority := schemas.PriorityMedium
		if w.hard {
			wantPriority = schemas.PriorityRequired
		}
		if c.Priority != wantPriority || c.Version != 1 || !c.IsActive() || c.Sport != "" {
			t.Errorf("%s: priority %q version %d active %v sport %q", w.id, c.Priority, c.Version, c.IsActive(), c.Sport)
		}
		if !strings.HasPrefix(c.Name, w.kind+": ") || strings.Contains(c.Name, "\n") {
			t.Errorf("%s: name %q", w.id, c.Name)
		}
	}

	// The whole document, as `flextime itc2021 export` writes it.
	got, err := json.Marshal(in.Constraints[0])
	if err != nil {
		t.Fatal(err)
	}
	const doc = `{"id":"CA1-1","name":"CA1: teams 0 each play at most 0 home games in slots 3","sport":"","kind":"CA1","hard":true,"penalty":1,"priority":"required","params":{"teams":["0"],"slots":[3],"min":0,"max":0,"mode":"H"},"version":1}`
	if string(got) != doc {
		t.Errorf("document\n got %s\nwant %s", got, doc)
	}

	in.SetSport("tiny")
	for _, c := range in.Constraints {
		if c.Sport != "tiny" {
			t.Errorf("%s: sport %q after SetSport", c.ID, c.Sport)
		}
	}
}

func TestConstraintNames(t *testing.T) {
	in, err := ParseInstance(strings.NewReader(tinyInstance))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CA1-2": "CA1: teams 2,1 each play at most 1 away games in slots 1,4",
		"CA3-1": "CA3: teams 0,1,2,3 each play at most 2 away games against teams 0,1,2,3 in every 3 consecutive slots",
		"CA4-1": "CA4: teams 0,1 together play between 1 and 3 home games against teams 2,3 in each of slots 5",
		"GA1-1": "GA1: at most 0 of the games 1-3,2-0 take place in slots 2",
		"SE1-1": "SE1: any two of teams 0,1,2,3 have at least 1 slots between their two games",
	}
	for _, c := range in.Constraints {
		if w, ok := want[c.ID]; ok && c.Name != w {
			t.Errorf("%s name\n got %q\nwant %q", c.ID, c.Name, w)
		}
	}
	if got := listText(strings.Split("0;1;2;3;4;5;6;7;8;9", ";")); got != "0,1,2,3,4,5 and 4 more" {
		t.Errorf("listText = %q", got)
	}
}

func TestParseSolutionTiny(t *testing.T) {
	sol, err := ParseSolution(strings.NewReader(tinySolution))
	if err != nil {
		t.Fatal(err)
	}
	if sol.Infeasibility == nil || *sol.Infeasibility != 0 || sol.Objective == nil || *sol.Objective != 7 {
		t.Errorf("objective value %v %v", sol.Infeasibility, sol.Objective)
	}
	if len(sol.Games) != 12 {
		t.Fatalf("%d games, want 12", len(sol.Games))
	}
	if m := sol.Games[3]; m != (Match{Home: "1", Away: "3", Slot: 1, Line: 11}) {
		t.Errorf("games[3] = %+v", m)
	}

	in, err := ParseInstance(strings.NewReader(tinyInstance))
	if err != nil {
		t.Fatal(err)
	}
	s, err := in.Schedule(sol)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "Tiny 1" || s.Sport != "" || len(s.Teams) != 4 || len(s.Slots) != 6 || len(s.Games) != 12 {
		t.Errorf("schedule %q %q teams %d slots %d games %d", s.ID, s.Sport, len(s.Teams), len(s.Slots), len(s.Games))
	}
	g := s.Games[2]
	if g.ID != "2-0" || g.Home != "2" || g.Away != "0" || g.Slot == nil || *g.Slot != 1 {
		t.Errorf("game 2 = %+v", g)
	}
	if *s.Games[0].Slot == *s.Games[11].Slot {
		t.Error("games share a slot pointer")
	}

	in.SetSport("tiny")
	s, err = in.Schedule(nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "tiny" || s.Sport != "tiny" || s.Games == nil || len(s.Games) != 0 {
		t.Errorf("schedule without solution: %+v", s)
	}
	b, _ := json.Marshal(s)
	if !strings.Contains(string(b), `"games":[]`) {
		t.Errorf("games not an empty array: %s", b)
	}
}

func TestParseSolutionNoObjective(t *testing.T) {
	sol, err := ParseSolution(strings.NewReader(`<Solution><Games><ScheduledMatch home="a" away="b" slot="0"/></Games></Solution>`))
	if err != nil {
		t.Fatal(err)
	}
	if sol.Infeasibility != nil || sol.Objective != nil || len(sol.Games) != 1 {
		t.Errorf("%+v", sol)
	}
}
