package producer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/schemas"
)

// ReplayHeader is the header a replayed request carries; it matches
// consumer.ReplayHeader.
const ReplayHeader = "Flextime-Replay-Id"

// ReplaySeqHeader carries, on a replayed request, the original's stream
// sequence in FLEXTIME_EVAL; it matches consumer.ReplaySeqHeader. The
// consumer reads the original back, checks that it is the same request
// and keys history on its timestamp, so the same replay run again, even
// past DEDUP_WINDOW, writes nothing new. No header is trusted: a replay
// whose original does not match is dead-lettered.
const ReplaySeqHeader = "Flextime-Replay-Seq"

// RequestTimeHeader is no longer sent nor read: the original's time
// comes from the stream, by ReplaySeqHeader. It matches
// consumer.RequestTimeHeader.
const RequestTimeHeader = "Flextime-Request-Time"

// maxReplayID is the longest replay id the consumers take, in bytes.
const maxReplayID = 128

// ReplayOptions select what Replay re-publishes.
type ReplayOptions struct {
	// ReplayID names the replay (required). Running the same replay again
	// publishes with the same message ids, so the stream and the history
	// keep one copy.
	ReplayID string
	// Sport narrows to one sport; empty means all.
	Sport string
	// Since and FromSeq choose where to start: the first request stored at
	// or after Since, or at stream sequence FromSeq. Neither: the oldest
	// request kept (STREAM_MAX_AGE).
	Since   time.Time
	FromSeq uint64
	// Until stops at requests stored after it; zero means up to the newest
	// at the time Replay starts.
	Until time.Time
}

// ErrNoReplayID is returned by Replay without a replay id.
var ErrNoReplayID = errors.New("a replay needs a replay id")

// ErrBadReplayID is returned by Replay for a replay id the consumers
// would refuse: over 128 bytes, not UTF-8, or with control characters.
var ErrBadReplayID = errors.New("replay id must be at most 128 bytes of UTF-8 without control characters")

// CheckReplayID returns an error wrapping ErrBadReplayID for an id the
// consumers would dead-letter every replayed request of, and
// ErrNoReplayID for "".
func CheckReplayID(id string) error {
	switch {
	case id == "":
		return ErrNoReplayID
	case len(id) > maxReplayID || !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl):
		return fmt.Errorf("%w: %q", ErrBadReplayID, id)
	}
	return nil
}

// Replay re-publishes the requests of FLEXTIME_EVAL that o selects, each
// with headers Flextime-Replay-Id, Flextime-Replay-Seq (the original's
// stream sequence) and Nats-Msg-Id request_id/replay_id, so
// the consumers evaluate them again under today's constraints and code and
// publish results that carry the replay id. Requests that were themselves
// replays are skipped. It returns how many it published.
func Replay(ctx context.Context, js jetstream.JetStream, c *Client, o ReplayOptions) (int, error) {
	if err := CheckReplayID(o.ReplayID); err != nil {
		return 0, err
	}
	subject := "flextime.eval.>"
	if o.Sport != "" {
		subject = "flextime.eval." + broker.Token(o.Sport) + ".*"
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}}
	switch {
	case o.FromSeq > 0:
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, o.FromSeq
	case !o.Since.IsZero():
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &o.Since
	}
	stream, err := js.Stream(ctx, broker.StreamEval)
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 {
		return 0, nil
	}
	cons, err := stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	n := 0
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return n, fmt.Errorf("replay: %w", err)
		}
		got, done := 0, false
		for msg := range batch.Messages() {
			got++
			md, err := msg.Metadata()
			if err != nil {
				continue
			}
			if md.Sequence.Stream > last || (!o.Until.IsZero() && md.Timestamp.After(o.Until)) {
				done = true
				continue
			}
			if msg.Headers().Get(ReplayHeader) != "" {
				continue
			}
			id := schemas.RequestIDOf(msg.Data())
			if id == "" {
				id = fmt.Sprintf("seq-%d", md.Sequence.Stream)
			}
			m := nats.NewMsg(msg.Subject())
			m.Data = msg.Data()
			m.Header.Set(ReplayHeader, o.ReplayID)
			m.Header.Set(ReplaySeqHeader, strconv.FormatUint(md.Sequence.Stream, 10))
			m.Header.Set(jetstream.MsgIDHeader, id+"/"+o.ReplayID)
			if err := c.publishMsg(ctx, m); err != nil {
				return n, err
			}
			n++
			if md.Sequence.Stream >= last {
				done = true
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return n, fmt.Errorf("replay: %w", err)
		}
		if done || (got == 0 && ctx.Err() == nil && caughtUp(ctx, cons)) {
			break
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
	if _, err := c.Wait(ctx); err != nil {
		return n, fmt.Errorf("replay: %w", err)
	}
	return n, nil
}

func caughtUp(ctx context.Context, cons jetstream.Consumer) bool {
	ci, err := cons.Info(ctx)
	return err == nil && ci.NumPending == 0
}
