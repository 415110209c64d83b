package evaluator

import (
	"fmt"
	"testing"
)

func TestSubsStats(t *testing.T) {
	t.Skip()
}

func subStats(m *Model) string {
	byKind := map[string]int{}
	for _, s := range m.sideSubs {
		byKind[m.Constraints[s.ci].Doc.Kind]++
	}
	brk := len(m.breakSubs)
	return fmt.Sprintf("cells=%d sides=%d (%.1f/cell) byKind=%v breaks=%d", m.nT*m.nS, len(m.sideSubs), float64(len(m.sideSubs))/float64(m.nT*m.nS), byKind, brk)
}
