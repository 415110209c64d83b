package consumer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/cache"
	"github.com/flextime/flextime/history"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// ReplayHeader marks a request re-published by `flextime replay`: its
// result carries the replay id, its Nats-Msg-Id is request_id/replay_id,
// and history keeps it apart from the original evaluation.
const ReplayHeader = "Flextime-Replay-Id"

// RequestTimeHeader carries, on a replayed request, the JetStream
// timestamp of the original. History keys the replay's records on it
// rather than on the replayed copy's own timestamp, so that running the
// same replay again writes nothing new.
const RequestTimeHeader = "Flextime-Request-Time"

// ConstraintSource gives the current constraint set of a sport. The file
// source and the Postgres store both satisfy it. An error that wraps
// schemas.ErrInvalid is bad input; any other is an outage.
type ConstraintSource interface {
	ConstraintSet(ctx context.Context, sport string) (*store.Set, error)
}

// Consumer takes evaluation requests from the shared durable pull
// consumer, evaluates them in a bounded pool of workers, publishes each
// result and acks the request once the result is confirmed. Run it from
// as many processes as needed: each message goes to one of them.
type Consumer struct {
	cfg      Config
	js       jetstream.JetStream
	src      ConstraintSource
	log      *slog.Logger
	met      *Metrics
	br       *breaker
	policy   Policy
	models   *models
	cache    *cache.Cache
	history  HistoryWriter
	bound    atomic.Bool
	pending  chan pendingAck
	tokens   chan struct{}
	workers  sync.WaitGroup
	inFlight atomic.Int64
	// lateEvals counts evaluations still running after their timeout
	// result went out.
	lateEvals sync.WaitGroup
	// lastStallCheck is used by the fetch loop only.
	lastStallCheck time.Time
	// testHook runs before each evaluation; tests use it to panic or stall.
	testHook func(*schemas.Request)
}

// Option configures a Consumer.
type Option func(*Consumer)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Consumer) { c.log = l } }

// WithCache makes evaluation incremental through c: across the events of a
// schedule, and across instances when c has a Redis tier.
func WithCache(ch *cache.Cache) Option { return func(c *Consumer) { c.cache = ch } }

// WithHistory writes every evaluation to h; a request is acked only once
// its rows are committed.
func WithHistory(h HistoryWriter) Option { return func(c *Consumer) { c.history = h } }

// HistoryWriter commits evaluation records; *history.Writer is one.
// Submit may block while its queue is full; the channel it returns gets
// nil once the record is committed, or why it was not. An error wrapping
// history.ErrInvalidRecord means the record can never be stored: the
// request is dead-lettered as bad input. Any other error is an outage, and
// the request is retried.
type HistoryWriter interface {
	Submit(ctx context.Context, rec history.Record) (<-chan error, error)
}

// WithMetrics sets the collectors (default: unregistered ones).
func WithMetrics(m *Metrics) Option { return func(c *Consumer) { c.met = m } }

// New checks cfg and returns a Consumer that reads with js and takes its
// constraint sets from src. It does not touch the server until Run.
func New(js jetstream.JetStream, src ConstraintSource, cfg Config, opts ...Option) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Consumer{cfg: cfg, js: js, src: src, log: slog.Default(), policy: cfg.policy()}
	for _, o := range opts {
		o(c)
	}
	if c.met == nil {
		c.met = NewMetrics(nil)
	}
	c.br = newBreaker(c.policy)
	c.models = newModels(maxModels, cfg.ModelBytes, c.met, cfg.MaxMetricSeries)
	c.pending = make(chan pendingAck, cfg.MaxInFlight)
	c.tokens = make(chan struct{}, cfg.Workers)
	return c, nil
}

// Config returns the settings in use, defaults filled in.
func (c *Consumer) Config() Config { return c.cfg }

// Ready reports whether the consumer can take work, and if not, why: the
// durable consumer is not bound yet, or a dependency outage holds the
// circuit breaker open.
func (c *Consumer) Ready() (bool, string) {
	if !c.bound.Load() {
		return false, "consumer " + c.cfg.Durable + " not bound"
	}
	if open, why := c.br.state(); open {
		return false, "dependency outage, not fetching: " + why
	}
	return true, ""
}

// ConsumerConfig is the durable pull consumer every instance binds to.
// MaxDeliver is unlimited: the consumer decides when a message is poison,
// and a good message must survive any outage.
func (c *Consumer) ConsumerConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       c.cfg.Durable,
		Description:   "flextime evaluators; shared by every instance",
		FilterSubject: c.cfg.FilterSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: c.cfg.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
}

// Run binds the durable consumer and processes messages until ctx is
// cancelled. Then it stops fetching, lets the work in hand finish, waits
// for the publish acks and acks, all within ShutdownTimeout; what is left
// then is naked for redelivery. It returns nil after a clean stop.
func (c *Consumer) Run(ctx context.Context) error {
	cons, err := c.bind(ctx)
	if err != nil {
		return err
	}
	c.bound.Store(true)
	defer c.bound.Store(false)

	// Work outlives ctx by up to ShutdownTimeout.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	ackerDone := make(chan struct{})
	go func() {
		defer close(ackerDone)
		c.acker(work)
	}()

	c.fetchLoop(ctx, cons)

	// Phase two: finish what is in hand, within the deadline.
	c.log.Info("stopping: finishing work in hand", "timeout", c.cfg.ShutdownTimeout)
	finished := make(chan struct{})
	go func() {
		c.workers.Wait()
		close(c.pending)
		<-ackerDone
		close(finished)
	}()
	select {
	case <-finished:
		c.log.Info("stopped cleanly")
		return nil
	case <-time.After(c.cfg.ShutdownTimeout):
		cancelWork()
		<-finished
		c.log.Warn("shutdown deadline passed; unfinished messages were naked for redelivery")
		return nil
	}
}

// bind creates or updates the durable consumer, retrying while the stream
// is not reachable yet.
func (c *Consumer) bind(ctx context.Context) (jetstream.Consumer, error) {
	for {
		cons, err := c.js.CreateOrUpdateConsumer(ctx, c.cfg.Stream, c.ConsumerConfig())
		if err == nil {
			return cons, nil
		}
		if errors.Is(err, jetstream.ErrStreamNotFound) || ctx.Err() != nil {
			return nil, fmt.Errorf("binding consumer %s on %s: %w", c.cfg.Durable, c.cfg.Stream, err)
		}
		c.log.Warn("cannot bind consumer yet; retrying", "consumer", c.cfg.Durable, "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// fetchLoop pulls as many messages as there are free workers, while the
// circuit breaker allows, until ctx ends.
func (c *Consumer) fetchLoop(ctx context.Context, cons jetstream.Consumer) {
	for ctx.Err() == nil {
		// Wait for a free worker.
		select {
		case c.tokens <- struct{}{}:
		case <-ctx.Done():
			return
		}
		free := 1
		for free < c.cfg.Workers {
			select {
			case c.tokens <- struct{}{}:
				free++
				continue
			default:
			}
			break
		}
		n, wait := c.br.allow(free)
		c.met.BreakerOpen.Set(b2f(n == 0))
		for i := n; i < free; i++ {
			<-c.tokens
		}
		if n == 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			continue
		}
		batch, err := cons.Fetch(n, jetstream.FetchMaxWait(c.cfg.FetchWait))
		if err != nil {
			for range n {
				<-c.tokens
			}
			c.log.Warn("fetch failed", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(c.cfg.FetchWait):
			}
			continue
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			c.workers.Add(1)
			go c.work(msg)
		}
		if got == 0 {
			c.checkStall(ctx, cons)
		}
		for i := got; i < n; i++ {
			<-c.tokens
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			c.log.Debug("fetch ended", "error", err)
		}
	}
}

// checkStall looks, at most every stallCheck, at why an empty fetch came
// back empty. When the consumer's unacked messages have reached
// MaxAckPending while messages wait, the server delivers nothing and says
// nothing: log it, so the stall is seen.
func (c *Consumer) checkStall(ctx context.Context, cons jetstream.Consumer) {
	if time.Since(c.lastStallCheck) < stallCheck {
		return
	}
	c.lastStallCheck = time.Now()
	info, err := cons.Info(ctx)
	if err != nil {
		return
	}
	if info.NumPending > 0 && info.NumAckPending >= info.Config.MaxAckPending {
		c.log.Warn("consumer stalled: unacked messages reached max ack pending; waiting for acks or redelivery delays",
			"ack_pending", info.NumAckPending, "max_ack_pending", info.Config.MaxAckPending, "pending", info.NumPending)
	}
}

// stallCheck is how often checkStall may ask the server.
const stallCheck = 10 * time.Second

// work handles one message on a worker slot taken by the fetch loop.
func (c *Consumer) work(msg jetstream.Msg) {
	defer c.workers.Done()
	c.met.ActiveWorker.Inc()
	defer func() {
		c.met.ActiveWorker.Dec()
		<-c.tokens
	}()
	c.met.Received.Inc()

	delivered := uint64(1)
	var seq uint64
	if md, err := msg.Metadata(); err == nil {
		delivered, seq = md.NumDelivered, md.Sequence.Stream
	}

	res, set, err := c.safeHandle(msg)
	if err != nil {
		c.settle(msg, err, delivered, seq)
		return
	}
	out, err := c.resultMsg(res)
	if err != nil {
		c.settle(msg, fmt.Errorf("encoding result: %w", err), delivered, seq)
		return
	}
	fut, err := c.js.PublishMsgAsync(out)
	if err != nil {
		c.settle(msg, dependency("publishing result", err), delivered, seq)
		return
	}
	c.inFlight.Add(1)
	c.met.InFlight.Inc()
	p := pendingAck{msg: msg, fut: fut, status: res.Status, delivered: delivered, seq: seq, sent: time.Now()}
	if c.history != nil {
		rec := history.Record{RequestTS: requestTime(msg), StreamSeq: seq, Result: res}
		if set != nil {
			rec.Versions = set.VersionsJSON()
		}
		// Submit blocks while the writer's queue is full: backpressure
		// reaches the worker, and through it the fetch loop.
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.PublishTimeout+c.cfg.HistoryTimeout)
		p.hist, err = c.history.Submit(ctx, rec)
		cancel()
		if err != nil {
			p.histErr = historyError(err)
		}
	}
	// The slot is freed once the acker has room, not before: a full
	// acker queue holds the workers, and so the fetch loop.
	c.pending <- p
}

// requestTime is the request's JetStream timestamp: the time it was
// stored, which a redelivery does not change. For a replay it is the
// original's, which replaying again does not change either.
func requestTime(msg jetstream.Msg) time.Time {
	if h := msg.Headers(); h.Get(ReplayHeader) != "" {
		if ts, err := time.Parse(time.RFC3339Nano, h.Get(RequestTimeHeader)); err == nil {
			return ts
		}
	}
	if md, err := msg.Metadata(); err == nil {
		return md.Timestamp
	}
	return time.Now()
}

// safeHandle runs handle, turning a panic outside the evaluation into
// ErrPanic too.
func (c *Consumer) safeHandle(msg jetstream.Msg) (res *schemas.Result, set *store.Set, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.met.Panics.Inc()
			c.log.Error("panic while handling a message", "subject", msg.Subject(), "panic", r,
				"stack", string(debug.Stack()))
			res, set, err = nil, nil, fmt.Errorf("%w: %v", ErrPanic, r)
		}
	}()
	res, set, err = c.handle(context.Background(), msg.Data())
	if res != nil {
		res.ReplayID = msg.Headers().Get(ReplayHeader)
	}
	return res, set, err
}

// resultMsg builds the result message, with its Nats-Msg-Id so the results
// stream drops a duplicate from a redelivered request.
func (c *Consumer) resultMsg(res *schemas.Result) (*nats.Msg, error) {
	body, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg(broker.ResultSubject(res.Sport, res.ScheduleID))
	m.Data = body
	id := res.RequestID
	if res.ReplayID != "" {
		id += "/" + res.ReplayID
	}
	m.Header.Set(jetstream.MsgIDHeader, id)
	return m, nil
}

// pendingAck is a request whose result is on its way to the results
// stream.
type pendingAck struct {
	msg       jetstream.Msg
	fut       jetstream.PubAckFuture
	status    string
	delivered uint64
	seq       uint64
	sent      time.Time
	// hist reports the history commit; nil without history.
	hist    <-chan error
	histErr error
}

// acker acks each request once its result is confirmed, in publish order.
// A result that is refused or gets no ack within PublishTimeout is an
// outage: the request is naked for redelivery.
func (c *Consumer) acker(work context.Context) {
	for p := range c.pending {
		var err error
		timer := time.NewTimer(max(time.Until(p.sent.Add(c.cfg.PublishTimeout)), 0))
		select {
		case <-p.fut.Ok():
		case e := <-p.fut.Err():
			err = dependency("publishing result", e)
		case <-timer.C:
			err = dependency("publishing result", fmt.Errorf("no ack within %s", c.cfg.PublishTimeout))
		case <-work.Done():
			err = fmt.Errorf("%w: result ack not received before the deadline", ErrShutdown)
		}
		timer.Stop()
		c.inFlight.Add(-1)
		c.met.InFlight.Dec()
		if err == nil {
			c.met.Results.WithLabelValues(p.status).Inc()
		}
		if err == nil {
			err = c.awaitHistory(work, p)
		}
		c.settle(p.msg, err, p.delivered, p.seq)
	}
}

// awaitHistory waits for the request's history rows to be committed: a
// request is acked only once its result is confirmed and its history is
// written. A failure is an outage; the redelivery writes nothing twice.
func (c *Consumer) awaitHistory(work context.Context, p pendingAck) error {
	if p.histErr != nil {
		return p.histErr
	}
	if p.hist == nil {
		return nil
	}
	timer := time.NewTimer(c.cfg.HistoryTimeout)
	defer timer.Stop()
	select {
	case err := <-p.hist:
		if err != nil {
			return historyError(err)
		}
		return nil
	case <-timer.C:
		return dependency("writing history", fmt.Errorf("not committed within %s", c.cfg.HistoryTimeout))
	case <-work.Done():
		return fmt.Errorf("%w: history not committed before the deadline", ErrShutdown)
	}
}

// historyError classes a history failure: an outage, unless the writer
// says the record itself can never be stored (Postgres refused its data,
// a NUL in a name say), which is bad input.
func historyError(err error) error {
	if errors.Is(err, history.ErrInvalidRecord) {
		return badInput(fmt.Errorf("writing history: %w", err))
	}
	return dependency("writing history", err)
}

// settle carries out Decide's verdict on msg.
func (c *Consumer) settle(msg jetstream.Msg, err error, delivered, seq uint64) {
	d := Decide(err, delivered, c.policy)
	if d.Action == DeadLetter {
		if derr := c.deadLetter(msg, d, delivered, seq); derr != nil {
			// Without its dead letter, terminating would lose the message.
			d = Decide(derr, delivered, c.policy)
		}
	}
	switch d.Action {
	case Ack:
		c.br.succeed()
		if aerr := msg.Ack(); aerr != nil {
			c.log.Warn("ack failed; the message will be redelivered and its result deduplicated",
				"subject", msg.Subject(), "error", aerr)
		}
		c.met.Acked.Inc()
	case Retry:
		label := "error"
		switch {
		case errors.Is(err, ErrDependency) || d.Outage:
			label = "dependency"
			if c.br.fail(d.Reason) {
				c.met.BreakerTrips.Inc()
				c.log.Error("dependency outage: circuit open, fetching stops until it recovers", "reason", d.Reason)
			}
		case errors.Is(err, ErrPanic):
			label = "panic"
			c.br.succeed()
		case errors.Is(err, ErrShutdown):
			label = "shutdown"
		default:
			c.br.succeed()
		}
		c.met.Naked.WithLabelValues(label).Inc()
		c.log.Warn("message naked for redelivery", "subject", msg.Subject(), "delivered", delivered,
			"delay", d.Delay, "reason", d.Reason)
		if nerr := msg.NakWithDelay(d.Delay); nerr != nil {
			c.log.Warn("nak failed; the message will be redelivered after ACK_WAIT",
				"subject", msg.Subject(), "error", nerr)
		}
	case DeadLetter:
		c.br.succeed()
		c.met.DeadLettered.WithLabelValues(d.Class).Inc()
		c.log.Warn("message dead-lettered", "subject", msg.Subject(), "class", d.Class, "reason", d.Reason)
		if terr := msg.TermWithReason(d.Class); terr != nil {
			c.log.Warn("term failed; the message will be redelivered and dead-lettered again",
				"subject", msg.Subject(), "error", terr)
		}
	}
	open, _ := c.br.state()
	c.met.BreakerOpen.Set(b2f(open))
}

// deadLetter publishes the CONTRACT §3 envelope for msg and waits for its
// ack. Its Nats-Msg-Id is derived from the stream sequence, so a
// redelivered message yields one dead letter.
func (c *Consumer) deadLetter(msg jetstream.Msg, d Decision, delivered, seq uint64) error {
	data := msg.Data()
	sport, scheduleID := schemas.ScheduleKeyOf(data)
	if s, id, ok := broker.ParseEvalSubject(msg.Subject()); ok {
		if sport == "" {
			sport = s
		}
		if scheduleID == "" {
			scheduleID = id
		}
	}
	dl := schemas.DeadLetter{
		Reason:        d.Reason,
		Class:         d.Class,
		Subject:       msg.Subject(),
		Headers:       map[string][]string(msg.Headers()),
		PayloadB64:    base64.StdEncoding.EncodeToString(data),
		DeliveryCount: delivered,
		StreamSeq:     seq,
		At:            time.Now().UTC().Format(time.RFC3339Nano),
		RequestID:     schemas.RequestIDOf(data),
		Sport:         sport,
	}
	if dl.Headers == nil {
		dl.Headers = map[string][]string{}
	}
	body, err := json.Marshal(dl)
	if err != nil {
		return fmt.Errorf("encoding dead letter: %w", err)
	}
	m := nats.NewMsg(broker.DLQSubject(sport))
	m.Data = body
	m.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("dlq/%s/%d", c.cfg.Stream, seq))
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.PublishTimeout)
	defer cancel()
	if _, err := c.js.PublishMsg(ctx, m); err != nil {
		return dependency("publishing dead letter", err)
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
