package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrListenInUse is returned by StartEmbedded when its address is taken,
// by another flextime or any other program.
var ErrListenInUse = errors.New("address already in use")

// EmbeddedOptions configure the in-process server.
type EmbeddedOptions struct {
	// Listen is host:port for clients (NATS_LISTEN, default
	// 127.0.0.1:14222); port 0 picks a free one.
	Listen string
	// DataDir holds JetStream's files (DATA_DIR); it is created if
	// missing, and what it holds survives a restart.
	DataDir string
	// Logger receives the server's warnings and errors; nil keeps it quiet.
	Logger *slog.Logger
}

// Embedded is a nats-server with JetStream running in this process: a
// real server with real persistence, that other programs on the machine
// can reach at ClientURL.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts the server and waits until it accepts clients. A
// taken address fails at once with ErrListenInUse; a bad address or
// directory wraps ErrInvalidOption.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:14222"
	}
	if o.DataDir == "" {
		o.DataDir = "./data"
	}
	host, portStr, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("%w: listen address %q: %v", ErrInvalidOption, o.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("%w: listen address %q: bad port", ErrInvalidOption, o.Listen)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	} else {
		// The server logs a failed listen and gives up without an error
		// we could see; try the address first for a clear one.
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return nil, fmt.Errorf("embedded NATS server: %s: %w (%v)", o.Listen, ErrListenInUse, err)
		}
		ln.Close()
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: DATA_DIR %s: %v", ErrInvalidOption, o.DataDir, err)
	}
	opts := &server.Options{
		ServerName: "flextime-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.DataDir,
		NoSigs:     true,
		NoLog:      o.Logger == nil,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS server: %w", err)
	}
	if o.Logger != nil {
		srv.SetLoggerV2(slogBridge{o.Logger}, false, false, false)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded NATS server on %s did not become ready (is the address free and %s writable?)",
			o.Listen, o.DataDir)
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded NATS server: JetStream did not start in %s", o.DataDir)
	}
	return &Embedded{srv: srv}, nil
}

// ClientURL is the URL clients connect to, such as nats://127.0.0.1:14222.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Server returns the underlying server.
func (e *Embedded) Server() *server.Server { return e.srv }

// Shutdown stops the server and waits until it has.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// slogBridge passes the server's warnings and errors to slog; its notices
// are debug lines.
type slogBridge struct{ l *slog.Logger }

func (b slogBridge) Noticef(format string, v ...any) { b.l.Debug("nats: " + fmt.Sprintf(format, v...)) }
func (b slogBridge) Warnf(format string, v ...any)   { b.l.Warn("nats: " + fmt.Sprintf(format, v...)) }
func (b slogBridge) Fatalf(format string, v ...any)  { b.l.Error("nats: " + fmt.Sprintf(format, v...)) }
func (b slogBridge) Errorf(format string, v ...any)  { b.l.Error("nats: " + fmt.Sprintf(format, v...)) }
func (b slogBridge) Debugf(format string, v ...any)  { b.l.Debug("nats: " + fmt.Sprintf(format, v...)) }
func (b slogBridge) Tracef(string, ...any)           {}
