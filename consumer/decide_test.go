package consumer

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/history"
	"github.com/flextime/flextime/schemas"
)

var testPolicy = Policy{PoisonAttempts: 4, RetryInitial: 100 * time.Millisecond, RetryMax: 2 * time.Second}

func TestDecide(t *testing.T) {
	field := &schemas.FieldError{Field: "schedule.games[3].home", Msg: `unknown team "XYZ"`}
	cases := []struct {
		name      string
		err       error
		delivered uint64
		action    Action
		class     string
		outage    bool
		reason    string // the dead letter's reason, when set
	}{
		{"success", nil, 1, Ack, "", false, ""},
		{"success after redeliveries", nil, 9, Ack, "", false, ""},
		{"bad input first time", badInput(field), 1, DeadLetter, schemas.ClassBadInput, false, `schedule.games[3].home: unknown team "XYZ"`},
		{"bad input from the evaluator", classify(&evaluator.InputError{Field: "constraint \"x\": params.teams[0]", Msg: "unknown team"}),
			1, DeadLetter, schemas.ClassBadInput, false, `constraint "x": params.teams[0]: unknown team`},
		{"bad input wrapped again", fmt.Errorf("handling: %w", badInput(field)), 2, DeadLetter, schemas.ClassBadInput, false, ""},
		{"outage first time", dependency("publishing result", errors.New("timeout")), 1, Retry, "", true, ""},
		{"outage never dead-letters", dependency("publishing result", errors.New("timeout")), 1000, Retry, "", true, ""},
		{"outage past poison attempts", dependency("constraint source", context.DeadlineExceeded), 4, Retry, "", true, ""},
		{"panic below the limit", fmt.Errorf("%w: boom", ErrPanic), 3, Retry, "", false, ""},
		{"panic at the limit is poison", fmt.Errorf("%w: boom", ErrPanic), 4, DeadLetter, schemas.ClassPoison, false, ""},
		{"panic past the limit is poison", fmt.Errorf("%w: boom", ErrPanic), 7, DeadLetter, schemas.ClassPoison, false, ""},
		{"unclassified error retries", errors.New("strange"), 1, Retry, "", false, ""},
		{"unclassified error turns poison", errors.New("strange"), 4, DeadLetter, schemas.ClassPoison, false, ""},
		{"shutdown hands the message on", fmt.Errorf("%w: deadline", ErrShutdown), 1, Retry, "", false, ""},
		{"shutdown is never poison", fmt.Errorf("%w: deadline", ErrShutdown), 50, Retry, "", false, ""},
		{"result over the max payload is poison", publishError("publishing result", nats.ErrMaxPayload), 1,
			DeadLetter, schemas.ClassPoison, false, "cannot be published: publishing result: nats: maximum payload exceeded"},
		{"dead letter over the max payload is poison", publishError("publishing dead letter", nats.ErrMaxPayload), 1,
			DeadLetter, schemas.ClassPoison, false, ""},
		{"result over the stream's max message size", publishError("publishing result", jetstream.ErrStreamMessageExceedsMaximum), 1,
			DeadLetter, schemas.ClassPoison, false, ""},
		{"stream's max message size as an API error", publishError("publishing result",
			&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamMessageExceedsMaximum, Description: "message size exceeds maximum allowed"}), 1,
			DeadLetter, schemas.ClassPoison, false, ""},
		{"headers over the stream's limit", publishError("publishing result",
			&jetstream.APIError{Code: 400, ErrorCode: 10097, Description: "header size exceeds maximum allowed of 64k"}), 1,
			DeadLetter, schemas.ClassPoison, false, ""},
		{"publish not permitted", publishError("publishing result",
			fmt.Errorf("%w: Permissions Violation for Publish to \"flextime.results.x.y\"", nats.ErrPermissionViolation)), 1,
			DeadLetter, schemas.ClassPoison, false, ""},
		{"invalid subject", publishError("publishing dead letter", nats.ErrBadSubject), 1, DeadLetter, schemas.ClassPoison, false, ""},
		{"publish timeout stays an outage", publishError("publishing result", context.DeadlineExceeded), 9, Retry, "", true, ""},
		{"no stream stays an outage", publishError("publishing result", jetstream.ErrNoStreamResponse), 9, Retry, "", true, ""},
		{"stream out of space stays an outage", publishError("publishing result",
			&jetstream.APIError{Code: 503, ErrorCode: 10023, Description: "insufficient resources"}), 9, Retry, "", true, ""},
		{"history outage", historyError(context.Background(), errors.New("connection refused")), 30, Retry, "", true, ""},
		{"history refuses the record itself", historyError(context.Background(), fmt.Errorf("%w: NUL in jsonb", history.ErrInvalidRecord)), 1,
			DeadLetter, schemas.ClassBadInput, false, ""},
		{"a wait cut by the shutdown deadline hands the message on", outage(shutdownCtx(), "constraint source", context.Canceled),
			1, Retry, "", false, ""},
		{"a history wait cut by the shutdown deadline hands the message on", historyError(shutdownCtx(), context.Canceled),
			1, Retry, "", false, ""},
		{"a wait past its own deadline is an outage", outage(context.Background(), "constraint source", context.DeadlineExceeded),
			1, Retry, "", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.err, c.delivered, testPolicy)
			if d.Action != c.action || d.Class != c.class || d.Outage != c.outage {
				t.Fatalf("Decide = %+v, want action %v class %q outage %v", d, c.action, c.class, c.outage)
			}
			if c.reason != "" && d.Reason != c.reason {
				t.Errorf("reason %q, want %q", d.Reason, c.reason)
			}
			if d.Action != Ack && d.Reason == "" {
				t.Errorf("no reason for %v", d.Action)
			}
			if errors.Is(c.err, ErrShutdown) && d.Delay != 0 {
				t.Errorf("shutdown delay %s, want 0", d.Delay)
			}
		})
	}
}

// TestDecideDelays checks the redelivery delay grows with the delivery
// count and stays within the cap (plus jitter).
func TestDecideDelays(t *testing.T) {
	err := dependency("publishing result", errors.New("timeout"))
	lo := func(n uint64) time.Duration {
		d := testPolicy.RetryInitial << (n - 1)
		return time.Duration(float64(min(d, testPolicy.RetryMax)) * 0.8)
	}
	hi := func(n uint64) time.Duration {
		d := testPolicy.RetryInitial << (n - 1)
		return time.Duration(float64(min(d, testPolicy.RetryMax)) * 1.2)
	}
	for n := uint64(1); n <= 10; n++ {
		for range 20 {
			d := Decide(err, n, testPolicy).Delay
			if d < lo(n) || d > hi(n) {
				t.Fatalf("delivery %d: delay %s, want within [%s, %s]", n, d, lo(n), hi(n))
			}
		}
	}
	if d := Decide(err, 1<<40, testPolicy).Delay; d > 2*testPolicy.RetryMax {
		t.Errorf("huge delivery count: delay %s beyond the cap", d)
	}
}

func TestBreaker(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBreaker(testPolicy)
	b.now = func() time.Time { return now }
	if n, _ := b.allow(4); n != 4 {
		t.Fatalf("closed breaker allows %d of 4", n)
	}
	if !b.fail("publish timeout") {
		t.Fatal("first failure did not trip")
	}
	if b.fail("publish timeout") {
		t.Fatal("second failure of the same outage tripped again")
	}
	if n, wait := b.allow(4); n != 0 || wait <= 0 {
		t.Fatalf("open breaker allows %d, wait %s", n, wait)
	}
	if ok, why := b.state(); !ok || why != "publish timeout" {
		t.Fatalf("state = %v %q", ok, why)
	}
	now = now.Add(time.Second)
	if n, _ := b.allow(4); n != 1 {
		t.Fatalf("half-open breaker allows %d, want one probe", n)
	}
	if n, _ := b.allow(4); n != 0 {
		t.Fatalf("second probe allowed while the first is out")
	}
	// The probe's fetch brought nothing: it is handed back, and the next
	// fetch probes again.
	b.probeEmpty()
	if n, _ := b.allow(4); n != 1 {
		t.Fatalf("after an empty probe the breaker allows %d, want another probe", n)
	}
	if open, _ := b.state(); !open {
		t.Fatal("an empty probe closed the breaker")
	}
	// The probe fails: the wait grows.
	b.fail("publish timeout")
	_, wait2 := b.allow(1)
	if wait2 < 150*time.Millisecond {
		t.Errorf("wait after a failed probe %s, want about 200ms", wait2)
	}
	now = now.Add(time.Minute)
	if n, _ := b.allow(3); n != 1 {
		t.Fatalf("probe %d", n)
	}
	b.succeed()
	if n, _ := b.allow(3); n != 3 {
		t.Fatalf("closed again but allows %d", n)
	}
	if open, _ := b.state(); open {
		t.Fatal("still open after success")
	}
}

func TestConfigValidate(t *testing.T) {
	var c Config
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.Workers < 1 || c.MaxAckPending < c.Workers+c.MaxInFlight || c.Durable != "evaluator" ||
		c.MaxViolations != 50 || c.MaxResultBytes != 0 || c.Limits.MaxGames != schemas.DefaultMaxGames {
		t.Errorf("defaults = %+v", c)
	}
	bad := []Config{
		{Workers: -1},
		{AckWait: time.Second, EvalTimeout: 2 * time.Second},
		{MaxAckPending: 2, Workers: 4},
		{RetryInitial: time.Minute, RetryMax: time.Second},
		{MaxResultBytes: 100},
		{MaxViolations: -1},
		{Limits: schemas.Limits{MaxGames: -1}},
	}
	for _, b := range bad {
		if err := b.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidConfig", b, err)
		}
	}
}

// shutdownCtx is a request context cancelled at the shutdown deadline.
func shutdownCtx() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(fmt.Errorf("%w: the shutdown deadline passed", ErrShutdown))
	return ctx
}
