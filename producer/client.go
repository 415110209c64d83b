package producer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/schemas"
)

// ErrNoSchedule is returned by Publish for a request without a schedule,
// or whose schedule lacks its id or sport: the subject cannot be built.
var ErrNoSchedule = errors.New("request has no schedule id and sport")

// Client publishes evaluation requests for schedulers. Publish is
// asynchronous with a bounded number of requests awaiting their ack; Wait
// collects the acks. A Client is safe for concurrent use.
type Client struct {
	js   jetstream.JetStream
	sem  chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
	acks int
}

// Option configures a Client.
type Option func(*Client)

// WithMaxInFlight bounds the requests awaiting their ack (default 256).
// Publish blocks while that many are out.
func WithMaxInFlight(n int) Option {
	return func(c *Client) {
		if n > 0 {
			c.sem = make(chan struct{}, n)
		}
	}
}

// New returns a Client publishing through js.
func New(js jetstream.JetStream, opts ...Option) *Client {
	c := &Client{js: js, sem: make(chan struct{}, 256)}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Publish sends req to flextime.eval.<sport>.<schedule_id>, with
// Nats-Msg-Id set to its request_id so the stream drops a duplicate. It
// fills in a request_id when req has none, and returns it. It returns once
// the message is on its way; Wait reports whether the stream stored it.
// It blocks while MaxInFlight requests await their ack, until ctx ends.
func (c *Client) Publish(ctx context.Context, req *schemas.Request) (string, error) {
	m, err := Message(req)
	if err != nil {
		return "", err
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if err := c.track(ctx, m, req.RequestID); err != nil {
		return "", err
	}
	return req.RequestID, nil
}

// publishMsg sends a prepared request message asynchronously, like Publish.
func (c *Client) publishMsg(ctx context.Context, m *nats.Msg) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	return c.track(ctx, m, m.Header.Get(jetstream.MsgIDHeader))
}

// track publishes m, holding a slot of sem, and waits for its ack in the
// background.
func (c *Client) track(ctx context.Context, m *nats.Msg, id string) error {
	fut, err := c.js.PublishMsgAsync(m)
	if err != nil {
		<-c.sem
		return fmt.Errorf("publishing request %s: %w", id, err)
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() { <-c.sem }()
		select {
		case <-fut.Ok():
			c.mu.Lock()
			c.acks++
			c.mu.Unlock()
		case err := <-fut.Err():
			c.fail(fmt.Errorf("request %s: %w", id, err))
		case <-ctx.Done():
			c.fail(fmt.Errorf("request %s: %w", id, ctx.Err()))
		}
	}()
	return nil
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// PublishSync sends req like Publish and waits for the stream's ack.
func (c *Client) PublishSync(ctx context.Context, req *schemas.Request) (*jetstream.PubAck, error) {
	m, err := Message(req)
	if err != nil {
		return nil, err
	}
	ack, err := c.js.PublishMsg(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("publishing request %s: %w", req.RequestID, err)
	}
	return ack, nil
}

// Wait blocks until every request published so far has its ack or ctx
// ends. It returns the number acked and the failures, joined, and resets
// the failures.
func (c *Client) Wait(ctx context.Context) (acked int, err error) {
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return c.acked(), ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err = errors.Join(c.errs...)
	c.errs = nil
	return c.acks, err
}

func (c *Client) acked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acks
}

// Message builds the NATS message for req: its subject from the
// schedule's sport and id, its Nats-Msg-Id from request_id (generated
// when empty, and written back into req).
func Message(req *schemas.Request) (*nats.Msg, error) {
	if req.Schedule == nil || req.Schedule.ID == "" || req.Schedule.Sport == "" {
		return nil, ErrNoSchedule
	}
	if req.RequestID == "" {
		req.RequestID = NewRequestID()
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encoding request %s: %w", req.RequestID, err)
	}
	m := nats.NewMsg(broker.EvalSubject(req.Schedule.Sport, req.Schedule.ID))
	m.Data = body
	m.Header.Set(jetstream.MsgIDHeader, req.RequestID)
	return m, nil
}

// NewRequestID returns a fresh request_id: 22 characters, unique across
// processes.
func NewRequestID() string { return nuid.Next() }
