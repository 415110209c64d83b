package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrInvalidOption is wrapped by the errors of StreamOptions.Validate and
// StartEmbedded for a setting that cannot work.
var ErrInvalidOption = errors.New("invalid option")

// StreamOptions are the operator's settings for the three streams.
type StreamOptions struct {
	// MaxAge is how long messages are kept, so operators can replay
	// (STREAM_MAX_AGE).
	MaxAge time.Duration
	// MaxBytes caps each stream's size (STREAM_MAX_BYTES); the oldest
	// messages go first.
	MaxBytes int64
	// DedupWindow is how long a Nats-Msg-Id is remembered (DEDUP_WINDOW).
	DedupWindow time.Duration
	// Replicas per stream, for a cluster (default 1).
	Replicas int
}

// DefaultStreamOptions are CONTRACT §5's defaults: 30 days, 10 GiB, 2m.
func DefaultStreamOptions() StreamOptions {
	return StreamOptions{MaxAge: 30 * 24 * time.Hour, MaxBytes: 10 << 30, DedupWindow: 2 * time.Minute, Replicas: 1}
}

// Validate checks the options; errors wrap ErrInvalidOption.
func (o StreamOptions) Validate() error {
	switch {
	case o.MaxAge <= 0:
		return fmt.Errorf("%w: STREAM_MAX_AGE must be positive, got %s", ErrInvalidOption, o.MaxAge)
	case o.MaxBytes <= 0:
		return fmt.Errorf("%w: STREAM_MAX_BYTES must be positive, got %d", ErrInvalidOption, o.MaxBytes)
	case o.DedupWindow <= 0:
		return fmt.Errorf("%w: DEDUP_WINDOW must be positive, got %s", ErrInvalidOption, o.DedupWindow)
	case o.DedupWindow > o.MaxAge:
		return fmt.Errorf("%w: DEDUP_WINDOW (%s) must not exceed STREAM_MAX_AGE (%s)", ErrInvalidOption, o.DedupWindow, o.MaxAge)
	case o.Replicas < 0:
		return fmt.Errorf("%w: replicas must not be negative", ErrInvalidOption)
	}
	return nil
}

// StreamConfigs are the three streams under o: limits retention (nothing
// is removed by consumption, so a stream can be replayed), file storage,
// and the deduplication window on every one, since requests, results and
// dead letters all carry Nats-Msg-Id.
func StreamConfigs(o StreamOptions) []jetstream.StreamConfig {
	mk := func(name, subject, desc string) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    []string{subject},
			Retention:   jetstream.LimitsPolicy,
			Storage:     jetstream.FileStorage,
			Discard:     jetstream.DiscardOld,
			MaxAge:      o.MaxAge,
			MaxBytes:    o.MaxBytes,
			Duplicates:  o.DedupWindow,
			Replicas:    max(o.Replicas, 1),
		}
	}
	return []jetstream.StreamConfig{
		mk(StreamEval, "flextime.eval.>", "flextime evaluation requests"),
		mk(StreamResults, "flextime.results.>", "flextime evaluation results"),
		mk(StreamDLQ, "flextime.dlq.>", "flextime dead letters: rejected requests with their reason"),
	}
}

// StreamChange says what ApplyStreams did to one stream: "created",
// "updated" or "unchanged".
type StreamChange struct {
	Stream string
	Action string
}

// ApplyStreams creates the streams that do not exist and updates those
// whose settings differ from o. It is idempotent: a second run reports
// every stream unchanged.
func ApplyStreams(ctx context.Context, js jetstream.JetStream, o StreamOptions) ([]StreamChange, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return ApplyStreamConfigs(ctx, js, StreamConfigs(o))
}

// ApplyStreamConfigs is ApplyStreams for any stream configurations.
func ApplyStreamConfigs(ctx context.Context, js jetstream.JetStream, cfgs []jetstream.StreamConfig) ([]StreamChange, error) {
	var out []StreamChange
	for _, cfg := range cfgs {
		s, err := js.Stream(ctx, cfg.Name)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			if _, err := js.CreateStream(ctx, cfg); err != nil {
				return out, fmt.Errorf("creating stream %s: %w", cfg.Name, err)
			}
			out = append(out, StreamChange{cfg.Name, "created"})
			continue
		case err != nil:
			return out, fmt.Errorf("looking up stream %s: %w", cfg.Name, err)
		}
		if sameStream(s.CachedInfo().Config, cfg) {
			out = append(out, StreamChange{cfg.Name, "unchanged"})
			continue
		}
		if _, err := js.UpdateStream(ctx, cfg); err != nil {
			return out, fmt.Errorf("updating stream %s: %w", cfg.Name, err)
		}
		out = append(out, StreamChange{cfg.Name, "updated"})
	}
	return out, nil
}

// sameStream compares the settings ApplyStreams manages.
func sameStream(have, want jetstream.StreamConfig) bool {
	if len(have.Subjects) != len(want.Subjects) {
		return false
	}
	for i := range have.Subjects {
		if have.Subjects[i] != want.Subjects[i] {
			return false
		}
	}
	return have.Retention == want.Retention && have.Storage == want.Storage && have.Discard == want.Discard &&
		have.MaxAge == want.MaxAge && have.MaxBytes == want.MaxBytes && have.Duplicates == want.Duplicates &&
		max(have.Replicas, 1) == max(want.Replicas, 1) && have.Description == want.Description
}
