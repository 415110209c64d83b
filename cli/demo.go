package cli

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/examples/big12"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

func (a *app) demoCommand() *cobra.Command {
	var (
		sport string
		moves int
		seed  uint64
	)
	cmd := &cobra.Command{
		Use:   "demo [--sport S] [--moves N] [--seed N]",
		Short: "Run the whole pipeline on a sample season, with no servers to install",
		Long: `demo starts an embedded JetStream server (or uses NATS_URL) and the
evaluator, publishes a Big 12 sample season, then a stream of simulated
scheduler moves: two games swap their dates, as a slot event with "games"
set and a rising revision. It prints one line per result and a summary
with the throughput, then exits. Its server keeps its data in a temporary
directory, removed at the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if moves < 0 {
				return usagef("--moves must not be negative")
			}
			return a.demo(cmd, sport, moves, seed)
		},
	}
	cmd.Flags().StringVar(&sport, "sport", "mbb", "sample sport: mbb, wbb or football")
	cmd.Flags().IntVar(&moves, "moves", 200, "simulated moves to publish after the season")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the simulated moves")
	addSettings(cmd, "NATS_URL", "NATS_CREDS", "MAX_WORKERS", "LOG_LEVEL")
	return cmd
}

func (a *app) demo(cmd *cobra.Command, sport string, moves int, seed uint64) error {
	schedData, consData, err := big12.Sample(sport)
	if err != nil {
		return usagef("--sport: %v", err)
	}
	sched, err := schemas.DecodeSchedule(schedData)
	if err != nil {
		return fmt.Errorf("sample %s: %w", sport, err)
	}
	dir, err := os.MkdirTemp("", "flextime-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	consPath := filepath.Join(dir, "constraints.ndjson")
	if err := os.WriteFile(consPath, consData, 0o644); err != nil {
		return err
	}
	src, err := store.OpenFile(consPath)
	if err != nil {
		return err
	}

	cfg := newConfig(cmd)
	if !cmd.Flags().Changed("log-level") {
		if _, ok := cfg.lookup("LOG_LEVEL"); !ok {
			cfg.lookup = func(k string) (string, bool) {
				if k == "LOG_LEVEL" {
					return "warn", true // the demo's own lines are the output
				}
				return os.LookupEnv(k)
			}
		}
	}
	log, err := cfg.logger(a.stderr)
	if err != nil {
		return err
	}
	o, err := a.readServiceOptions(cfg)
	if err != nil {
		return err
	}
	o.listen, o.dataDir, o.port = "127.0.0.1:0", filepath.Join(dir, "nats"), 0
	// The demo needs no servers: no history, whatever DATABASE_URL says.
	o.db = nil

	ctx := cmd.Context()
	svc, err := startService(ctx, log, o, fileSource{src})
	if err != nil {
		return err
	}
	defer svc.close()
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runDone := make(chan error, 1)
	go func() { runDone <- svc.run(runCtx) }()

	w := bufio.NewWriter(a.stdout)
	defer w.Flush()
	fmt.Fprintf(w, "flextime demo: %s sample %s (%d teams, %d games), %d moves; NATS at %s, metrics at http://%s/metrics\n",
		sport, sched.ID, len(sched.Teams), len(sched.Games), moves, svc.url, localAddr(svc.httpAddr))
	w.Flush()

	// Listen for results before publishing.
	results := make(chan *schemas.Result, 256)
	ready := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		readErr <- producer.Results(runCtx, svc.js, producer.ResultsOptions{Sport: sched.Sport, ScheduleID: sched.ID,
			Follow: true, New: true, Ready: ready}, func(r *schemas.Result) error {
			results <- r
			return nil
		})
	}()
	select {
	case <-ready:
	case err := <-readErr:
		return err
	}

	reqs := demoRequests(sched, moves, seed)
	client := producer.New(svc.js)
	start := time.Now()
	go func() {
		for _, r := range reqs {
			if _, err := client.Publish(runCtx, r); err != nil {
				readErr <- err
				return
			}
		}
	}()

	seen := map[string]bool{}
	var durations []int64
	var last *schemas.Result
	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	for len(seen) < len(reqs) {
		select {
		case r := <-results:
			if seen[r.RequestID] {
				continue
			}
			seen[r.RequestID] = true
			durations = append(durations, r.DurationUS)
			if last == nil || *r.Revision > *last.Revision {
				last = r
			}
			fmt.Fprintf(w, "rev %4d  %-7s objective %-8s hard violated %-3d soft violated %-3d soft satisfied %5.1f%%  %d µs\n",
				*r.Revision, r.Status, r.Totals.Objective, r.Totals.HardViolated, r.Totals.SoftViolated,
				r.Totals.SoftSatisfiedPct, r.DurationUS)
		case err := <-readErr:
			return err
		case err := <-runDone:
			return fmt.Errorf("the consumer stopped: %v", err)
		case <-timeout.C:
			return fmt.Errorf("only %d of %d results arrived within 2m", len(seen), len(reqs))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	took := time.Since(start)
	slices.Sort(durations)
	fmt.Fprintf(w, "\n%d requests evaluated in %s: %.0f results/s end to end; evaluation median %d µs, max %d µs\n",
		len(reqs), took.Round(time.Millisecond), float64(len(reqs))/took.Seconds(),
		durations[len(durations)/2], durations[len(durations)-1])
	if last != nil {
		fmt.Fprintf(w, "latest revision %d: infeasibility %s, objective %s, %d hard and %d soft constraints violated\n",
			*last.Revision, last.Totals.Infeasibility, last.Totals.Objective, last.Totals.HardViolated, last.Totals.SoftViolated)
	}
	w.Flush()
	stopRun()
	return <-runDone
}

// demoRequests is the season (revision 0), then moves that each swap the
// dates of two games, with the games named and the revision rising.
func demoRequests(base *schemas.Schedule, moves int, seed uint64) []*schemas.Request {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	cur := *base
	cur.Games = slices.Clone(base.Games)
	rev := int64(0)
	reqs := []*schemas.Request{{Revision: &rev, Schedule: base}}
	for i := 1; i <= moves; i++ {
		next := cur
		next.Games = slices.Clone(cur.Games)
		a, b := rng.IntN(len(next.Games)), rng.IntN(len(next.Games)-1)
		if b >= a {
			b++
		}
		ga, gb := &next.Games[a], &next.Games[b]
		ga.Slot, gb.Slot = gb.Slot, ga.Slot
		ga.Start, gb.Start = gb.Start, ga.Start
		r := int64(i)
		snap := next
		reqs = append(reqs, &schemas.Request{Revision: &r, Schedule: &snap, Games: []string{ga.ID, gb.ID}})
		cur = next
	}
	return reqs
}

// localAddr turns a listener's address on every interface into one a
// browser on this machine can open.
func localAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}
