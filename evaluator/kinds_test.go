package evaluator_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// tiny builds a schedule of teams A, B, C, D over slots 0..n-1 from games
// written "HOME-AWAY@SLOT" ("A-B@0"); "A-B@-" is unplaced, "A-B@0n" neutral.
func tiny(nSlots int, games ...string) *schemas.Schedule {
	s := &schemas.Schedule{ID: "tiny", Sport: "test"}
	for _, t := range []string{"A", "B", "C", "D"} {
		s.Teams = append(s.Teams, schemas.Team{ID: t})
	}
	for i := 0; i < nSlots; i++ {
		s.Slots = append(s.Slots, schemas.Slot{ID: i})
	}
	for _, g := range games {
		pair, at, _ := strings.Cut(g, "@")
		h, a, _ := strings.Cut(pair, "-")
		gm := schemas.Game{ID: pair, Home: h, Away: a}
		if strings.HasSuffix(at, "n") {
			gm.Neutral = true
			at = strings.TrimSuffix(at, "n")
		}
		if at != "-" {
			var slot int
			fmt.Sscan(at, &slot)
			gm.Slot = &slot
		}
		s.Games = append(s.Games, gm)
	}
	return s
}

// drr is a compact double round robin of A-D over 6 slots.
var drr = []string{
	"A-B@0", "C-D@0", "A-C@1", "B-D@1", "D-A@2", "B-C@2",
	"B-A@3", "D-C@3", "C-A@4", "D-B@4", "A-D@5", "C-B@5",
}

func con(id, kind string, hard bool, params string) schemas.Constraint {
	return schemas.Constraint{ID: id, Sport: "test", Kind: kind, Hard: hard,
		Penalty: schemas.FixedInt(1), Params: json.RawMessage(params), Version: 1}
}

func eval(t *testing.T, s *schemas.Schedule, cs ...schemas.Constraint) *evaluator.State {
	t.Helper()
	st, err := evaluator.Evaluate(s, cs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestKindDeviations(t *testing.T) {
	tests := []struct {
		name   string
		sched  *schemas.Schedule
		kind   string
		params string
		want   int64
	}{
		// CA1: A hosts in slots 0, 1, 5.
		{"CA1 max home", tiny(6, drr...), "CA1", `{"teams":["A"],"slots":[0,1,5],"max":1,"mode":"H"}`, 2},
		{"CA1 at max", tiny(6, drr...), "CA1", `{"teams":["A"],"slots":[0,1,5],"max":3,"mode":"H"}`, 0},
		{"CA1 away", tiny(6, drr...), "CA1", `{"teams":["A"],"slots":[2,3,4],"min":0,"max":0,"mode":"A"}`, 3},
		{"CA1 min binds", tiny(6, drr...), "CA1", `{"teams":["A"],"slots":[2,3],"min":1,"max":2,"mode":"H"}`, 1},
		{"CA1 per team sum", tiny(6, drr...), "CA1", `{"teams":["A","B"],"slots":[0,1,2,3,4,5],"max":2,"mode":"H"}`, 1 + 1},
		{"CA1 list is a set", tiny(6, drr...), "CA1", `{"teams":["A","A"],"slots":[0,0,1],"max":1,"mode":"H"}`, 1},
		// CA2: A against {B, C}: A-B@0 H, A-C@1 H, B-A@3 A, C-A@4 A.
		{"CA2 home vs set", tiny(6, drr...), "CA2", `{"teams1":["A"],"teams2":["B","C"],"slots":[0,1,2,3,4,5],"max":1,"mode1":"H","mode2":"GLOBAL"}`, 1},
		{"CA2 any vs set", tiny(6, drr...), "CA2", `{"teams1":["A"],"teams2":["B","C"],"slots":[0,1,3],"max":1,"mode1":"HA"}`, 2},
		{"CA2 away", tiny(6, drr...), "CA2", `{"teams1":["A"],"teams2":["B","C"],"slots":[3,4],"min":0,"max":0,"mode1":"A"}`, 2},
		// CA3: windows start at every slot 0..S-intp and never wrap.
		// D plays away in 2? no: D's games: C-D@0 A, B-D@1 A, D-A@2 H, D-C@3 H, D-B@4 H, A-D@5 A.
		{"CA3 window at start", tiny(6, drr...), "CA3", `{"teams1":["D"],"teams2":["A","B","C"],"intp":2,"max":1,"mode1":"A","mode2":"SLOTS"}`, 1},
		{"CA3 three home in a row", tiny(6, drr...), "CA3", `{"teams1":["D"],"teams2":["A","B","C"],"intp":3,"max":2,"mode1":"H"}`, 1},
		{"CA3 no wrap", tiny(6, drr...), "CA3", `{"teams1":["D"],"teams2":["A","B","C"],"intp":3,"max":1,"mode1":"A"}`, 1},
		{"CA3 counts every window", tiny(6, drr...), "CA3", `{"teams1":["D"],"teams2":["A","B","C"],"intp":2,"max":0,"mode1":"H"}`, 1 + 2 + 2 + 1},
		{"CA3 intp over length", tiny(6, drr...), "CA3", `{"teams1":["D"],"teams2":["A"],"intp":7,"max":0,"mode1":"HA"}`, 0},
		// CA4: A and B hosting C and D.
		{"CA4 global", tiny(6, drr...), "CA4", `{"teams1":["A","B"],"teams2":["C","D"],"slots":[0,1,2,3,4,5],"max":1,"mode1":"H","mode2":"GLOBAL"}`, 4 - 1},
		{"CA4 every", tiny(6, drr...), "CA4", `{"teams1":["A","B","C","D"],"teams2":["A","B","C","D"],"slots":[0,1],"max":1,"mode1":"H","mode2":"EVERY"}`, 1 + 1},
		{"CA4 every min", tiny(6, drr...), "CA4", `{"teams1":["A"],"teams2":["B","C","D"],"slots":[0,1,2],"min":1,"max":1,"mode1":"H","mode2":"EVERY"}`, 1},
		// HA with overlapping sets counts each game once.
		{"CA4 HA overlap", tiny(6, drr...), "CA4", `{"teams1":["A","B"],"teams2":["A","B"],"slots":[0,3],"max":1,"mode1":"HA","mode2":"GLOBAL"}`, 1},
		// GA1: ordered meetings.
		{"GA1 none in slots", tiny(6, drr...), "GA1", `{"meetings":[["A","B"]],"slots":[1,2],"min":1,"max":1}`, 1},
		{"GA1 ordered", tiny(6, drr...), "GA1", `{"meetings":[["B","A"]],"slots":[0],"min":1,"max":1}`, 1},
		{"GA1 too many", tiny(6, drr...), "GA1", `{"meetings":[["A","B"],["C","D"],["A","C"]],"slots":[0,1],"min":0,"max":1}`, 2},
		// BR1: A: H H A A A H -> home break at 1, away breaks at 3, 4.
		{"BR1 HA", tiny(6, drr...), "BR1", `{"teams":["A"],"slots":[0,1,2,3,4,5],"intp":1,"mode1":"LEQ","mode2":"HA"}`, 2},
		{"BR1 home only", tiny(6, drr...), "BR1", `{"teams":["A"],"slots":[0,1,2,3,4,5],"intp":0,"mode2":"H"}`, 1},
		{"BR1 slot 0 never", tiny(6, drr...), "BR1", `{"teams":["A"],"slots":[0,2],"intp":0,"mode2":"HA"}`, 0},
		{"BR1 slot is the second game", tiny(6, drr...), "BR1", `{"teams":["A"],"slots":[1],"intp":0,"mode2":"HA"}`, 1},
		// BR2: A H H A A A H breaks at 1,3,4; B A H H H A A at 2,3,5;
		// C H A A A H H at 2,3,5; D A A H H H A at 1,3,4.
		{"BR2", tiny(6, drr...), "BR2", `{"teams":["A","B","C","D"],"slots":[0,1,2,3,4,5],"intp":6,"homeMode":"HA","mode2":"LEQ"}`, 12 - 6},
		{"BR2 some slots", tiny(6, drr...), "BR2", `{"teams":["A","B"],"slots":[3],"intp":0}`, 2},
		// FA2: home counts after each slot: A 1 2 2 2 2 3, D 0 0 1 2 3 3.
		{"FA2", tiny(6, drr...), "FA2", `{"teams":["A","D"],"slots":[0,1,2,3,4,5],"intp":1,"mode":"H"}`, 1},
		{"FA2 only listed slots", tiny(6, drr...), "FA2", `{"teams":["A","D"],"slots":[3,5],"intp":0}`, 0},
		// SE1: A-B at 0 and 3: two slots between them.
		{"SE1 gap is s2-s1-1", tiny(6, drr...), "SE1", `{"teams":["A","B"],"min":3,"mode1":"SLOTS"}`, 1},
		{"SE1 enough", tiny(6, drr...), "SE1", `{"teams":["A","B"],"min":2}`, 0},
		{"SE1 all pairs", tiny(6, drr...), "SE1", `{"teams":["A","B","C","D"],"min":4}`, 6 * 2},
		// Unplaced and neutral games.
		{"unplaced counts nowhere", tiny(6, "A-B@-", "A-C@1"), "CA1", `{"teams":["A"],"slots":[0,1],"max":0,"mode":"H"}`, 1},
		{"neutral is neither home nor away", tiny(2, "A-B@0n"), "CA1", `{"teams":["A","B"],"slots":[0],"max":0,"mode":"H"}`, 0},
		{"neutral is a game", tiny(2, "A-B@0n"), "CA2", `{"teams1":["A"],"teams2":["B"],"slots":[0],"max":0,"mode1":"HA"}`, 1},
		{"neutral breaks nothing", tiny(2, "A-B@0n", "A-C@1n"), "BR1", `{"teams":["A"],"slots":[1],"intp":0,"mode2":"HA"}`, 0},
		{"neutral meeting is a meeting", tiny(2, "A-B@0n"), "GA1", `{"meetings":[["A","B"]],"slots":[0],"max":0}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := eval(t, tt.sched, con("c", tt.kind, true, tt.params))
			if got := st.Deviation(0); got != tt.want {
				t.Errorf("deviation = %d, want %d", got, tt.want)
			}
			if got, want := st.Infeasibility(), schemas.FixedInt(tt.want); got != want {
				t.Errorf("infeasibility = %v, want %v", got, want)
			}
			r := st.ConstraintResult(0, true)
			if tt.want > 0 {
				if len(r.Violations) == 0 {
					t.Fatal("violated, but no violation explained")
				}
				var sum int64
				for _, v := range r.Violations {
					sum += v.Deviation
					if v.Message == "" {
						t.Error("violation without a message")
					}
				}
				if sum != tt.want {
					t.Errorf("violations add up to %d, want %d: %+v", sum, tt.want, r.Violations)
				}
			} else if len(r.Violations) != 0 {
				t.Errorf("not violated, yet explained: %+v", r.Violations)
			}
		})
	}
}

func TestExplanationNamesGames(t *testing.T) {
	st := eval(t, tiny(6, drr...), con("c", "CA1", true, `{"teams":["A"],"slots":[0,1,5],"max":1,"mode":"H"}`))
	v := st.ConstraintResult(0, true).Violations
	if len(v) != 1 {
		t.Fatalf("violations = %+v", v)
	}
	if got := strings.Join(v[0].Games, ","); got != "A-B,A-C,A-D" {
		t.Errorf("games = %s", got)
	}
	if got := fmt.Sprint(v[0].Slots); got != "[0 1 5]" {
		t.Errorf("slots = %s", got)
	}
	if !strings.Contains(v[0].Message, "A plays 3 home games") || !strings.Contains(v[0].Message, "at most 1") {
		t.Errorf("message = %q", v[0].Message)
	}
}

func TestFractionalPenaltyIsExact(t *testing.T) {
	c := con("c", "CA1", false, `{"teams":["A"],"slots":[0,1,5],"max":0,"mode":"H"}`)
	c.Penalty = 700000 // 0.7
	st := eval(t, tiny(6, drr...), c)
	if got := st.Objective().String(); got != "2.1" {
		t.Errorf("objective = %s, want 2.1", got)
	}
	b, _ := json.Marshal(st.Totals())
	if !strings.Contains(string(b), `"objective":2.1`) {
		t.Errorf("totals JSON = %s", b)
	}
}

func TestHardAndSoftTotals(t *testing.T) {
	st := eval(t, tiny(6, drr...),
		con("hard", "CA1", true, `{"teams":["A"],"slots":[0],"max":0,"mode":"H"}`),
		con("soft", "CA1", false, `{"teams":["A"],"slots":[1],"max":0,"mode":"H"}`),
		con("ok", "CA1", false, `{"teams":["A"],"slots":[2],"max":0,"mode":"H"}`))
	tot := st.Totals()
	if tot.Infeasibility != schemas.FixedInt(1) || tot.Objective != schemas.FixedInt(1) ||
		tot.HardViolated != 1 || tot.SoftViolated != 1 || tot.Evaluated != 3 || tot.SoftSatisfiedPct != 50 {
		t.Errorf("totals = %+v", tot)
	}
}

func TestStructureViolations(t *testing.T) {
	m := func(s *schemas.Schedule, str evaluator.Structure) []schemas.Violation {
		f, err := evaluator.NewFrame(s)
		if err != nil {
			t.Fatal(err)
		}
		model, err := evaluator.Compile(f, nil, evaluator.CompileOptions{Structure: str})
		if err != nil {
			t.Fatal(err)
		}
		st := model.NewState()
		if err := st.Load(s); err != nil {
			t.Fatal(err)
		}
		return st.StructureViolations()
	}
	drrFmt := evaluator.Structure{RoundRobins: 2, Compact: true, Phased: true}
	if v := m(tiny(6, drr...), evaluator.Structure{RoundRobins: 2, Compact: true}); len(v) != 0 {
		t.Errorf("sound DRR reported: %+v", v)
	}
	// drr is not phased: A-B meets in slots 0 and 3, the legs are 0-2 and 3-5; fine.
	// C-D meets at 0 and 3 too; but B-C at 2 and 5, A-C at 1 and 4: phased.
	if v := m(tiny(6, drr...), drrFmt); len(v) != 0 {
		t.Errorf("phased DRR reported: %+v", v)
	}
	broken := append([]string{}, drr...)
	broken[0] = "A-B@-" // unplaced: A and B idle in slot 0, the pair meets once
	v := m(tiny(6, broken...), drrFmt)
	text := fmt.Sprint(v)
	for _, want := range []string{"A-B (A vs B) is not placed", "A has no game in slot 0", "A and B meet 1 times"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in %s", want, text)
		}
	}
	twice := append([]string{}, drr...)
	twice[2] = "A-C@0" // A plays twice in slot 0, not at all in slot 1
	v = m(tiny(6, twice...), drrFmt)
	if !strings.Contains(fmt.Sprint(v), "A plays 2 games in slot 0") {
		t.Errorf("double booking not reported: %+v", v)
	}
	notPhased := []string{
		"A-B@0", "C-D@0", "B-A@1", "D-C@1", "A-C@2", "B-D@2",
		"C-A@3", "D-B@3", "A-D@4", "B-C@4", "D-A@5", "C-B@5",
	}
	if v := m(tiny(6, notPhased...), evaluator.Structure{RoundRobins: 2, Compact: true}); len(v) != 0 {
		t.Errorf("unphased DRR reported without phasing: %+v", v)
	}
	if v := m(tiny(6, notPhased...), drrFmt); !strings.Contains(fmt.Sprint(v), "in leg 1 of 2") {
		t.Errorf("unphased DRR not reported: %+v", v)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name   string
		c      schemas.Constraint
		sched  *schemas.Schedule
		want   string
		target error
	}{
		{"unknown kind", con("c", "XX9", true, `{}`), tiny(6, drr...), `constraint "c": kind: unknown kind "XX9"`, evaluator.ErrUnknownKind},
		{"params fail schema", con("c", "CA1", true, `{"teams":["A"],"slots":[0],"max":1,"mode":"X"}`), tiny(6, drr...), `constraint "c": params.mode`, evaluator.ErrInput},
		{"unknown team in params", con("c", "CA1", true, `{"teams":["Z"],"slots":[0],"max":1,"mode":"H"}`), tiny(6, drr...), `constraint "c": params.teams[0]: unknown team "Z"`, evaluator.ErrInput},
		{"unknown slot in params", con("c", "CA1", true, `{"teams":["A"],"slots":[9],"max":1,"mode":"H"}`), tiny(6, drr...), `constraint "c": params.slots[0]: unknown slot 9`, evaluator.ErrInput},
		{"unknown team in game", con("c", "CA1", true, `{"teams":["A"],"slots":[0],"max":1,"mode":"H"}`), tiny(6, "A-Z@0"), `games[0].away: unknown team "Z"`, evaluator.ErrInput},
		{"slot out of range", con("c", "CA1", true, `{"teams":["A"],"slots":[0],"max":1,"mode":"H"}`), tiny(6, "A-B@6"), `games[0].slot: unknown slot 6`, evaluator.ErrInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := evaluator.Evaluate(tt.sched, []schemas.Constraint{tt.c}, evaluator.CompileOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, evaluator.ErrInput) || !errors.Is(err, tt.target) {
				t.Errorf("error %v is not %v", err, tt.target)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestUpdateReportsChanges(t *testing.T) {
	sched := tiny(6, drr...)
	st := eval(t, sched, con("home0", "CA1", true, `{"teams":["A"],"slots":[0],"max":0,"mode":"H"}`),
		con("home3", "CA1", false, `{"teams":["A"],"slots":[3],"max":0,"mode":"H"}`))
	if len(st.Changes()) != 0 {
		t.Errorf("changes after a full load: %+v", st.Changes())
	}
	// Swap the homes of A and B: A-B moves to slot 3, B-A to slot 0.
	next := *sched
	next.Games = append([]schemas.Game{}, sched.Games...)
	s0, s3 := 0, 3
	next.Games[0].Slot, next.Games[6].Slot = &s3, &s0
	if err := st.Update(&next); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(st.Changes())
	if got != "[{home0 1 0} {home3 0 1}]" {
		t.Errorf("changes = %s", got)
	}
	// A new frame is refused.
	more := next
	more.Teams = append(append([]schemas.Team{}, next.Teams...), schemas.Team{ID: "E"})
	if err := st.Update(&more); !errors.Is(err, evaluator.ErrFrameChanged) {
		t.Errorf("Update with a new team: %v", err)
	}
	// A bad game leaves the state as it was.
	bad := next
	bad.Games = append([]schemas.Game{}, next.Games...)
	bad.Games[1].Home = "Z"
	if err := st.Update(&bad); !errors.Is(err, evaluator.ErrInput) {
		t.Errorf("Update with an unknown team: %v", err)
	}
	if st.Infeasibility() != 0 || st.Objective() != schemas.FixedInt(1) {
		t.Errorf("state changed by a failed update: %v %v", st.Infeasibility(), st.Objective())
	}
}

// TestCompileParamsValidated: with ParamsValidated, Compile trusts the
// caller's schema check and skips its own (a property the schema refuses
// but the kind ignores then compiles), while the kind's own checks of
// params against the frame still refuse what they always did.
func TestCompileParamsValidated(t *testing.T) {
	f, err := evaluator.NewFrame(tiny(6, drr...))
	if err != nil {
		t.Fatal(err)
	}
	extra := []schemas.Constraint{con("c", "CA1", true, `{"teams":["A"],"slots":[0],"max":1,"mode":"H","extra":1}`)}
	if _, err := evaluator.Compile(f, extra, evaluator.CompileOptions{}); err == nil || !strings.Contains(err.Error(), `constraint "c": params`) {
		t.Fatalf("unvalidated compile: err = %v, want the schema's refusal", err)
	}
	if _, err := evaluator.Compile(f, extra, evaluator.CompileOptions{ParamsValidated: true}); err != nil {
		t.Fatalf("validated compile checked the schema again: %v", err)
	}
	unknown := []schemas.Constraint{con("c", "CA1", true, `{"teams":["Z"],"slots":[0],"max":1,"mode":"H"}`)}
	_, err = evaluator.Compile(f, unknown, evaluator.CompileOptions{ParamsValidated: true})
	if !errors.Is(err, evaluator.ErrInput) || !strings.Contains(err.Error(), `constraint "c": params.teams[0]: unknown team "Z"`) {
		t.Errorf("validated compile: err = %v, want the unknown team", err)
	}
}
