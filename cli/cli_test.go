package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flextime/flextime/internal/testenv"
	"github.com/flextime/flextime/robinx"
	"github.com/flextime/flextime/schemas"
)

// run runs the command line in process and returns its exit status and
// what it wrote.
func run(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return status, out.String(), errOut.String()
}

// early01 returns the paths of the shared ITC2021_Early_01 instance and
// its best-known solution.
func early01(t *testing.T) (inst, sol string) {
	t.Helper()
	dir := filepath.Join(testenv.SharedDir(t), "itc2021")
	return filepath.Join(dir, "instances", "ITC2021_Early_01.xml.gz"),
		filepath.Join(dir, "solutions", "ITC2021_Early_01.xml.gz")
}

// writeFile writes content to name in a fresh temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustSucceed(t *testing.T, status int, stderr string) {
	t.Helper()
	if status != ExitOK || stderr != "" {
		t.Fatalf("status %d, stderr %q; want 0 and nothing", status, stderr)
	}
}

func TestITC2021EvaluatePlain(t *testing.T) {
	inst, sol := early01(t)
	status, out, errOut := run(t, "itc2021", "evaluate", inst, sol)
	mustSucceed(t, status, errOut)
	for _, want := range []string{
		"Early 1 (itc2021_early_01): 16 teams, 30 slots, 240 games",
		"infeasibility  0  (published 0: matches)",
		"objective      362  (published 362: matches)",
		"hard           0 of ",
		"structure      sound: compact phased double round robin",
		"The 10 most costly constraints",
		"ID      KIND  TYPE  DEVIATION  COST",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The table is sorted by cost, most costly first.
	var costs []int
	inTable := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "ID":
			inTable = true
		case inTable && len(f) == 5:
			var c int
			fmt.Sscan(f[4], &c)
			costs = append(costs, c)
		}
	}
	if len(costs) != 10 || !slices.IsSortedFunc(costs, func(a, b int) int { return b - a }) {
		t.Errorf("costs in the table = %v, want 10 in descending order", costs)
	}
}

// itcJSON is what the tests read of `itc2021 evaluate --json`.
type itcJSON struct {
	Instance      string            `json:"instance"`
	Infeasibility *float64          `json:"infeasibility"`
	Objective     *float64          `json:"objective"`
	Structure     []json.RawMessage `json:"structure"`
	Constraints   []struct {
		ConstraintID string              `json:"constraint_id"`
		Deviation    int64               `json:"deviation"`
		Cost         float64             `json:"cost"`
		Violations   []schemas.Violation `json:"violations"`
	} `json:"constraints"`
	Published *struct {
		Infeasibility *int64 `json:"infeasibility"`
		Objective     *int64 `json:"objective"`
	} `json:"published"`
	DurationUS *int64 `json:"duration_us"`
}

func TestITC2021EvaluateJSON(t *testing.T) {
	inst, sol := early01(t)
	status, out, errOut := run(t, "itc2021", "evaluate", "--json", inst, sol)
	mustSucceed(t, status, errOut)
	var got itcJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Published == nil || got.Published.Objective == nil || got.Published.Infeasibility == nil {
		t.Fatalf("published = %+v, want both values", got.Published)
	}
	if got.Objective == nil || *got.Objective != float64(*got.Published.Objective) {
		t.Errorf("objective = %v, want the published %d", got.Objective, *got.Published.Objective)
	}
	if got.Infeasibility == nil || *got.Infeasibility != 0 {
		t.Errorf("infeasibility = %v, want 0", got.Infeasibility)
	}
	if got.Structure == nil || len(got.Structure) != 0 {
		t.Errorf("structure = %v, want []", got.Structure)
	}
	if !strings.Contains(out, `"structure": []`) {
		t.Errorf("structure is not written as []")
	}
	if got.DurationUS == nil {
		t.Errorf("no duration_us")
	}
	in, err := robinx.ReadInstanceFile(inst)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Constraints) != len(in.Constraints) {
		t.Fatalf("%d constraints, want %d", len(got.Constraints), len(in.Constraints))
	}
	var sum float64
	for i, c := range got.Constraints {
		if c.ConstraintID != in.Constraints[i].ID {
			t.Fatalf("constraints[%d] is %s, want %s (model order)", i, c.ConstraintID, in.Constraints[i].ID)
		}
		if (c.Deviation != 0) != (len(c.Violations) != 0) {
			t.Errorf("%s: deviation %d with %d violations", c.ConstraintID, c.Deviation, len(c.Violations))
		}
		sum += c.Cost
	}
	if sum != *got.Objective {
		t.Errorf("constraint costs sum to %v, objective %v", sum, *got.Objective)
	}
}

func TestExportEvaluateRoundTrip(t *testing.T) {
	inst, sol := early01(t)
	dir := t.TempDir()
	status, cons, errOut := run(t, "itc2021", "export", inst)
	mustSucceed(t, status, errOut)
	lines := strings.Split(strings.TrimSpace(cons), "\n")
	for i, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("line %d is not JSON: %s", i+1, l)
		}
	}
	status, sched, errOut := run(t, "itc2021", "export", "--schedule", inst, sol)
	mustSucceed(t, status, errOut)
	consPath, schedPath := filepath.Join(dir, "cons.ndjson"), filepath.Join(dir, "sched.json")
	if err := os.WriteFile(consPath, []byte(cons), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(schedPath, []byte(sched), 0o644); err != nil {
		t.Fatal(err)
	}

	status, out, errOut := run(t, "evaluate", "--json", "--schedule", schedPath, "--constraints", consPath)
	mustSucceed(t, status, errOut)
	var res schemas.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not a result: %v\n%s", err, out)
	}
	status, itcOut, errOut := run(t, "itc2021", "evaluate", "--json", inst, sol)
	mustSucceed(t, status, errOut)
	var itc itcJSON
	if err := json.Unmarshal([]byte(itcOut), &itc); err != nil {
		t.Fatal(err)
	}
	if res.Totals.Infeasibility.Float() != *itc.Infeasibility || res.Totals.Objective.Float() != *itc.Objective {
		t.Errorf("evaluate gives %v/%v, itc2021 evaluate %v/%v",
			res.Totals.Infeasibility, res.Totals.Objective, *itc.Infeasibility, *itc.Objective)
	}
	if res.Totals.Evaluated != len(lines) || res.Status != schemas.StatusOK || res.RequestID != "" {
		t.Errorf("totals %+v, status %q, request_id %q", res.Totals, res.Status, res.RequestID)
	}
	if res.EvaluatedAt == "" || strings.Contains(out, `"request_id"`) {
		t.Errorf("evaluated_at %q; request_id must be left out", res.EvaluatedAt)
	}

	// The plain form of the same evaluation.
	status, plain, errOut := run(t, "evaluate", "--schedule", schedPath, "--constraints", consPath)
	mustSucceed(t, status, errOut)
	for _, want := range []string{"objective      362", "Soft violations, by cost (52):"} {
		if !strings.Contains(plain, want) {
			t.Errorf("plain output lacks %q:\n%s", want, plain)
		}
	}
}

func TestBench(t *testing.T) {
	inst, sol := early01(t)
	status, out, errOut := run(t, "itc2021", "bench", "--full", "5", "--moves", "30", inst, sol)
	mustSucceed(t, status, errOut)
	// The stable keys come first, in this order.
	last := -1
	for _, k := range []string{`{"constraints":`, `,"full_ns":`, `,"move_ns":`, `,"moves_ns":{"homes":`} {
		i := strings.Index(out, k)
		if i <= last {
			t.Fatalf("key %s missing or out of order in %s", k, out)
		}
		last = i
	}
	var got struct {
		Constraints int              `json:"constraints"`
		FullNS      int64            `json:"full_ns"`
		MoveNS      int64            `json:"move_ns"`
		MovesNS     map[string]int64 `json:"moves_ns"`
		FullRuns    int              `json:"full_runs"`
		Moves       int              `json:"moves"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Constraints == 0 || got.FullNS <= 0 || got.MoveNS <= 0 || got.FullRuns != 5 || got.Moves != 30 {
		t.Errorf("bench = %+v", got)
	}
	for _, k := range []string{"homes", "rounds", "teams"} {
		if _, ok := got.MovesNS[k]; !ok {
			t.Errorf("moves_ns has no %q: %s", k, out)
		}
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("output is not one line: %s", out)
	}
}

func TestConstraintsKinds(t *testing.T) {
	status, out, errOut := run(t, "constraints", "kinds")
	mustSucceed(t, status, errOut)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var names []string
	for _, l := range lines {
		name, desc, ok := strings.Cut(l, "\t")
		if !ok || strings.Contains(desc, "\t") || desc == "" {
			t.Errorf("line %q is not NAME<TAB>description", l)
		}
		names = append(names, name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("kinds are not sorted by name: %v", names)
	}
	if len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("a kind is listed twice: %v", names)
	}
	for _, want := range []string{"BR1", "BR2", "CA1", "CA2", "CA3", "CA4", "FA2", "GA1", "SE1",
		"games_count", "max_consecutive", "meeting_distribution"} {
		if !slices.Contains(names, want) {
			t.Errorf("kind %s is missing from %v", want, names)
		}
	}
}

func TestVersion(t *testing.T) {
	status, out, errOut := run(t, "version")
	mustSucceed(t, status, errOut)
	if strings.TrimSpace(out) == "" || strings.Count(out, "\n") != 1 {
		t.Errorf("version printed %q", out)
	}
}

func TestHelp(t *testing.T) {
	status, out, errOut := run(t, "--help")
	mustSucceed(t, status, errOut)
	for _, cmd := range []string{"itc2021", "evaluate", "constraints", "version"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("help does not list %s:\n%s", cmd, out)
		}
	}
}
