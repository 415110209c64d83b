package consumer

import (
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// denials remembers the subjects the server refused to let this
// connection publish to. The server says so only asynchronously (an
// -ERR the client hands to its error handler); the publish itself just
// never gets its ack, which would look like an outage. A publish that
// times out on a subject refused since it was sent is unpublishable
// instead. The map is bounded: subjects come from input.
type denials struct {
	mu sync.Mutex
	at map[string]time.Time
}

// maxDenials bounds the subjects remembered; the oldest goes first.
const maxDenials = 1024

// publishDenied matches the server's permissions violation for a publish.
var publishDenied = regexp.MustCompile(`Permissions Violation for Publish to "([^"]+)"`)

// watchDenials makes nc's error handler note publish refusals in a new
// denials, then call the handler it had.
func watchDenials(nc *nats.Conn) *denials {
	d := &denials{at: map[string]time.Time{}}
	if nc == nil {
		return d
	}
	prev := nc.ErrorHandler()
	nc.SetErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
		d.note(err)
		if prev != nil {
			prev(nc, sub, err)
		}
	})
	return d
}

// note records the subject of a publish permissions violation.
func (d *denials) note(err error) {
	if d == nil || err == nil {
		return
	}
	m := publishDenied.FindStringSubmatch(err.Error())
	if m == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.at[m[1]]; !ok && len(d.at) >= maxDenials {
		var oldest string
		for s, t := range d.at {
			if oldest == "" || t.Before(d.at[oldest]) {
				oldest = s
			}
		}
		delete(d.at, oldest)
	}
	d.at[m[1]] = time.Now()
}

// check returns a permissions violation for subject when the server has
// refused it since the publish was sent, or nil.
func (d *denials) check(subject string, sent time.Time) error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	at, ok := d.at[subject]
	d.mu.Unlock()
	if !ok || at.Before(sent) {
		return nil
	}
	return fmt.Errorf("%w: the server refused a publish to %q", nats.ErrPermissionViolation, subject)
}

// timeoutError classes a publish to subject, sent at sent, that got no
// ack in time: unpublishable when the server refused the subject since,
// an outage otherwise.
func (c *Consumer) timeoutError(what, subject string, sent time.Time, err error) error {
	if derr := c.denied.check(subject, sent); derr != nil {
		return publishError(what, derr)
	}
	return publishError(what, err)
}
