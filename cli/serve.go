package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/flextime/flextime/api"
	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/cache"
	"github.com/flextime/flextime/consumer"
	"github.com/flextime/flextime/store"
)

var serveSettings = []string{"PORT", "LOG_LEVEL", "NATS_URL", "NATS_CREDS", "NATS_LISTEN", "DATA_DIR",
	"MAX_WORKERS", "EVALUATION_TIMEOUT", "STREAM_MAX_AGE", "STREAM_MAX_BYTES", "DEDUP_WINDOW",
	"CONSUMER_NAME", "ACK_WAIT", "SHUTDOWN_TIMEOUT",
	"REDIS_URL", "REDIS_PASSWORD", "REDIS_TLS", "CACHE_TTL", "CACHE_MAX_SIZE", "CACHE_VERIFY_RATE",
	"CACHE_MAX_BYTES", "MODEL_CACHE_BYTES", "MAX_METRIC_SERIES",
	"DATABASE_URL", "DB_POOL_MIN", "DB_POOL_MAX", "DB_TIMEOUT",
	"HISTORY_BATCH_SIZE", "HISTORY_FLUSH_INTERVAL", "HISTORY_RETENTION",
	"MAX_REQUEST_BYTES", "MAX_GAMES", "MAX_SLOTS", "MAX_TEAMS", "MAX_RESULT_BYTES", "MAX_VIOLATIONS"}

func (a *app) serveCommand() *cobra.Command {
	var constraintsPath string
	cmd := &cobra.Command{
		Use:   "serve [--constraints FILE]",
		Short: "Run the stream processor: requests in, evaluations, results out",
		Long: `serve takes evaluation requests from the FLEXTIME_EVAL stream through the
shared durable consumer, evaluates them in a pool of workers, publishes
each result to FLEXTIME_RESULTS and acks the request once the result is
confirmed. Bad input goes to FLEXTIME_DLQ with its reason.

Without NATS_URL it starts an embedded JetStream server on NATS_LISTEN that
keeps its data under DATA_DIR. Constraints come from --constraints FILE
(a JSON array or NDJSON of constraint documents) or, without it, from the
constraint store of DATABASE_URL; either is reloaded on SIGHUP and on
flextime.constraints.changed. With DATABASE_URL, serve applies the
migrations at start and writes every evaluation to history: a request is
acked only once its result is confirmed and its history committed. With
REDIS_URL, evaluation state is shared with the other instances.

The first SIGINT or SIGTERM stops gracefully within SHUTDOWN_TIMEOUT; a
second one forces the exit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd, constraintsPath)
		},
	}
	cmd.Flags().StringVar(&constraintsPath, "constraints", "", "constraint documents (JSON array or NDJSON)")
	addSettings(cmd, serveSettings...)
	return cmd
}

// service is what serve and demo run: a connection, the streams, the
// consumer and the HTTP surface, with the embedded server when there is
// no NATS_URL.
type service struct {
	log      *slog.Logger
	emb      *broker.Embedded
	nc       *nats.Conn
	js       jetstream.JetStream
	src      constraintSource
	reloader *reloader
	db       *database
	stop     context.CancelFunc
	cons     *consumer.Consumer
	cache    *cache.Cache
	rdb      *redis.Client
	reg      *prometheus.Registry
	http     *http.Server
	httpAddr string
	url      string
	// owned are the goroutines the service starts (the reloader, the
	// HTTP server); close waits for them.
	owned sync.WaitGroup
}

// serviceOptions are the settings a service starts from.
type serviceOptions struct {
	natsURL, creds, listen, dataDir string
	port                            int
	syncInterval                    time.Duration // 0: sync every write
	maxStore                        int64         // 0: the server's default
	streams                         broker.StreamOptions
	consumer                        consumer.Config
	db                              *dbOptions
	cfg                             *config
}

func (a *app) readServiceOptions(cfg *config) (serviceOptions, error) {
	o := serviceOptions{cfg: cfg}
	var err error
	o.natsURL, o.creds = cfg.str("NATS_URL"), cfg.str("NATS_CREDS")
	o.listen, o.dataDir = cfg.str("NATS_LISTEN"), cfg.str("DATA_DIR")
	if o.port, err = cfg.int("PORT", 0); err != nil {
		return o, err
	}
	o.streams = broker.DefaultStreamOptions()
	if o.streams.MaxAge, err = cfg.duration("STREAM_MAX_AGE"); err != nil {
		return o, err
	}
	if o.streams.MaxBytes, err = cfg.bytes("STREAM_MAX_BYTES"); err != nil {
		return o, err
	}
	if o.streams.DedupWindow, err = cfg.duration("DEDUP_WINDOW"); err != nil {
		return o, err
	}
	if err := readBrokerOptions(cfg, &o); err != nil {
		return o, err
	}
	if err := o.streams.Validate(); err != nil {
		return o, usagef("%v", err)
	}
	cc := &o.consumer
	if cc.Workers, err = cfg.int("MAX_WORKERS", 1); err != nil {
		return o, err
	}
	if cc.EvalTimeout, err = cfg.duration("EVALUATION_TIMEOUT"); err != nil {
		return o, err
	}
	if cc.AckWait, err = cfg.duration("ACK_WAIT"); err != nil {
		return o, err
	}
	if cc.ShutdownTimeout, err = cfg.duration("SHUTDOWN_TIMEOUT"); err != nil {
		return o, err
	}
	cc.Durable = cfg.str("CONSUMER_NAME")
	if err := readLimits(cfg, cc); err != nil {
		return o, err
	}
	if err := readMemoryOptions(cfg, cc); err != nil {
		return o, err
	}
	if o.db, err = readDBOptions(cfg); err != nil {
		return o, err
	}
	if o.db != nil {
		// A request is acked once its history batch commits, up to
		// HISTORY_FLUSH_INTERVAL later: room for that many requests in
		// hand keeps the workers busy meanwhile.
		cc.MaxInFlight = max(4*cc.Workers, historyInFlight)
	}
	if err := cc.Validate(); err != nil {
		return o, usagef("%v", err)
	}
	return o, nil
}

func (a *app) serve(cmd *cobra.Command, constraintsPath string) error {
	cfg := newConfig(cmd)
	log, err := cfg.logger(a.stderr)
	if err != nil {
		return err
	}
	o, err := a.readServiceOptions(cfg)
	if err != nil {
		return err
	}
	var src constraintSource
	switch {
	case constraintsPath != "":
		f, err := store.OpenFile(constraintsPath)
		if err != nil {
			return inFile(constraintsPath, err)
		}
		src = fileSource{f}
	case o.db == nil:
		return usagef("no constraint source: give --constraints FILE, or DATABASE_URL for the constraint store")
	}
	ctx := cmd.Context()
	svc, err := startService(ctx, log, o, src)
	if err != nil {
		return err
	}
	defer svc.close()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var hupDone sync.WaitGroup
	defer hupDone.Wait()
	hctx, stopHup := context.WithCancel(ctx) // ends the loop when run returns on its own
	defer stopHup()
	hupDone.Add(1)
	go func() {
		defer hupDone.Done()
		for {
			select {
			case <-hctx.Done():
				return
			case <-hup:
				svc.reloader.trigger("SIGHUP")
			}
		}
	}()
	return svc.run(ctx)
}

// startService connects (starting the embedded server when there is no
// NATS_URL), applies the streams, opens Postgres when there is a
// DATABASE_URL, builds the consumer and starts the HTTP surface. A nil src
// means the constraint store. It does not start consuming: run does.
func startService(ctx context.Context, log *slog.Logger, o serviceOptions, src constraintSource) (_ *service, err error) {
	svc := &service{log: log, src: src, reg: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			svc.close()
		}
	}()
	svc.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	svcMet := newServiceMetrics(svc.reg)

	svc.url = o.natsURL
	if svc.url == "" {
		eo := o.embeddedOptions()
		eo.Logger = log
		svc.emb, err = broker.StartEmbedded(eo)
		if err != nil {
			if errors.Is(err, broker.ErrListenInUse) || errors.Is(err, broker.ErrInvalidOption) {
				return nil, usagef("NATS_LISTEN: %v", err)
			}
			return nil, fmt.Errorf("starting the embedded NATS server: %w", err)
		}
		svc.url = svc.emb.ClientURL() // StartEmbedded logs it
		o.streams.StoreLimit = svc.emb.MaxStore()
	}
	svc.nc, svc.js, err = broker.Connect(ctx, broker.ConnectOptions{URL: svc.url, Creds: o.creds, Name: "flextime serve", Logger: log})
	if err != nil {
		return nil, err
	}
	// Before anything is created there: an old server would redeliver
	// every dead letter forever.
	if err := broker.CheckServerVersion(svc.nc); err != nil {
		return nil, usagef("NATS_URL: %v", err)
	}
	changes, err := broker.ApplyStreams(ctx, svc.js, o.streams)
	if errors.Is(err, broker.ErrStoreTooSmall) || errors.Is(err, broker.ErrNotClustered) {
		return nil, usagef("applying streams: %v", err)
	}
	if err != nil {
		return nil, fmt.Errorf("applying streams: %w", err)
	}
	for _, ch := range changes {
		log.Info("stream", "name", ch.Stream, "action", ch.Action)
	}
	var opts []consumer.Option
	if o.db != nil {
		if svc.db, err = openDatabase(ctx, log, o.db, svc.reg); err != nil {
			return nil, err
		}
		opts = append(opts, consumer.WithHistory(svc.db.writer))
		if src == nil {
			svc.src = storeSource{svc.db.store}
		} else {
			log.Info("constraints come from the file; DATABASE_URL serves the history only", src.Describe()...)
		}
	}
	var bg context.Context
	bg, svc.stop = context.WithCancel(context.WithoutCancel(ctx))
	svc.reloader = newReloader(svc.src, log, dbTimeout(o.db), svcMet.Reloads)
	svc.owned.Add(1)
	go func() {
		defer svc.owned.Done()
		svc.reloader.run(bg)
	}()
	met := consumer.NewMetrics(svc.reg)
	svc.cache, svc.rdb, err = newCache(o.cfg, log, svc.reg)
	if err != nil {
		return nil, err
	}
	if svc.rdb != nil {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := svc.rdb.Ping(pctx).Err(); err != nil {
			log.Warn("Redis unreachable at start; the cache runs in-process until it is back", "error", err)
		}
		cancel()
	}
	opts = append(opts, consumer.WithLogger(log), consumer.WithMetrics(met), consumer.WithCache(svc.cache))
	svc.cons, err = consumer.New(svc.js, svc.src, o.consumer, opts...)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if _, err := svc.nc.Subscribe(CacheSubjectFlush, func(*nats.Msg) {
		svc.cache.Invalidate()
		log.Info("in-process cache flushed on request")
	}); err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", CacheSubjectFlush, err)
	}
	if _, err := svc.nc.Subscribe(broker.SubjectConstraintsChanged, func(*nats.Msg) {
		svc.reloader.trigger(broker.SubjectConstraintsChanged)
	}); err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", broker.SubjectConstraintsChanged, err)
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(o.port)))
	if err != nil {
		return nil, usagef("PORT: %v", err)
	}
	svc.httpAddr = ln.Addr().String()
	checks := api.Checks{
		"nats": func() (bool, string) {
			if svc.nc.IsConnected() {
				return true, ""
			}
			return false, "not connected to " + svc.url + " (" + svc.nc.Status().String() + ")"
		},
		"consumer":    svc.cons.Ready,
		"constraints": svc.reloader.ready,
	}
	if svc.db != nil {
		checks["history"] = svc.db.healthy
	}
	svc.http = &http.Server{Handler: api.Handler(checks, svc.reg), ReadHeaderTimeout: 5 * time.Second}
	svc.owned.Add(1)
	go func() {
		defer svc.owned.Done()
		if err := svc.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "error", err)
		}
	}()
	log.Info("serving", append([]any{"http", svc.httpAddr, "history", svc.db != nil, "redis", svc.rdb != nil,
		"workers", svc.cons.Config().Workers, "consumer", svc.cons.Config().Durable}, svc.src.Describe()...)...)
	return svc, nil
}

// run consumes until ctx ends, then stops gracefully.
func (svc *service) run(ctx context.Context) error {
	return svc.cons.Run(ctx)
}

// dbTimeout is DB_TIMEOUT, or none without a database.
func dbTimeout(o *dbOptions) time.Duration {
	if o == nil {
		return 0
	}
	return o.timeout
}

// close stops the HTTP surface, the reloader and the history writer
// (which flushes what it holds), drains the connection and stops the
// embedded server, in that order.
func (svc *service) close() {
	if svc.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = svc.http.Shutdown(ctx)
		cancel()
	}
	if svc.stop != nil {
		svc.stop()
	}
	svc.owned.Wait()
	if svc.db != nil {
		svc.db.close()
	}
	if svc.nc != nil {
		_ = svc.nc.Drain()
		for i := 0; i < 50 && !svc.nc.IsClosed(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		svc.nc.Close()
	}
	if svc.emb != nil {
		svc.emb.Shutdown()
	}
	if svc.cache != nil {
		svc.cache.Close()
	}
	if svc.rdb != nil {
		_ = svc.rdb.Close()
	}
}
