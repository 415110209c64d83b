package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/robinx"
	"github.com/flextime/flextime/schemas"
)

// quartetInstance is a four-team, six-slot instance written for these
// tests: a hard CA1 that the solution below breaks once, and a soft CA1
// that it breaks once at a penalty of 3. %s takes the hard CA1's max
// attribute, so that a test can leave it out.
const quartetInstance = `<?xml version="1.0" encoding="UTF-8"?>
<Instance>
  <MetaData><InstanceName>Quartet</InstanceName></MetaData>
  <Structure>
    <Format leagueIds="0">
      <numberRoundRobin>2</numberRoundRobin>
      <compactness>C</compactness>
      <gameMode>P</gameMode>
    </Format>
  </Structure>
  <Resources>
    <Teams>
      <team id="0" name="North"/><team id="1" name="East"/>
      <team id="2" name="South"/><team id="3" name="West"/>
    </Teams>
    <Slots>
      <slot id="0"/><slot id="1"/><slot id="2"/><slot id="3"/><slot id="4"/><slot id="5"/>
    </Slots>
  </Resources>
  <Constraints>
    <CapacityConstraints>
      <CA1 %s min="0" mode="H" penalty="1" slots="0" teams="0" type="HARD"/>
      <CA1 max="1" mode="A" penalty="3" slots="0;1;2" teams="1" type="SOFT"/>
    </CapacityConstraints>
  </Constraints>
</Instance>
`

// quartetSolution is a phased double round robin for quartetInstance;
// %d is the slot of the first match.
const quartetSolution = `<?xml version="1.0"?>
<Solution>
  <MetaData><ObjectiveValue infeasibility="1" objective="3"/></MetaData>
  <Games>
    <ScheduledMatch home="0" away="1" slot="%d"/>
    <ScheduledMatch home="2" away="3" slot="0"/>
    <ScheduledMatch home="0" away="2" slot="1"/>
    <ScheduledMatch home="3" away="1" slot="1"/>
    <ScheduledMatch home="0" away="3" slot="2"/>
    <ScheduledMatch home="1" away="2" slot="2"/>
    <ScheduledMatch home="1" away="0" slot="3"/>
    <ScheduledMatch home="3" away="2" slot="3"/>
    <ScheduledMatch home="2" away="0" slot="4"/>
    <ScheduledMatch home="1" away="3" slot="4"/>
    <ScheduledMatch home="3" away="0" slot="5"/>
    <ScheduledMatch home="2" away="1" slot="5"/>
  </Games>
</Solution>
`

// pairSchedule is a schedule document of three teams; %s is the first
// game's away team and %d its slot.
const pairSchedule = `{"id": "trio-2026", "sport": "demo",
 "teams": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
 "slots": [{"id": 0}, {"id": 1}, {"id": 2}],
 "games": [{"id": "g1", "home": "A", "away": "%s", "slot": %d},
           {"id": "g2", "home": "A", "away": "C", "slot": 1},
           {"id": "g3", "home": "B", "away": "C", "slot": 2}]}`

// aHomeNever is a constraints file whose hard CA1 forbids A's home games
// in slots 0-2; %s is its mode and %s the kind of a second, soft one.
const aHomeNever = `[
 {"id": "a-away", "name": "A plays away", "sport": "demo", "kind": "CA1", "hard": true,
  "params": {"teams": ["A"], "slots": [0, 1, 2], "max": 0, "mode": "%s"}},
 {"id": "b-rest", "sport": "demo", "kind": "%s", "hard": false, "penalty": 0.5,
  "params": {"teams": ["B"], "slots": [2], "max": 0, "mode": "A"}}
]`

func quartet(t *testing.T, max string, slot int) (inst, sol string) {
	t.Helper()
	return writeFile(t, "quartet.xml", fmt.Sprintf(quartetInstance, max)),
		writeFile(t, "quartet-sol.xml", fmt.Sprintf(quartetSolution, slot))
}

func trio(t *testing.T, away string, slot int, mode, kind string) (sched, cons string) {
	t.Helper()
	return writeFile(t, "trio.json", fmt.Sprintf(pairSchedule, away, slot)),
		writeFile(t, "trio-constraints.json", fmt.Sprintf(aHomeNever, mode, kind))
}

func TestBadInput(t *testing.T) {
	okInst, okSol := quartet(t, `max="0"`, 0)
	okSched, okCons := trio(t, "B", 0, "H", "CA1")
	tests := []struct {
		name string
		args func(t *testing.T) []string
		// want are the parts of the one stderr line, the file first.
		want []string
	}{
		{"malformed XML", func(t *testing.T) []string {
			return []string{"itc2021", "evaluate", writeFile(t, "broken.xml", "<Instance><MetaData>\n</Instance>"), okSol}
		}, []string{"broken.xml: line 2: malformed XML"}},
		{"missing XML attribute", func(t *testing.T) []string {
			inst, _ := quartet(t, "", 0)
			return []string{"itc2021", "evaluate", inst, okSol}
		}, []string{"quartet.xml: line ", `CA1 #1: missing attribute "max"`}},
		{"solution slot out of range", func(t *testing.T) []string {
			_, sol := quartet(t, `max="0"`, 9)
			return []string{"itc2021", "evaluate", okInst, sol}
		}, []string{"quartet-sol.xml: line ", `attribute "slot": unknown slot 9`}},
		{"solution file missing", func(t *testing.T) []string {
			return []string{"itc2021", "evaluate", okInst, filepath.Join(t.TempDir(), "gone.xml")}
		}, []string{"gone.xml: no such file or directory"}},
		{"export of a missing instance", func(t *testing.T) []string {
			return []string{"itc2021", "export", filepath.Join(t.TempDir(), "gone.xml")}
		}, []string{"gone.xml: no such file or directory"}},
		{"malformed JSON schedule", func(t *testing.T) []string {
			return []string{"evaluate", "--schedule", writeFile(t, "cut.json", `{"id": "x", "teams": [`), "--constraints", okCons}
		}, []string{"cut.json: line 1, column ", "unexpected end of JSON input"}},
		{"unknown team in a game", func(t *testing.T) []string {
			sched, _ := trio(t, "Z", 0, "H", "CA1")
			return []string{"evaluate", "--schedule", sched, "--constraints", okCons}
		}, []string{"trio.json: games[0].away: unknown team \"Z\""}},
		{"game slot out of range", func(t *testing.T) []string {
			sched, _ := trio(t, "B", 7, "H", "CA1")
			return []string{"evaluate", "--schedule", sched, "--constraints", okCons}
		}, []string{"trio.json: games[0].slot: unknown slot 7"}},
		{"unknown kind", func(t *testing.T) []string {
			_, cons := trio(t, "B", 0, "H", "CA9")
			return []string{"evaluate", "--schedule", okSched, "--constraints", cons}
		}, []string{"trio-constraints.json: ", `"b-rest"`, `unknown kind "CA9"`}},
		{"params failing their schema", func(t *testing.T) []string {
			_, cons := trio(t, "B", 0, "X", "CA1")
			return []string{"evaluate", "--schedule", okSched, "--constraints", cons}
		}, []string{"trio-constraints.json: ", `"a-away"`, "params.mode", `"X"`}},
		{"param naming an unknown team", func(t *testing.T) []string {
			cons := writeFile(t, "q.ndjson", `{"id": "q", "sport": "demo", "kind": "CA1", "hard": true, "params": {"teams": ["Q"], "slots": [0], "max": 0, "mode": "H"}}`+"\n")
			return []string{"evaluate", "--schedule", okSched, "--constraints", cons}
		}, []string{"q.ndjson: ", `constraint "q": params.teams[0]: unknown team "Q"`}},
		{"no constraint for the sport", func(t *testing.T) []string {
			cons := writeFile(t, "nfl.ndjson", `{"id": "q", "sport": "nfl", "kind": "CA1", "hard": true, "params": {"teams": ["A"], "slots": [0], "max": 0, "mode": "H"}}`+"\n")
			return []string{"evaluate", "--schedule", okSched, "--constraints", cons}
		}, []string{"nfl.ndjson: ", `no constraint for sport "demo" (the file has sports nfl)`}},
		{"schedule file missing", func(t *testing.T) []string {
			return []string{"evaluate", "--schedule", filepath.Join(t.TempDir(), "gone.json"), "--constraints", okCons}
		}, []string{"gone.json: no such file or directory"}},
		{"unknown command", func(*testing.T) []string { return []string{"evalute"} },
			[]string{`unknown command "evalute"`, `did you mean "evaluate"?`}},
		{"unknown subcommand", func(*testing.T) []string { return []string{"itc2021", "score"} },
			[]string{`itc2021: unknown command "score"`}},
		{"no command", func(*testing.T) []string { return nil }, []string{"missing command"}},
		{"missing args", func(*testing.T) []string { return []string{"itc2021", "evaluate", okInst} },
			[]string{"itc2021 evaluate: missing SOLUTION"}},
		{"extra args", func(*testing.T) []string { return []string{"itc2021", "bench", okInst, okSol, "x"} },
			[]string{`itc2021 bench: unexpected argument "x"`}},
		{"unknown flag", func(*testing.T) []string { return []string{"itc2021", "evaluate", "--jsn", okInst, okSol} },
			[]string{"itc2021 evaluate: unknown flag: --jsn"}},
		{"bad flag value", func(*testing.T) []string { return []string{"itc2021", "bench", "--moves", "many", okInst, okSol} },
			[]string{`itc2021 bench: --moves: "many" is not a valid int`}},
		{"missing required flag", func(*testing.T) []string { return []string{"evaluate", "--schedule", okSched} },
			[]string{"evaluate: --constraints FILE is required"}},
		{"bad cache bytes", func(*testing.T) []string {
			return []string{"serve", "--constraints", okCons, "--cache-max-bytes", "lots"}
		}, []string{`serve: --cache-max-bytes: "lots" is not a size`}},
		{"bad model cache bytes", func(*testing.T) []string {
			return []string{"serve", "--constraints", okCons, "--model-cache-bytes", "0"}
		}, []string{`serve: --model-cache-bytes: "0" is not a size`}},
		{"bad metric series cap", func(*testing.T) []string {
			return []string{"serve", "--constraints", okCons, "--max-metric-series", "1"}
		}, []string{`serve: --max-metric-series: "1" is not a whole number >= 2`}},
		{"bad detail", func(*testing.T) []string {
			return []string{"evaluate", "--schedule", okSched, "--constraints", okCons, "--detail", "some"}
		}, []string{`evaluate: --detail: "some" is not`}},
		{"replay id too long", func(*testing.T) []string {
			return []string{"replay", "--nats-url", "nats://127.0.0.1:1", "--replay-id", strings.Repeat("r", 129)}
		}, []string{"replay: --replay-id: replay id must be at most 128 bytes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out, errOut := run(t, tc.args(t)...)
			if status != ExitBadInput {
				t.Errorf("status %d, want %d; stderr %q", status, ExitBadInput, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") || !strings.HasPrefix(errOut, "flextime: ") {
				t.Fatalf("stderr %q, want one line starting with %q", errOut, "flextime: ")
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

func TestInfeasibleScheduleExitsZero(t *testing.T) {
	t.Run("schedule document", func(t *testing.T) {
		sched, cons := trio(t, "B", 0, "H", "CA1")
		status, out, errOut := run(t, "evaluate", "--json", "--schedule", sched, "--constraints", cons)
		mustSucceed(t, status, errOut)
		var res schemas.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		// A hosts twice (g1, g2) where it must not: deviation 2.
		if res.Totals.Infeasibility != schemas.FixedInt(2) || res.Totals.HardViolated != 1 {
			t.Errorf("totals %+v, want infeasibility 2 from one hard constraint", res.Totals)
		}
		if len(res.Results) != 1 || res.Results[0].ConstraintID != "a-away" || len(res.Results[0].Violations) == 0 {
			t.Errorf("results %+v, want a-away explained", res.Results)
		}

		status, plain, errOut := run(t, "evaluate", "--schedule", sched, "--constraints", cons, "--detail", "all")
		mustSucceed(t, status, errOut)
		for _, want := range []string{"infeasibility  2", "Hard violations (1):", "a-away", "A plays away", "Satisfied (1):", "b-rest"} {
			if !strings.Contains(plain, want) {
				t.Errorf("plain output lacks %q:\n%s", want, plain)
			}
		}
	})
	t.Run("ITC2021 solution", func(t *testing.T) {
		inst, sol := quartet(t, `max="0"`, 0)
		status, out, errOut := run(t, "itc2021", "evaluate", "--json", inst, sol)
		mustSucceed(t, status, errOut)
		var got itcJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if *got.Infeasibility != 1 || *got.Objective != 3 || len(got.Structure) != 0 {
			t.Errorf("infeasibility %v, objective %v, structure %v; want 1, 3, []", *got.Infeasibility, *got.Objective, got.Structure)
		}
		status, plain, errOut := run(t, "itc2021", "evaluate", inst, sol)
		mustSucceed(t, status, errOut)
		for _, want := range []string{"infeasibility  1  (published 1: matches)", "CA1-1  CA1   hard", "Constraints with a cost (2):"} {
			if !strings.Contains(plain, want) {
				t.Errorf("plain output lacks %q:\n%s", want, plain)
			}
		}
	})
	t.Run("broken structure", func(t *testing.T) {
		// 0-1 moved into slot 1, where 0 already plays 0-2.
		inst, sol := quartet(t, `max="0"`, 1)
		status, out, errOut := run(t, "itc2021", "evaluate", inst, sol)
		mustSucceed(t, status, errOut)
		if !strings.Contains(out, "Structure violations (") || !strings.Contains(out, "0 plays 2 games in slot 1") {
			t.Errorf("structure violations not listed:\n%s", out)
		}
	})
}

func TestExitStatus(t *testing.T) {
	_, decodeErr := schemas.DecodeSchedule([]byte("{"))
	gone := filepath.Join(t.TempDir(), "gone")
	_, readErr := os.ReadFile(gone)
	writeErr := &fs.PathError{Op: "write", Path: "/dev/stdout", Err: errors.New("broken pipe")}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"usage", usagef("missing %s", "X"), ExitBadInput},
		{"bad input", badInputf("nothing for %q", "x"), ExitBadInput},
		{"schemas", inFile("s.json", decodeErr), ExitBadInput},
		{"robinx", fmt.Errorf("x: %w", robinx.ErrInvalid), ExitBadInput},
		{"evaluator", &evaluator.InputError{Field: "games[0].home", Msg: "unknown team"}, ExitBadInput},
		{"unreadable input", inFile(gone, readErr), ExitBadInput},
		{"not found anywhere", fs.ErrNotExist, ExitBadInput},
		{"failed write", writeErr, ExitFailure},
		{"canceled", context.Canceled, ExitFailure},
		{"other", errors.New("boom"), ExitFailure},
	}
	for _, tc := range tests {
		if got := exitStatus(tc.err); got != tc.want {
			t.Errorf("%s: exitStatus(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
	if got := inFile(gone, readErr).Error(); got != gone+": no such file or directory" {
		t.Errorf("missing file reads %q", got)
	}
}

// panicWriter panics on the first write, standing for a bug anywhere in a
// command.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("write\nfailed") }

func TestPanicIsRecovered(t *testing.T) {
	var errOut bytes.Buffer
	status := Main(context.Background(), []string{"version"}, nil, panicWriter{}, &errOut)
	if status != ExitFailure || errOut.String() != "flextime: internal error: write failed\n" {
		t.Errorf("status %d, stderr %q", status, errOut.String())
	}
}

// TestBinary builds the command and checks that its exit statuses reach
// the shell.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	bin := filepath.Join(t.TempDir(), "flextime")
	build := exec.Command(gobin, "build", "-o", bin, "github.com/flextime/flextime/cmd/flextime")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sched, cons := trio(t, "B", 0, "H", "CA1")
	for _, tc := range []struct {
		args   []string
		status int
	}{
		{[]string{"version"}, 0},
		{[]string{"evaluate", "--schedule", sched, "--constraints", cons}, 0},
		{[]string{"evaluate", "--schedule", cons, "--constraints", cons}, 2},
		{[]string{"nope"}, 2},
	} {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, tc.args...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		status := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != tc.status {
			t.Errorf("flextime %v: status %d, want %d (stderr %q)", tc.args, status, tc.status, stderr.String())
		}
	}
}
