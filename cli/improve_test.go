package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/improve"
	"github.com/flextime/flextime/schemas"
)

// improveSchedule is four teams over six slots, a double round robin
// whose rounds are out of order; improveConstraints pin each meeting to
// where the optimum has it, so the optimum (objective 0) is known.
const improveSchedule = `{"id": "small", "sport": "test",
  "teams": [{"id": "A"}, {"id": "B"}, {"id": "C"}, {"id": "D"}],
  "slots": [{"id": 0}, {"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}],
  "games": [
    {"id": "AB", "home": "A", "away": "B", "slot": 5}, {"id": "CD", "home": "C", "away": "D", "slot": 5},
    {"id": "AC", "home": "A", "away": "C", "slot": 1}, {"id": "BD", "home": "B", "away": "D", "slot": 1},
    {"id": "AD", "home": "A", "away": "D", "slot": 3}, {"id": "BC", "home": "B", "away": "C", "slot": 3},
    {"id": "BA", "home": "B", "away": "A", "slot": 0}, {"id": "DC", "home": "D", "away": "C", "slot": 0},
    {"id": "CA", "home": "C", "away": "A", "slot": 2}, {"id": "DB", "home": "D", "away": "B", "slot": 2},
    {"id": "DA", "home": "D", "away": "A", "slot": 4}, {"id": "CB", "home": "C", "away": "B", "slot": 4}
  ]}`

// improvePins: AB and CD in slot 0, AC and BD in 1, AD and BC in 2, then
// the return legs in 3, 4, 5.
var improvePins = map[string]int{"AB": 0, "CD": 0, "AC": 1, "BD": 1, "AD": 2, "BC": 2, "BA": 3, "DC": 3, "CA": 4, "DB": 4, "DA": 5, "CB": 5}

func improveConstraints() string {
	var b strings.Builder
	for _, id := range slices.Sorted(maps.Keys(improvePins)) {
		slot := improvePins[id]
		c := map[string]any{"id": "pin-" + id, "name": "pin " + id, "sport": "test", "kind": "GA1", "hard": false, "penalty": 1,
			"params": map[string]any{"meetings": [][2]string{{id[:1], id[1:]}}, "slots": []int{slot}, "min": 1, "max": 1}}
		data, _ := json.Marshal(c)
		b.Write(append(data, '\n'))
	}
	return b.String()
}

func readSchedule(t *testing.T, path string) *schemas.Schedule {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schemas.DecodeSchedule(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

func TestImproveReachesOptimumAndConfirms(t *testing.T) {
	sched := writeFile(t, "s.json", improveSchedule)
	cons := writeFile(t, "c.ndjson", improveConstraints())
	out := filepath.Join(t.TempDir(), "better.json")
	status, stdout, stderr := run(t, "improve", "--schedule", sched, "--constraints", cons, "--out", out,
		"--time", "0", "--moves", "100000", "--target-soft-pct", "100", "--json")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var rep improveReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if rep.Stop != "optimum" || rep.After.Objective != 0 || rep.Before.Objective == 0 || !rep.Confirmed {
		t.Fatalf("report %+v, want the optimum reached from a worse start", rep)
	}
	if len(rep.Changes) == 0 || rep.Out != out {
		t.Errorf("report %+v: no changes or no out", rep)
	}
	// The written file is what the report says: evaluate it afresh.
	s := readSchedule(t, out)
	cs, err := schemas.DecodeConstraints([]byte(improveConstraints()))
	if err != nil {
		t.Fatal(err)
	}
	st, err := evaluator.Evaluate(s, cs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Totals(); got != rep.After {
		t.Errorf("the written file evaluates to %+v, the report says %+v", got, rep.After)
	}
	// The final progress line is on stderr.
	if !strings.Contains(stderr, "improve: ") || !strings.Contains(stderr, "moves") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
}

func TestImproveToStdoutIsReproducible(t *testing.T) {
	sched := writeFile(t, "s.json", improveSchedule)
	cons := writeFile(t, "c.ndjson", improveConstraints())
	args := []string{"improve", "--schedule", sched, "--constraints", cons, "--time", "0", "--moves", "300", "--target-soft-pct", "0", "--seed", "4"}
	status, first, stderr := run(t, args...)
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	if !strings.Contains(stderr, "Improved small (test): 300 moves") || !strings.Contains(stderr, "soft satisfied") {
		t.Errorf("no plain report on stderr: %q", stderr)
	}
	if _, err := schemas.DecodeSchedule([]byte(first)); err != nil {
		t.Fatalf("stdout is not a schedule: %v", err)
	}
	_, second, _ := run(t, args...)
	if first != second {
		t.Error("the same seed and --moves wrote two schedules")
	}
}

func TestImproveKeepsLockedGames(t *testing.T) {
	// AB is locked in the document, CD by --lock; both are in slot 5
	// where their pins do not want them.
	sched := writeFile(t, "s.json", strings.Replace(improveSchedule,
		`{"id": "AB", "home": "A", "away": "B", "slot": 5}`, `{"id": "AB", "home": "A", "away": "B", "slot": 5, "locked": true}`, 1))
	cons := writeFile(t, "c.ndjson", improveConstraints())
	out := filepath.Join(t.TempDir(), "better.json")
	status, _, stderr := run(t, "improve", "--schedule", sched, "--constraints", cons, "--out", out,
		"--time", "0", "--moves", "20000", "--lock", "CD")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	s := readSchedule(t, out)
	for _, g := range s.Games {
		switch g.ID {
		case "AB", "CD":
			if *g.Slot != 5 || g.Home+g.Away != g.ID {
				t.Errorf("locked game %s is now %s-%s in slot %d", g.ID, g.Home, g.Away, *g.Slot)
			}
			if g.Locked != (g.ID == "AB") {
				t.Errorf("game %s: locked %v written", g.ID, g.Locked)
			}
		}
	}
}

func TestImproveBadInput(t *testing.T) {
	sched := writeFile(t, "s.json", improveSchedule)
	cons := writeFile(t, "c.ndjson", improveConstraints())
	missing := filepath.Join(t.TempDir(), "nope.json")
	tests := []struct {
		name string
		args []string
		want string // in the one line on stderr
	}{
		{"no files", nil, "--schedule FILE and --constraints FILE are required"},
		{"no constraints", []string{"--schedule", sched}, "--constraints FILE is required"},
		{"missing schedule", []string{"--schedule", missing, "--constraints", cons}, missing + ": no such file"},
		{"missing constraints", []string{"--schedule", sched, "--constraints", missing}, missing + ": no such file"},
		{"bad schedule", []string{"--schedule", writeFile(t, "bad.json", `{"id": "x", "sport": "test", "games": [{"id": "g", "home": "A"}]}`), "--constraints", cons}, `games[0]: missing property "away"`},
		{"unknown locked id", []string{"--schedule", sched, "--constraints", cons, "--lock", "AB,XY"}, `--lock: the schedule has no game "XY"`},
		{"locked field not boolean", []string{"--schedule", writeFile(t, "l.json", strings.Replace(improveSchedule, `"slot": 5}`, `"slot": 5, "locked": 1}`, 1)), "--constraints", cons}, "games[0].locked"},
		{"negative time", []string{"--schedule", sched, "--constraints", cons, "--time", "-1s"}, "--time: -1s is negative"},
		{"bad time", []string{"--schedule", sched, "--constraints", cons, "--time", "soon"}, `--time: "soon" is not a valid duration`},
		{"endless", []string{"--schedule", sched, "--constraints", cons, "--time", "0"}, "--time 0 needs --moves N"},
		{"target too high", []string{"--schedule", sched, "--constraints", cons, "--target-soft-pct", "101"}, "--target-soft-pct: 101 is not between 0 and 100"},
		{"negative moves", []string{"--schedule", sched, "--constraints", cons, "--moves", "-5"}, "--moves: -5 is negative"},
		{"argument", []string{"--schedule", sched, "--constraints", cons, "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, stdout, stderr := run(t, append([]string{"improve"}, tt.args...)...)
			if status != ExitBadInput {
				t.Errorf("status %d, want %d (stderr %q)", status, ExitBadInput, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
}

// TestImproveMismatchExitsOne: a score the full evaluation does not
// confirm is a failure of the tool (exit 1), not bad input.
func TestImproveMismatchExitsOne(t *testing.T) {
	err := fmt.Errorf("%w: constraint pin-AB: deviation 0 in the search, 1 in a full evaluation", improve.ErrMismatch)
	if got := exitStatus(err); got != ExitFailure {
		t.Errorf("exitStatus = %d, want %d", got, ExitFailure)
	}
}

func TestImproveOutUnwritable(t *testing.T) {
	sched := writeFile(t, "s.json", improveSchedule)
	cons := writeFile(t, "c.ndjson", improveConstraints())
	out := filepath.Join(t.TempDir(), "no", "such", "dir", "better.json")
	status, _, stderr := run(t, "improve", "--schedule", sched, "--constraints", cons, "--out", out, "--time", "0", "--moves", "10")
	if status != ExitBadInput || !strings.Contains(stderr, "--out: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("status %d, stderr %q; want 2 and a line naming --out", status, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a schedule was written")
	}
}
