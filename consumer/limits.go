package consumer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"

	"github.com/flextime/flextime/schemas"
)

// messageHeadroom is what a result or dead letter needs besides its
// body, out of the server's max payload: its headers (a Nats-Msg-Id of up
// to request_id/replay_id) with room to spare.
const messageHeadroom = 4 << 10

// fallbackMaxPayload is the server's max payload when the connection
// cannot say: the NATS default.
const fallbackMaxPayload = 1 << 20

// maxReasonBytes bounds a dead letter's reason; reasons name a field and
// are short, but an error from a dependency can quote anything.
const maxReasonBytes = 1 << 10

// bodyLimit is the most bytes the body of a message may have: the
// server's max payload less headroom, lowered to setting when that is
// set (> 0). The server's figure is read on every call: a reconnect may
// land on a server with another one.
func (c *Consumer) bodyLimit(setting int) int {
	limit := fallbackMaxPayload - messageHeadroom
	// Through an interface, so that the consumer keeps working with any
	// JetStream handle that can give its connection.
	if h, ok := c.js.(interface{ Conn() *nats.Conn }); ok {
		if nc := h.Conn(); nc != nil && nc.MaxPayload() > 0 {
			limit = int(nc.MaxPayload()) - messageHeadroom
		}
	}
	if setting > 0 && setting < limit {
		limit = setting
	}
	return max(limit, 1)
}

// capViolations returns res with at most k violations listed per
// constraint and k structure violations, counting those left out, or res
// itself when nothing is left out. res is not modified: it may be shared
// with the cache.
func capViolations(res *schemas.Result, k int) *schemas.Result {
	over := len(res.Structure) > k
	for i := range res.Results {
		over = over || len(res.Results[i].Violations) > k
	}
	if !over {
		return res
	}
	out := *res
	out.Truncated = true
	if len(out.Structure) > k {
		out.OmittedViolations += int64(len(out.Structure) - k)
		out.Structure = out.Structure[:k:k]
	}
	out.Results = make([]schemas.ConstraintResult, len(res.Results))
	for i, r := range res.Results {
		if n := len(r.Violations); n > k {
			r.OmittedViolations += n - k
			out.OmittedViolations += int64(n - k)
			r.Violations = r.Violations[:k:k]
		}
		out.Results[i] = r
	}
	return &out
}

// encodeResult writes res as a message body of at most limit bytes.
// When the whole result does not fit, violations are left out, keeping
// the most per constraint that fits (the result says truncated, and how
// many were left out); totals and every constraint's deviation and cost
// stay. When even a result without violations does not fit, it is
// answered with status error and the reason, and totals alone.
func encodeResult(res *schemas.Result, limit int) ([]byte, error) {
	body, err := json.Marshal(res)
	if err != nil || len(body) <= limit {
		return body, err
	}
	most := len(res.Structure)
	for i := range res.Results {
		most = max(most, len(res.Results[i].Violations))
	}
	// The largest k in [0, most) that fits: body for k = most does not.
	best, lo, hi := []byte(nil), 0, most-1
	for lo <= hi {
		mid := lo + (hi-lo)/2
		b, err := json.Marshal(capViolations(res, mid))
		if err != nil {
			return nil, err
		}
		if len(b) <= limit {
			best, lo = b, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best != nil {
		return best, nil
	}
	out := *res
	out.Status = schemas.StatusError
	out.Error = fmt.Sprintf("result of %d bytes does not fit in %d bytes (MAX_RESULT_BYTES or the server's max payload) even without violations: %d constraints listed; ask for detail violated or fewer constraint_ids",
		len(body), limit, len(res.Results))
	out.Results, out.Structure, out.Changes = []schemas.ConstraintResult{}, nil, nil
	out.Truncated, out.OmittedViolations = false, 0
	return json.Marshal(&out)
}

// fitDeadLetter makes dl's body fit in limit bytes: the reason is cut to
// maxReasonBytes, then the payload to what fits (payload_truncated), and
// when the headers alone are too many, they go (headers_truncated). The
// payload's original size is always in payload_bytes.
func fitDeadLetter(dl *schemas.DeadLetter, payload []byte, limit int) ([]byte, error) {
	dl.PayloadBytes = len(payload)
	dl.Reason = cutUTF8(dl.Reason, maxReasonBytes)
	dl.PayloadB64 = base64.StdEncoding.EncodeToString(payload)
	body, err := json.Marshal(dl)
	if err != nil || len(body) <= limit {
		return body, err
	}
	dl.PayloadB64 = ""
	dl.PayloadTruncated = true
	bare, err := json.Marshal(dl)
	if err != nil {
		return nil, err
	}
	if len(bare) > limit {
		dl.Headers, dl.HeadersTruncated = map[string][]string{}, true
		if bare, err = json.Marshal(dl); err != nil {
			return nil, err
		}
	}
	// Base64 takes 4 bytes for every 3.
	keep := min(max(limit-len(bare), 0)/4*3, len(payload))
	dl.PayloadB64 = base64.StdEncoding.EncodeToString(payload[:keep])
	dl.PayloadTruncated = keep < len(payload)
	return json.Marshal(dl)
}

// cutUTF8 cuts s to at most n bytes, on a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// checkHeaders refuses, as bad input naming the header, a value the
// consumer would carry into a result that it cannot carry unchanged: a
// replay id that is not valid UTF-8 (JSON would turn it into U+FFFD), too
// long for a Nats-Msg-Id beside its request_id, or with control
// characters.
func checkHeaders(h nats.Header) error {
	for _, name := range []string{ReplayHeader} {
		for _, v := range h.Values(name) {
			var msg string
			switch {
			case !utf8.ValidString(v):
				msg = "not valid UTF-8"
			case utf8.RuneCountInString(v) > schemas.MaxRequestIDLen:
				msg = fmt.Sprintf("more than %d characters", schemas.MaxRequestIDLen)
			case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
				msg = "has control characters"
			default:
				continue
			}
			return badInput(&schemas.FieldError{Field: "header " + name, Msg: msg})
		}
	}
	return nil
}
