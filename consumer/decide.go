package consumer

import (
	"errors"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/flextime/flextime/schemas"
)

// Action is what happens to a message once it has been handled.
type Action int

const (
	// Ack: the result is confirmed (and, with history, committed).
	Ack Action = iota
	// Retry: NakWithDelay, so the message comes back after Delay. A plain
	// Nak would ignore the delay and spin.
	Retry
	// DeadLetter: publish the dead-letter envelope, then Term.
	DeadLetter
)

func (a Action) String() string {
	switch a {
	case Ack:
		return "ack"
	case Retry:
		return "retry"
	case DeadLetter:
		return "dead_letter"
	}
	return "unknown"
}

// Decision is the verdict on one message.
type Decision struct {
	Action Action
	// Delay before redelivery, for Retry.
	Delay time.Duration
	// Class is the dead letter's class (schemas.ClassBadInput or
	// schemas.ClassPoison), for DeadLetter.
	Class string
	// Reason says why, for the dead letter and the log.
	Reason string
	// Outage reports a dependency outage: the circuit breaker opens.
	Outage bool
}

// Policy holds what Decide needs besides the error.
type Policy struct {
	// PoisonAttempts is how many deliveries a message that keeps
	// panicking (or failing in a way no class explains) gets before it
	// is dead-lettered as poison. At least 1.
	PoisonAttempts uint64
	// RetryInitial and RetryMax bound the exponential redelivery delay.
	RetryInitial, RetryMax time.Duration
}

// Decide is the one place that says what happens to a message, from the
// error its handling ended with and how many times it has been delivered
// (1 the first time):
//
//   - nil: Ack.
//   - ErrBadInput: DeadLetter as bad_input, at once; retrying cannot help.
//   - ErrUnpublishable: DeadLetter as poison, at once: the result (or
//     dead letter) is one the server will never take, so retrying would
//     only spin, and it is no outage either.
//   - ErrDependency: Retry with a delay that grows with the delivery count,
//     and report an outage. Never a dead letter, however many deliveries:
//     a good message must outlive any outage.
//   - ErrShutdown: Retry at once, for another instance to take.
//   - ErrPanic, or an error of no known class: Retry with a growing delay,
//     and DeadLetter as poison once delivered PoisonAttempts times.
func Decide(err error, delivered uint64, p Policy) Decision {
	switch {
	case err == nil:
		return Decision{Action: Ack}
	case errors.Is(err, ErrBadInput):
		return Decision{Action: DeadLetter, Class: schemas.ClassBadInput, Reason: reason(err)}
	case errors.Is(err, ErrUnpublishable):
		return Decision{Action: DeadLetter, Class: schemas.ClassPoison, Reason: err.Error()}
	case errors.Is(err, ErrDependency):
		return Decision{Action: Retry, Delay: p.delay(delivered), Reason: err.Error(), Outage: true}
	case errors.Is(err, ErrShutdown):
		return Decision{Action: Retry, Reason: err.Error()}
	}
	// A panic, or an error nobody classified: a bug. Retry in case it was
	// a fluke of timing, but a message that fails every time is poison.
	if delivered >= max(p.PoisonAttempts, 1) {
		return Decision{Action: DeadLetter, Class: schemas.ClassPoison, Reason: err.Error()}
	}
	return Decision{Action: Retry, Delay: p.delay(delivered), Reason: err.Error()}
}

// delay is the redelivery delay after the given delivery: RetryInitial,
// doubling each time with ±20% jitter, capped at RetryMax.
func (p Policy) delay(delivered uint64) time.Duration {
	b := p.newBackOff()
	d := b.NextBackOff()
	for i := uint64(1); i < delivered && i < 64; i++ {
		d = b.NextBackOff()
	}
	return d
}

// newBackOff is the exponential policy both redeliveries and the circuit
// breaker follow. It never stops: a dependency may be down for long.
func (p Policy) newBackOff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = p.RetryInitial
	b.MaxInterval = p.RetryMax
	b.Multiplier = 2
	b.RandomizationFactor = 0.2
	b.MaxElapsedTime = 0
	b.Reset()
	return b
}
