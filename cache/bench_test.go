package cache

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// BenchmarkEvaluateMove is one two-game move of the MBB sample through the
// in-process tier: diff, incremental re-score, report with explanations.
func BenchmarkEvaluateMove(b *testing.B) {
	f := sample(&testing.T{})
	c := New(Config{})
	defer c.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 9))
	docs := make([]*schemas.Schedule, 64)
	prev := f.s
	for i := range docs {
		docs[i] = moved(prev, rng)
		prev = docs[i]
	}
	if _, _, err := c.Evaluate(ctx, f.s, f.set, false, f.model); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := c.Evaluate(ctx, docs[i%len(docs)], f.set, false, f.model); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
