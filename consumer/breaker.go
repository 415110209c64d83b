package consumer

import (
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// breaker is the circuit breaker in front of fetching. While a dependency
// is down it is open: the fetch loop takes nothing new until the backoff
// delay has passed, then lets one probe message through (half-open). A
// probe that succeeds closes it; one that hits the outage again reopens it
// for a longer delay.
type breaker struct {
	mu      sync.Mutex
	bo      *backoff.ExponentialBackOff
	open    bool
	until   time.Time
	probing bool
	why     string
	now     func() time.Time
}

func newBreaker(p Policy) *breaker {
	return &breaker{bo: p.newBackOff(), now: time.Now}
}

// fail records an outage. It opens the breaker (or keeps it open) for
// the next backoff delay, and reports whether it was closed before.
func (b *breaker) fail(why string) (tripped bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	tripped = !b.open
	// Messages in flight when the outage began fail one after another;
	// only a failure after the breaker let a probe through lengthens the
	// wait, so the delay grows per probe, not per message.
	if !b.open || b.probing {
		b.until = b.now().Add(b.bo.NextBackOff())
	}
	b.open, b.probing, b.why = true, false, why
	return tripped
}

// succeed records a message that went through: the dependency is back.
func (b *breaker) succeed() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.open {
		b.bo.Reset()
	}
	b.open, b.probing, b.why = false, false, ""
}

// allow says how many messages the fetch loop may take now, out of want,
// and if none, how long to wait before asking again. While open and past
// the delay, it allows one probe at a time.
func (b *breaker) allow(want int) (int, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return want, 0
	}
	if wait := b.until.Sub(b.now()); wait > 0 {
		return 0, wait
	}
	if b.probing {
		// A probe is out; wait for its verdict.
		return 0, 50 * time.Millisecond
	}
	b.probing = true
	return min(want, 1), 0
}

// probeEmpty hands the probe back when the fetch it was allowed for
// brought no message: with no message there is no verdict to wait for,
// so the next fetch may probe again. Without it the breaker would wait
// for a verdict that never comes and stay open until a restart. It is a
// no-op unless a probe is out.
func (b *breaker) probeEmpty() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

// state reports whether the breaker is open and why.
func (b *breaker) state() (open bool, why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open, b.why
}
