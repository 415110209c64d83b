package consumer

import (
	"fmt"
	"runtime"
	"time"

	"github.com/flextime/flextime/schemas"
)

// Config is how a Consumer runs. The zero value of every field means its
// default; Validate reports a setting that cannot work.
type Config struct {
	// Stream is the request stream (default FLEXTIME_EVAL) and
	// FilterSubject the subjects consumed from it (default
	// flextime.eval.>).
	Stream, FilterSubject string
	// Durable is the name of the pull consumer every instance shares
	// (CONSUMER_NAME, default evaluator).
	Durable string
	// Workers bounds the evaluations running at once (MAX_WORKERS, default
	// the number of CPUs).
	Workers int
	// MaxInFlight bounds result publishes awaiting their ack (default
	// 4 x Workers).
	MaxInFlight int
	// MaxAckPending is the consumer's limit on delivered, unacked
	// messages, shared by every instance. Messages naked with a delay
	// count against it until redelivered, so it must be well above what
	// one instance holds, or the consumer stalls without an error. Default
	// max(1024, 64 x (Workers + MaxInFlight)).
	MaxAckPending int
	// AckWait is when the server redelivers an unacked message (ACK_WAIT,
	// default 30s). It must exceed EvalTimeout + PublishTimeout. It is
	// also the deadline of each request's context: past it the message is
	// redelivered anyway.
	AckWait time.Duration
	// EvalTimeout bounds one evaluation (EVALUATION_TIMEOUT, default 10s);
	// past it the result has status timeout.
	EvalTimeout time.Duration
	// PublishTimeout is how long a result or dead-letter publish may wait
	// for its ack before it counts as an outage (default 5s).
	PublishTimeout time.Duration
	// ShutdownTimeout bounds the graceful stop (SHUTDOWN_TIMEOUT, default
	// 30s): what is not finished by then is naked for redelivery.
	ShutdownTimeout time.Duration
	// PoisonAttempts, RetryInitial and RetryMax: see Policy. Defaults 5,
	// 1s and 1m.
	PoisonAttempts         uint64
	RetryInitial, RetryMax time.Duration
	// HistoryTimeout bounds the wait for a request's history rows to be
	// committed, counted from their submission (default 10s).
	HistoryTimeout time.Duration
	// FetchWait is how long one pull waits for messages (default 1s). It
	// bounds how long a stop waits for the fetch loop.
	FetchWait time.Duration
	// LagInterval is how often the consumer's lag (num_pending,
	// num_ack_pending) is read from the server (default 5s).
	LagInterval time.Duration
	// Limits bound a request: bytes, games, slots and teams
	// (MAX_REQUEST_BYTES, MAX_GAMES, MAX_SLOTS, MAX_TEAMS). A request over
	// one is bad input.
	Limits schemas.Limits
	// MaxResultBytes bounds a result message's body (MAX_RESULT_BYTES).
	// The default, 0, is the server's max payload less 4 KiB for headers;
	// a setting can only lower that. A result that would not fit is
	// truncated, or answered with status error.
	MaxResultBytes int
	// MaxViolations caps the violations listed per constraint, and the
	// structure violations, in a result (MAX_VIOLATIONS, default 50). The
	// result says truncated and how many were left out.
	MaxViolations int
	// ModelBytes bounds the compiled models kept for reuse
	// (MODEL_CACHE_BYTES, default DefaultModelBytes); at most 256 are
	// kept whatever their size.
	ModelBytes int64
	// MaxMetricSeries bounds the children of constraint_evaluations_total
	// (MAX_METRIC_SERIES, default 10000, two per constraint); past it
	// evaluations count under constraint_id "other".
	MaxMetricSeries int
}

func (c *Config) setDefaults() {
	if c.Stream == "" {
		c.Stream = "FLEXTIME_EVAL"
	}
	if c.FilterSubject == "" {
		c.FilterSubject = "flextime.eval.>"
	}
	if c.Durable == "" {
		c.Durable = "evaluator"
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 4 * c.Workers
	}
	if c.MaxAckPending == 0 {
		c.MaxAckPending = max(1024, 64*(c.Workers+c.MaxInFlight))
	}
	if c.AckWait == 0 {
		c.AckWait = 30 * time.Second
	}
	if c.EvalTimeout == 0 {
		c.EvalTimeout = 10 * time.Second
	}
	if c.PublishTimeout == 0 {
		c.PublishTimeout = 5 * time.Second
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.PoisonAttempts == 0 {
		c.PoisonAttempts = 5
	}
	if c.RetryInitial == 0 {
		c.RetryInitial = time.Second
	}
	if c.RetryMax == 0 {
		c.RetryMax = time.Minute
	}
	if c.HistoryTimeout == 0 {
		c.HistoryTimeout = 10 * time.Second
	}
	if c.FetchWait == 0 {
		c.FetchWait = time.Second
	}
	if c.LagInterval == 0 {
		c.LagInterval = 5 * time.Second
	}
	if c.MaxViolations == 0 {
		c.MaxViolations = 50
	}
	if c.ModelBytes == 0 {
		c.ModelBytes = DefaultModelBytes
	}
	if c.MaxMetricSeries == 0 {
		c.MaxMetricSeries = 10000
	}
}

// minResultBytes is the least MaxResultBytes can be: room for a result
// with status error and its totals.
const minResultBytes = 4 << 10

// Validate fills in defaults and checks the settings. Errors wrap
// ErrInvalidConfig and name the setting.
func (c *Config) Validate() error {
	c.setDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Workers < 1:
		return bad("MAX_WORKERS must be at least 1, got %d", c.Workers)
	case c.MaxInFlight < 1:
		return bad("max in-flight publishes must be at least 1, got %d", c.MaxInFlight)
	case c.MaxAckPending < c.Workers+c.MaxInFlight:
		return bad("max ack pending %d is below what one instance holds (%d workers + %d publishes)",
			c.MaxAckPending, c.Workers, c.MaxInFlight)
	case c.EvalTimeout < 0, c.PublishTimeout < 0, c.ShutdownTimeout < 0, c.FetchWait < 0, c.LagInterval < 0:
		return bad("durations must not be negative")
	case c.AckWait <= c.EvalTimeout+c.PublishTimeout+c.HistoryTimeout:
		return bad("ACK_WAIT (%s) must exceed EVALUATION_TIMEOUT (%s) plus the publish (%s) and history (%s) timeouts, or messages are redelivered while still in hand",
			c.AckWait, c.EvalTimeout, c.PublishTimeout, c.HistoryTimeout)
	case c.ModelBytes < 0:
		return bad("MODEL_CACHE_BYTES must be positive, got %d", c.ModelBytes)
	case c.MaxMetricSeries < 2:
		return bad("MAX_METRIC_SERIES must be at least 2 (one constraint's two results), got %d", c.MaxMetricSeries)
	case c.RetryInitial <= 0 || c.RetryMax < c.RetryInitial:
		return bad("retry delays must satisfy 0 < initial (%s) <= max (%s)", c.RetryInitial, c.RetryMax)
	case c.MaxResultBytes != 0 && c.MaxResultBytes < minResultBytes:
		return bad("MAX_RESULT_BYTES must be 0 (the server's max payload) or at least %d, got %d", minResultBytes, c.MaxResultBytes)
	case c.MaxViolations < 0:
		return bad("MAX_VIOLATIONS must not be negative, got %d", c.MaxViolations)
	}
	if err := c.Limits.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

func (c *Config) policy() Policy {
	return Policy{PoisonAttempts: c.PoisonAttempts, RetryInitial: c.RetryInitial, RetryMax: c.RetryMax}
}
