package broker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConnectOptions say how to reach a server.
type ConnectOptions struct {
	URL   string // NATS_URL
	Creds string // NATS_CREDS, a credentials file
	Name  string // the connection's name, seen in the server's monitoring
	// Logger records disconnects and reconnects; nil uses slog.Default().
	Logger *slog.Logger
	// PublishAsyncMaxPending bounds asynchronous publishes awaiting their
	// ack on this connection (default 4096).
	PublishAsyncMaxPending int
}

// Connect connects to o.URL and returns the connection with its
// JetStream context. The first connection is retried until ctx ends or
// about ten seconds pass, then fails naming the URL; once connected, the
// connection reconnects forever, buffering what is published meanwhile.
func Connect(ctx context.Context, o ConnectOptions) (*nats.Conn, jetstream.JetStream, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.ReconnectBufSize(16 << 20),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected", "url", o.URL, "error", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("NATS reconnected", "url", nc.ConnectedUrlRedacted()) }),
	}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	deadline := time.Now().Add(10 * time.Second)
	var nc *nats.Conn
	var err error
	for {
		nc, err = nats.Connect(o.URL, opts...)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, nil, fmt.Errorf("connecting to NATS at %s: %w", o.URL, err)
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("connecting to NATS at %s: %w", o.URL, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
	pending := o.PublishAsyncMaxPending
	if pending <= 0 {
		pending = 4096
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(pending))
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("JetStream on %s: %w", o.URL, err)
	}
	return nc, js, nil
}
