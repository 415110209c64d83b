package consumer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
)

// ReplaySeqHeader carries, on a replayed request, the stream sequence of
// the original request in the request stream. The consumer reads that
// original back and keys history on its timestamp, so the same replay run
// again (even past DEDUP_WINDOW) writes nothing new. Anyone who can
// publish can set headers, so nothing in them is trusted: only the
// stream's own record of the original is.
const ReplaySeqHeader = "Flextime-Replay-Seq"

// maxReplayID bounds a replay id, as the contract bounds a request_id:
// it is part of the result's Nats-Msg-Id and of history's key.
const maxReplayID = 128

// originals reads replayed requests' originals back from the request
// stream. The stream handle is looked up once, on the first replay.
type originals struct {
	mu     sync.Mutex
	stream jetstream.Stream
}

// get returns the message at seq of the request stream.
func (o *originals) get(ctx context.Context, js jetstream.JetStream, name string, seq uint64) (*jetstream.RawStreamMsg, error) {
	o.mu.Lock()
	st := o.stream
	o.mu.Unlock()
	if st == nil {
		var err error
		if st, err = js.Stream(ctx, name); err != nil {
			return nil, err
		}
		o.mu.Lock()
		o.stream = st
		o.mu.Unlock()
	}
	return st.GetMsg(ctx, seq)
}

// requestTime is the time history keys msg's record on: the request's
// JetStream timestamp, which a redelivery does not change.
//
// A replay (header Flextime-Replay-Id) is keyed on its original's
// timestamp instead, so that replaying again writes nothing new. The
// replayed copy names its original by stream sequence
// (Flextime-Replay-Seq); the original is read back from the request
// stream and must be the same request: same subject, same payload byte
// for byte (and so the same request_id), and not itself a replay. A
// replay claim that does not hold up is bad input, dead-lettered with the
// reason: a forged header must neither place a record in a day of its
// choosing (it once made evaluation_history_p29990101) nor pass for a
// replay. Flextime-Request-Time is never read. A lookup that fails for
// any other reason than the original not being there (NATS down, a
// timeout) is an outage, and the message is retried.
func (c *Consumer) requestTime(ctx context.Context, msg jetstream.Msg) (time.Time, error) {
	md, mdErr := msg.Metadata()
	h := msg.Headers()
	replayID := h.Get(ReplayHeader)
	if replayID == "" {
		if mdErr != nil {
			return time.Now(), nil
		}
		return md.Timestamp, nil
	}
	if err := validReplayID(replayID); err != nil {
		return time.Time{}, badInput(err)
	}
	raw := h.Get(ReplaySeqHeader)
	seq, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || seq == 0 {
		return time.Time{}, badInput(fmt.Errorf("header %s: %q is not a stream sequence; a replayed request (%s %q) must name its original's",
			ReplaySeqHeader, raw, ReplayHeader, replayID))
	}
	lctx, cancel := context.WithTimeout(ctx, c.cfg.PublishTimeout)
	defer cancel()
	orig, err := c.originals.get(lctx, c.js, c.cfg.Stream, seq)
	if err != nil {
		return time.Time{}, originalError(ctx, c.cfg.Stream, seq, err)
	}
	switch {
	case orig.Header.Get(ReplayHeader) != "":
		return time.Time{}, badInput(fmt.Errorf("header %s: %s sequence %d is itself a replay, not an original request",
			ReplaySeqHeader, c.cfg.Stream, seq))
	case orig.Subject != msg.Subject() || !bytes.Equal(orig.Data, msg.Data()):
		return time.Time{}, badInput(fmt.Errorf("header %s: %s sequence %d is not the same request (subject %q, %d bytes) as this replay (subject %q, %d bytes)",
			ReplaySeqHeader, c.cfg.Stream, seq, orig.Subject, len(orig.Data), msg.Subject(), len(msg.Data())))
	}
	return orig.Time, nil
}

// originalError classifies a failed lookup of a replay's original: not
// found (it aged out past STREAM_MAX_AGE, or never was) is bad input, as
// retrying cannot bring it back; anything else is an outage.
func originalError(ctx context.Context, stream string, seq uint64, err error) error {
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return badInput(fmt.Errorf("header %s: %s holds no request at sequence %d (never stored, or past STREAM_MAX_AGE)",
			ReplaySeqHeader, stream, seq))
	}
	return outage(ctx, fmt.Sprintf("reading the replayed request's original (%s sequence %d)", stream, seq), err)
}

// validReplayID checks a replay id much as the contract checks a request_id:
// at most 128 bytes of valid UTF-8 with no control characters.
func validReplayID(id string) error {
	switch {
	case len(id) > maxReplayID:
		return fmt.Errorf("header %s: %d bytes, at most %d", ReplayHeader, len(id), maxReplayID)
	case !utf8.ValidString(id):
		return fmt.Errorf("header %s: not valid UTF-8", ReplayHeader)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return fmt.Errorf("header %s: control character %U", ReplayHeader, r)
		}
	}
	return nil
}
