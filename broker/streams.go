package broker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamOptions are the operator's settings for the three streams
// (CONTRACT §5). Start from DefaultStreamOptions.
type StreamOptions struct {
	// MaxAge is how long messages are kept, and so how far back requests
	// can be replayed (STREAM_MAX_AGE).
	MaxAge time.Duration
	// MaxBytes caps each stream's size (STREAM_MAX_BYTES); past it the
	// oldest messages are discarded.
	MaxBytes int64
	// DedupWindow is how long a Nats-Msg-Id is remembered, so a request
	// or result published twice within it is stored once (DEDUP_WINDOW).
	DedupWindow time.Duration
	// Replicas per stream (STREAM_REPLICAS): 1 to 5. More than one needs
	// a JetStream cluster of at least that many servers; R3 is the usual
	// choice there, surviving the loss of one server.
	Replicas int
	// StoreLimit is the JetStream storage the streams may reserve when
	// the server does not say (it tells clients only of account limits,
	// not of its own max store): the embedded server's MaxStore. Zero
	// means unknown; the account's limit, when it has one, applies too.
	StoreLimit int64
}

// maxReplicas is JetStream's limit.
const maxReplicas = 5

// DefaultStreamOptions returns CONTRACT §5's defaults: 30 days, 10 GiB, a
// two-minute deduplication window and one replica.
func DefaultStreamOptions() StreamOptions {
	return StreamOptions{
		MaxAge:      30 * 24 * time.Hour,
		MaxBytes:    10 << 30,
		DedupWindow: 2 * time.Minute,
		Replicas:    1,
	}
}

// Validate reports the first setting that cannot work, in an error that
// wraps ErrInvalidOption and names the setting's environment variable.
func (o StreamOptions) Validate() error {
	switch {
	case o.MaxAge <= 0:
		return fmt.Errorf("%w: STREAM_MAX_AGE must be positive, got %s", ErrInvalidOption, o.MaxAge)
	case o.MaxBytes <= 0:
		return fmt.Errorf("%w: STREAM_MAX_BYTES must be positive, got %d", ErrInvalidOption, o.MaxBytes)
	case o.DedupWindow <= 0:
		return fmt.Errorf("%w: DEDUP_WINDOW must be positive, got %s", ErrInvalidOption, o.DedupWindow)
	case o.DedupWindow > o.MaxAge:
		// The server refuses it too, with a less helpful message.
		return fmt.Errorf("%w: DEDUP_WINDOW (%s) must not exceed STREAM_MAX_AGE (%s)", ErrInvalidOption, o.DedupWindow, o.MaxAge)
	case o.Replicas < 1 || o.Replicas > maxReplicas:
		return fmt.Errorf("%w: STREAM_REPLICAS must be 1 to %d, got %d", ErrInvalidOption, maxReplicas, o.Replicas)
	case o.StoreLimit < 0:
		return fmt.Errorf("%w: the store limit must not be negative, got %d", ErrInvalidOption, o.StoreLimit)
	}
	return nil
}

// StreamConfigs returns the configurations of the three streams under o,
// in the order StreamEval, StreamResults, StreamDLQ. All three keep
// messages by limits (consuming removes nothing, so requests can be
// replayed), on file, discarding the oldest first, and deduplicate by
// Nats-Msg-Id, since requests, results and dead letters all carry one.
//
// It sets only fields that nats-server 2.9 knows, so the streams can be
// created on old servers too. It does not validate o.
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
		mk(StreamEval, evalPrefix+">", "flextime evaluation requests"),
		mk(StreamResults, resultPrefix+">", "flextime evaluation results"),
		mk(StreamDLQ, dlqPrefix+">", "flextime dead letters: rejected requests with their reason"),
	}
}

// What ApplyStreams did to a stream, in StreamChange.Action.
const (
	StreamCreated   = "created"
	StreamUpdated   = "updated"
	StreamUnchanged = "unchanged"
)

// StreamChange says what ApplyStreams did to one stream: Action is
// StreamCreated, StreamUpdated or StreamUnchanged.
type StreamChange struct {
	Stream string
	Action string
}

// ApplyStreams makes the server's three streams match o: it creates those
// that do not exist and updates those whose settings differ. It is
// idempotent: run again with the same o, it reports every stream
// unchanged. Invalid options return an error wrapping ErrInvalidOption
// before anything is sent.
//
// It changes nothing when the streams cannot all work: more than one
// replica on a server outside a cluster is an error wrapping
// ErrNotClustered, and streams whose STREAM_MAX_BYTES x replicas do not
// fit in the JetStream store (o.StoreLimit, or the account's limit) one
// wrapping ErrStoreTooSmall, with the need and the store in its text.
func ApplyStreams(ctx context.Context, js jetstream.JetStream, o StreamOptions) ([]StreamChange, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	cfgs := StreamConfigs(o)
	if o.Replicas > 1 && js.Conn().ConnectedClusterName() == "" {
		return nil, fmt.Errorf("STREAM_REPLICAS=%d, but the NATS server at %s is not in a cluster: "+
			"use 1, or a cluster of at least %d servers: %w",
			o.Replicas, js.Conn().ConnectedUrlRedacted(), o.Replicas, ErrNotClustered)
	}
	if err := checkStore(ctx, js, cfgs, o); err != nil {
		return nil, err
	}
	changes, err := ApplyStreamConfigs(ctx, js, cfgs)
	if err != nil && refusedForSpace(err) {
		// The server's own store limit, which it does not tell clients,
		// refused a stream: take back the ones this call created, so the
		// next start finds nothing half made.
		for _, c := range changes {
			if c.Action == StreamCreated {
				if derr := js.DeleteStream(ctx, c.Stream); derr != nil {
					err = fmt.Errorf("%w (and removing stream %s again failed: %v)", err, c.Stream, derr)
				}
			}
		}
		return nil, fmt.Errorf("STREAM_MAX_BYTES=%s x %d streams x %d replicas needs %s, more than the NATS server's JetStream store has free: "+
			"lower STREAM_MAX_BYTES or give JetStream more storage (NATS_MAX_STORE for the embedded server); "+
			"no stream was created (%v): %w", sizeOf(o.MaxBytes), len(cfgs), max(o.Replicas, 1),
			sizeOf(o.MaxBytes*int64(len(cfgs)*max(o.Replicas, 1))), err, ErrStoreTooSmall)
	}
	return changes, err
}

// refusedForSpace reports whether the server refused a stream for want of
// storage: JetStream's "insufficient resources" (10023) and "insufficient
// storage resources available" (10047).
func refusedForSpace(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == 10023 || apiErr.ErrorCode == 10047)
}

// checkStore refuses streams that cannot all reserve their MaxBytes: the
// server would create the first and refuse the next, leaving them half
// made with an error that names neither the setting nor the sizes. The
// streams' current reservations count as free, since an update replaces
// them.
func checkStore(ctx context.Context, js jetstream.JetStream, cfgs []jetstream.StreamConfig, o StreamOptions) error {
	info, err := js.AccountInfo(ctx)
	if err != nil {
		return fmt.Errorf("reading the JetStream account limits: %w", err)
	}
	var need, held int64
	for _, c := range cfgs {
		need += reservation(c)
		s, err := js.Stream(ctx, c.Name)
		switch {
		case err == nil:
			held += reservation(s.CachedInfo().Config)
		case !errors.Is(err, jetstream.ErrStreamNotFound):
			return fmt.Errorf("reading stream %s: %w", c.Name, err)
		}
	}
	type limit struct {
		what            string
		bytes, reserved int64
	}
	limits := []limit{
		{"the account's JetStream storage limit", info.Limits.MaxStore, int64(info.ReservedStore)},
		{"the JetStream store", o.StoreLimit, int64(info.ReservedStore)},
	}
	// An account with tiered limits (per replica count) has them here
	// instead, with -1 above.
	tier := fmt.Sprintf("R%d", max(o.Replicas, 1))
	if t, ok := info.Tiers[tier]; ok {
		limits = append(limits, limit{"the account's " + tier + " JetStream storage limit", t.Limits.MaxStore, int64(t.ReservedStore)})
	}
	for _, lim := range limits {
		if lim.bytes <= 0 {
			continue // unlimited, or not known here
		}
		reserved := lim.reserved
		free := lim.bytes - reserved + held
		if need > free {
			return fmt.Errorf("STREAM_MAX_BYTES=%s x %d streams x %d replicas needs %s, but %s is %s with %s reserved by other streams: "+
				"lower STREAM_MAX_BYTES or give JetStream more storage (NATS_MAX_STORE for the embedded server): %w",
				sizeOf(o.MaxBytes), len(cfgs), max(o.Replicas, 1), sizeOf(need), lim.what, sizeOf(lim.bytes),
				sizeOf(max(reserved-held, 0)), ErrStoreTooSmall)
		}
	}
	return nil
}

// reservation is what a stream reserves in the file store: its size cap
// on each replica. A stream without a cap reserves nothing.
func reservation(c jetstream.StreamConfig) int64 {
	if c.Storage != jetstream.FileStorage || c.MaxBytes <= 0 {
		return 0
	}
	return c.MaxBytes * int64(max(c.Replicas, 1))
}

// sizeOf writes n bytes for an operator: in GiB or MiB when it is a whole
// number of them, with the byte count otherwise.
func sizeOf(n int64) string {
	switch {
	case n > 0 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n > 0 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ApplyStreamConfigs is ApplyStreams for any stream configurations, such
// as StreamConfigs' renamed for a test on a shared server. It applies them
// in order and returns one change per configuration; on an error it
// returns the changes made so far with it.
//
// Only the fields StreamConfigs sets are compared and updated (subjects,
// retention, storage, discard policy, age and size limits, deduplication
// window, replicas, description). Other settings a stream has, such as an
// operator's compression or message-count limit, are kept.
func ApplyStreamConfigs(ctx context.Context, js jetstream.JetStream, cfgs []jetstream.StreamConfig) ([]StreamChange, error) {
	out := make([]StreamChange, 0, len(cfgs))
	for _, cfg := range cfgs {
		action, err := applyStream(ctx, js, cfg)
		if err != nil {
			return out, err
		}
		out = append(out, StreamChange{Stream: cfg.Name, Action: action})
	}
	return out, nil
}

func applyStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) (string, error) {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, want)
		if err == nil {
			return StreamCreated, nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return "", fmt.Errorf("creating stream %s: %w", want.Name, err)
		}
		// Another instance created it, with other settings, since we
		// looked: compare with what it made.
		s, err = js.Stream(ctx, want.Name)
	}
	if err != nil {
		return "", fmt.Errorf("reading stream %s: %w", want.Name, err)
	}
	have := s.CachedInfo().Config
	if sameManaged(have, want) {
		return StreamUnchanged, nil
	}
	if _, err := js.UpdateStream(ctx, overlay(have, want)); err != nil {
		return "", fmt.Errorf("updating stream %s: %w", want.Name, err)
	}
	return StreamUpdated, nil
}

// sameManaged compares the fields ApplyStreamConfigs manages.
func sameManaged(have, want jetstream.StreamConfig) bool {
	return slices.Equal(have.Subjects, want.Subjects) &&
		have.Description == want.Description &&
		have.Retention == want.Retention &&
		have.Storage == want.Storage &&
		have.Discard == want.Discard &&
		have.MaxAge == want.MaxAge &&
		have.MaxBytes == want.MaxBytes &&
		have.Duplicates == want.Duplicates &&
		max(have.Replicas, 1) == max(want.Replicas, 1)
}

// overlay returns have with the managed fields of want, so an update
// leaves the rest of the stream's settings as they are.
func overlay(have, want jetstream.StreamConfig) jetstream.StreamConfig {
	cfg := have
	cfg.Subjects = want.Subjects
	cfg.Description = want.Description
	cfg.Retention = want.Retention
	cfg.Storage = want.Storage
	cfg.Discard = want.Discard
	cfg.MaxAge = want.MaxAge
	cfg.MaxBytes = want.MaxBytes
	cfg.Duplicates = want.Duplicates
	cfg.Replicas = want.Replicas
	return cfg
}
