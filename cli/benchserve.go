package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/examples/big12"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// benchSettings are serve's, less the addresses bench chooses itself: the
// embedded server always listens on a free loopback port and keeps its
// data in a temporary directory, and the HTTP surface takes a free port.
// A function, since serveSettings grows in init.
func benchSettings() []string {
	return slices.DeleteFunc(slices.Clone(serveSettings), func(s string) bool {
		return s == "PORT" || s == "NATS_LISTEN" || s == "DATA_DIR"
	})
}

// benchWorkloads are the workloads bench knows, in the order it runs
// them. A workload turns the options into requests and the constraints
// they are scored against; the patch workloads (mbb-patch, itc-patch)
// join here once patch requests exist.
var benchWorkloads = []benchWorkloadDef{
	{"mbb-full", mbbFull},
	{"itc-full", itcFull},
}

// benchWorkloadDef names a workload and how to generate it.
type benchWorkloadDef struct {
	name string
	gen  func(o benchOptions) (*benchWorkload, error)
}

// benchOptions are bench's flags.
type benchOptions struct {
	requests  int
	runs      int
	workloads []string
	instances []string
	itcDir    string
	timeout   time.Duration
	json      bool
	// purgeOK allows bench on the server of NATS_URL, whose
	// FLEXTIME_EVAL it purges between the two sides.
	purgeOK bool
}

// benchWorkload is what one workload publishes and serve scores it with.
type benchWorkload struct {
	name        string
	reqs        []*schemas.Request
	constraints []schemas.Constraint
}

// benchPhase is one measured side of a run: how fast requests came back
// and how long each took from publish to result.
type benchPhase struct {
	RPS   float64 `json:"req_per_s"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
}

// benchSide is the relay or serve in a workload's report: full load and
// the paced run at half serve's peak rate, medians over the runs.
type benchSide struct {
	RPS       float64 `json:"req_per_s"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
	HalfRPS   float64 `json:"half_rate_req_per_s"`
	HalfP50MS float64 `json:"half_rate_p50_ms"`
	HalfP99MS float64 `json:"half_rate_p99_ms"`
}

// benchReport is one workload's line of the table and element of --json.
type benchReport struct {
	Workload string    `json:"workload"`
	Requests int       `json:"requests"`
	Runs     int       `json:"runs"`
	Workers  int       `json:"workers"`
	History  bool      `json:"history"`
	Redis    bool      `json:"redis"`
	Relay    benchSide `json:"relay"`
	Serve    benchSide `json:"serve"`
	Ratio    float64   `json:"ratio"`
	// PeakRSSMB is the highest VmRSS sampled (every 50ms) from
	// /proc/self/status while serve ran. The process also hosts the
	// embedded broker and the load generator, so it is an upper bound on
	// serve's own.
	PeakRSSMB float64 `json:"peak_rss_mb"`
	RSSSource string  `json:"rss_source"`
}

func (a *app) benchCommand() *cobra.Command {
	var o benchOptions
	var workloads, instances string
	cmd := &cobra.Command{
		Use:   "bench [--workload W,...] [--requests N] [--runs K] [--json]",
		Short: "Measure serve against a no-op relay on the same requests",
		Long: `bench measures the service the way users run it, against the transport
alone. For each workload it generates requests, then, in the same process
and on the same JetStream server, measures a no-op relay (a consumer with
serve's durable configuration and worker count that republishes each
request as its result and acks once that publish is confirmed) and serve
itself, started exactly as "flextime serve" starts. Each side runs at full
load and then paced at half serve's peak rate. It reports requests per
second, serve/relay ratio, p50/p99 latency from publish to the result
seen, and the peak RSS sampled while serve ran; each figure is the median
of --runs runs.

Without NATS_URL it starts an embedded JetStream server on a free loopback
port with its data in a temporary directory. DATABASE_URL adds history,
REDIS_URL the shared cache, as for serve. Between the relay and serve it
purges FLEXTIME_EVAL and deletes its relay consumer: with NATS_URL, give
it a server of its own, and --purge-ok to say so.

Workloads: mbb-full (whole Big 12 men's basketball schedules, four
schedule ids, one game moved per request), itc-full (ITC2021 solutions
from --itc-dir, every request a new schedule id).`,
		Example: `  flextime bench --requests 2000 --workload mbb-full --runs 3
  flextime bench --workload itc-full --instance ITC2021_Middle_03 --requests 200 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.workloads = splitComma(workloads)
			o.instances = splitComma(instances)
			if err := o.validate(); err != nil {
				return err
			}
			return a.bench(cmd, o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.requests, "requests", 1000, "requests per workload and phase")
	f.IntVar(&o.runs, "runs", 1, "runs per workload; figures are their medians")
	f.StringVar(&workloads, "workload", "mbb-full,itc-full", "workloads to run, comma-separated (mbb-full, itc-full)")
	f.StringVar(&instances, "instance", "ITC2021_Late_01,ITC2021_Early_09", "ITC2021 instances of itc-full, comma-separated")
	f.StringVar(&o.itcDir, "itc-dir", filepath.Join("..", "shared", "itc2021"), "directory with the ITC2021 instances/ and solutions/")
	f.DurationVar(&o.timeout, "timeout", 10*time.Minute, "longest any one phase may take")
	f.BoolVar(&o.json, "json", false, "print JSON instead of a table")
	f.BoolVar(&o.purgeOK, "purge-ok", false, "with NATS_URL: that server's FLEXTIME_EVAL may be purged (give bench a server of its own)")
	addSettings(cmd, benchSettings()...)
	return cmd
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// validate refuses flags bench cannot run with, naming the flag.
func (o benchOptions) validate() error {
	if o.requests < 1 || o.requests > 1_000_000 {
		return usagef("--requests: %d is out of range 1..1000000", o.requests)
	}
	if o.runs < 1 || o.runs > 100 {
		return usagef("--runs: %d is out of range 1..100", o.runs)
	}
	if o.timeout <= 0 {
		return usagef("--timeout: must be positive")
	}
	if len(o.workloads) == 0 {
		return usagef("--workload: none given")
	}
	for _, w := range o.workloads {
		if !slices.ContainsFunc(benchWorkloads, func(b benchWorkloadDef) bool { return b.name == w }) {
			return usagef("--workload: unknown workload %q (there are mbb-full, itc-full)", w)
		}
	}
	if slices.Contains(o.workloads, "itc-full") && len(o.instances) == 0 {
		return usagef("--instance: none given")
	}
	return nil
}

func (a *app) bench(cmd *cobra.Command, bo benchOptions) error {
	cfg := newConfig(cmd)
	log, err := cfg.logger(a.stderr)
	if err != nil {
		return err
	}
	o, err := a.readServiceOptions(cfg)
	if err != nil {
		return err
	}
	o.listen, o.port = "127.0.0.1:0", 0
	if o.natsURL != "" && !loopbackURL(o.natsURL) {
		return usagef("NATS_URL: bench sends traffic only to loopback, not %s", o.natsURL)
	}
	if o.natsURL != "" && !bo.purgeOK {
		return usagef("NATS_URL: bench purges FLEXTIME_EVAL between the relay and serve; give it a server of its own and --purge-ok")
	}
	ctx := cmd.Context()
	var reports []benchReport
	for _, b := range benchWorkloads {
		if !slices.Contains(bo.workloads, b.name) {
			continue
		}
		w, err := b.gen(bo)
		if err != nil {
			return err
		}
		rep, err := a.benchWorkload(ctx, log, o, bo, w)
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		reports = append(reports, *rep)
	}
	out := bufio.NewWriter(a.stdout)
	if bo.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
		return out.Flush()
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\trequests\trelay req/s\tserve req/s\tratio\trelay p50/p99 ms\tserve p50/p99 ms\thalf-rate req/s\trelay p50/p99 ms\tserve p50/p99 ms\tpeak RSS MB\t")
	for _, r := range reports {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.3f\t%.1f/%.1f\t%.1f/%.1f\t%.0f\t%.1f/%.1f\t%.1f/%.1f\t%.0f\t\n",
			r.Workload, r.Requests, r.Relay.RPS, r.Serve.RPS, r.Ratio, r.Relay.P50MS, r.Relay.P99MS,
			r.Serve.P50MS, r.Serve.P99MS, r.Serve.HalfRPS, r.Relay.HalfP50MS, r.Relay.HalfP99MS,
			r.Serve.HalfP50MS, r.Serve.HalfP99MS, r.PeakRSSMB)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(reports) > 0 {
		fmt.Fprintf(out, "median of %d run(s), %d workers; history %v, redis %v; peak RSS is %s\n",
			reports[0].Runs, reports[0].Workers, reports[0].History, reports[0].Redis, reports[0].RSSSource)
	}
	return out.Flush()
}

// loopbackURL reports whether every server of a NATS URL list is on a
// loopback host.
func loopbackURL(urls string) bool {
	for _, u := range strings.Split(urls, ",") {
		u = strings.TrimSpace(u)
		if i := strings.Index(u, "://"); i >= 0 {
			u = u[i+3:]
		}
		if i := strings.LastIndex(u, "@"); i >= 0 {
			u = u[i+1:]
		}
		host := u
		if i := strings.LastIndex(u, ":"); i >= 0 && !strings.HasSuffix(u, "]") {
			host = u[:i]
		}
		host = strings.Trim(host, "[]")
		if host != "localhost" && !strings.HasPrefix(host, "127.") && host != "::1" {
			return false
		}
	}
	return true
}

// benchWorkload runs a workload bo.runs times and takes the medians.
func (a *app) benchWorkload(ctx context.Context, log *slog.Logger, o serviceOptions, bo benchOptions, w *benchWorkload) (*benchReport, error) {
	dir, err := os.MkdirTemp("", "flextime-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cpath := filepath.Join(dir, "constraints.ndjson")
	if err := writeNDJSON(cpath, w.constraints); err != nil {
		return nil, err
	}
	var pb *progressbar.ProgressBar
	if a.isTerminal() && !bo.json {
		pb = progressbar.NewOptions(4*len(w.reqs)*bo.runs, progressbar.OptionSetWriter(a.stderr),
			progressbar.OptionSetDescription(w.name), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		defer pb.Finish()
	}
	var runs [][4]benchPhase
	var rss []float64
	for run := range bo.runs {
		var r [4]benchPhase
		var peak float64
		// Full load, then paced at half serve's peak: each pair on a
		// fresh service, since a consumer runs once.
		for half := range 2 {
			rate := 0.0
			if half == 1 {
				rate = r[1].RPS / 2
			}
			oo := o
			if o.natsURL == "" {
				oo.dataDir = filepath.Join(dir, fmt.Sprintf("data-%d-%d", run, half))
			}
			f, err := store.OpenFile(cpath)
			if err != nil {
				return nil, err
			}
			svc, err := startService(ctx, log, oo, fileSource{f})
			if err != nil {
				return nil, err
			}
			tag := fmt.Sprintf("%d-%d", run, half)
			relay, serve, p, err := benchPair(ctx, svc, bo.timeout, w.reqs, rate, tag, pb)
			svc.close()
			if err != nil {
				return nil, err
			}
			r[2*half], r[2*half+1] = relay, serve
			peak = max(peak, p)
		}
		runs = append(runs, r)
		rss = append(rss, peak)
	}
	med := func(i int, f func(benchPhase) float64) float64 {
		xs := make([]float64, len(runs))
		for k, r := range runs {
			xs[k] = f(r[i])
		}
		return medianF(xs)
	}
	side := func(full, half int) benchSide {
		return benchSide{
			RPS: med(full, func(p benchPhase) float64 { return p.RPS }), P50MS: med(full, func(p benchPhase) float64 { return p.P50MS }),
			P99MS: med(full, func(p benchPhase) float64 { return p.P99MS }), HalfRPS: med(half, func(p benchPhase) float64 { return p.RPS }),
			HalfP50MS: med(half, func(p benchPhase) float64 { return p.P50MS }), HalfP99MS: med(half, func(p benchPhase) float64 { return p.P99MS }),
		}
	}
	ratios := make([]float64, len(runs))
	for k, r := range runs {
		ratios[k] = r[1].RPS / r[0].RPS
	}
	return &benchReport{
		Workload: w.name, Requests: len(w.reqs), Runs: bo.runs, Workers: o.consumer.Workers,
		History: o.db != nil, Redis: o.cfg.str("REDIS_URL") != "",
		Relay: side(0, 2), Serve: side(1, 3), Ratio: medianF(ratios),
		PeakRSSMB: medianF(rss), RSSSource: "VmRSS sampled every 50ms while serve ran (the process also hosts the broker and the load generator)",
	}, nil
}

func writeNDJSON(path string, docs []schemas.Constraint) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i := range docs {
		if err := writeJSON(w, &docs[i], false); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchPair measures the relay, then serve, on one started service, each
// on its own copy of reqs (request ids tagged so that neither the
// dedup window nor the other side's results mix in). rate 0 publishes as
// fast as the server acks; otherwise requests are paced at rate per
// second. It returns the peak VmRSS sampled while serve ran, in MB.
func benchPair(ctx context.Context, svc *service, timeout time.Duration, reqs []*schemas.Request, rate float64, tag string, pb *progressbar.ProgressBar) (relay, serve benchPhase, rssMB float64, err error) {
	cfg := svc.cons.ConsumerConfig()
	cfg.Durable = "bench-relay"
	cfg.Description = "flextime bench: the no-op relay"
	workers := svc.cons.Config().Workers
	relay, err = benchPhaseRun(ctx, svc, timeout, reqs, rate, "relay-"+tag, pb, func(ctx context.Context) error {
		return runRelay(ctx, svc.js, cfg, workers)
	})
	if err != nil {
		return relay, serve, 0, fmt.Errorf("relay: %w", err)
	}
	if err := svc.js.DeleteConsumer(ctx, broker.StreamEval, cfg.Durable); err != nil {
		return relay, serve, 0, fmt.Errorf("deleting the relay consumer: %w", err)
	}
	// serve must not see the relay's requests.
	st, err := svc.js.Stream(ctx, broker.StreamEval)
	if err == nil {
		err = st.Purge(ctx)
	}
	if err != nil {
		return relay, serve, 0, fmt.Errorf("purging %s: %w", broker.StreamEval, err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	rssDone := make(chan float64)
	go func() { rssDone <- sampleRSS(sctx) }()
	serve, err = benchPhaseRun(ctx, svc, timeout, reqs, rate, "serve-"+tag, pb, svc.run)
	stop()
	rssMB = <-rssDone
	if err != nil {
		return relay, serve, rssMB, fmt.Errorf("serve: %w", err)
	}
	return relay, serve, rssMB, nil
}

// benchInFlight bounds the publishes awaiting their ack, as the producer's
// default does.
const benchInFlight = 256

// requestIDOf finds the request_id of a request or result document
// without decoding it whole: the collector must cost far less than what it
// measures. Both documents write request_id first; a document where it is
// not found is not one of bench's.
func requestIDOf(doc []byte) (string, bool) {
	const key = `"request_id":"`
	head := doc[:min(len(doc), 512)]
	i := bytes.Index(head, []byte(key))
	if i < 0 {
		return "", false
	}
	rest := head[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", false
	}
	return string(rest[:j]), true
}

// sampleRSS returns the highest VmRSS of this process, in MB, sampled
// every 50ms until ctx ends.
func sampleRSS(ctx context.Context) float64 {
	var peak float64
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		peak = max(peak, readVmRSS())
		select {
		case <-ctx.Done():
			return peak
		case <-t.C:
		}
	}
}

func readVmRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// benchPhaseRun runs consume (the relay or serve) while it publishes reqs
// under fresh ids and waits, within timeout, for every result. A dead
// letter ends the phase with its reason.
func benchPhaseRun(ctx context.Context, svc *service, timeout time.Duration, reqs []*schemas.Request, rate float64, tag string, pb *progressbar.ProgressBar, consume func(context.Context) error) (benchPhase, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	n := len(reqs)
	var mu sync.Mutex
	sent := make(map[string]time.Time, n)
	lat := make([]time.Duration, 0, n)
	done := make(chan struct{})
	failed := make(chan string, 1)
	prefix := "bench-" + tag + "-"
	sub, err := svc.nc.Subscribe("flextime.results.>", func(m *nats.Msg) {
		id, ok := requestIDOf(m.Data)
		if !ok || !strings.HasPrefix(id, prefix) {
			return
		}
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		t0, ok := sent[id]
		if !ok {
			return
		}
		delete(sent, id)
		lat = append(lat, now.Sub(t0))
		if pb != nil {
			_ = pb.Add(1)
		}
		if len(lat) == n {
			close(done)
		}
	})
	if err != nil {
		return benchPhase{}, err
	}
	defer sub.Unsubscribe()
	_ = sub.SetPendingLimits(-1, -1)
	dsub, err := svc.nc.Subscribe("flextime.dlq.>", func(m *nats.Msg) {
		if strings.Contains(string(m.Data), prefix) {
			select {
			case failed <- strings.TrimSpace(m.Header.Get("Flextime-Reason") + " " + string(m.Data[:min(len(m.Data), 200)])):
			default:
			}
		}
	})
	if err != nil {
		return benchPhase{}, err
	}
	defer dsub.Unsubscribe()

	cctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var consErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		consErr = consume(cctx)
	}()
	defer func() { stop(); wg.Wait() }()

	// Encoded before the clock starts: the generator's cost is not the
	// measured side's.
	msgs := make([]*nats.Msg, len(reqs))
	for i, r := range reqs {
		rr := *r
		rr.RequestID = prefix + strconv.Itoa(i)
		if msgs[i], err = producer.Message(&rr); err != nil {
			return benchPhase{}, err
		}
	}
	// At most benchInFlight publishes await their ack, as producer does.
	var pending []jetstream.PubAckFuture
	waitOldest := func() error {
		f := pending[0]
		pending = pending[1:]
		select {
		case <-f.Ok():
			return nil
		case err := <-f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	start := time.Now()
	for i, m := range msgs {
		if rate > 0 {
			at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if d := time.Until(at); d > 0 {
				select {
				case <-ctx.Done():
					return benchPhase{}, ctx.Err()
				case <-time.After(d):
				}
			}
		}
		for len(pending) >= benchInFlight {
			if err := waitOldest(); err != nil {
				return benchPhase{}, fmt.Errorf("publishing: %w", err)
			}
		}
		id := m.Header.Get(jetstream.MsgIDHeader)
		mu.Lock()
		sent[id] = time.Now()
		mu.Unlock()
		f, err := svc.js.PublishMsgAsync(m)
		if err != nil {
			return benchPhase{}, fmt.Errorf("publishing %s: %w", id, err)
		}
		pending = append(pending, f)
	}
	for len(pending) > 0 {
		if err := waitOldest(); err != nil {
			return benchPhase{}, fmt.Errorf("publishing: %w", err)
		}
	}
	select {
	case <-done:
	case reason := <-failed:
		return benchPhase{}, fmt.Errorf("a request was dead-lettered: %s", reason)
	case <-ctx.Done():
		mu.Lock()
		got := len(lat)
		mu.Unlock()
		return benchPhase{}, fmt.Errorf("%d of %d results within %v: %w", got, n, timeout, ctx.Err())
	}
	elapsed := time.Since(start)
	stop()
	wg.Wait()
	if consErr != nil && !errors.Is(consErr, context.Canceled) {
		return benchPhase{}, consErr
	}
	mu.Lock()
	defer mu.Unlock()
	ms := make([]int64, len(lat))
	for i, d := range lat {
		ms[i] = int64(d)
	}
	slices.Sort(ms)
	return benchPhase{
		RPS:   float64(n) / elapsed.Seconds(),
		P50MS: float64(percentile(ms, 50)) / 1e6,
		P99MS: float64(percentile(ms, 99)) / 1e6,
	}, nil
}

// runRelay is the no-op relay: workers goroutines fetch from a durable
// with cfg (serve's configuration under another name), publish each
// request unchanged to its result subject and ack once the publish is
// confirmed, until ctx ends.
func runRelay(ctx context.Context, js jetstream.JetStream, cfg jetstream.ConsumerConfig, workers int) error {
	cons, err := js.CreateOrUpdateConsumer(ctx, broker.StreamEval, cfg)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				batch, err := cons.Fetch(16, jetstream.FetchMaxWait(500*time.Millisecond))
				if err != nil {
					if ctx.Err() == nil {
						errs[w] = err
					}
					return
				}
				for m := range batch.Messages() {
					sport, id, _ := broker.ParseEvalSubject(m.Subject())
					if _, err := js.Publish(ctx, broker.ResultSubject(sport, id), m.Data()); err != nil {
						_ = m.Nak()
						continue
					}
					_ = m.Ack()
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func medianF(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// mbbFull is whole Big 12 men's basketball schedules: four schedule ids,
// each request the previous revision with one game moved to another
// game's date.
func mbbFull(o benchOptions) (*benchWorkload, error) {
	base, cons, err := big12.Documents("mbb")
	if err != nil {
		return nil, err
	}
	return &benchWorkload{name: "mbb-full", reqs: benchMoves([]*schemas.Schedule{base}, 4, o.requests, 1), constraints: cons}, nil
}

// itcFull is ITC2021 solutions, every request a new schedule id (so a new
// model for serve to build) with one game moved.
func itcFull(o benchOptions) (*benchWorkload, error) {
	var bases []*schemas.Schedule
	var cons []schemas.Constraint
	for _, name := range o.instances {
		name = strings.TrimSuffix(name, ".xml.gz")
		inst := filepath.Join(o.itcDir, "instances", name+".xml.gz")
		sol := filepath.Join(o.itcDir, "solutions", name+".xml.gz")
		if _, err := os.Stat(inst); err != nil {
			return nil, usagef("--instance: %s: %v", name, err)
		}
		in, err := readITC(inst, sol, "")
		if err != nil {
			return nil, err
		}
		bases = append(bases, in.sched)
		// Constraint ids are unique across sets, and ITC2021 reuses them
		// in every instance.
		for _, c := range in.inst.Constraints {
			c.ID = c.Sport + "." + c.ID
			cons = append(cons, c)
		}
	}
	return &benchWorkload{name: "itc-full", reqs: benchMoves(bases, o.requests, o.requests, 2), constraints: cons}, nil
}

// benchMoves makes n requests over streams schedule ids (round robin over
// bases): each schedule id starts as its base, then each request moves
// one game to another game's slot. With streams == n every request is a
// new schedule id.
func benchMoves(bases []*schemas.Schedule, streams, n int, seed uint64) []*schemas.Request {
	rng := rand.New(rand.NewPCG(seed, 0xbe9c4))
	cur := make([]schemas.Schedule, streams)
	revs := make([]int64, streams)
	for i := range cur {
		b := bases[i%len(bases)]
		cur[i] = *b
		cur[i].ID = fmt.Sprintf("%s-bench-%d", b.ID, i)
		cur[i].Games = slices.Clone(b.Games)
	}
	reqs := make([]*schemas.Request, 0, n)
	for k := range n {
		i := k % streams
		next := cur[i]
		next.Games = slices.Clone(cur[i].Games)
		g, h := rng.IntN(len(next.Games)), rng.IntN(len(next.Games))
		next.Games[g].Slot, next.Games[g].Start = next.Games[h].Slot, next.Games[h].Start
		rev := revs[i]
		revs[i]++
		cur[i] = next
		s := next
		reqs = append(reqs, &schemas.Request{Revision: &rev, Schedule: &s})
	}
	return reqs
}
