package producer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/schemas"
)

// ResultsOptions selects the results Results reads.
type ResultsOptions struct {
	// Sport and ScheduleID narrow the subjects; empty means all.
	Sport, ScheduleID string
	// Follow keeps reading new results until ctx ends; otherwise Results
	// returns once it has read what the stream held when it started.
	Follow bool
	// New starts at the next result published instead of the first kept.
	New bool
	// Since starts at the first result stored at or after it.
	Since time.Time
	// Ready, when set, is closed once the reader is in place: with New, a
	// result published after that is seen.
	Ready chan<- struct{}
}

// Subject returns the results subject the options select.
func (o ResultsOptions) Subject() string {
	switch {
	case o.Sport == "":
		return "flextime.results.>"
	case o.ScheduleID == "":
		return "flextime.results." + broker.Token(o.Sport) + ".*"
	}
	return broker.ResultSubject(o.Sport, o.ScheduleID)
}

// Results reads result messages in stream order with an ordered consumer
// and calls fn with each, decoded. It stops when fn returns an error
// (which it returns, unless it is ErrStop), when ctx ends, or, without
// Follow, when it has caught up.
func Results(ctx context.Context, js jetstream.JetStream, o ResultsOptions, fn func(*schemas.Result) error) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{o.Subject()}}
	switch {
	case o.New:
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
	case !o.Since.IsZero():
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		cfg.OptStartTime = &o.Since
	}
	cons, err := js.OrderedConsumer(ctx, broker.StreamResults, cfg)
	if err != nil {
		return fmt.Errorf("reading %s: %w", broker.StreamResults, err)
	}
	if o.Ready != nil {
		close(o.Ready)
	}
	if !o.Follow {
		info, err := cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("reading %s: %w", broker.StreamResults, err)
		}
		if info.NumPending == 0 {
			return nil
		}
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("reading %s: %w", broker.StreamResults, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("reading %s: %w", broker.StreamResults, err)
		}
		var res schemas.Result
		if err := json.Unmarshal(msg.Data(), &res); err != nil {
			return fmt.Errorf("result on %s is not a result: %w", msg.Subject(), err)
		}
		if err := fn(&res); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
		if !o.Follow {
			if md, err := msg.Metadata(); err == nil && md.NumPending == 0 {
				return nil
			}
		}
	}
}

// ErrStop, returned by a Results callback, ends the read without error.
var ErrStop = errors.New("stop reading results")
