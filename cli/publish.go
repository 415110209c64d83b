package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
)

func (a *app) publishCommand() *cobra.Command {
	var (
		wait     bool
		itc      bool
		timeout  time.Duration
		progress bool
		sport    string
	)
	cmd := &cobra.Command{
		Use:   "publish [--wait] [--timeout D] FILE... | publish --itc2021 [--sport S] INSTANCE SOLUTION",
		Short: "Publish evaluation requests, or schedules wrapped as requests",
		Long: `publish sends each JSON value of the files (JSON, a JSON array or NDJSON;
"-" is stdin) to flextime.eval.<sport>.<schedule_id>. A value with a
"schedule" is a request; a bare schedule document is wrapped as one. A
request without request_id gets one. Without --wait it prints one JSON line
per request (request_id and subject); with --wait it prints each request's
result as NDJSON once it arrives, and fails if some have not arrived within
--timeout. With --itc2021 it publishes a RobinX solution as a schedule.
A progress bar shows on large inputs when stderr is a terminal.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var reqs []*schemas.Request
			if itc {
				if len(args) != 2 {
					return usagef("--itc2021 takes INSTANCE and SOLUTION, got %d arguments", len(args))
				}
				in, err := readITC(args[0], args[1], sport)
				if err != nil {
					return err
				}
				reqs = append(reqs, &schemas.Request{Schedule: in.sched})
			} else {
				if len(args) == 0 {
					return usagef("missing FILE (or --itc2021 INSTANCE SOLUTION)")
				}
				for _, path := range args {
					rs, err := a.readRequests(path)
					if err != nil {
						return err
					}
					reqs = append(reqs, rs...)
				}
			}
			if len(reqs) == 0 {
				return badInputf("nothing to publish in %v", args)
			}
			return a.publish(cmd, reqs, wait, timeout, progress || (len(reqs) >= 100 && a.isTerminal()))
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for each request's result and print it")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "with --wait, how long to wait for the results")
	cmd.Flags().BoolVar(&itc, "itc2021", false, "publish an ITC2021 (RobinX) INSTANCE SOLUTION as a schedule")
	cmd.Flags().StringVar(&sport, "sport", "", "with --itc2021, the sport (default: the instance file's base name)")
	cmd.Flags().BoolVar(&progress, "progress", false, "show the progress bar even when stderr is not a terminal")
	addSettings(cmd, clientSettings...)
	return cmd
}

func (a *app) isTerminal() bool {
	f, ok := a.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// readInput reads the file at path, or stdin for "-", and returns its
// bytes and the name errors about it give: the path, or "stdin".
func (a *app) readInput(path string) (data []byte, name string, err error) {
	if path == "-" {
		data, err = io.ReadAll(a.stdin)
		path = "stdin"
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, path, inFile(path, err)
	}
	return data, path, nil
}

// readRequests reads the JSON values of a file as requests. Errors name
// the file and the value (counted from 1).
func (a *app) readRequests(path string) ([]*schemas.Request, error) {
	data, path, err := a.readInput(path)
	if err != nil {
		return nil, err
	}
	var values []json.RawMessage
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &values); err != nil {
			return nil, inFile(path, badInputf("not a JSON array: %v", err))
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(data))
		for {
			var v json.RawMessage
			if err := dec.Decode(&v); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, inFile(path, badInputf("value %d: not JSON: %v", len(values)+1, err))
			}
			values = append(values, v)
		}
	}
	var out []*schemas.Request
	for i, v := range values {
		r, err := asRequest(v)
		if err != nil {
			return nil, inFile(path, badInputf("value %d: %v", i+1, err))
		}
		out = append(out, r)
	}
	return out, nil
}

// asRequest reads one value as a request, wrapping a bare schedule. Only
// what is needed to route it is checked here; the service validates the
// rest and dead-letters what fails.
func asRequest(v json.RawMessage) (*schemas.Request, error) {
	var probe struct {
		Schedule json.RawMessage `json:"schedule"`
		Teams    json.RawMessage `json:"teams"`
	}
	if err := json.Unmarshal(v, &probe); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	var r schemas.Request
	switch {
	case probe.Schedule != nil:
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("not a request: %v", err)
		}
	case probe.Teams != nil:
		var s schemas.Schedule
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("not a schedule: %v", err)
		}
		r.Schedule = &s
	default:
		return nil, fmt.Errorf(`neither a request (no "schedule") nor a schedule document (no "teams")`)
	}
	if r.Schedule == nil || r.Schedule.ID == "" || r.Schedule.Sport == "" {
		return nil, fmt.Errorf("schedule: id and sport are required to route the request")
	}
	return &r, nil
}

func (a *app) publish(cmd *cobra.Command, reqs []*schemas.Request, wait bool, timeout time.Duration, bar bool) error {
	ctx := cmd.Context()
	nc, js, err := connectClient(ctx, cmd, "flextime publish")
	if err != nil {
		return err
	}
	defer nc.Close()
	w := bufio.NewWriter(a.stdout)
	defer w.Flush()

	// With --wait, listen before publishing so no result is missed.
	want := map[string]bool{}
	var results chan *schemas.Result
	var readErr chan error
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if wait {
		for _, r := range reqs {
			if r.RequestID == "" {
				r.RequestID = producer.NewRequestID()
			}
			want[r.RequestID] = true
		}
		results, readErr = make(chan *schemas.Result, 64), make(chan error, 1)
		ready := make(chan struct{})
		go func() {
			readErr <- producer.Results(waitCtx, js, producer.ResultsOptions{Follow: true, New: true, Ready: ready},
				func(res *schemas.Result) error {
					results <- res
					return nil
				})
		}()
		select {
		case <-ready:
		case err := <-readErr:
			return err
		}
	}

	var pb *progressbar.ProgressBar
	if bar {
		pb = progressbar.NewOptions(len(reqs), progressbar.OptionSetWriter(a.stderr),
			progressbar.OptionSetDescription("publishing"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	client := producer.New(js)
	for _, r := range reqs {
		id, err := client.Publish(ctx, r)
		if err != nil {
			return err
		}
		if !wait {
			subject := ""
			if m, err := producer.Message(r); err == nil {
				subject = m.Subject
			}
			if err := writeJSON(w, map[string]string{"request_id": id, "subject": subject}, false); err != nil {
				return err
			}
		}
		if pb != nil {
			_ = pb.Add(1)
		}
	}
	if _, err := client.Wait(ctx); err != nil {
		return fmt.Errorf("publishing: %w", err)
	}
	if pb != nil {
		_ = pb.Finish()
	}
	if !wait {
		return nil
	}
	for len(want) > 0 {
		select {
		case res := <-results:
			if !want[res.RequestID] {
				continue
			}
			delete(want, res.RequestID)
			if err := writeJSON(w, res, false); err != nil {
				return err
			}
		case err := <-readErr:
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("%d of %d results did not arrive within %s", len(want), len(reqs), timeout)
			}
			return err
		}
	}
	return nil
}
