package consumer

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The error classes a message can fail with. Decide maps each to what
// happens to the message; everything that fails in the consumer wraps
// exactly one of them.
var (
	// ErrBadInput marks a message that can never succeed: not JSON, a
	// schema failure, a missing request_id, unknown team ids, slots or
	// constraint ids. It is dead-lettered and terminated.
	ErrBadInput = errors.New("bad input")

	// ErrDependency marks an outage of something the consumer needs (a
	// publish that got no ack in time, the constraint store, history).
	// The message is good: it is naked with a growing delay, never
	// dead-lettered, and the circuit breaker stops new fetches.
	ErrDependency = errors.New("dependency unavailable")

	// ErrUnpublishable marks a result or dead letter the server will never
	// take, however often it is sent: larger than the server's max payload
	// or the stream's max message size, or on a subject this connection is
	// not allowed to publish to. Retrying cannot help, so it is no outage:
	// the request is dead-lettered as poison at once, with the reason.
	ErrUnpublishable = errors.New("cannot be published")

	// ErrPanic marks a recovered panic. The message is retried with a
	// delay; after Config.PoisonAttempts deliveries it is dead-lettered as
	// poison.
	ErrPanic = errors.New("panic")

	// ErrShutdown marks work abandoned because the consumer is stopping
	// past its deadline. The message is naked at once so that another
	// instance takes it.
	ErrShutdown = errors.New("shutting down")

	// ErrInvalidConfig is wrapped by Config.Validate errors.
	ErrInvalidConfig = errors.New("invalid consumer config")
)

// badInput wraps err as ErrBadInput, keeping its text: the dead letter's
// reason is the error's message, which names the field.
func badInput(err error) error {
	return fmt.Errorf("%w: %w", ErrBadInput, err)
}

// dependency wraps err as ErrDependency with what was being done.
func dependency(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrDependency, what, err)
}

// outage classes the failure of something a request needed while ctx
// was its context: ErrShutdown when ctx was cancelled at the shutdown
// deadline (the message is naked at once, for another instance), else
// ErrDependency.
func outage(ctx context.Context, what string, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrShutdown) {
		return fmt.Errorf("%w: %s: %w", cause, what, err)
	}
	return dependency(what, err)
}

// reason is the human part of an error for a dead letter or a log line:
// the message without the class prefix.
func reason(err error) string {
	var cause interface{ Unwrap() []error }
	if errors.As(err, &cause) {
		// fmt.Errorf("%w: %w", class, err) joins the two; the second is the
		// one that names the field.
		if errs := cause.Unwrap(); len(errs) == 2 {
			return errs[1].Error()
		}
	}
	return err.Error()
}

// publishError classes a failed publish of a result or dead letter. An
// error that no retry can change (see permanentPublish) is
// ErrUnpublishable; any other (no ack in time, no responders, a stream
// out of space) is an outage.
func publishError(what string, err error) error {
	if permanentPublish(err) {
		return fmt.Errorf("%w: %s: %w", ErrUnpublishable, what, err)
	}
	return dependency(what, err)
}

// permanentPublish reports whether a publish failed in a way the same
// message will fail again on every try: the client refuses it as larger
// than the server's max payload, the subject is invalid or not permitted
// for this connection, or the stream refuses the message or its headers
// as larger than its limits.
func permanentPublish(err error) bool {
	switch {
	case errors.Is(err, nats.ErrMaxPayload),
		errors.Is(err, nats.ErrPermissionViolation),
		errors.Is(err, nats.ErrBadSubject),
		errors.Is(err, jetstream.ErrStreamMessageExceedsMaximum):
		return true
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode {
		case jetstream.JSErrCodeStreamMessageExceedsMaximum, jsErrCodeStreamHeaderExceedsMaximum:
			return true
		}
	}
	return false
}

// jsErrCodeStreamHeaderExceedsMaximum is the server's
// JSStreamHeaderExceedsMaximumErr ("header size exceeds maximum
// allowed of 64k"); nats.go has no constant for it.
const jsErrCodeStreamHeaderExceedsMaximum jetstream.ErrorCode = 10097
