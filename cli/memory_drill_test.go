package cli

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
)

// drillConstraints are the tiny drill sport's constraints: two capacity
// rules over the four teams of drillSchedule.
const drillConstraints = `[
 {"id": "n-away", "sport": "drill", "kind": "CA1", "hard": true,
  "params": {"teams": ["N"], "slots": [0, 1, 2], "max": 1, "mode": "H"}},
 {"id": "e-rest", "sport": "drill", "kind": "CA1", "hard": false, "penalty": 0.5,
  "params": {"teams": ["E"], "slots": [2, 3], "max": 0, "mode": "A"}}
]`

// drillSchedule is a double round robin of four teams in six slots,
// under schedule id id; rot turns the slots so that schedules differ.
func drillSchedule(id string, rot int) *schemas.Schedule {
	teams := []string{"N", "E", "S", "W"}
	rounds := [][4]int{{0, 1, 2, 3}, {0, 2, 3, 1}, {0, 3, 1, 2}, {1, 0, 3, 2}, {2, 0, 1, 3}, {3, 0, 2, 1}}
	s := &schemas.Schedule{ID: id, Sport: "drill"}
	for _, t := range teams {
		s.Teams = append(s.Teams, schemas.Team{ID: t})
	}
	for i := range 6 {
		s.Slots = append(s.Slots, schemas.Slot{ID: i})
	}
	for r, m := range rounds {
		slot := (r + rot) % 6
		for k := 0; k < 4; k += 2 {
			sl := slot
			s.Games = append(s.Games, schemas.Game{ID: fmt.Sprintf("g%d-%d", r, k/2),
				Home: teams[m[k]], Away: teams[m[k+1]], Slot: &sl})
		}
	}
	return s
}

// rssBytes reads a process's resident set from /proc.
func rssBytes(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// scrape returns the value of an unlabelled metric from /metrics.
func scrape(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Errorf("/metrics has no %s", name)
	return -1
}

type rssSample struct {
	done int // results so far
	rss  int64
}

// TestServeMemoryDrill is the drill issue 9 asks for: 100,000 requests
// with distinct schedule ids through the real `flextime serve` binary,
// with a 32 MiB cache. Once the cache has filled (after the first fifth),
// RSS stays under the caches' bounds plus 150 MiB, and does not keep
// growing: the late samples are not far above the mid-run ones. -short
// runs 20,000 requests and keeps every check. FLEXTIME_DRILL_BIN runs a
// prebuilt binary instead of building one (to measure another build).
func TestServeMemoryDrill(t *testing.T) {
	n := 100000
	if testing.Short() {
		n = 20000
	}
	const cacheBytes, modelBytes = 32 << 20, 8 << 20
	const bound = cacheBytes + modelBytes + 150<<20
	bin := os.Getenv("FLEXTIME_DRILL_BIN")
	if bin == "" {
		gobin, err := exec.LookPath("go")
		if err != nil {
			t.Skip("no go command on PATH")
		}
		bin = filepath.Join(t.TempDir(), "flextime")
		build := exec.Command(gobin, "build", "-o", bin, "github.com/flextime/flextime/cmd/flextime")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	url := natstest.Server(t)
	cons := writeFile(t, "drill-constraints.json", drillConstraints)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))

	cmd := exec.Command(bin, "serve", "--constraints", cons)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "DATABASE_URL" || k == "REDIS_URL" || k == "NATS_CREDS" || strings.HasPrefix(k, "CACHE_") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "NATS_URL="+url, "PORT="+strings.Split(httpAddr, ":")[1], "LOG_LEVEL=warn",
		"MAX_WORKERS=2", "DATA_DIR="+t.TempDir(),
		"CACHE_MAX_BYTES="+strconv.Itoa(cacheBytes), "MODEL_CACHE_BYTES="+strconv.Itoa(modelBytes))
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("serve stderr:\n%.4000s", stderr.String())
		}
	}()

	_, js := natstest.Connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := js.Consumer(ctx, broker.StreamEval, "evaluator"); err == nil {
			if resp, err := http.Get("http://" + httpAddr + "/ready"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("serve exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve not ready after 60s")
		}
	}
	results, err := js.Stream(ctx, broker.StreamResults)
	if err != nil {
		t.Fatal(err)
	}
	answered := func() int {
		info, err := results.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(info.State.Msgs)
	}

	// Sample RSS until the drill ends; the sampler is waited for.
	var (
		mu      sync.Mutex
		samples []rssSample
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			rss, err := rssBytes(cmd.Process.Pid)
			if err != nil {
				return
			}
			info, err := results.Info(ctx)
			if err != nil {
				continue
			}
			mu.Lock()
			samples = append(samples, rssSample{done: int(info.State.Msgs), rss: rss})
			mu.Unlock()
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	start := time.Now()
	p := producer.New(js)
	for i := range n {
		req := &schemas.Request{RequestID: fmt.Sprintf("drill-%06d", i), Schedule: drillSchedule(fmt.Sprintf("s%06d", i), i%6)}
		if _, err := p.Publish(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if acked, err := p.Wait(ctx); err != nil || acked != n {
		t.Fatalf("%d of %d requests stored: %v", acked, n, err)
	}
	published := time.Since(start)
	for answered() < n {
		select {
		case err := <-exited:
			t.Fatalf("serve exited after %d results: %v", answered(), err)
		case <-ctx.Done():
			t.Fatalf("%d of %d results after %s", answered(), n, time.Since(start))
		case <-time.After(250 * time.Millisecond):
		}
	}
	took := time.Since(start)
	if got := answered(); got != n {
		t.Errorf("%d results for %d requests", got, n)
	}
	if d := dlqCount(t, js); d != 0 {
		t.Errorf("%d dead letters; every drill request is valid", d)
	}

	mu.Lock()
	got := append([]rssSample(nil), samples...)
	mu.Unlock()
	var peak, mid, late int64
	var nMid, nLate int
	for _, s := range got {
		switch {
		case s.done < n/5:
			continue
		case s.done >= 2*n/5 && s.done <= 3*n/5:
			mid, nMid = max(mid, s.rss), nMid+1
		case s.done >= 4*n/5:
			late, nLate = max(late, s.rss), nLate+1
		}
		peak = max(peak, s.rss)
	}
	t.Logf("%d requests: published in %s, answered in %s; %d RSS samples; peak after the first fifth %d MiB (bound %d MiB), mid-run %d MiB, late %d MiB",
		n, published.Round(time.Millisecond), took.Round(time.Millisecond), len(got), peak>>20, bound>>20, mid>>20, late>>20)
	if peak > bound {
		t.Errorf("RSS reached %d MiB after the cache filled; bound %d MiB", peak>>20, bound>>20)
	}
	if nMid == 0 || nLate == 0 {
		t.Fatalf("too few samples to compare (mid %d, late %d)", nMid, nLate)
	}
	if late > mid+mid/4+32<<20 {
		t.Errorf("RSS keeps growing: %d MiB late against %d MiB mid-run", late>>20, mid>>20)
	}
	// The cache filled and evicted, and holds no more than its bound.
	if ev := scrape(t, httpAddr, "flextime_cache_evictions_total"); ev <= 0 {
		t.Error("the cache never evicted: the drill did not reach the bound")
	}
	if b := scrape(t, httpAddr, "flextime_cache_bytes"); b > cacheBytes {
		t.Errorf("flextime_cache_bytes %v over CACHE_MAX_BYTES %d", b, cacheBytes)
	}
}
