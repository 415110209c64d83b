package evaluator

import (
	"fmt"
	"math"
)

// bounds is an inclusive [lo, hi] range of counts; its deviation is the
// ITC2021 one, max(0, lo-n, n-hi), with an absent bound never binding.
type bounds struct {
	lo, hi int32
}

func newBounds(min, max *int) bounds {
	b := bounds{lo: math.MinInt32, hi: math.MaxInt32}
	if min != nil {
		b.lo = int32(*min)
	}
	if max != nil {
		b.hi = int32(*max)
	}
	return b
}

func (b bounds) dev(n int32) int64 { return boundDev(n, b.lo, b.hi) }

func boundDev(n, lo, hi int32) int64 {
	switch {
	case n < lo:
		return int64(lo - n)
	case n > hi:
		return int64(n - hi)
	}
	return 0
}

// step adds delta to counter *c and returns the change of its deviation.
func (b bounds) step(c *int32, delta int32) int64 {
	old := b.dev(*c)
	*c += delta
	return b.dev(*c) - old
}

// String describes the range for explanations: "at most 2", "at least 1",
// "exactly 1", "between 1 and 3".
func (b bounds) String() string {
	hasLo, hasHi := b.lo > 0, b.hi != math.MaxInt32
	switch {
	case hasLo && hasHi && b.lo == b.hi:
		return fmt.Sprintf("exactly %d", b.lo)
	case hasLo && hasHi:
		return fmt.Sprintf("between %d and %d", b.lo, b.hi)
	case hasLo:
		return fmt.Sprintf("at least %d", b.lo)
	case hasHi:
		return fmt.Sprintf("at most %d", b.hi)
	}
	return "any number of"
}
