package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/examples/big12"
	"github.com/flextime/flextime/schemas"
)

// noServers clears the settings that would point a command at the
// machine's servers, so it starts its own embedded one.
func noServers(t testing.TB) {
	t.Helper()
	for _, k := range []string{"NATS_URL", "NATS_CREDS", "NATS_LISTEN", "DATA_DIR", "PORT", "DATABASE_URL", "REDIS_URL"} {
		t.Setenv(k, "")
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a buffer written by a command running in a goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is `flextime serve` running in the test process.
type server struct {
	nats, http string
	stderr     *syncBuffer
	cancel     context.CancelFunc
	done       chan int
}

// startServe runs serve on free ports until the test ends, and waits
// until it is ready. Without constraints it reads the constraint store
// (give --database-url in extra).
func startServe(t testing.TB, constraints string, extra ...string) *server {
	t.Helper()
	noServers(t)
	natsPort, httpPort := freePort(t), freePort(t)
	s := &server{
		nats:   fmt.Sprintf("127.0.0.1:%d", natsPort),
		http:   fmt.Sprintf("127.0.0.1:%d", httpPort),
		stderr: &syncBuffer{},
		done:   make(chan int, 1),
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	args := []string{"serve", "--nats-listen", s.nats,
		"--data-dir", t.TempDir(), "--port", fmt.Sprint(httpPort), "--shutdown-timeout", "5s"}
	if constraints != "" {
		args = append(args, "--constraints", constraints)
	}
	args = append(args, extra...)
	go func() {
		s.done <- Main(ctx, args, strings.NewReader(""), &bytes.Buffer{}, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + s.http + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case status := <-s.done:
			t.Fatalf("serve exited with %d: %s", status, s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready: %s", s.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sampleFiles writes the men's basketball sample to a temporary directory.
func sampleFiles(t testing.TB) (schedule, constraints string) {
	t.Helper()
	s, c, err := big12.Sample("mbb")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	schedule, constraints = filepath.Join(dir, "schedule.json"), filepath.Join(dir, "constraints.ndjson")
	if err := os.WriteFile(schedule, s, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(constraints, c, 0o644); err != nil {
		t.Fatal(err)
	}
	return schedule, constraints
}

func TestServePublishResults(t *testing.T) {
	schedule, constraints := sampleFiles(t)
	srv := startServe(t, constraints)
	url := "nats://" + srv.nats

	// A bare schedule is wrapped as a request; --wait prints its result.
	status, out, errOut := run(t, "publish", "--nats-url", url, "--wait", "--timeout", "30s", schedule)
	if status != ExitOK {
		t.Fatalf("publish: status %d: %s", status, errOut)
	}
	var res schemas.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("publish --wait printed %q: %v", out, err)
	}
	if res.Status != schemas.StatusOK || res.ScheduleID != "big12-mbb-2025-26" || res.Totals.Evaluated == 0 {
		t.Errorf("result %+v", res)
	}
	// The same evaluation, offline, gives the same totals.
	status, offline, errOut := run(t, "evaluate", "--schedule", schedule, "--constraints", constraints, "--json")
	if status != ExitOK {
		t.Fatalf("evaluate: %d %s", status, errOut)
	}
	var want schemas.Result
	if err := json.Unmarshal([]byte(offline), &want); err != nil {
		t.Fatal(err)
	}
	if res.Totals != want.Totals {
		t.Errorf("served totals %+v, offline %+v", res.Totals, want.Totals)
	}

	// NDJSON of requests, without --wait: one line per request.
	reqs := writeFile(t, "reqs.ndjson", requestLine(t, schedule, "a", 1)+requestLine(t, schedule, "b", 2))
	status, out, errOut = run(t, "publish", "--nats-url", url, reqs)
	if status != ExitOK || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"request_id":"a"`) ||
		!strings.Contains(out, "flextime.eval.mbb.big12-mbb-2025-26") {
		t.Fatalf("publish: %d %q %s", status, out, errOut)
	}
	// results (without --follow) prints what the stream holds and exits.
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, out, errOut = run(t, "results", "--nats-url", url, "--sport", "mbb")
		if status != ExitOK {
			t.Fatalf("results: %d %s", status, errOut)
		}
		if strings.Count(out, "\n") == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	ids := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r schemas.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("results line %q: %v", sc.Text(), err)
		}
		ids[r.RequestID] = true
	}
	if !ids["a"] || !ids["b"] || len(ids) != 3 {
		t.Errorf("results gave request ids %v", ids)
	}

	// The operations surface.
	for path, want := range map[string]string{
		"/health":  `"ok"`,
		"/ready":   `"ready"`,
		"/metrics": "flextime_messages_acked_total 3",
	} {
		resp, err := http.Get("http://" + srv.http + path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(b.String(), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
	if !strings.Contains(srv.stderr.String(), "nats://"+srv.nats) {
		t.Errorf("serve did not log its URL: %s", srv.stderr.String())
	}
}

func requestLine(t *testing.T, schedulePath, id string, rev int) string {
	t.Helper()
	data, err := os.ReadFile(schedulePath)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`{"request_id":%q,"revision":%d,"schedule":%s}`+"\n", id, rev, buf.String())
}

func TestServeBadInputAtStart(t *testing.T) {
	_, constraints := sampleFiles(t)
	bad := writeFile(t, "bad.ndjson", `{"id":"r1","sport":"mbb","kind":"games_count","hard":true,"params":{"min":-3}}`+"\n")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no source", []string{"serve"}, "no constraint source"},
		{"bad document", []string{"serve", "--constraints", bad}, `bad.ndjson: constraint "r1"`},
		{"missing file", []string{"serve", "--constraints", "/nonexistent/c.ndjson"}, "/nonexistent/c.ndjson"},
		{"port taken", []string{"serve", "--constraints", constraints, "--data-dir", t.TempDir(),
			"--nats-listen", taken.Addr().String()}, taken.Addr().String()},
		{"bad duration", []string{"serve", "--constraints", constraints, "--ack-wait", "soon"}, "--ack-wait"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noServers(t)
			done := make(chan struct{})
			var status int
			var errOut string
			go func() {
				defer close(done)
				status, _, errOut = run(t, c.args...)
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("serve did not exit on bad input")
			}
			if status != ExitBadInput || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("status %d, stderr %q; want 2 and one line naming %q", status, errOut, c.want)
			}
		})
	}
}

func TestDemo(t *testing.T) {
	noServers(t)
	status, out, errOut := run(t, "demo", "--moves", "15")
	if status != ExitOK {
		t.Fatalf("demo: status %d: %s\n%s", status, errOut, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var revs int
	for _, l := range lines {
		if strings.HasPrefix(l, "rev ") {
			revs++
			if !strings.Contains(l, "objective") || !strings.Contains(l, "hard violated") {
				t.Errorf("result line %q", l)
			}
		}
	}
	if revs != 16 {
		t.Errorf("%d result lines, want 16 (the season and 15 moves):\n%s", revs, out)
	}
	if !strings.Contains(out, "16 requests evaluated in") || !strings.Contains(out, "results/s") ||
		!strings.Contains(out, "latest revision 15") {
		t.Errorf("no closing summary:\n%s", out)
	}
}

// TestServeReloadsConstraints changes the constraints file and announces
// it on flextime.constraints.changed: the next result is under the new
// set. A broken file announced the same way leaves the set in use.
func TestServeReloadsConstraints(t *testing.T) {
	schedule, constraints := sampleFiles(t)
	srv := startServe(t, constraints)
	url := "nats://" + srv.nats
	first := publishWait(t, url, schedule)

	data, err := os.ReadFile(constraints)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(data)), "\n")
	if err := os.WriteFile(constraints, []byte(strings.Join(lines[:len(lines)-1], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	announce(t, url)
	deadline := time.Now().Add(20 * time.Second)
	var second schemas.Result
	for {
		second = publishWait(t, url, schedule)
		if second.ConstraintSet != first.ConstraintSet || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if second.ConstraintSet == first.ConstraintSet || second.Totals.Evaluated != first.Totals.Evaluated-1 {
		t.Fatalf("after reload: set %s evaluated %d; before: %s %d", second.ConstraintSet, second.Totals.Evaluated,
			first.ConstraintSet, first.Totals.Evaluated)
	}

	if err := os.WriteFile(constraints, []byte("{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	announce(t, url)
	waitLog(t, srv, "constraint reload failed")
	third := publishWait(t, url, schedule)
	if third.ConstraintSet != second.ConstraintSet {
		t.Errorf("a bad file replaced the set: %s, was %s", third.ConstraintSet, second.ConstraintSet)
	}
}

func publishWait(t *testing.T, url, schedule string) schemas.Result {
	t.Helper()
	status, out, errOut := run(t, "publish", "--nats-url", url, "--wait", "--timeout", "30s", schedule)
	if status != ExitOK {
		t.Fatalf("publish: %d %s", status, errOut)
	}
	var r schemas.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	return r
}

func announce(t *testing.T, url string) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Publish("flextime.constraints.changed", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func waitLog(t *testing.T, srv *server, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(srv.stderr.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q:\n%s", text, srv.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPublishITC2021(t *testing.T) {
	inst, sol := early01(t)
	_, constraints := sampleFiles(t)
	srv := startServe(t, constraints)
	status, out, errOut := run(t, "publish", "--nats-url", "nats://"+srv.nats, "--wait", "--timeout", "30s",
		"--itc2021", inst, sol)
	if status != ExitOK {
		t.Fatalf("publish --itc2021: %d %s", status, errOut)
	}
	var r schemas.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	// The serve instance has no constraints for this sport: the result
	// says so rather than scoring against nothing.
	if r.Sport != "itc2021_early_01" || r.Status != schemas.StatusError || !strings.Contains(r.Error, "itc2021_early_01") {
		t.Errorf("result %+v", r)
	}
	status, _, errOut = run(t, "publish", "--nats-url", "nats://"+srv.nats, "--itc2021", inst)
	if status != ExitBadInput || !strings.Contains(errOut, "INSTANCE and SOLUTION") {
		t.Errorf("one argument: %d %q", status, errOut)
	}
}

// TestReplay evaluates the kept requests again under a replay id; the
// same replay again stores nothing new.
func TestReplay(t *testing.T) {
	schedule, constraints := sampleFiles(t)
	srv := startServe(t, constraints)
	url := "nats://" + srv.nats
	reqs := writeFile(t, "reqs.ndjson", requestLine(t, schedule, "p", 1)+requestLine(t, schedule, "q", 2))
	if status, _, errOut := run(t, "publish", "--nats-url", url, reqs); status != ExitOK {
		t.Fatal(errOut)
	}
	results := func() map[string]int {
		status, out, errOut := run(t, "results", "--nats-url", url)
		if status != ExitOK {
			t.Fatal(errOut)
		}
		seen := map[string]int{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if l == "" {
				continue
			}
			var r schemas.Result
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			seen[r.RequestID+"/"+r.ReplayID]++
		}
		return seen
	}
	waitUntil := func(what string, cond func(map[string]int) bool) map[string]int {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			got := results()
			if cond(got) {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: results %v", what, got)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitUntil("originals", func(m map[string]int) bool { return m["p/"] == 1 && m["q/"] == 1 })

	for range 2 {
		status, out, errOut := run(t, "replay", "--nats-url", url, "--replay-id", "r1")
		if status != ExitOK || !strings.Contains(out, `"published":2`) {
			t.Fatalf("replay: %d %q %s", status, out, errOut)
		}
	}
	got := waitUntil("replayed", func(m map[string]int) bool { return m["p/r1"] == 1 && m["q/r1"] == 1 })
	if len(got) != 4 || got["p/"] != 1 || got["q/"] != 1 {
		t.Errorf("results after two replays: %v", got)
	}
	// The second replay was dropped at the door: the request stream holds
	// the two originals and one replayed copy of each.
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(context.Background(), "FLEXTIME_EVAL")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(context.Background()); err != nil || info.State.Msgs != 4 {
		t.Errorf("FLEXTIME_EVAL holds %d requests, want 4 (%v)", info.State.Msgs, err)
	}
}
