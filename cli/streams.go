package cli

import (
	"bufio"
	"errors"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/broker"
)

func (a *app) streamsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "streams",
		Short: "Manage the JetStream streams",
		Args:  cobra.NoArgs,
		RunE:  groupRun,
	}
	apply := &cobra.Command{
		Use:   "apply",
		Short: "Create or update FLEXTIME_EVAL, FLEXTIME_RESULTS and FLEXTIME_DLQ",
		Long: `apply creates the streams that do not exist and updates those whose
settings differ (STREAM_MAX_AGE, STREAM_MAX_BYTES, DEDUP_WINDOW,
STREAM_REPLICAS). Streams that cannot all fit the JetStream store, or
replicas on a server outside a cluster, are refused before anything is made. It prints
one JSON line per stream with what it did: created, updated or unchanged.
Running it again changes nothing. serve does the same at start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := newConfig(cmd)
			o := broker.DefaultStreamOptions()
			var err error
			if o.MaxAge, err = cfg.duration("STREAM_MAX_AGE"); err != nil {
				return err
			}
			if o.MaxBytes, err = cfg.bytes("STREAM_MAX_BYTES"); err != nil {
				return err
			}
			if o.DedupWindow, err = cfg.duration("DEDUP_WINDOW"); err != nil {
				return err
			}
			if o.Replicas, err = cfg.int("STREAM_REPLICAS", 1); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return usagef("%v", err)
			}
			nc, js, err := connectClient(cmd.Context(), cmd, "flextime streams apply")
			if err != nil {
				return err
			}
			defer nc.Close()
			changes, err := broker.ApplyStreams(cmd.Context(), js, o)
			if errors.Is(err, broker.ErrStoreTooSmall) || errors.Is(err, broker.ErrNotClustered) {
				return usagef("%v", err)
			}
			if err != nil {
				return err
			}
			w := bufio.NewWriter(a.stdout)
			for _, ch := range changes {
				if err := writeJSON(w, map[string]string{"stream": ch.Stream, "action": ch.Action}, false); err != nil {
					return err
				}
			}
			return w.Flush()
		},
	}
	addSettings(apply, append(clientSettings, "STREAM_MAX_AGE", "STREAM_MAX_BYTES", "DEDUP_WINDOW", "STREAM_REPLICAS")...)
	cmd.AddCommand(apply)
	return cmd
}
