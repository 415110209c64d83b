package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cenkalti/backoff/v4"
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
// and history keeps it apart from the original evaluation. It must come
// with ReplaySeqHeader naming the original, or the request is bad input.
const ReplayHeader = "Flextime-Replay-Id"

// RequestTimeHeader once carried, on a replayed request, the original's
// timestamp. Anyone who can publish can set it, so it is never read: the
// consumer reads the original back by ReplaySeqHeader instead.
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
	tokens   chan struct{}
	workers  sync.WaitGroup
	inFlight atomic.Int64
	// ackSlots bounds the requests whose result is published and whose
	// ack (after the publish ack and the history commit) is awaited, each
	// by a goroutine of its own counted in ackers.
	ackSlots chan struct{}
	ackers   sync.WaitGroup
	// fetchErr says why the last fetch failed; nil once one succeeds.
	fetchErr atomic.Pointer[string]
	// lastFetchWarn and fetchFailures rate-limit the fetch failure log;
	// the fetch loop alone uses them.
	lastFetchWarn time.Time
	fetchFailures int
	// originals reads replayed requests' originals back (requestTime).
	originals originals
	// testHook runs before each evaluation; tests use it to panic or stall.
	testHook func(*schemas.Request)

	// denied tells a publish the server refused from one that timed out.
	denied *denials
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
	if h, ok := js.(interface{ Conn() *nats.Conn }); ok {
		c.denied = watchDenials(h.Conn())
	}
	c.models = newModels(maxModels, cfg.ModelBytes, c.met, cfg.MaxMetricSeries)
	c.ackSlots = make(chan struct{}, cfg.MaxInFlight)
	c.tokens = make(chan struct{}, cfg.Workers)
	return c, nil
}

// Config returns the settings in use, defaults filled in.
func (c *Consumer) Config() Config { return c.cfg }

// Ready reports whether the consumer can take work, and if not, why: the
// durable consumer is not bound yet, fetching fails (the consumer or its
// stream was deleted, the server is away), or a dependency outage holds
// the circuit breaker open.
func (c *Consumer) Ready() (bool, string) {
	if !c.bound.Load() {
		return false, "consumer " + c.cfg.Durable + " not bound"
	}
	if why := c.fetchErr.Load(); why != nil {
		return false, "consumer cannot fetch: " + *why
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

	// Work outlives ctx by up to ShutdownTimeout. Then it is cancelled
	// with a cause wrapping ErrShutdown, and with it every request's
	// context: a hung constraint store, Redis or history write ends, and
	// its message is naked at once for another instance.
	work, cancelWork := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelWork(nil)

	lagDone := make(chan struct{})
	go func() {
		defer close(lagDone)
		c.pollLag(ctx)
	}()

	c.fetchLoop(ctx, work, cons)
	<-lagDone

	// Phase two: finish what is in hand, within the deadline. A worker
	// returns only after its late evaluation (if any) ended, and starts
	// its acker before it returns, so the second Wait sees every acker.
	c.log.Info("stopping: finishing work in hand", "timeout", c.cfg.ShutdownTimeout)
	finished := make(chan struct{})
	go func() {
		c.workers.Wait()
		c.ackers.Wait()
		close(finished)
	}()
	deadline := time.NewTimer(c.cfg.ShutdownTimeout)
	defer deadline.Stop()
	select {
	case <-finished:
		c.log.Info("stopped cleanly")
		return nil
	case <-deadline.C:
		cancelWork(fmt.Errorf("%w: the shutdown deadline (%s) passed", ErrShutdown, c.cfg.ShutdownTimeout))
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
// circuit breaker allows, until ctx ends. A fetch that fails is counted,
// logged (at most once per fetchWarnEvery), makes Ready false and is
// tried again after a growing delay; when the durable consumer or its
// stream is gone, the loop binds the consumer again before the next
// fetch.
//
// The loop stays hand-rolled rather than using nats.go's Consume or
// Messages: those keep a buffer of prefetched messages, so messages would
// sit in hand (their AckWait running) beyond the free workers, and would
// keep arriving while the breaker is open. Fetching exactly as many as
// there are free workers keeps both bounds; the errors Consume would
// report (a deleted consumer, no responders) are handled here instead.
//
// Workers run under work, which outlives ctx until the shutdown deadline.
func (c *Consumer) fetchLoop(ctx, work context.Context, cons jetstream.Consumer) {
	retry := fetchBackOff(c.cfg.FetchWait)
	rebind := false
	for ctx.Err() == nil {
		if rebind {
			next, err := c.rebind(ctx)
			if err != nil {
				c.fetchFailed(err)
				sleep(ctx, retry.NextBackOff())
				continue
			}
			cons, rebind = next, false
		}
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
			sleep(ctx, wait)
			continue
		}
		batch, err := cons.Fetch(n, jetstream.FetchMaxWait(c.cfg.FetchWait))
		got := 0
		if err == nil {
			for msg := range batch.Messages() {
				got++
				c.workers.Add(1)
				go c.work(work, msg)
			}
			err = batch.Error()
		}
		for i := got; i < n; i++ {
			<-c.tokens
		}
		if got == 0 {
			// A probe that brought nothing has no verdict to wait for.
			c.br.probeEmpty()
		}
		if err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, jetstream.ErrNoMessages) {
			if ctx.Err() != nil {
				return
			}
			c.fetchFailed(err)
			rebind = consumerGone(err)
			sleep(ctx, retry.NextBackOff())
			continue
		}
		retry.Reset()
		c.fetchSucceeded()
	}
}

// rebind binds the durable consumer again after it (or its stream) was
// deleted under the running consumer, within PublishTimeout.
func (c *Consumer) rebind(ctx context.Context) (jetstream.Consumer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.PublishTimeout)
	defer cancel()
	cons, err := c.js.CreateOrUpdateConsumer(ctx, c.cfg.Stream, c.ConsumerConfig())
	if err != nil {
		return nil, fmt.Errorf("binding consumer %s on %s again: %w", c.cfg.Durable, c.cfg.Stream, err)
	}
	c.met.Rebinds.Inc()
	c.log.Warn("consumer was deleted under us; bound it again", "consumer", c.cfg.Durable, "stream", c.cfg.Stream)
	return cons, nil
}

// consumerGone reports a fetch error that means the durable consumer or
// its stream no longer exists: a pull request that nobody answers, or the
// server saying the consumer was deleted. Fetching again cannot help;
// binding again can.
func consumerGone(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, nats.ErrNoResponders)
}

// fetchFailed records a failed fetch or bind: Ready says why until a
// fetch succeeds, the failure is counted, and logged at most once per
// fetchWarnEvery with the number of failures since the last line, so a
// failure that repeats every few milliseconds neither hides nor floods.
// Only the fetch loop calls it.
func (c *Consumer) fetchFailed(err error) {
	why := err.Error()
	c.fetchErr.Store(&why)
	c.met.FetchErrors.Inc()
	c.fetchFailures++
	if now := time.Now(); now.Sub(c.lastFetchWarn) >= fetchWarnEvery {
		c.log.Warn("cannot fetch requests; retrying", "consumer", c.cfg.Durable, "error", err,
			"failures", c.fetchFailures)
		c.lastFetchWarn, c.fetchFailures = now, 0
	}
}

// fetchSucceeded clears what fetchFailed recorded.
func (c *Consumer) fetchSucceeded() {
	if c.fetchErr.Swap(nil) != nil {
		c.log.Info("fetching requests again", "consumer", c.cfg.Durable)
		c.lastFetchWarn, c.fetchFailures = time.Time{}, 0
	}
}

// fetchWarnEvery bounds how often a failing fetch is logged.
const fetchWarnEvery = 10 * time.Second

// fetchBackOff is the delay between failed fetches: from a tenth of
// FetchWait, doubling, up to five times FetchWait. It never gives up: the
// server may be away for long.
func fetchBackOff(fetchWait time.Duration) *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = max(fetchWait/10, 10*time.Millisecond)
	b.MaxInterval = max(5*fetchWait, b.InitialInterval)
	b.Multiplier = 2
	b.RandomizationFactor = 0.2
	b.MaxElapsedTime = 0
	b.Reset()
	return b
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// pollLag reads the durable consumer's lag every LagInterval until ctx
// ends, each call within PublishTimeout, into the num_pending and
// num_ack_pending gauges. It also names the stall the server keeps quiet
// about: unacked messages at MaxAckPending while messages wait, so that
// the server delivers nothing more.
func (c *Consumer) pollLag(ctx context.Context) {
	var lastStallWarn time.Time
	tick := time.NewTicker(c.cfg.LagInterval)
	defer tick.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, c.cfg.PublishTimeout)
		cons, err := c.js.Consumer(rctx, c.cfg.Stream, c.cfg.Durable)
		cancel()
		if err == nil {
			info := cons.CachedInfo()
			c.met.NumPending.Set(float64(info.NumPending))
			c.met.NumAckPending.Set(float64(info.NumAckPending))
			if info.NumPending > 0 && info.NumAckPending >= info.Config.MaxAckPending &&
				time.Since(lastStallWarn) >= stallWarnEvery {
				lastStallWarn = time.Now()
				c.log.Warn("consumer stalled: unacked messages reached max ack pending; waiting for acks or redelivery delays",
					"ack_pending", info.NumAckPending, "max_ack_pending", info.Config.MaxAckPending, "pending", info.NumPending)
			}
		} else if ctx.Err() == nil {
			// The fetch loop reports a missing consumer; this only says
			// the gauges are stale.
			c.log.Debug("cannot read consumer lag", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// stallWarnEvery bounds how often pollLag logs a stall.
const stallWarnEvery = 10 * time.Second

// work handles one message on a worker slot taken by the fetch loop.
// The message's context ends at AckWait, when the server redelivers it
// anyway, or when work is cancelled at the shutdown deadline.
func (c *Consumer) work(work context.Context, msg jetstream.Msg) {
	defer c.workers.Done()
	c.met.ActiveWorker.Inc()
	// late counts the evaluation still running after its timeout result
	// went out. The slot is given back only once it ends, so that no more
	// than Workers evaluations ever run at once; the result is not held
	// up by it.
	var late sync.WaitGroup
	defer func() {
		late.Wait()
		c.met.ActiveWorker.Dec()
		<-c.tokens
	}()
	ctx, cancel := context.WithTimeout(work, c.cfg.AckWait)
	defer cancel()
	c.met.Received.Inc()

	delivered := uint64(1)
	var seq uint64
	if md, err := msg.Metadata(); err == nil {
		delivered, seq = md.NumDelivered, md.Sequence.Stream
	}

	// A replay claim is checked before the evaluation it would waste.
	requestTS, err := c.requestTime(ctx, msg)
	if err != nil {
		c.settle(msg, err, delivered, seq)
		return
	}
	res, set, err := c.safeHandle(ctx, msg, &late)
	if err != nil {
		c.settle(msg, err, delivered, seq)
		return
	}
	// Explanations are what grow: a result could be 150 times its
	// request. History gets the capped result too.
	res = capViolations(res, c.cfg.MaxViolations)
	out, err := c.resultMsg(res)
	if err != nil {
		c.settle(msg, fmt.Errorf("encoding result: %w", err), delivered, seq)
		return
	}
	// An acker slot is taken before publishing, so MaxInFlight bounds the
	// publishes awaiting their ack. A full house holds the workers, and
	// so the fetch loop.
	c.ackSlots <- struct{}{}
	fut, err := c.js.PublishMsgAsync(out)
	if err != nil {
		<-c.ackSlots
		c.settle(msg, publishError("publishing result", err), delivered, seq)
		return
	}
	c.inFlight.Add(1)
	c.met.InFlight.Inc()
	p := pendingAck{msg: msg, fut: fut, subject: out.Subject, status: res.Status, delivered: delivered, seq: seq, sent: time.Now()}
	if c.history != nil {
		rec := history.Record{RequestTS: requestTS, StreamSeq: seq, Result: res}
		if set != nil {
			rec.Versions = set.VersionsJSON()
		}
		// Submit blocks while the writer's queue is full: backpressure
		// reaches the worker, and through it the fetch loop.
		hctx, hcancel := context.WithTimeout(ctx, c.cfg.PublishTimeout+c.cfg.HistoryTimeout)
		p.hist, err = c.history.Submit(hctx, rec)
		hcancel()
		if err != nil {
			p.histErr = historyError(ctx, err)
		}
		// The commit is awaited until HistoryTimeout from now, however
		// many requests are awaited before it.
		p.histBy = time.Now().Add(c.cfg.HistoryTimeout)
	}
	c.ackers.Add(1)
	go func() {
		defer c.ackers.Done()
		defer func() { <-c.ackSlots }()
		c.acker(work, p)
	}()
}

// safeHandle runs handle, turning a panic outside the evaluation into
// ErrPanic too.
func (c *Consumer) safeHandle(ctx context.Context, msg jetstream.Msg, late *sync.WaitGroup) (res *schemas.Result, set *store.Set, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.met.Panics.Inc()
			c.log.Error("panic while handling a message", "subject", msg.Subject(), "panic", r,
				"stack", string(debug.Stack()))
			res, set, err = nil, nil, fmt.Errorf("%w: %v", ErrPanic, r)
		}
	}()
	if err := checkHeaders(msg.Headers()); err != nil {
		return nil, nil, err
	}
	res, set, err = c.handle(ctx, msg.Data(), late)
	if res != nil {
		res.ReplayID = msg.Headers().Get(ReplayHeader)
	}
	return res, set, err
}

// resultMsg builds the result message, with its Nats-Msg-Id so the results
// stream drops a duplicate from a redelivered request. Its body fits the
// server's max payload (and MaxResultBytes): see encodeResult.
func (c *Consumer) resultMsg(res *schemas.Result) (*nats.Msg, error) {
	body, err := encodeResult(res, c.bodyLimit(c.cfg.MaxResultBytes))
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
	subject   string
	status    string
	delivered uint64
	seq       uint64
	sent      time.Time
	// hist reports the history commit; nil without history. It is
	// awaited until histBy.
	hist    <-chan error
	histErr error
	histBy  time.Time
}

// acker acks one request once its result is confirmed and its history
// committed. Each request has an acker of its own, so one slow commit
// holds up no other request's ack. A result that is refused or gets no
// ack within PublishTimeout of its publish is an outage: the request is
// naked for redelivery.
func (c *Consumer) acker(work context.Context, p pendingAck) {
	var err error
	timer := time.NewTimer(max(time.Until(p.sent.Add(c.cfg.PublishTimeout)), 0))
	select {
	case <-p.fut.Ok():
	case e := <-p.fut.Err():
		err = publishError("publishing result", e)
	case <-timer.C:
		err = c.timeoutError("publishing result", p.subject, p.sent, fmt.Errorf("no ack within %s", c.cfg.PublishTimeout))
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
	timer := time.NewTimer(max(time.Until(p.histBy), 0))
	defer timer.Stop()
	select {
	case err := <-p.hist:
		if err != nil {
			return historyError(work, err)
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
func historyError(ctx context.Context, err error) error {
	if errors.Is(err, history.ErrInvalidRecord) {
		return badInput(fmt.Errorf("writing history: %w", err))
	}
	return outage(ctx, "writing history", err)
}

// settle carries out Decide's verdict on msg.
func (c *Consumer) settle(msg jetstream.Msg, err error, delivered, seq uint64) {
	d := Decide(err, delivered, c.policy)
	if d.Action == DeadLetter {
		if derr := c.deadLetter(msg, d, delivered, seq); errors.Is(derr, ErrUnpublishable) {
			// The dead letter itself can never be published (its subject
			// is not permitted, say): redelivering would only spin. The
			// message is terminated, and this line is all that is left.
			c.log.Error("dead letter cannot be published; the message is dropped",
				"subject", msg.Subject(), "class", d.Class, "reason", d.Reason, "error", derr)
		} else if derr != nil {
			// Without its dead letter, terminating would lose the message.
			d = Decide(derr, delivered, c.policy)
		}
	}
	switch d.Action {
	case Ack:
		c.br.succeed()
		if aerr := msg.Ack(); aerr != nil {
			c.met.SettleFailed.WithLabelValues("ack").Inc()
			c.log.Warn("ack failed; the message will be redelivered and its result deduplicated",
				"subject", msg.Subject(), "error", aerr)
		} else {
			c.met.Acked.Inc()
		}
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
			c.met.SettleFailed.WithLabelValues("nak").Inc()
			c.log.Warn("nak failed; the message will be redelivered after ACK_WAIT",
				"subject", msg.Subject(), "error", nerr)
		}
	case DeadLetter:
		c.br.succeed()
		c.met.DeadLettered.WithLabelValues(d.Class).Inc()
		c.log.Warn("message dead-lettered", "subject", msg.Subject(), "class", d.Class, "reason", d.Reason)
		if terr := msg.TermWithReason(d.Class); terr != nil {
			c.met.SettleFailed.WithLabelValues("term").Inc()
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
	if utf8.RuneCountInString(sport) > schemas.MaxIDLen {
		// Too long for a subject token: the server would close the
		// connection over it. The request's subject says it shorter.
		sport = ""
	}
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
		DeliveryCount: delivered,
		StreamSeq:     seq,
		At:            time.Now().UTC().Format(time.RFC3339Nano),
		RequestID:     schemas.RequestIDOf(data),
		Sport:         sport,
	}
	if dl.Headers == nil {
		dl.Headers = map[string][]string{}
	}
	// A dead letter always fits: the payload is cut short, and says so,
	// rather than the dead letter refused.
	body, err := fitDeadLetter(&dl, data, c.bodyLimit(0))
	if err != nil {
		return fmt.Errorf("encoding dead letter: %w", err)
	}
	m := nats.NewMsg(broker.DLQSubject(sport))
	m.Data = body
	m.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("dlq/%s/%d", c.cfg.Stream, seq))
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.PublishTimeout)
	defer cancel()
	sent := time.Now()
	if _, err := c.js.PublishMsg(ctx, m); err != nil {
		return c.timeoutError("publishing dead letter", m.Subject, sent, err)
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
