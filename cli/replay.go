package cli

import (
	"bufio"
	"time"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/producer"
)

func (a *app) replayCommand() *cobra.Command {
	var (
		o            producer.ReplayOptions
		since, until string
	)
	cmd := &cobra.Command{
		Use:   "replay [--replay-id ID] [--since TIME | --from-seq N] [--until TIME] [--sport S]",
		Short: "Evaluate past requests again, under today's constraints and code",
		Long: `replay re-publishes the requests kept in FLEXTIME_EVAL (STREAM_MAX_AGE
back) that the options select, so the running instances evaluate them
again: after a rollback of the constraints or of the code, say. Each
replayed request carries its replay id; its result is published with
Nats-Msg-Id request_id/replay_id and carries replay_id, and history keeps
it apart from the original. Running the same replay id again publishes
with the same ids, so nothing is stored twice. Requests that were
themselves replays are skipped. Each replayed copy names its original's
stream sequence; the instances read the original back and take its time
only when it is the same request, so no header can be forged into
history. TIME is RFC 3339 or a duration ago (2h).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.Since, err = pastTime("--since", since); err != nil {
				return err
			}
			if o.Until, err = pastTime("--until", until); err != nil {
				return err
			}
			if o.ReplayID == "" {
				o.ReplayID = "replay-" + time.Now().UTC().Format("20060102T150405Z")
			}
			if err := producer.CheckReplayID(o.ReplayID); err != nil {
				return usagef("--replay-id: %v", err)
			}
			nc, js, err := connectClient(cmd.Context(), cmd, "flextime replay")
			if err != nil {
				return err
			}
			defer nc.Close()
			n, err := producer.Replay(cmd.Context(), js, producer.New(js), o)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(a.stdout)
			if err := writeJSON(w, map[string]any{"replay_id": o.ReplayID, "published": n}, false); err != nil {
				return err
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&o.ReplayID, "replay-id", "", "the replay's id (default: replay-<now>); reuse it to resume a replay")
	cmd.Flags().StringVar(&since, "since", "", "first request stored at or after TIME")
	cmd.Flags().Uint64Var(&o.FromSeq, "from-seq", 0, "first request at stream sequence N")
	cmd.Flags().StringVar(&until, "until", "", "last request stored at or before TIME")
	cmd.Flags().StringVar(&o.Sport, "sport", "", "only requests of sport S")
	addSettings(cmd, clientSettings...)
	return cmd
}

// pastTime reads RFC 3339 or a duration before now; "" is the zero time.
func pastTime(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, usagef("%s: %q is neither an RFC 3339 time nor a duration such as 2h", flag, v)
}
