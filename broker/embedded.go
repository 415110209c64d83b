package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultListen is the embedded server's address when none is given
// (NATS_LISTEN).
const DefaultListen = "127.0.0.1:14222"

// DefaultDataDir is the embedded server's storage when none is given
// (DATA_DIR).
const DefaultDataDir = "./data"

// embeddedReadyTimeout bounds the wait for the server to accept clients.
// Recovering large streams from disk is what takes time.
const embeddedReadyTimeout = 30 * time.Second

// EmbeddedOptions configure the in-process server.
type EmbeddedOptions struct {
	// Listen is host:port for clients (NATS_LISTEN); empty means
	// DefaultListen, and port 0 picks a free port.
	Listen string
	// DataDir holds JetStream's files (DATA_DIR); empty means
	// DefaultDataDir. It is created if missing, and what it holds survives
	// a restart.
	DataDir string
	// SyncInterval is how often JetStream flushes its files to disk
	// (NATS_SYNC_INTERVAL). Zero, the default, syncs every write before it
	// is acknowledged (nats-server's sync_interval: always), as the Jepsen
	// NATS 2.12.1 report (2025) advises: with the server's own default of
	// two minutes, a power loss or kernel crash loses the acknowledged
	// messages of up to the last two minutes. A positive interval trades
	// that window for publish throughput (docs/benchmarks.md).
	SyncInterval time.Duration
	// MaxStore caps the bytes JetStream may store under DataDir
	// (NATS_MAX_STORE); zero leaves nats-server's default, three quarters
	// of the free disk. The streams' STREAM_MAX_BYTES must fit in it.
	MaxStore int64
	// Logger receives a line when the server is ready, and the server's
	// own warnings and errors (its notices at debug). Nil keeps the server
	// silent: it never writes to stdout or stderr.
	Logger *slog.Logger
}

// Embedded is a nats-server with JetStream running in this process: a real
// server with real persistence, which other programs on the machine can
// reach at ClientURL.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts the server and waits until it accepts clients.
// A taken address fails at once with an error wrapping ErrListenInUse
// that names it; an unparsable or unusable address, or a DataDir that
// cannot be created, wraps ErrInvalidOption. Other failures, such as
// JetStream refusing the store, are returned as they are.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir
	}
	host, port, err := parseListen(o.Listen)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		port = server.RANDOM_PORT
	} else if err := probeListen(o.Listen); err != nil {
		// The server would only log a failed listen; trying the address
		// first gives the caller an error to act on.
		return nil, err
	}
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("%w: DATA_DIR %s: %v", ErrInvalidOption, o.DataDir, err)
	}
	if o.SyncInterval < 0 {
		return nil, fmt.Errorf("%w: NATS_SYNC_INTERVAL must be always or a positive duration, got %s", ErrInvalidOption, o.SyncInterval)
	}
	if o.MaxStore < 0 {
		return nil, fmt.Errorf("%w: NATS_MAX_STORE must be positive, got %d", ErrInvalidOption, o.MaxStore)
	}
	srv, err := server.NewServer(&server.Options{
		ServerName:        "flextime-embedded",
		Host:              host,
		Port:              port,
		JetStream:         true,
		StoreDir:          o.DataDir,
		SyncAlways:        o.SyncInterval == 0,
		SyncInterval:      o.SyncInterval,
		JetStreamMaxStore: o.MaxStore,
		NoSigs:            true, // the program owns its signals
		NoLog:             true, // logs go through the bridge below, or nowhere
	})
	if err != nil {
		return nil, fmt.Errorf("%w: embedded NATS server: %v", ErrInvalidOption, err)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bridge := &slogBridge{l: logger, fatal: make(chan string, 1)}
	srv.SetLoggerV2(bridge, false, false, false)

	go srv.Start()
	if err := waitReady(srv, bridge.fatal, o.Listen); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	if o.Logger != nil {
		sync := "always"
		if o.SyncInterval > 0 {
			sync = o.SyncInterval.String()
		}
		o.Logger.Info("embedded NATS server ready", "url", srv.ClientURL(), "data_dir", o.DataDir,
			"sync_interval", sync, "max_store", srv.JetStreamConfig().MaxStore)
	}
	return &Embedded{srv: srv}, nil
}

// parseListen splits host:port, refusing what cannot be an address.
func parseListen(listen string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(listen)
	if err != nil {
		return "", 0, fmt.Errorf("%w: listen address %q: %v", ErrInvalidOption, listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%w: listen address %q: port must be 0 to 65535", ErrInvalidOption, listen)
	}
	return host, port, nil
}

// probeListen listens on addr and closes again, to tell a taken address
// (ErrListenInUse) from one this machine cannot listen on at all
// (ErrInvalidOption: an unknown host, an address of another machine, a
// privileged port).
func probeListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("embedded NATS server: %s: %w", addr, ErrListenInUse)
		}
		return fmt.Errorf("%w: cannot listen on %s: %v", ErrInvalidOption, addr, err)
	}
	return ln.Close()
}

// waitReady waits until srv accepts clients with JetStream on, or the
// server gives up (a fatal log line, as when the address was taken after
// probeListen or the store cannot be opened), or embeddedReadyTimeout.
func waitReady(srv *server.Server, fatal <-chan string, listen string) error {
	deadline := time.Now().Add(embeddedReadyTimeout)
	for {
		select {
		case msg := <-fatal:
			if strings.Contains(msg, "address already in use") {
				return fmt.Errorf("embedded NATS server: %s: %w", listen, ErrListenInUse)
			}
			return fmt.Errorf("embedded NATS server on %s: %s", listen, msg)
		default:
		}
		if srv.ReadyForConnections(50 * time.Millisecond) {
			if !srv.JetStreamEnabled() {
				return fmt.Errorf("embedded NATS server on %s: JetStream is not enabled", listen)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("embedded NATS server on %s: not ready after %s", listen, embeddedReadyTimeout)
		}
	}
}

// ClientURL returns the URL clients connect to, such as
// nats://127.0.0.1:14222, with the actual port when Listen asked for 0.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// MaxStore returns the bytes JetStream may store: EmbeddedOptions.MaxStore,
// or the server's default when that was zero. Give it to
// StreamOptions.StoreLimit, since the server does not tell clients.
func (e *Embedded) MaxStore() int64 {
	if c := e.srv.JetStreamConfig(); c != nil {
		return c.MaxStore
	}
	return 0
}

// Server returns the underlying server, for monitoring or tests.
func (e *Embedded) Server() *server.Server { return e.srv }

// Shutdown stops the server, closing its clients, and waits until it has
// stopped and flushed its store. Calling it again does nothing.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// slogBridge passes the server's log lines to slog: warnings and errors
// as such, notices at debug. A fatal line also goes to fatal, since the
// server stops starting without returning an error.
type slogBridge struct {
	l     *slog.Logger
	fatal chan string
}

func (b *slogBridge) Noticef(format string, v ...any) { b.log(slog.LevelDebug, format, v) }
func (b *slogBridge) Warnf(format string, v ...any)   { b.log(slog.LevelWarn, format, v) }
func (b *slogBridge) Errorf(format string, v ...any)  { b.log(slog.LevelError, format, v) }
func (b *slogBridge) Debugf(format string, v ...any)  { b.log(slog.LevelDebug, format, v) }
func (b *slogBridge) Tracef(string, ...any)           {}

// Fatalf must not exit, unlike the server's own logger: flextime decides
// what a failed start means.
func (b *slogBridge) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	b.l.Error("nats-server: " + msg)
	select {
	case b.fatal <- msg:
	default:
	}
}

func (b *slogBridge) log(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if b.l.Enabled(ctx, level) {
		b.l.Log(ctx, level, "nats-server: "+fmt.Sprintf(format, v...))
	}
}
