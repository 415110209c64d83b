package evaluator_test

import (
	"encoding/json"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// fuzzConstraints exercises every ITC2021 kind on teams A-D, slots 0-5.
var fuzzConstraints = []schemas.Constraint{
	con("ca1", "CA1", true, `{"teams":["A","B"],"slots":[0,1,5],"max":1,"mode":"H"}`),
	con("ca2", "CA2", false, `{"teams1":["A"],"teams2":["B","C"],"slots":[0,1,3],"min":1,"max":1,"mode1":"HA"}`),
	con("ca3", "CA3", false, `{"teams1":["A","B","C","D"],"teams2":["A","B","C","D"],"intp":3,"max":2,"mode1":"A"}`),
	con("ca4", "CA4", true, `{"teams1":["A","B"],"teams2":["A","B","C"],"slots":[0,2,4],"max":1,"mode1":"HA","mode2":"EVERY"}`),
	con("ga1", "GA1", false, `{"meetings":[["A","B"],["C","D"]],"slots":[0,1],"min":1,"max":1}`),
	con("br1", "BR1", false, `{"teams":["A","B","C","D"],"slots":[0,1,2,3,4,5],"intp":1,"mode2":"HA"}`),
	con("br2", "BR2", true, `{"teams":["A","B","C","D"],"slots":[1,2,3,4,5],"intp":4}`),
	con("fa2", "FA2", false, `{"teams":["A","B","C","D"],"slots":[1,3,5],"intp":1}`),
	con("se1", "SE1", false, `{"teams":["A","B","C","D"],"min":2}`),
}

// FuzzEvaluate feeds arbitrary schedule documents through decoding, a
// full evaluation, explanations and an incremental update to a second
// document. None of it may panic, and the update must agree with a full
// evaluation of the second document.
func FuzzEvaluate(f *testing.F) {
	base, _ := json.Marshal(tiny(6, drr...))
	f.Add(base, base)
	moved, _ := json.Marshal(tiny(6, "A-B@3", "C-D@0", "A-C@1", "B-D@1", "D-A@2n", "B-C@2", "B-A@0", "D-C@-"))
	f.Add(base, moved)
	f.Add([]byte(`{"id":"x","sport":"test","teams":[{"id":"A"},{"id":"B"}],"slots":[{"id":0}],"games":[{"id":"g","home":"A","away":"B","slot":0}]}`), base)
	f.Fuzz(func(t *testing.T, first, second []byte) {
		s1, err := schemas.DecodeSchedule(first)
		if err != nil {
			return
		}
		st, err := evaluator.Evaluate(s1, fuzzConstraints, evaluator.CompileOptions{Structure: evaluator.Structure{RoundRobins: 2, Compact: true, Phased: true}})
		if err != nil {
			return // these constraints name teams the document may lack
		}
		_ = st.Report(s1.ID, s1.Sport, true)
		s2, err := schemas.DecodeSchedule(second)
		if err != nil {
			return
		}
		if err := st.Update(s2); err != nil {
			return
		}
		_ = st.Report(s2.ID, s2.Sport, false)
		full, err := evaluator.Evaluate(s2, fuzzConstraints, evaluator.CompileOptions{})
		if err != nil {
			t.Fatalf("Update accepted what Evaluate refuses: %v", err)
		}
		for i := range fuzzConstraints {
			if st.Deviation(i) != full.Deviation(i) {
				t.Fatalf("constraint %s: incremental %d, full %d", fuzzConstraints[i].ID, st.Deviation(i), full.Deviation(i))
			}
		}
	})
}
