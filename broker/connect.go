package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConnectOptions say how to reach a server.
type ConnectOptions struct {
	// URL is the server (NATS_URL); a comma-separated list names a
	// cluster's servers. Empty means nats.DefaultURL.
	URL string
	// Creds is a credentials file (NATS_CREDS); empty means none.
	Creds string
	// Name is the connection's name in the server's monitoring; empty
	// means "flextime".
	Name string
	// Logger records disconnects, reconnects and asynchronous errors such
	// as a slow consumer; nil means slog.Default().
	Logger *slog.Logger
	// PublishAsyncMaxPending bounds the asynchronous publishes awaiting
	// their ack on this connection; 0 means 4096.
	PublishAsyncMaxPending int
}

// The first connection is tried this many times, waiting between tries
// from connectFirstWait, doubling: long enough to ride out a server that
// is starting beside us, short enough that a wrong URL is reported at once.
const (
	connectAttempts    = 4
	connectFirstWait   = 250 * time.Millisecond
	connectDialTimeout = 2 * time.Second
)

// Connect connects to o.URL and returns the connection with its JetStream
// context. The caller closes the connection (Drain or Close).
//
// The first connection is tried a few times within about two seconds, and
// never past ctx; if the server cannot be reached the error names the URL
// (with any password redacted). An error that retrying cannot cure, such
// as a missing credentials file or a refused authorization, is returned
// at once. Once connected, the connection reconnects forever, buffering
// what is published meanwhile, and logs each disconnect and reconnect.
func Connect(ctx context.Context, o ConnectOptions) (*nats.Conn, jetstream.JetStream, error) {
	if o.URL == "" {
		o.URL = nats.DefaultURL
	}
	if o.Name == "" {
		o.Name = "flextime"
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	shown := redactURL(o.URL)
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.ReconnectBufSize(16 << 20),
		nats.PingInterval(20 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected; reconnecting", "url", shown, "error", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("NATS reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				log.Warn("NATS asynchronous error", "subject", sub.Subject, "error", err)
				return
			}
			log.Warn("NATS asynchronous error", "error", err)
		}),
	}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	nc, err := connectFirst(ctx, o.URL, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to NATS at %s: %w", shown, err)
	}
	pending := o.PublishAsyncMaxPending
	if pending <= 0 {
		pending = 4096
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(pending))
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("JetStream at %s: %w", shown, err)
	}
	return nc, js, nil
}

// connectFirst makes the first connection, retrying only what a moment
// can cure: no server listening yet, or a network error.
func connectFirst(ctx context.Context, url string, opts []nats.Option) (*nats.Conn, error) {
	wait := connectFirstWait
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		timeout := connectDialTimeout
		if d, ok := ctx.Deadline(); ok {
			timeout = min(timeout, max(time.Until(d), time.Millisecond))
		}
		nc, err := nats.Connect(url, append(opts, nats.Timeout(timeout))...)
		if err == nil {
			return nc, nil
		}
		if !retryable(err) {
			return nil, err
		}
		if attempt == connectAttempts {
			return nil, fmt.Errorf("%w (tried %d times)", err, attempt)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (then %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func retryable(err error) bool {
	var op *net.OpError
	return errors.Is(err, nats.ErrNoServers) || errors.Is(err, nats.ErrTimeout) || errors.As(err, &op)
}

// redactURL hides the secrets in a server list, for errors and logs: a
// password, or a user part standing alone, which NATS reads as a token.
func redactURL(servers string) string {
	parts := strings.Split(servers, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if u, err := url.Parse(p); err == nil && u.User != nil {
			if _, hasPassword := u.User.Password(); hasPassword {
				p = u.Redacted()
			} else {
				u.User = url.User("xxxxx")
				p = u.String()
			}
		}
		parts[i] = p
	}
	return strings.Join(parts, ",")
}
